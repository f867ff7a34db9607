import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/spec/index.js';
import { startMock, redactedUrl, type MockExchange, type RunningMock } from '../../src/mock/mock.js';
import { parseChaos } from '../../src/mock/chaos.js';
import { call } from '../proxy/harness.js';
import { fixture, ROOT } from '../helpers.js';

const open: RunningMock[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const m of open.splice(0)) await m.close();
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

const KEY = { 'x-api-key': 'anything' };

/** A mock whose exchanges are collected; `next()` resolves with the next one logged. */
async function logged(options: Parameters<typeof startMock>[0] extends infer O ? Partial<O> : never = {}) {
  const spec = await loadSpec(fixture('mock/api.yaml'));
  const records: MockExchange[] = [];
  const waiting: Array<(r: MockExchange) => void> = [];
  const m = await startMock({ spec, port: 0, adminPort: null, ...options, onExchange: (r) => (waiting.shift() ?? ((x) => records.push(x)))(r) });
  open.push(m);
  const next = () => (records.length > 0 ? Promise.resolve(records.shift()!) : new Promise<MockExchange>((resolve) => waiting.push(resolve)));
  return { m, next };
}

describe('the request log (one record per exchange)', () => {
  it('names the operation, the status, every violation, and the time taken; credential values never appear', async () => {
    const { m, next } = await logged();
    await call(`${m.url}/api/items`, { headers: KEY });
    expect(await next()).toMatchObject({ method: 'GET', url: '/api/items', operation: 'listItems', status: 200, complete: true, violations: [], behaviour: undefined, durationMs: expect.any(Number) });

    await call(`${m.url}/api/items?limit=abc&api_key=hunter2&token=t0&page=2`, { headers: KEY });
    const refused = await next();
    expect(refused).toMatchObject({ operation: 'listItems', status: 422, violations: [{ code: 'request-parameter-invalid', location: 'query', pointer: 'limit' }] });
    expect(refused.url).toBe('/api/items?limit=abc&api_key=REDACTED&token=REDACTED&page=2');
    expect(JSON.stringify(refused)).not.toMatch(/hunter2|t0&/);

    await call(`${m.url}/api/nothing/here`);
    expect(await next()).toMatchObject({ operation: undefined, status: 404, violations: [] });
  });

  it('with --behave slo, says the delay and the fault drawn; a reset is logged as cut off', async () => {
    let now = Date.parse('2026-06-01T12:00:00Z');
    const { m, next } = await logged({ behave: 'slo', seed: 3, clock: () => now, sleep: async (ms) => void (now += ms) });
    await call(`${m.url}/api/items/7`);
    const served = await next();
    expect(served.status).toBe(200);
    expect(served.behaviour).toEqual({ delayMs: expect.any(Number), fault: 'none' });
    expect(served.behaviour!.delayMs).toBeGreaterThan(0);

    m.setChaos(parseChaos('reset=100%'));
    await call(`${m.url}/api/items/7`).catch(() => undefined);
    expect(await next()).toMatchObject({ operation: 'getItem', complete: false, behaviour: { fault: 'reset' } });
  });

  it('redacts credential-like query parameters only', () => {
    expect(redactedUrl('/a?q=1&apiKey=s&access_token=x&x-api-key=k&keyboard=k')).toBe('/a?q=1&apiKey=REDACTED&access_token=REDACTED&x-api-key=REDACTED&keyboard=k');
    expect(redactedUrl('/a?q=1')).toBe('/a?q=1');
    expect(redactedUrl('/a')).toBe('/a');
  });
});

/** Starts the built CLI; `lines(n)` resolves with its next n lines of stdout (fewer if it exits). */
function sworn(args: string[]): { child: ChildProcess; lines: (count: number) => Promise<string[]> } {
  const child = spawn(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'mock', fixture('mock/api.yaml'), '--port', '0', '--admin-port', 'off', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const buffered: string[] = [];
  let closed = false;
  let wake = () => undefined as void;
  const reader = createInterface({ input: child.stdout! });
  reader.on('line', (line) => {
    buffered.push(line);
    wake();
  });
  reader.on('close', () => {
    closed = true;
    wake();
  });
  const lines = async (count: number): Promise<string[]> => {
    while (buffered.length < count && !closed) await new Promise<void>((resolve) => (wake = resolve));
    return buffered.splice(0, count);
  };
  return { child, lines };
}

describe('sworn mock: what the terminal shows', () => {
  it('pretty (the default): the start line, the route table, one line per request', async () => {
    const { lines } = sworn(['--behave', 'slo']);
    const start = await lines(6);
    const url = /on (http:\/\/127\.0\.0\.1:\d+) /.exec(start[0]!)![1]!;
    expect(start[1]).toBe('4 routes:');
    expect(start.slice(2)).toEqual([
      `  GET   ${url}/api/items       listItems`,
      `  POST  ${url}/api/items       createItem`,
      `  GET   ${url}/api/items/{id}  getItem`,
      `  GET   ${url}/api/maintained  maintained`,
    ]);
    await call(`${url}/api/items?limit=abc`, { headers: KEY });
    const [line] = await lines(1);
    expect(line).toMatch(/^\d\d:\d\d:\d\d\.\d{3} GET \/api\/items\?limit=abc → 422 · listItems · [\d.]+ ms · 1 violation: query limit: query parameter `limit` must be integer$/);
  });

  it('json: one object per line (start, each route, each exchange); --quiet: the start line only', async () => {
    const { lines } = sworn(['--log-format', 'json']);
    const start = (await lines(5)).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(start[0]).toMatchObject({ msg: 'start', spec: { title: 'Mock test API', version: '1.0.0' }, routes: 4, admin: null });
    expect(start.slice(1).map((r) => `${r.method} ${r.path} ${r.operation}`)).toEqual(['GET /api/items listItems', 'POST /api/items createItem', 'GET /api/items/{id} getItem', 'GET /api/maintained maintained']);
    await call(`${start[0]!.url as string}/api/items/7`);
    const [exchange] = await lines(1);
    expect(JSON.parse(exchange!)).toMatchObject({ msg: 'exchange', method: 'GET', url: '/api/items/7', operation: 'getItem', status: 200, violations: [] });

    const quiet = sworn(['--quiet']);
    const [only] = await quiet.lines(1);
    const quietUrl = /on (http:\/\/127\.0\.0\.1:\d+) /.exec(only!)![1]!;
    await call(`${quietUrl}/api/items/7`);
    const exited = once(quiet.child, 'exit');
    quiet.child.kill('SIGTERM');
    await exited;
    expect(await quiet.lines(1)).toEqual([]);
  });
});
