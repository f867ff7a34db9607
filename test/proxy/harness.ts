import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { request } from 'undici';
import { afterEach } from 'vitest';
import { loadSpec } from '../../src/spec/index.js';
import { startProxy, type ProxyOptions, type RunningProxy } from '../../src/proxy/index.js';
import { fixture } from '../helpers.js';

export interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

export interface Upstream {
  url: string;
  /** Requests whose body ended, in order. */
  seen: Seen[];
  /** Every request whose headers arrived, ended or not (a request abandoned mid-body is here, not in `seen`). */
  started: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders }>;
  close(): Promise<void>;
}

/** A real upstream on 127.0.0.1, port 0; records what reached it. */
export async function startUpstream(handler: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void): Promise<Upstream> {
  const seen: Seen[] = [];
  const started: Upstream['started'] = [];
  const server = http.createServer((req, res) => {
    started.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body });
      handler(req, res, body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const upstream = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    started,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  open.push(upstream);
  return upstream;
}

/** Log lines the proxy wrote (NDJSON), read back as objects. */
export class LogCapture extends Writable {
  lines: Array<Record<string, unknown>> = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    for (const line of chunk.toString().split('\n').filter(Boolean)) this.lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  }
}

/** Everything the harness opened in the current test, closed after it (in reverse order). */
const open: Array<{ close(): Promise<void> }> = [];

/** Call once per test file: closes every upstream and proxy a test opened, even when it failed. */
export function closeAfterEach(): void {
  afterEach(async () => {
    for (const resource of open.splice(0).reverse()) await resource.close();
  });
}

export const tempDir = (): string => mkdtempSync(join(tmpdir(), 'sworn-proxy-'));

export async function proxyFor(upstream: string, options: Partial<ProxyOptions> & { specFile?: string } = {}): Promise<RunningProxy & { logs: LogCapture }> {
  const spec = await loadSpec(options.specFile ?? fixture('proxy/api.yaml'));
  const logs = new LogCapture();
  const proxy = await startProxy({
    spec,
    upstream,
    port: 0,
    adminPort: 0,
    store: ':memory:',
    logger: pino({ level: 'info' }, logs),
    ...options,
  });
  open.push(proxy);
  return Object.assign(proxy, { logs });
}

/** A request through undici; the body read as text. */
export async function call(url: string, init: { method?: string; headers?: Record<string, string | string[]>; body?: string | Buffer } = {}) {
  const res = await request(url, { method: (init.method ?? 'GET') as never, headers: init.headers ?? {}, body: init.body ?? null });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

/** Lets the proxy finish its after-response checks. */
export const settle = () => new Promise<void>((resolve) => setImmediate(() => setTimeout(resolve, 20)));
