import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { call, proxyFor, startUpstream, tempDir, type Upstream } from './harness.js';
import { Store } from '../../src/store/index.js';
import { ROOT, fixture } from '../helpers.js';

let upstream: Upstream | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  child?.kill('SIGKILL');
  child = undefined;
  await upstream?.close();
  upstream = undefined;
});

const slow = (ms: number) => (_req: unknown, res: import('node:http').ServerResponse) => setTimeout(() => res.end('done'), ms);

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

describe('graceful drain', () => {
  it('finishes every in-flight request, refuses new ones, and flushes the store', async () => {
    upstream = await startUpstream(slow(300));
    const file = join(tempDir(), 'sworn.db');
    const proxy = await proxyFor(upstream.url, { store: file, flushIntervalMs: 60_000 });
    const inFlight = Array.from({ length: 25 }, (_v, i) => call(`${proxy.url}/api/items/${i + 1}`));
    await until(() => proxy.inFlight() === 25, '25 requests in flight');
    const closed = proxy.close();
    const results = await Promise.all(inFlight);
    expect(results.map((r) => r.status)).toEqual(Array(25).fill(200));
    expect(results.every((r) => r.text === 'done')).toBe(true);
    await closed;
    await expect(call(`${proxy.url}/api/items/1`)).rejects.toThrow();
    const store = new Store(file);
    expect(store.load().requests).toEqual([{ operation: 'getItem', consumer: '127.0.0.1', tier: 'free', requests: 25 }]);
    store.close();
  });

  it('closes what is left when the drain deadline passes', async () => {
    upstream = await startUpstream(() => undefined); // never answers
    const proxy = await proxyFor(upstream.url, { drainTimeoutMs: 200 });
    const hanging = call(`${proxy.url}/api/items/1`).catch((e: Error) => e);
    await until(() => proxy.inFlight() === 1, 'the request in flight');
    const started = Date.now();
    await proxy.close();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await hanging).toBeInstanceOf(Error);
  });
});

describe('sworn proxy (the command)', () => {
  async function startCli(args: string[], env: Record<string, string> = {}): Promise<{ line: string; url: string }> {
    child = spawn(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'proxy', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = createInterface({ input: child.stdout! });
    const [line] = (await once(lines, 'line')) as [string];
    return { line, url: /listening on (\S+)/.exec(line)![1]! };
  }

  it('prints one start line, serves, and on SIGTERM drains, flushes and exits 0', async () => {
    upstream = await startUpstream(slow(200));
    const store = join(tempDir(), 'sworn.db');
    const { line, url } = await startCli([fixture('proxy/api.yaml'), '--upstream', upstream.url, '--port', '0', '--admin-port', '0', '--store', store, '--log-level', 'silent']);
    expect(line).toMatch(/^sworn proxy listening on http:\/\/127\.0\.0\.1:\d+ -> http:\/\/127\.0\.0\.1:\d+ · Proxy test API 1\.0\.0, 15 operations · observe mode · admin http:\/\/127\.0\.0\.1:\d+$/);
    const pending = call(`${url}/api/items/1`);
    await until(() => upstream!.seen.length === 1, 'the request to reach the upstream');
    const exited = once(child!, 'exit');
    child!.kill('SIGTERM');
    expect((await pending).text).toBe('done');
    const [code] = (await exited) as [number];
    expect(code).toBe(0);
    const s = new Store(store);
    expect(s.load().requests.map((r) => r.requests)).toEqual([1]);
    s.close();
  });

  it('takes settings from flags over SWORN_* variables over the config file', async () => {
    upstream = await startUpstream((_req, res) => res.end());
    const dir = tempDir();
    const config = join(dir, 'sworn.yaml');
    writeFileSync(config, `spec: ${fixture('proxy/api.yaml')}\nupstream: ${upstream.url}\nmode: enforce\nport: 0\nadmin-port: "off"\nstore: ":memory:"\nlog-level: silent\n`);
    const fromFile = await startCli(['--config', config]);
    expect(fromFile.line).toContain('enforce mode · admin off');
    child!.kill('SIGTERM');
    await once(child!, 'exit');
    const fromEnv = await startCli(['--config', config], { SWORN_MODE: 'observe' });
    expect(fromEnv.line).toContain('observe mode');
    child!.kill('SIGTERM');
    await once(child!, 'exit');
    const fromFlag = await startCli(['--config', config, '--mode', 'enforce'], { SWORN_MODE: 'observe' });
    expect(fromFlag.line).toContain('enforce mode');
  });

  it('says what to type instead for a bad setting (exit 2)', async () => {
    child = spawn(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'proxy', fixture('proxy/api.yaml'), '--upstream', 'http://127.0.0.1:1', '--max-body', 'lots'], { cwd: ROOT });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c));
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(2);
    expect(stderr).toContain('SWORN_ERR_CONFIG: --max-body "lots" is not a size');
    expect(stderr).toContain('Write e.g. --max-body 1mb');
  });
});

describe('listening', () => {
  it('fails with SWORN_ERR_LISTEN when the port is taken', async () => {
    upstream = await startUpstream((_req, res) => res.end());
    const first = await proxyFor(upstream.url);
    const port = Number(new URL(first.url).port);
    const error = await proxyFor(upstream.url, { port }).catch((e: unknown) => e);
    await first.close();
    expect(error).toMatchObject({ code: 'SWORN_ERR_LISTEN', message: `cannot listen on 127.0.0.1:${port}: the port is in use` });
  });
});
