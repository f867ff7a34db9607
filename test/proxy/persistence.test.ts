import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { call, startUpstream, tempDir, type Upstream } from './harness.js';
import { Store } from '../../src/store/index.js';
import type { Report } from '../../src/report/report.js';
import { ROOT, cli, fixture } from '../helpers.js';

let upstream: Upstream | undefined;
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await upstream?.close();
  upstream = undefined;
});

/** `sworn proxy` as a child process; resolves with its proxy and admin URLs from the start line. */
async function startProxyProcess(store: string, flushInterval: string): Promise<{ child: ChildProcess; url: string; admin: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'proxy', fixture('proxy/api.yaml'), '--upstream', upstream!.url, '--port', '0', '--admin-port', '0', '--store', store, '--flush-interval', flushInterval, '--log-level', 'silent'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return { child, url: /listening on (\S+)/.exec(line)![1]!, admin: / admin (\S+)$/.exec(line)![1]! };
}

async function traffic(url: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) expect((await call(`${url}/api/items/${i + 1}`)).status).toBe(i % 10 === 9 ? 503 : 200);
}

/** What the store holds for getItem: requests counted, and the SLO engine's valid/bad events. */
async function stored(file: string): Promise<{ requests: number; valid: number; bad: number }> {
  const s = new Store(file);
  const requests = s.load().requests.filter((r) => r.operation === 'getItem').reduce((n, r) => n + r.requests, 0);
  s.close();
  const { stdout } = await cli(['report', '--store', file, '--format', 'json', '--operation', 'getItem']);
  const availability = (JSON.parse(stdout) as Report).operations[0]!.slo!.availability!;
  return { requests, valid: availability.valid, bad: availability.bad };
}

describe('the store across process lives', () => {
  it('a restarted proxy resumes its windows: the live report counts both lives', async () => {
    let served = 0;
    upstream = await startUpstream((_req, res) => res.writeHead(++served % 10 === 0 ? 503 : 200, { 'content-type': 'application/json' }).end('{"id":1,"name":"x"}'));
    const file = join(tempDir(), 'sworn.db');
    const first = await startProxyProcess(file, '1s');
    await traffic(first.url, 20);
    first.child.kill('SIGTERM');
    expect((await once(first.child, 'exit'))[0]).toBe(0);
    expect(await stored(file)).toEqual({ requests: 20, valid: 20, bad: 2 });

    const second = await startProxyProcess(file, '1s');
    await traffic(second.url, 10);
    const report = (await call(`${second.admin}/report?operation=getItem`)).json() as unknown as Report;
    expect(report.operations[0]).toMatchObject({ operationId: 'getItem', requests: 30 });
    expect(report.operations[0]!.slo!.availability).toMatchObject({ valid: 30, good: 27, bad: 3 });
    second.child.kill('SIGTERM');
    await once(second.child, 'exit');
    expect(await stored(file)).toEqual({ requests: 30, valid: 30, bad: 3 });
  });

  it('kill -9 loses at most the last flush interval, and counts and SLO state agree', async () => {
    let served = 0;
    upstream = await startUpstream((_req, res) => res.writeHead(++served % 10 === 0 ? 503 : 200, { 'content-type': 'application/json' }).end('{"id":1,"name":"x"}'));
    const file = join(tempDir(), 'sworn.db');
    const { child, url } = await startProxyProcess(file, '200ms');
    await traffic(url, 30);
    // One full interval (and margin) after the first 30: they must be in the store whatever happens next.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await traffic(url, 10); // one after the other: whatever was flushed of them is a prefix
    child.kill('SIGKILL');
    await once(child, 'exit');
    const after = await stored(file);
    expect(after.requests).toBeGreaterThanOrEqual(30);
    expect(after.requests).toBeLessThanOrEqual(40);
    // The engine's buckets went in the same transactions as the request counts.
    expect(after.valid).toBe(after.requests);
    expect(after.bad).toBe(Math.floor(after.requests / 10));
  });
});
