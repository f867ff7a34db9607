import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { loadSpec } from '../../src/spec/index.js';
import { startMock, type RunningMock } from '../../src/mock/mock.js';
import { call, closeAfterEach, proxyFor, startUpstream } from '../proxy/harness.js';
import { ROOT, fixture } from '../helpers.js';

closeAfterEach();
let mock: RunningMock | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
  child?.kill('SIGKILL');
  child = undefined;
});

/** A loopback port nothing listens on. */
async function deadPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the mock fallback', () => {
  it('serves from the mock what the upstream answers 501 for or cannot be reached for, bodies included', async () => {
    mock = await startMock({ spec: await loadSpec(fixture('mock/api.yaml')), port: 0, adminPort: null });
    const upstream = await startUpstream((req, res) => {
      if (req.url?.startsWith('/api/items/')) return void res.writeHead(501).end('not yet');
      res.writeHead(200, { 'content-type': 'application/json' }).end('[{"id":99,"name":"real"}]');
    });
    const proxy = await proxyFor(upstream.url, { specFile: fixture('mock/api.yaml'), fallback: mock.url });
    expect((await call(`${proxy.url}/api/items`, { headers: { 'x-api-key': 'k' } })).json()).toEqual([{ id: 99, name: 'real' }]); // the upstream's own answer
    const fromMock = await call(`${proxy.url}/api/items/7`);
    expect([fromMock.status, fromMock.json()]).toEqual([200, { id: 7, name: 'seven' }]);
    expect(upstream.seen.filter((s) => s.url === '/api/items/7')).toHaveLength(1); // asked first

    const dead = await proxyFor(`http://127.0.0.1:${await deadPort()}`, { specFile: fixture('mock/api.yaml'), fallback: mock.url });
    const created = await call(`${dead.url}/api/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"new"}' });
    expect(created.status).toBe(201);
    const invalid = await call(`${dead.url}/api/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(invalid.status).toBe(422); // the mock validated the replayed body
    const report = dead.report();
    expect(report.operations.find((o) => o.operationId === 'createItem')).toMatchObject({ requests: 2, violations: { request: 1 } });
  });

  it('`sworn proxy --upstream mock` runs the whole thing in one process', async () => {
    child = spawn(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'proxy', fixture('mock/api.yaml'), '--upstream', 'mock', '--mock-behave', 'slo', '--port', '0', '--admin-port', '0', '--store', ':memory:', '--log-level', 'silent'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
    expect(line).toMatch(/-> in-process mock \(behave slo\) · Mock test API 1\.0\.0, 4 operations/);
    const url = /listening on (\S+)/.exec(line)![1]!;
    const res = await call(`${url}/api/items/7`);
    expect(res.json()).toEqual({ id: 7, name: 'seven' });
    expect(res.headers['sworn-mock']).toMatch(/^delay=[\d.]+ms; fault=none$/);
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    expect((await exited)[0]).toBe(0);
  });
});

describe('sworn mock (the command)', () => {
  it('serves, says where, and stops on SIGTERM', async () => {
    child = spawn(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'mock', fixture('mock/api.yaml'), '--port', '0', '--admin-port', '0', '--behave', 'slo', '--chaos', 'error=2x', '--seed', '9'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
    expect(line).toMatch(/^sworn mock of Mock test API 1\.0\.0 on http:\/\/127\.0\.0\.1:\d+ · examples · behave slo · chaos error=2x,latency=1x,reset=0%,truncate=0% · admin http:\/\/127\.0\.0\.1:\d+$/);
    const [, url, admin] = /on (\S+) .* admin (\S+)$/.exec(line)!;
    expect((await call(`${url}/api/items/7`)).status).toBeLessThan(600);
    expect((await call(`${admin}/healthz`)).json()).toEqual({ status: 'ok' });
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    expect((await exited)[0]).toBe(0);
  });

  it('says what to type for a bad --chaos', async () => {
    child = spawn(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'mock', fixture('mock/api.yaml'), '--chaos', 'latency=5%'], { cwd: ROOT });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c));
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(2);
    expect(stderr).toContain('SWORN_ERR_USAGE: --chaos latency is a multiplier, not a share');
    expect(stderr).toContain('Write e.g. latency=2x');
  });
});
