import http from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { call, closeAfterEach, proxyFor, settle, startUpstream, tempDir, type Upstream } from '../proxy/harness.js';

closeAfterEach();

/** Timers have millisecond granularity (libuv's loop time is whole milliseconds): a wait of `ms` ends no earlier than `ms - 1`. */
const atLeast = (ms: number) => ms - 1;

const SPEC = `openapi: 3.1.0
info:
  title: Faults test API
  version: 1.0.0
  x-slo:
    service: payments
    availability: 99
    latency:
      - {name: fast, threshold: 250ms, target: 90}
    consumers:
      identify:
        - {header: X-Consumer-Id}
        - {apiKey: {header: X-Api-Key, map: keys.yaml}}
      defaultTier: free
      tiers:
        free: {availability: 99}
        gold: {availability: 99.9}
paths:
  /payments:
    post:
      operationId: createPayment
      responses:
        '201': {description: created, content: {application/json: {schema: {type: object}}}}
        '503':
          description: payments are down
          content:
            application/json:
              example: {code: PAYMENTS_DOWN, retry: true}
  /payments/{id}:
    get:
      operationId: getPayment
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object}}}}
`;

function specFile(): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'keys.yaml'), 'gold-key: {consumer: bank, tier: gold}\n');
  writeFileSync(join(dir, 'payments.yaml'), SPEC);
  return join(dir, 'payments.yaml');
}

/** A 1,000-byte JSON payment (its id repeated), with an explicit content-length. */
const payment = (id: string) => JSON.stringify({ id, note: 'x'.repeat(1_000 - 20 - id.length) }).padEnd(1_000, ' ');

/** The upstream: GET /payments/ID answers `payment(ID)` after `delayMs`; POST /payments 201. */
async function upstream(delayMs = 0): Promise<Upstream> {
  return startUpstream((req, res) => {
    const answer = () => {
      if (req.method === 'POST') {
        res.writeHead(201, { 'content-type': 'application/json', 'x-upstream': 'yes' });
        return res.end('{"id":"p1"}');
      }
      const body = payment(decodeURIComponent((req.url ?? '').split('/').pop() ?? ''));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-upstream': 'yes' });
      res.end(body);
    };
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });
}

async function setup(options: { delayMs?: number; adminToken?: string; clock?: () => number; violationsHeader?: boolean; upstreamUrl?: string } = {}) {
  const up = await upstream(options.delayMs);
  const proxy = await proxyFor(options.upstreamUrl ?? up.url, { specFile: specFile(), ...(options.adminToken ? { adminToken: options.adminToken } : {}), ...(options.clock ? { clock: options.clock } : {}), ...(options.violationsHeader ? { violationsHeader: true } : {}) });
  const auth: Record<string, string> = options.adminToken ? { authorization: `Bearer ${options.adminToken}` } : {};
  const admin = (path: string, init: { method?: string; body?: unknown } = {}) =>
    call(`${proxy.adminUrl}${path}`, { method: init.method ?? 'GET', headers: { ...auth, 'content-type': 'application/json' }, ...(init.body !== undefined ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) } : {}) });
  const inject = async (fault: unknown) => {
    const res = await admin('/faults', { method: 'POST', body: fault });
    expect(res.status, res.text).toBe(201);
    return res.json() as { faults: Array<{ id: string; kind: string }> };
  };
  const get = (consumer: string, id = 'p1') => call(`${proxy.url}/payments/${id}`, { headers: { 'x-consumer-id': consumer } });
  const post = (consumer: string) => call(`${proxy.url}/payments`, { method: 'POST', headers: { 'x-consumer-id': consumer, 'content-type': 'application/json' }, body: '{"amount":5}' });
  const tallies = async (query = '') => ((await admin(`/tallies${query}`)).json() as { edges: number[]; rows: Array<{ operationId: string; consumer: string; tier: string; outcomes: number[]; buckets: number[]; injected: { requests: number; outcomes: number[]; buckets: number[] } }> });
  return { up, proxy, admin, inject, get, post, tallies };
}

const timed = async <T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> => {
  const start = performance.now();
  const value = await run();
  return { ms: performance.now() - start, value };
};

/** A raw GET: the status, the declared length, the bytes that arrived and how the connection ended. */
function raw(url: string, headers: Record<string, string>): Promise<{ status: number; length: number | undefined; bytes: number; complete: boolean; ended: 'end' | 'error' }> {
  return new Promise((resolve) => {
    const req = http.get(url, { headers, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      const done = (ended: 'end' | 'error') => resolve({ status: res.statusCode ?? 0, length: res.headers['content-length'] ? Number(res.headers['content-length']) : undefined, bytes, complete: res.complete, ended });
      res.on('end', () => done('end'));
      res.on('error', () => done('error'));
      res.on('aborted', () => done('error'));
    });
    req.on('error', () => resolve({ status: 0, length: undefined, bytes: 0, complete: false, ended: 'error' }));
  });
}

describe('each fault kind, as the client sees it', () => {
  it('latency add: the call takes at least the added time, and the ledger histogram counts it past the fast threshold, injected', async () => {
    const { inject, get, tallies, up } = await setup();
    await inject({ kind: 'latency', add: '300ms', operations: ['getPayment'], consumers: ['alice'] });
    const { ms, value } = await timed(() => get('alice'));
    expect(ms).toBeGreaterThanOrEqual(atLeast(300));
    expect([value.status, value.text]).toEqual([200, payment('p1')]);
    expect(up.seen).toHaveLength(1);
    await settle();
    const t = await tallies('?consumer=alice&operation=getPayment');
    expect(t.rows).toHaveLength(1);
    const row = t.rows[0]!;
    expect(row.injected.requests).toBe(1);
    expect(row.injected.outcomes).toEqual([1, 0, 0, 0]);
    // Every bucket whose upper edge is below the wait holds nothing: the 300 ms landed above 250 ms (the fast objective's edge).
    expect(t.edges).toContain(0.25);
    const below = t.edges.map((edge, i) => (edge < atLeast(300) / 1_000 ? row.injected.buckets[i]! + row.buckets[i]! : 0));
    expect(below.every((n) => n === 0)).toBe(true);
    expect(row.injected.buckets.reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('latency factor: the upstream\'s own time is stretched', async () => {
    const { inject, get } = await setup({ delayMs: 100 });
    await inject({ kind: 'latency', factor: 3, operations: ['getPayment'] });
    const { ms, value } = await timed(() => get('alice'));
    // The upstream took at least 100 ms; three times that is at least 300 ms.
    expect(ms).toBeGreaterThanOrEqual(atLeast(100) + 2 * atLeast(100));
    expect([value.status, value.text]).toEqual([200, payment('p1')]);
  });

  it('error: the operation\'s own example for that status; else problem+json; else the body given; the upstream gets nothing', async () => {
    const { inject, post, admin, up } = await setup();
    await inject({ kind: 'error', status: 503, operations: ['createPayment'] });
    const spec = await post('alice');
    expect([spec.status, spec.headers['content-type'], spec.json()]).toEqual([503, 'application/json', { code: 'PAYMENTS_DOWN', retry: true }]);
    expect(spec.headers['sworn-fault']).toBe('f1=error');
    await admin('/faults', { method: 'DELETE' });
    await inject({ kind: 'error', status: 500, operations: ['createPayment'] });
    const problem = await post('alice');
    expect([problem.status, problem.headers['content-type']]).toEqual([500, 'application/problem+json']);
    expect(problem.json()).toMatchObject({ status: 500, title: 'Injected fault', fault: 'f2=error' });
    await admin('/faults', { method: 'DELETE' });
    await inject({ kind: 'error', status: 429, body: { slow: 'down' }, operations: ['createPayment'] });
    const given = await post('alice');
    expect([given.status, given.headers['content-type'], given.json()]).toEqual([429, 'application/json', { slow: 'down' }]);
    expect(up.started).toHaveLength(0);
  });

  it('reset: the client\'s connection is reset; the upstream gets nothing', async () => {
    const { inject, get, up } = await setup();
    await inject({ kind: 'reset' });
    await expect(get('alice')).rejects.toThrow(/socket|ECONNRESET|other side closed/i);
    expect(up.started).toHaveLength(0);
  });

  it('timeout: 504 after the wait; the upstream gets nothing', async () => {
    const { inject, get, up } = await setup();
    await inject({ kind: 'timeout', after: '200ms' });
    const { ms, value } = await timed(() => get('alice'));
    expect(ms).toBeGreaterThanOrEqual(atLeast(200));
    expect([value.status, value.headers['content-type']]).toEqual([504, 'application/problem+json']);
    expect(value.json()).toMatchObject({ status: 504, title: 'Gateway Timeout' });
    expect(up.started).toHaveLength(0);
  });

  it('truncate: the status and headers promise the whole body, the client gets the first share and a closed connection', async () => {
    const { inject, proxy } = await setup();
    await inject({ kind: 'truncate', keep: 0.25 });
    const res = await raw(`${proxy.url}/payments/p1`, { 'x-consumer-id': 'alice' });
    expect(res.status).toBe(200);
    expect(res.length).toBe(1_000);
    expect(res.bytes).toBe(250);
    expect(res.complete).toBe(false);
  });

  it('truncate keeping nothing: the status and headers, then a closed connection', async () => {
    const { inject, proxy } = await setup();
    await inject({ kind: 'truncate', keep: 0 });
    const res = await raw(`${proxy.url}/payments/p1`, { 'x-consumer-id': 'alice' });
    expect([res.status, res.length, res.bytes, res.complete]).toEqual([200, 1_000, 0, false]);
  });

  it('bandwidth: the body arrives whole, paced', async () => {
    const { inject, get } = await setup();
    await inject({ kind: 'bandwidth', rate: 1_000 });
    const { ms, value } = await timed(() => get('alice'));
    expect([value.status, value.text]).toEqual([200, payment('p1')]);
    // 1,000 bytes at 1,000 B/s in slices of 100: nine pauses of 100 ms between ten slices.
    expect(ms).toBeGreaterThanOrEqual(9 * atLeast(100));
  });

  it('unavailable: 502 and the upstream received nothing', async () => {
    const { inject, get, post, up } = await setup();
    await inject({ kind: 'unavailable' });
    const res = await get('alice');
    expect([res.status, res.headers['content-type']]).toEqual([502, 'application/problem+json']);
    expect(res.json()).toMatchObject({ status: 502, title: 'Bad Gateway' });
    expect((await post('bob')).status).toBe(502);
    expect(up.started).toHaveLength(0);
  });
});

describe('every exchange a fault touched is marked and counted as injected', () => {
  const injectedOf = async (tallies: Awaited<ReturnType<typeof setup>>['tallies']) => (await tallies('?consumer=alice&operation=getPayment')).rows[0]?.injected.requests;

  it('added latency on a streamed answer: Sworn-Fault on the answer, injected in /tallies', async () => {
    const { inject, get, tallies } = await setup();
    await inject({ kind: 'latency', add: '5ms', operations: ['getPayment'] });
    const res = await get('alice');
    expect(res.status).toBe(200);
    expect(res.headers['sworn-fault']).toBe('f1=latency');
    await settle();
    expect(await injectedOf(tallies)).toBe(1);
  });

  it('added latency on a held answer (--violations-header): injected in /tallies', async () => {
    const { inject, get, tallies } = await setup({ violationsHeader: true });
    await inject({ kind: 'latency', add: '5ms', operations: ['getPayment'] });
    expect((await get('alice')).status).toBe(200);
    await settle();
    expect(await injectedOf(tallies)).toBe(1);
  });

  it('added latency before an upstream that refuses connections: the 502 is counted as injected', async () => {
    const closed = await upstream();
    const url = closed.url;
    await closed.close();
    const { inject, get, tallies } = await setup({ upstreamUrl: url });
    await inject({ kind: 'latency', add: '5ms', operations: ['getPayment'] });
    expect((await get('alice')).status).toBe(502);
    await settle();
    expect(await injectedOf(tallies)).toBe(1);
  });
});

describe('blast radius', () => {
  it('a fault scoped to consumer A leaves consumer B\'s responses and upstream requests byte-for-byte as without faults', async () => {
    const { inject, admin, get, post, up } = await setup();
    const strip = (headers: Record<string, unknown>) => Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'date'));
    const bRun = async () => {
      const from = up.seen.length;
      const answers = [];
      for (const r of [await get('bob', 'p7'), await post('bob'), await get('bob', 'p8')]) answers.push({ status: r.status, headers: strip(r.headers), body: r.text });
      const seen = up.seen.slice(from).map((s) => ({ method: s.method, url: s.url, rawHeaders: s.rawHeaders, body: s.body.toString('base64') }));
      return { answers, seen };
    };
    const before = await bRun();
    expect(before.seen).toHaveLength(3);
    await inject([
      { kind: 'latency', add: '50ms', consumers: ['alice'] },
      { kind: 'truncate', keep: 0.5, consumers: ['alice'], operations: ['getPayment'] },
      { kind: 'bandwidth', rate: '100KB/s', consumers: ['alice'] },
      { kind: 'error', status: 503, consumers: ['alice'], operations: ['createPayment'] },
    ]);
    // The faults do reach A.
    expect((await post('alice')).status).toBe(503);
    await expect(get('alice')).rejects.toThrow();
    const during = await bRun();
    expect(during).toEqual(before);
    // None of B's exchanges was counted as injected.
    expect((await admin('/faults')).json()).toMatchObject({ faults: [{ injected: 2 }, { injected: 1 }, { injected: 1 }, { injected: 1 }] });
  });

  it('a tier-scoped fault touches that tier\'s consumers only', async () => {
    const { inject, proxy } = await setup();
    await inject({ kind: 'unavailable', tiers: ['gold'] });
    expect((await call(`${proxy.url}/payments/p1`, { headers: { 'x-api-key': 'gold-key' } })).status).toBe(502);
    expect((await call(`${proxy.url}/payments/p1`, { headers: { 'x-consumer-id': 'alice' } })).status).toBe(200);
  });
});

describe('the admin API', () => {
  it('the admin token protects GET, POST and DELETE /faults', async () => {
    const { proxy, admin } = await setup({ adminToken: 's3cret' });
    const fault = JSON.stringify({ kind: 'reset' });
    for (const method of ['GET', 'POST', 'DELETE']) {
      for (const headers of [{}, { authorization: 'Bearer wrong' }] as Array<Record<string, string>>) {
        const res = await call(`${proxy.adminUrl}/faults`, { method, headers, ...(method === 'POST' ? { body: fault } : {}) });
        expect([method, res.status]).toEqual([method, 401]);
        expect(res.headers['www-authenticate']).toBe('Bearer realm="sworn admin"');
      }
    }
    expect((await call(`${proxy.adminUrl}/faults/f1`, { method: 'DELETE' })).status).toBe(401);
    expect(proxy.faults.size).toBe(0);
    expect((await admin('/faults', { method: 'POST', body: fault })).status).toBe(201);
    expect((await admin('/faults')).json()).toMatchObject({ faults: [{ id: 'f1', kind: 'reset' }] });
    expect((await admin('/faults', { method: 'DELETE' })).json()).toEqual({ removed: 1 });
  });

  it('refuses invalid JSON, an unknown operation or tier (with the nearest name), and a list with one bad fault, adding nothing', async () => {
    const { admin, proxy } = await setup();
    const refused = async (body: unknown) => {
      const res = await admin('/faults', { method: 'POST', body });
      expect(res.status).toBe(400);
      return res.json() as { code: string; detail: string; hint: string };
    };
    expect(await refused('{"kind": "reset",')).toMatchObject({ code: 'SWORN_ERR_FAULT', detail: expect.stringContaining('the body is not JSON') });
    const op = await refused({ kind: 'error', operations: ['createPaymnt'] });
    expect(op).toMatchObject({ code: 'SWORN_ERR_FAULT', detail: 'fault.operations: the spec has no operation "createPaymnt"' });
    expect(op.hint).toContain('Did you mean "createPayment"?');
    expect((await refused({ kind: 'error', tiers: ['gld'] })).hint).toContain('Did you mean "gold"?');
    const list = await refused([{ kind: 'reset' }, { kind: 'latency', add: '1s' }, { kind: 'eror' }]);
    expect(list.detail).toBe('faults[2].kind: "eror" is not a fault kind');
    expect(list.hint).toContain('Did you mean "error"?');
    expect(await refused({ kind: 'reset', ttl: '2d' })).toMatchObject({ detail: expect.stringMatching(/^fault\.ttl: /) });
    expect((await admin('/faults')).json()).toEqual({ faults: [] });
    expect(proxy.faults.size).toBe(0);
  });

  it('DELETE /faults/ID removes one (404 after), DELETE /faults removes the rest', async () => {
    const { admin, inject } = await setup();
    const { faults } = await inject([{ kind: 'reset', percent: 1 }, { kind: 'latency', add: '1ms' }, { kind: 'error', percent: 1 }]);
    expect(faults.map((f) => f.id)).toEqual(['f1', 'f2', 'f3']);
    const one = await admin('/faults/f2', { method: 'DELETE' });
    expect([one.status, one.json()]).toMatchObject([200, { removed: 1, fault: { id: 'f2', kind: 'latency' } }]);
    expect((await admin('/faults/f2', { method: 'DELETE' })).status).toBe(404);
    expect(((await admin('/faults')).json() as { faults: Array<{ id: string }> }).faults.map((f) => f.id)).toEqual(['f1', 'f3']);
    expect((await admin('/faults', { method: 'DELETE' })).json()).toEqual({ removed: 2 });
    expect((await admin('/faults')).json()).toEqual({ faults: [] });
  });

  it('/metrics has sworn_faults_injected_total by operation, consumer and kind, and sworn_faults_active', async () => {
    const { admin, inject, get, post } = await setup();
    await inject([{ kind: 'error', status: 503, operations: ['createPayment'], consumers: ['alice'] }, { kind: 'latency', add: '1ms', operations: ['getPayment'] }]);
    await post('alice');
    await post('alice');
    await post('bob');
    await get('bob');
    const text = (await admin('/metrics')).text;
    expect(text).toContain('# TYPE sworn_faults_injected_total counter');
    expect(text).toContain('sworn_faults_injected_total{service="payments",operation="createPayment",consumer="alice",fault="error"} 2');
    expect(text).toContain('sworn_faults_injected_total{service="payments",operation="getPayment",consumer="bob",fault="latency"} 1');
    expect(text).not.toContain('operation="createPayment",consumer="bob"');
    expect(text).toContain('sworn_faults_active{service="payments"} 2');
    await admin('/faults', { method: 'DELETE' });
    const after = (await admin('/metrics')).text;
    expect(after).toContain('sworn_faults_active{service="payments"} 0');
    expect(after).toContain('consumer="alice",fault="error"} 2');
  });

  it('/tallies counts injected exchanges apart from real ones', async () => {
    const { inject, post, tallies } = await setup();
    await post('alice');
    await post('alice');
    await post('alice');
    await inject({ kind: 'error', status: 503, operations: ['createPayment'] });
    await post('alice');
    await post('alice');
    await settle();
    const row = (await tallies('?consumer=alice&operation=createPayment')).rows[0]!;
    expect(row).toMatchObject({ operationId: 'createPayment', consumer: 'alice', tier: 'free' });
    expect(row.outcomes).toEqual([3, 2, 0, 0]);
    expect(row.injected).toMatchObject({ requests: 2, outcomes: [0, 2, 0, 0] });
    // Without the injected ones: three good, none bad.
    expect(row.outcomes.map((n, i) => n - row.injected.outcomes[i]!)).toEqual([3, 0, 0, 0]);
  });

  it('a fault removes itself when its TTL passes on the proxy\'s clock', async () => {
    let offset = 0;
    const { inject, get, admin } = await setup({ clock: () => Date.now() + offset });
    await inject({ kind: 'unavailable', ttl: '1m' });
    expect((await get('alice')).status).toBe(502);
    offset += 60_000;
    expect((await get('alice')).status).toBe(200);
    expect((await admin('/faults')).json()).toEqual({ faults: [] });
    expect((await admin('/metrics')).text).toContain('sworn_faults_active{service="payments"} 0');
  });
});
