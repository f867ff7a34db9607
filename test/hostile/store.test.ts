import { execFile } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/store/index.js';
import { call, closeAfterEach, tempDir } from '../proxy/harness.js';
import { ROOT } from '../helpers.js';
import { canMountTmpfs, mountTmpfs } from '../store/helpers.js';
import { HOSTILE_SPEC, hostileProxy, startHostileUpstream } from './harness.js';

closeAfterEach();

const until = async (condition: () => boolean, what: string) => {
  for (let i = 0; i < 1_000 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
};

const stored = (file: string) => {
  const store = new Store(file, { required: true });
  const total = store.load().requests.reduce((n, r) => n + r.requests, 0);
  store.close();
  return total;
};

const send = async (url: string, n: number) => {
  for (let i = 0; i < n; i++) expect((await call(`${url}/v1/pets`)).status).toBe(200);
};

describe('a store that never loses counts silently', () => {
  it('a store file deleted while running is noticed, recreated and given every count', async () => {
    const upstream = await startHostileUpstream();
    const dir = tempDir();
    const file = join(dir, 'sworn.db');
    const proxy = await hostileProxy(upstream.url, { store: file, flushIntervalMs: 30 });
    await send(proxy.url, 20);
    await until(() => proxy.store.health().pending === 0, 'a flush');
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
    await send(proxy.url, 20);
    await until(() => proxy.store.health().recreations === 1 && proxy.store.health().pending === 0, 'the store recreated');
    const metrics = await (await fetch(`${proxy.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/sworn_store_recreations_total\{service="api"\} 1/);
    expect(proxy.logs.lines.some((l) => String(l.msg).includes('deleted or replaced'))).toBe(true);
    await proxy.close();
    expect(stored(file)).toBe(40);
  });

  it('a store that cannot be opened at start: traffic flows, /readyz and /metrics say why, and the counts reach it once it can be opened', async () => {
    const upstream = await startHostileUpstream();
    const dir = tempDir();
    const blocker = join(dir, 'data');
    writeFileSync(blocker, 'a file where the store directory should be');
    const file = join(blocker, 'sworn.db');
    const proxy = await hostileProxy(upstream.url, { store: file, flushIntervalMs: 30 });
    await send(proxy.url, 10);
    const ready = await call(`${proxy.adminUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'degraded', store: { state: 'unavailable', path: file } });
    expect(String((ready.json().store as { cause: string }).cause)).toMatch(/EEXIST|ENOTDIR|not a directory/i);
    const metrics = await (await fetch(`${proxy.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/sworn_store_healthy\{service="api"\} 0/);
    expect(metrics).toMatch(/sworn_store_errors_total\{service="api"\} [1-9]/);
    rmSync(blocker);
    mkdirSync(blocker);
    await until(() => proxy.store.health().state === 'ok', 'the store opened');
    await send(proxy.url, 5);
    expect((await call(`${proxy.adminUrl}/readyz`)).json()).toMatchObject({ status: 'ready', store: { state: 'ok' } });
    await proxy.close();
    expect(stored(file)).toBe(15);
  });

  it('--store-required refuses to start on a store it cannot open, saying so, and holds no port', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'data'), 'not a directory');
    const run = promisify(execFile);
    const failed = await run(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'proxy', HOSTILE_SPEC, '--upstream', 'http://127.0.0.1:1', '--port', '0', '--admin-port', '0', '--store', join(dir, 'data/sworn.db'), '--store-required'], { cwd: ROOT, timeout: 20_000 }).then(() => undefined, (e: { code?: number; stderr?: string }) => e);
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toContain('SWORN_ERR_STORE');
  });

  it.runIf(canMountTmpfs)('on a full disk: traffic flows, /readyz says SQLITE_FULL, and once space is freed every count is written', async () => {
    const upstream = await startHostileUpstream();
    const dir = mountTmpfs(2_048)!;
    const file = join(dir, 'sworn.db');
    const proxy = await hostileProxy(upstream.url, { store: file, flushIntervalMs: 30 });
    await send(proxy.url, 10);
    await until(() => proxy.store.health().pending === 0, 'a flush');
    const fd = openSync(join(dir, 'filler'), 'w');
    try {
      for (let i = 0; i < 1_000; i++) writeSync(fd, Buffer.alloc(64 * 1024));
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      closeSync(fd);
    }
    await send(proxy.url, 200);
    await until(() => proxy.store.health().state === 'failing', 'a failed flush');
    const ready = (await call(`${proxy.adminUrl}/readyz`)).json();
    expect(ready).toMatchObject({ status: 'degraded', store: { state: 'failing' } });
    expect(String((ready.store as { cause: string }).cause)).toContain('SQLITE_FULL');
    expect(await (await fetch(`${proxy.adminUrl}/metrics`)).text()).toMatch(/sworn_store_errors_total\{service="api"\} [1-9]/);
    rmSync(join(dir, 'filler'));
    await until(() => proxy.store.health().state === 'ok', 'a good flush');
    await proxy.close();
    expect(stored(file)).toBe(210);
  });
});
