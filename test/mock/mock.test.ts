import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { loadSpec } from '../../src/spec/index.js';
import { startMock, type MockOptions, type RunningMock } from '../../src/mock/mock.js';
import { parseChaos } from '../../src/mock/chaos.js';
import { fitLatency, latencyAt } from '../../src/mock/behaviour.js';
import { call, closeAfterEach, proxyFor } from '../proxy/harness.js';
import { fixture } from '../helpers.js';
import { parseDuration } from '../../src/slo/index.js';
import type { Report } from '../../src/report/report.js';

closeAfterEach();
const open: RunningMock[] = [];
afterEach(async () => {
  for (const m of open.splice(0)) await m.close();
});

async function mock(options: Partial<MockOptions> = {}): Promise<RunningMock> {
  const spec = await loadSpec(fixture('mock/api.yaml'));
  const m = await startMock({ spec, port: 0, adminPort: 0, ...options });
  open.push(m);
  return m;
}

const KEY = { 'x-api-key': 'anything' };

describe('serving from the spec', () => {
  it('answers with the first example, a named one, a declared status, a negotiated media type', async () => {
    const m = await mock();
    const first = await call(`${m.url}/api/items`, { headers: KEY });
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('application/json');
    expect(first.json()).toEqual([{ id: 1, name: 'a' }, { id: 2, name: 'b' }]);
    expect((await call(`${m.url}/api/items`, { headers: { ...KEY, prefer: 'example=none' } })).json()).toEqual([]);
    const csv = await call(`${m.url}/api/items`, { headers: { ...KEY, accept: 'text/csv' } });
    expect([csv.status, csv.headers['content-type'], csv.text]).toEqual([200, 'text/csv', 'id,name\n1,a\n']);
    expect((await call(`${m.url}/api/items/7`)).json()).toEqual({ id: 7, name: 'seven' });
    const missing = await call(`${m.url}/api/items/7`, { headers: { prefer: 'code=404' } });
    expect([missing.status, missing.headers['content-type'], missing.json()]).toEqual([404, 'application/problem+json', { title: 'Not Found', status: 404 }]);
    const unknown = await call(`${m.url}/api/nothing`);
    expect(unknown.status).toBe(404);
    const badPrefer = await call(`${m.url}/api/items/7`, { headers: { prefer: 'code=abc' } });
    expect([badPrefer.status, badPrefer.json().detail]).toEqual([422, 'Prefer: code=abc is not a final HTTP status (200 to 599)']);
  });

  it('reads Prism\'s URL forms of Prefer: ?__code, ?__example, ?__dynamic (over the header), never checked as parameters', async () => {
    const m = await mock();
    const missing = await call(`${m.url}/api/items/7?__code=404`);
    expect([missing.status, missing.json()]).toEqual([404, { title: 'Not Found', status: 404 }]);
    expect((await call(`${m.url}/api/items/7?__code=200`, { headers: { prefer: 'code=404' } })).status).toBe(200);
    expect((await call(`${m.url}/api/items?__example=none`, { headers: KEY })).json()).toEqual([]);
    expect((await call(`${m.url}/api/items/3?__dynamic=true`)).json()).not.toEqual({ id: 7, name: 'seven' });
    const bad = await call(`${m.url}/api/items/7?__code=abc`);
    expect([bad.status, bad.json().detail]).toEqual([422, '?__code=abc is not a final HTTP status (200 to 599)']);
  });

  it('generates bodies with --dynamic: valid, and the same for the same seed', async () => {
    const a = await mock({ dynamic: true, seed: 5 });
    const b = await mock({ dynamic: true, seed: 5 });
    const c = await mock({ dynamic: true, seed: 6 });
    const body = async (m: RunningMock) => (await call(`${m.url}/api/items/3`)).json();
    const first = await body(a);
    expect(first).toMatchObject({ id: expect.any(Number), name: expect.any(String) });
    expect((first as { id: number }).id).toBeGreaterThanOrEqual(1);
    expect(await body(a)).toEqual(first);
    expect(await body(b)).toEqual(first);
    expect(await body(c)).not.toEqual(first);
    // Prefer: dynamic=true on a mock serving examples.
    const examples = await mock();
    expect(await body(examples)).toEqual({ id: 7, name: 'seven' });
    expect((await call(`${examples.url}/api/items/3`, { headers: { prefer: 'dynamic=true' } })).json()).not.toEqual({ id: 7, name: 'seven' });
  });

  it('refuses invalid requests with 422 naming the violations (as the proxy names them), and missing credentials with 401', async () => {
    const m = await mock();
    const query = await call(`${m.url}/api/items?limit=abc`, { headers: KEY });
    expect(query.status).toBe(422);
    expect(query.headers['content-type']).toBe('application/problem+json');
    expect(query.json()).toMatchObject({ status: 422, detail: 'the request breaks the API contract of listItems (1 violation)', violations: [{ direction: 'request', location: 'query', pointer: 'limit', message: 'query parameter `limit` must be integer' }] });
    const body = await call(`${m.url}/api/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name": ""}' });
    expect(body.status).toBe(422);
    expect(body.json().violations).toEqual([expect.objectContaining({ location: 'body', pointer: '/name', keyword: 'minLength' })]);
    const noKey = await call(`${m.url}/api/items`);
    expect(noKey.status).toBe(401);
    expect(noKey.json()).toMatchObject({ title: 'Unauthorized', detail: 'the request does not meet the security requirements of listItems' });
  });

  it('answers CORS preflights', async () => {
    const m = await mock();
    const res = await call(`${m.url}/api/items`, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(res.headers['access-control-allow-methods']).toBe('POST');
    expect(res.headers['access-control-allow-headers']).toBe('content-type');
  });
});

/** Runs n requests one after the other; returns statuses and the delays the mock chose (no real waiting: sleep is injected). */
async function sample(m: RunningMock, path: string, n: number, headers: Record<string, string> = {}) {
  const statuses: number[] = [];
  const delays: number[] = [];
  const inOrder: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await request(`${m.url}${path}`, { headers });
    await res.body.dump();
    statuses.push(res.statusCode);
    delays.push(Number(/delay=([\d.]+)ms/.exec(String(res.headers['sworn-mock']))![1]));
    inOrder.push(delays[delays.length - 1]!);
  }
  delays.sort((a, b) => a - b);
  const quantile = (q: number) => delays[Math.ceil(q * delays.length) - 1]!;
  return { errors: statuses.filter((s) => s >= 500).length, quantile, within: (ms: number) => delays.filter((d) => d <= ms).length / delays.length, inOrder, statuses };
}

describe('--behave slo: behaving the way the promise says', () => {
  const instant = async () => undefined;

  it('fails at the promised error rate and delays on the fitted distribution, the tightest objective at its limit', async () => {
    const m = await mock({ behave: 'slo', seed: 3, sleep: instant });
    // getItem: availability 99; p50 <= 40 ms, p99 <= 400 ms, 90% within 100 ms. The threshold binds:
    // q(0.9) = 100 ms exactly, the percentiles are met with room.
    const s = await sample(m, '/api/items/7', 2_000);
    expect(s.errors).toBe(20); // 1% of 2,000, spread evenly: within one of the exact share
    expect(s.within(100)).toBeCloseTo(0.9, 2); // tolerance 0.005
    const model = fitLatency([{ name: 'p50', kind: 'percentile', percentile: 50, max: parseDuration('40ms')! }, { name: 'p99', kind: 'percentile', percentile: 99, max: parseDuration('400ms')! }, { name: 'fast', kind: 'threshold', threshold: parseDuration('100ms')!, target: 90 }])!;
    expect(latencyAt(model, 0.9)).toBeCloseTo(100, 6);
    expect(Math.abs(s.quantile(0.5) - latencyAt(model, 0.5)) / latencyAt(model, 0.5)).toBeLessThan(0.02);
    expect(Math.abs(s.quantile(0.99) - latencyAt(model, 0.99)) / latencyAt(model, 0.99)).toBeLessThan(0.03);
    expect(s.quantile(0.5)).toBeLessThan(40);
    // No position is favoured: every second request (one consumer among two, say) sees the same distribution and its share of errors.
    const even = s.inOrder.filter((_d, i) => i % 2 === 0).sort((a, b) => a - b);
    expect(Math.abs(even[Math.ceil(0.5 * even.length) - 1]! - latencyAt(model, 0.5)) / latencyAt(model, 0.5)).toBeLessThan(0.1);
    const evenErrors = s.statuses.filter((st, i) => i % 2 === 0 && st >= 500).length;
    expect(evenErrors).toBeGreaterThan(3);
    expect(evenErrors).toBeLessThan(17);
    expect(s.quantile(0.99)).toBeLessThan(400);
    // The same seed gives the same behaviour; the operation answers its declared 5xx when it has one.
    const again = await sample(await mock({ behave: 'slo', seed: 3, sleep: instant }), '/api/items/7', 200);
    const first = await sample(await mock({ behave: 'slo', seed: 3, sleep: instant }), '/api/items/7', 200);
    expect(again.quantile(0.5)).toBe(first.quantile(0.5));
    const listed = await call(`${m.url}/api/items`, { headers: { ...KEY, 'sworn-chaos': 'error=100x' } });
    expect([listed.status, listed.json()]).toEqual([503, { retry: true }]);
  });

  it('gives the promised failures to valid requests only: invalid ones are answered 422 at once', async () => {
    const m = await mock({ behave: 'slo', seed: 4, sleep: instant });
    let errors = 0;
    for (let i = 0; i < 2_000; i++) {
      const valid = await request(`${m.url}/api/items/7`);
      await valid.body.dump();
      if (valid.statusCode >= 500) errors++;
      const invalid = await request(`${m.url}/api/items/seven`);
      await invalid.body.dump();
      expect([invalid.statusCode, invalid.headers['sworn-mock']]).toEqual([422, undefined]);
    }
    expect(errors).toBe(20);
  });

  it('moves as a chaos multiplier says: flag, admin POST /chaos, Sworn-Chaos header', async () => {
    const m = await mock({ behave: 'slo', seed: 3, sleep: instant, chaos: parseChaos('error=3x,latency=2x') });
    const s = await sample(m, '/api/items/7', 2_000);
    expect(s.errors).toBe(60);
    expect(s.within(200)).toBeCloseTo(0.9, 2); // every delay doubled: q(0.9) = 200 ms
    const posted = await call(`${m.adminUrl}/chaos`, { method: 'POST', body: 'error=0x,latency=1x' });
    expect(posted.json()).toEqual({ chaos: 'error=0x,latency=1x,reset=0%,truncate=0%' });
    expect((await call(`${m.adminUrl}/chaos`)).json()).toMatchObject({ behave: 'slo', seed: 3, chaos: 'error=0x,latency=1x,reset=0%,truncate=0%' });
    expect((await sample(m, '/api/items/7', 500)).errors).toBe(0);
    expect((await sample(m, '/api/items/7', 500, { 'sworn-chaos': 'error=10x' })).errors).toBe(50);
    const bad = await call(`${m.adminUrl}/chaos`, { method: 'POST', body: 'error=lots' });
    expect([bad.status, bad.json().hint]).toEqual([400, 'Write e.g. error=2x,latency=3x,reset=1%,truncate=0.5% (or none).']);
  });

  it('resets connections and cuts bodies short on a game day', async () => {
    const failures = async (chaos: string) => {
      const m = await mock({ behave: 'slo', seed: 3, sleep: instant, chaos: parseChaos(chaos) });
      let failed = 0;
      for (let i = 0; i < 200; i++) {
        try {
          const res = await request(`${m.url}/api/items/7`);
          await res.body.json();
        } catch {
          failed++;
        }
      }
      return failed;
    };
    expect(await failures('reset=10%,error=0x')).toBe(20);
    expect(await failures('truncate=5%,error=0x')).toBe(10);
    expect(await failures('error=0x')).toBe(0);
  });

  it('answers 503 with Retry-After inside an excluded maintenance window', async () => {
    let now = Date.parse('2026-06-01T01:30:00Z');
    const m = await mock({ behave: 'slo', sleep: instant, clock: () => now });
    const res = await call(`${m.url}/api/maintained`);
    expect([res.status, res.headers['retry-after']]).toEqual([503, '1800']);
    now = Date.parse('2026-06-01T02:00:00Z');
    expect((await call(`${m.url}/api/maintained`)).status).toBe(200);
  });
});

describe('the proxy in front of the mock', () => {
  it('shows the operation exactly at its promise\'s edge in sworn\'s own SLO report', async () => {
    let clock = Date.parse('2026-06-02T00:00:00Z');
    const m = await mock({ behave: 'slo', seed: 11, clock: () => clock, sleep: async (ms) => void (clock += ms) });
    const proxy = await proxyFor(m.url, { specFile: fixture('mock/api.yaml'), clock: () => clock });
    for (let i = 0; i < 2_000; i++) {
      clock += 1_000;
      const res = await request(`${proxy.url}/api/items/7`);
      await res.body.dump();
    }
    clock += 60_000;
    const report = (await call(`${proxy.adminUrl}/report?operation=getItem`)).json() as unknown as Report;
    const slo = report.operations[0]!.slo!;
    expect(slo.availability).toMatchObject({ target: 99, achieved: 99, valid: 2_000, bad: 20, met: true });
    expect(slo.errorBudget!.remaining).toBeCloseTo(0, 9); // spent to the last request
    const fast = slo.latency.find((l) => l.name === 'fast')!;
    expect(fast.achieved!).toBeGreaterThanOrEqual(89.5);
    expect(fast.achieved!).toBeLessThanOrEqual(90.5);
    expect(slo.latency.filter((l) => l.kind === 'percentile').every((l) => l.met)).toBe(true);
  });
});
