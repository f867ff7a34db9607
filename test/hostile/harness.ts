import net from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'undici';
import { expect } from 'vitest';
import { fixture } from '../helpers.js';
import { proxyFor, startUpstream, type Upstream } from '../proxy/harness.js';
import type { ProxyOptions } from '../../src/proxy/index.js';

export const HOSTILE_SPEC = fixture('hostile/api.yaml');

/**
 * The upstream of the hostile suite: echoes `/v1/echo` and `/v1/trees`
 * byte for byte (same content type), answers the pets, the vault, and
 * whatever `extra` takes first.
 */
export async function startHostileUpstream(extra?: (req: IncomingMessage, res: ServerResponse, body: Buffer) => boolean): Promise<Upstream> {
  return startUpstream((req, res, body) => {
    if (extra?.(req, res, body)) return;
    const path = (req.url ?? '').split('?')[0];
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (path === '/v1/echo' || path === '/v1/trees') {
      res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/octet-stream', 'content-length': body.length });
      res.end(body);
    } else if (path === '/v1/pets' && req.method === 'GET') json(200, []);
    else if (path === '/v1/pets' && req.method === 'POST') json(201, { name: 'rex' });
    else if (path === '/v1/pets' && req.method === 'PUT') json(200, []);
    else if (path?.startsWith('/v1/vault/')) json(200, {});
    else json(404, { title: 'not found' });
  });
}

export function hostileProxy(upstream: string, options: Partial<ProxyOptions> = {}) {
  return proxyFor(upstream, { specFile: HOSTILE_SPEC, ...options });
}

/** A small seeded generator (mulberry32): the same bodies on every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface BackgroundResult {
  sent: number;
  ok: number;
  /** Exchanges that failed (error or non-200). */
  lost: number;
  /** Exchanges whose echoed body differed from what was sent. */
  altered: number;
}

/**
 * A background stream of echo exchanges (random binary bodies up to 32 KiB,
 * two at a time) while an attack runs: every one must come back 200 and
 * byte for byte. Bounded: at most `max` exchanges.
 */
export function background(proxyUrl: string, options: { seed?: number; max?: number } = {}): { stop(): Promise<BackgroundResult> } {
  const random = seeded(options.seed ?? 7);
  const max = options.max ?? 5_000;
  const result: BackgroundResult = { sent: 0, ok: 0, lost: 0, altered: 0 };
  let stopping = false;
  const worker = async () => {
    while (!stopping && result.sent < max) {
      const size = Math.floor(random() * 32_768);
      const body = Buffer.alloc(size);
      for (let i = 0; i < size; i++) body[i] = Math.floor(random() * 256);
      result.sent++;
      try {
        const res = await request(`${proxyUrl}/v1/echo`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'x-consumer-id': 'background' }, body, headersTimeout: 10_000, bodyTimeout: 10_000 });
        const back = Buffer.from(await res.body.arrayBuffer());
        if (res.statusCode !== 200) result.lost++;
        else if (!back.equals(body)) result.altered++;
        else result.ok++;
      } catch {
        result.lost++;
      }
    }
  };
  const workers = [worker(), worker()];
  return {
    async stop() {
      // At least a few exchanges overlap every attack, however fast it was.
      for (let i = 0; i < 200 && result.sent < 4; i++) await new Promise((r) => setTimeout(r, 5));
      stopping = true;
      await Promise.all(workers);
      return result;
    },
  };
}

/** Runs an attack with the background stream going, and asserts the stream lost and altered nothing. */
export async function underAttack<T>(proxyUrl: string, attack: () => Promise<T>): Promise<T> {
  const stream = background(proxyUrl);
  const outcome = await attack();
  const result = await stream.stop();
  expect(result, 'the background stream during the attack').toMatchObject({ lost: 0, altered: 0 });
  expect(result.ok).toBeGreaterThan(0);
  return outcome;
}

/** Raw bytes to a server; resolves with everything it answered until it closed the connection (or `waitMs` passed). */
export function raw(url: string, bytes: string | Buffer, waitMs = 5_000): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.write(bytes);
  });
}

export const rssMb = () => process.memoryUsage().rss / 1_048_576;
