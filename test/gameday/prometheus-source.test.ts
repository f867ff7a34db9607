import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import type { RunningProxy } from '../../src/proxy/proxy.js';
import { AdminClient } from '../../src/gameday/admin-client.js';
import { PrometheusTallies } from '../../src/gameday/prometheus-source.js';
import { judge, sumSnapshots, type TallyRow, type TallySnapshot } from '../../src/gameday/steady.js';
import { SwornError } from '../../src/errors.js';
import { proxyFor, startUpstream, type Upstream } from '../proxy/harness.js';
import { fixture } from '../helpers.js';
import { PROMETHEUS, startPrometheus, type RunningPrometheus } from '../fleet/prometheus-server.js';

// Two real proxies (pods of service `orders`) in front of one real upstream, a real Prometheus
// scraping both admin ports. The game day's steady state read from Prometheus must be the two
// pods' /tallies added up, and judge() on two such snapshots must give the phase's own figures.
// orders.yaml: availability 99 (tier free 98), fast = 90% within 250 ms, p99 at most 1 s.
const SPEC = fixture('fleet/orders.yaml');
const needed = !PROMETHEUS && !process.env.CI;

interface Send { pod: number; method: 'GET' | 'POST'; status: number; delay: number; consumer: string }

/** Round 1: uneven pods, a few slow calls above the 250 ms threshold, excluded 404s, and createOrder calls of acme on pod 1 answered 503 by an injected fault. */
const ROUND1: Send[] = [
  ...Array.from({ length: 40 }, (_, k): Send => {
    const i = k + 1;
    return { pod: 0, method: 'GET', status: i % 10 === 0 ? 503 : i % 13 === 0 ? 404 : 200, delay: i % 8 === 0 && i % 10 !== 0 ? 300 : 0, consumer: 'acme' };
  }),
  ...Array.from({ length: 20 }, (_, k): Send => ({ pod: 1, method: 'GET', status: (k + 1) % 5 === 0 ? 503 : 200, delay: 0, consumer: 'globex' })),
  ...Array.from({ length: 10 }, (): Send => ({ pod: 0, method: 'POST', status: 201, delay: 0, consumer: 'globex' })),
  ...Array.from({ length: 10 }, (): Send => ({ pod: 1, method: 'POST', status: 201, delay: 0, consumer: 'acme' })),
];
const INJECTED = 10;
/** Round 2: listOrders only, 5 of 40 bad (87.5% < 99%), all fast. */
const ROUND2: Send[] = [
  ...Array.from({ length: 20 }, (_, k): Send => ({ pod: 0, method: 'GET', status: (k + 1) % 4 === 0 ? 503 : 200, delay: 0, consumer: 'acme' })),
  ...Array.from({ length: 20 }, (): Send => ({ pod: 1, method: 'GET', status: 200, delay: 0, consumer: 'globex' })),
];

let upstream: Upstream;
let prometheus: RunningPrometheus;
let proxies: RunningProxy[] = [];
const snap: Record<'start' | 'mid' | 'end' | 'acmeStart' | 'acmeEnd' | 'discovered', TallySnapshot> = {} as never;
/** The two pods' /tallies, added up, when the Prometheus snapshot `end` was read. */
let pods: TallySnapshot;
let podsAcme: TallySnapshot;

const sent = (sends: Send[]) => sends.length;

async function drive(sends: Send[]): Promise<void> {
  const dispatcher = new Agent({ connections: 8 });
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < sends.length) {
      const s = sends[next++]!;
      const res = await request(`${proxies[s.pod]!.url}/orders`, { method: s.method, headers: { 'x-test-status': String(s.status), 'x-test-delay': String(s.delay), 'x-consumer-id': s.consumer }, dispatcher });
      await res.body.dump();
    }
  }));
  await dispatcher.close();
}

const scrapedTotal = (total: number) => prometheus.until(`Prometheus to scrape ${total} events`, async () => (await prometheus.query('sum(sworn_slo_events_total{service="orders"})'))[0]?.value === total);

beforeAll(async () => {
  if (needed) return;
  upstream = await startUpstream((req, res) => {
    setTimeout(() => res.writeHead(Number(req.headers['x-test-status'])).end(), Number(req.headers['x-test-delay'] ?? 0));
  });
  proxies = [await proxyFor(upstream.url, { specFile: SPEC, adminPort: 0 }), await proxyFor(upstream.url, { specFile: SPEC, adminPort: 0 })];
  prometheus = await startPrometheus(proxies.map((p) => new URL(p.adminUrl!).host), []);
  await prometheus.until('both pods scraped at zero', async () => (await prometheus.query('count(sworn_slo_events_total{service="orders",operation="listOrders",outcome="good"} == 0)'))[0]?.value === 2);
  snap.start = await new PrometheusTallies(prometheus.url, { service: 'orders' }).tallies();
  snap.acmeStart = await new PrometheusTallies(prometheus.url, { service: 'orders', consumer: 'acme' }).tallies();

  const fault = await request(`${proxies[1]!.adminUrl}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'error', status: 503, operations: ['createOrder'], consumers: ['acme'], ttl: '5m' }) });
  expect(fault.statusCode, await fault.body.text()).toBe(201);
  await drive(ROUND1);
  await (await request(`${proxies[1]!.adminUrl}/faults`, { method: 'DELETE' })).body.dump();
  await scrapedTotal(sent(ROUND1));
  snap.mid = await new PrometheusTallies(prometheus.url, { service: 'orders' }).tallies();

  await drive(ROUND2);
  await scrapedTotal(sent(ROUND1) + sent(ROUND2));
  snap.end = await new PrometheusTallies(prometheus.url, { service: 'orders' }).tallies();
  snap.acmeEnd = await new PrometheusTallies(prometheus.url, { service: 'orders', consumer: 'acme' }).tallies();
  snap.discovered = await new PrometheusTallies(prometheus.url).tallies();
  const clients = proxies.map((p) => new AdminClient(p.adminUrl!, undefined));
  pods = sumSnapshots(await Promise.all(clients.map((c) => c.tallies())));
  podsAcme = sumSnapshots(await Promise.all(clients.map((c) => c.tallies('acme'))));
}, 120_000);

afterAll(async () => {
  for (const p of proxies) await p.close();
  await prometheus?.close();
  await upstream?.close();
});

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const add = (a: number[], b: number[]) => a.map((v, i) => v + (b[i] ?? 0));

/** The pods' rows of one operation, every consumer added up. */
function podsOf(operationId: string, from = pods): Pick<TallyRow, 'outcomes' | 'buckets'> & { injected: number } {
  const rows = from.rows.filter((r) => r.operationId === operationId);
  return {
    outcomes: rows.reduce((a, r) => add(a, r.outcomes), [0, 0, 0, 0]),
    buckets: rows.reduce((a, r) => add(a, r.buckets), new Array<number>(from.edges.length + 1).fill(0)),
    injected: sum(rows.map((r) => r.injected.requests)),
  };
}

/** What was sent of one operation, classified as orders.yaml says: 5xx bad, 4xx excluded. */
function expected(sends: Send[], method: 'GET' | 'POST') {
  const mine = sends.filter((s) => s.method === method);
  const injected = method === 'POST' ? mine.filter((s) => s.pod === 1 && s.consumer === 'acme').length : 0;
  const bad = mine.filter((s) => s.status >= 500).length + injected;
  const excluded = mine.filter((s) => s.status >= 400 && s.status < 500).length;
  const good = mine.length - bad - excluded;
  return { outcomes: [good, bad, excluded, 0], slow: mine.filter((s) => s.status < 400 && s.delay > 0).length };
}

describe.skipIf(needed)('the steady state read from a real Prometheus scraping two proxies', () => {
  it('per operation, the counts are the two pods\' /tallies added up: outcomes, duration buckets, injected requests, edges', () => {
    expect(snap.end.edges).toEqual(pods.edges);
    expect(snap.end.rows.map((r) => [r.operationId, r.consumer, r.tier])).toEqual([
      ['createOrder', '(all consumers)', "(operation's own promise)"],
      ['listOrders', '(all consumers)', "(operation's own promise)"],
    ]);
    for (const operationId of ['listOrders', 'createOrder']) {
      const row = snap.end.rows.find((r) => r.operationId === operationId)!;
      const mine = podsOf(operationId);
      expect(row.outcomes, operationId).toEqual(mine.outcomes);
      expect(row.buckets, operationId).toEqual(mine.buckets);
      expect(row.injected.requests, operationId).toBe(mine.injected);
      // Injected outcomes are not exported: zeros.
      expect(row.injected.outcomes).toEqual([0, 0, 0, 0]);
    }
    // And what was sent: the sum of both pods, not either pod.
    const list = snap.end.rows.find((r) => r.operationId === 'listOrders')!;
    const create = snap.end.rows.find((r) => r.operationId === 'createOrder')!;
    expect(list.outcomes).toEqual(add(expected(ROUND1, 'GET').outcomes, expected(ROUND2, 'GET').outcomes));
    expect(create.outcomes).toEqual(expected(ROUND1, 'POST').outcomes);
    expect(create.injected.requests).toBe(INJECTED);
    expect(snap.end.source).toBe(`Prometheus ${prometheus.url}, service orders, 2 pods`);
    // The allowance is the operation's own promise's (99%: 0.01 per valid event), not the free tier's (98%) that /tallies sums.
    expect(list.allowance).toBeCloseTo((list.outcomes[0]! + list.outcomes[1]!) * 0.01, 9);
  });

  it('per operation, the objectives are the operation\'s own promise, thresholds and maxima in ms', () => {
    for (const row of snap.end.rows) {
      expect(row.promise).toEqual({ availability: 99, latency: [{ name: 'fast', kind: 'threshold', limitMs: 250, target: 90 }, { name: 'p99', kind: 'percentile', limitMs: 1_000, target: 99 }] });
    }
  });

  it('judge on two snapshots gives each phase its own figures, across both pods', () => {
    const ref = { source: { prometheus: prometheus.url, service: 'orders' }, operations: ['listOrders'] };
    const [first] = judge(ref, snap.start, snap.mid);
    const e1 = expected(ROUND1, 'GET');
    const [good1, bad1] = e1.outcomes as [number, number];
    expect(first).toMatchObject({ scope: `(all consumers) on listOrders (tier (operation's own promise), Prometheus ${prometheus.url}, service orders, 2 pods)`, requests: sum(e1.outcomes), injected: 0 });
    expect(first!.availability!.achieved).toBeCloseTo((good1 / (good1 + bad1)) * 100, 9);
    expect(first!.latency.find((l) => l.objective === 'fast')!.achieved).toBeCloseTo(((good1 - e1.slow) / good1) * 100, 9);
    expect(first!.latency.find((l) => l.objective === 'p99')!.achieved).toBe(100);
    expect(first!.burnRate).toBeCloseTo(bad1 / ((good1 + bad1) * 0.01), 6);

    // Round 2 only: 35 of 40 good on listOrders, every call fast.
    const [second] = judge(ref, snap.mid, snap.end);
    expect(second!.requests).toBe(sent(ROUND2));
    expect(second!.availability).toMatchObject({ target: 99, achieved: 87.5, met: false });
    expect(second!.latency.map((l) => [l.objective, l.achieved, l.met])).toEqual([['fast', 100, true], ['p99', 100, true]]);
    expect(second!.held).toBe(false);
    expect(second!.misses).toEqual(['(all consumers)\'s availability on listOrders fell to 87.5% < 99%']);

    // createOrder: the injected 503s of round 1 are counted as injected requests.
    const [create] = judge({ ...ref, operations: ['createOrder'] }, snap.start, snap.mid);
    expect(create).toMatchObject({ requests: 20, injected: INJECTED, availability: { target: 99, achieved: 50, met: false } });
  });

  it('a named consumer: one row over all its operations, against its tier, the counts of both pods\' /tallies', () => {
    expect(snap.acmeStart.rows).toEqual([]);
    expect(snap.acmeEnd.rows).toHaveLength(1);
    const row = snap.acmeEnd.rows[0]!;
    const mine = podsAcme.rows.reduce((a, r) => add(a, r.outcomes), [0, 0, 0, 0]);
    expect(row).toMatchObject({ operationId: '(all operations)', consumer: 'acme', tier: 'free', outcomes: mine });
    expect(sum(row.outcomes)).toBe(ROUND1.filter((s) => s.consumer === 'acme').length + ROUND2.filter((s) => s.consumer === 'acme').length);
    expect(row.injected.requests).toBe(INJECTED);
    // Its tier's availability (98), from the allowance; the threshold objective only: no histogram per consumer.
    expect(row.allowance).toBeCloseTo((row.outcomes[0]! + row.outcomes[1]!) * 0.02, 9);
    expect(row.promise).toEqual({ availability: 98, latency: [{ name: 'fast', kind: 'threshold', limitMs: 250, target: 90 }] });
    expect(snap.acmeEnd.edges).toEqual([0.25]);
    const fastEdge = podsAcme.edges.indexOf(0.25);
    const within = sum(podsAcme.rows.flatMap((r) => r.buckets.slice(0, fastEdge + 1)));
    expect(row.buckets).toEqual([within, row.outcomes[0]! - within]);
    expect(snap.acmeEnd.source).toContain('summed over all operations');
    expect(snap.acmeEnd.source).toContain('percentile objectives not judged');

    const [figures] = judge({ source: { prometheus: prometheus.url, service: 'orders' }, consumer: 'acme' }, snap.acmeStart, snap.acmeEnd);
    const [good, bad] = mine as [number, number];
    expect(figures!.scope).toMatch(/^acme on \(all operations\) \(tier free, Prometheus /);
    expect(figures!.availability!.target).toBe(98);
    expect(figures!.availability!.achieved).toBeCloseTo((good / (good + bad)) * 100, 9);
    expect(figures!.latency.map((l) => [l.objective, l.kind, l.achieved])).toEqual([['fast', 'threshold', (within / good) * 100]]);
  });

  it('without a service, the one service Prometheus holds sworn series of', () => {
    expect(snap.discovered.rows).toEqual(snap.end.rows);
  });

  it('named operations only, and an operation with no series is an error naming those with', async () => {
    const only = await new PrometheusTallies(prometheus.url, { service: 'orders', operations: ['createOrder'] }).tallies();
    expect(only.rows.map((r) => r.operationId)).toEqual(['createOrder']);
    const error = await new PrometheusTallies(prometheus.url, { service: 'orders', operations: ['createOrder', 'cancelOrder'] }).tallies().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SwornError);
    expect((error as SwornError).code).toBe('SWORN_ERR_GAMEDAY');
    expect((error as SwornError).message).toContain('cancelOrder');
    expect((error as SwornError).hint).toContain('createOrder, listOrders');
  });

  it('a service with no sworn series is an error naming the services there are', async () => {
    const error = await new PrometheusTallies(prometheus.url, { service: 'payments' }).tallies().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SWORN_ERR_GAMEDAY', message: expect.stringContaining('no sworn series of service "payments"'), hint: expect.stringContaining('orders') });
  });

  it('a proxy\'s admin port is not Prometheus', async () => {
    const error = await new PrometheusTallies(proxies[0]!.adminUrl!, { service: 'orders' }).tallies().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SWORN_ERR_GAMEDAY', message: expect.stringContaining('not Prometheus'), hint: expect.stringMatching(/^Check the hypothesis's prometheus: .*\{proxy: /) });
  });
});

describe('errors reading Prometheus', () => {
  it('unreachable: the URL and what to check', async () => {
    const server = http.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const error = await new PrometheusTallies(`http://127.0.0.1:${port}`, { service: 'orders' }).tallies().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SWORN_ERR_GAMEDAY', message: expect.stringContaining(`cannot reach Prometheus at http://127.0.0.1:${port}`), hint: expect.stringContaining("Check the hypothesis's prometheus") });
    expect((error as SwornError).hint).not.toContain('--prometheus');
  });

  it('a query Prometheus refuses: its reason; credentials in the URL never in the message', async () => {
    const seen: Array<{ auth: string | undefined; body: string }> = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ auth: req.headers.authorization, body });
        res.writeHead(422, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'error', errorType: 'execution', error: 'query processing would load too many samples' }));
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const error = await new PrometheusTallies(`http://ops:s3cret@127.0.0.1:${port}`, { service: 'orders' }).tallies().catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'SWORN_ERR_GAMEDAY', message: expect.stringContaining('(422, execution): query processing would load too many samples'), hint: expect.stringContaining('healthy') });
      expect((error as SwornError).hint).not.toContain('--window');
      expect((error as SwornError).message).not.toContain('s3cret');
      expect((error as SwornError).message).toContain(`http://127.0.0.1:${port}`);
      expect(seen[0]!.auth).toBe(`Basic ${Buffer.from('ops:s3cret').toString('base64')}`);
      expect(new URLSearchParams(seen[0]!.body).get('query')).toBe('count(sworn_slo_events_total{service="orders"})');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a consumer and operations together, or a URL that is not http(s), cannot be read from Prometheus', () => {
    expect(() => new PrometheusTallies('http://127.0.0.1:9090', { consumer: 'acme', operations: ['listOrders'] })).toThrow(expect.objectContaining({ code: 'SWORN_ERR_GAMEDAY', hint: expect.stringContaining('proxy:') }));
    expect(() => new PrometheusTallies('not a url')).toThrow(expect.objectContaining({ code: 'SWORN_ERR_GAMEDAY', message: 'the hypothesis\'s prometheus "not a url" is not a URL', hint: expect.stringContaining('{prometheus: http://prometheus:9090, service: orders}') }));
    expect(() => new PrometheusTallies('file:///etc/passwd')).toThrow(expect.objectContaining({ code: 'SWORN_ERR_GAMEDAY', message: expect.stringContaining('only http and https'), hint: expect.stringContaining('{prometheus: ') }));
  });
});

/** A stand-in for Prometheus's query API on loopback: answers each instant query with the vector `answer` gives (by the query's text). */
async function cannedPrometheus(answer: (query: string) => Array<{ metric: Record<string, string>; value: number }>) {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const result = answer(new URLSearchParams(body).get('query') ?? '').map((s) => ({ metric: s.metric, value: [0, String(s.value)] }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('what the sums over pods can and cannot say', () => {
  it('edges only some pods have (a threshold added since the others started) are not edges of the sum', async () => {
    // Pod 1 has edges 0.25 and 1; pod 2 also 0.3. Cumulative: pod 1 {0.25: 5, 1: 8, +Inf: 9}, pod 2 {0.25: 2, 0.3: 3, 1: 4, +Inf: 4}.
    const prom = await cannedPrometheus((q) => {
      const op = { operation: 'listOrders' };
      if (q.startsWith('count by (service)') || q.startsWith('count(')) return [{ metric: { service: 'orders' }, value: 8 }];
      if (q.startsWith('sum by (operation, outcome)')) return [{ metric: { ...op, outcome: 'good' }, value: 13 }, { metric: { ...op, outcome: 'bad' }, value: 1 }];
      if (q.startsWith('sum by (operation, le)')) return [['0.25', 7], ['0.3', 3], ['1', 12], ['+Inf', 13]].map(([le, value]) => ({ metric: { ...op, le: String(le) }, value: Number(value) }));
      if (q.startsWith('count by (operation, le)')) return [['0.25', 2], ['0.3', 1], ['1', 2], ['+Inf', 2]].map(([le, value]) => ({ metric: { ...op, le: String(le) }, value: Number(value) }));
      if (q.startsWith('max(count by (operation)')) return [{ metric: {}, value: 2 }];
      return [];
    });
    try {
      const snapshot = await new PrometheusTallies(prom.url, { service: 'orders' }).tallies();
      expect(snapshot.edges).toEqual([0.25, 1]);
      expect(snapshot.rows[0]).toMatchObject({ operationId: 'listOrders', outcomes: [13, 1, 0, 0], buckets: [7, 5, 1], promise: null });
    } finally {
      await prom.close();
    }
  });

  it('a consumer\'s threshold objective some operations do not promise is left out, and the scope says so', async () => {
    const info = (operation: string, objective: string, kind: string, target: string, threshold: string) => ({ metric: { operation, objective, kind, target, threshold }, value: 2 });
    const prom = await cannedPrometheus((q) => {
      if (q.startsWith('count(')) return [{ metric: {}, value: 8 }];
      if (q.includes('sworn_consumer_events_total')) return [{ metric: { tier: 'gold', outcome: 'good' }, value: 90 }, { metric: { tier: 'gold', outcome: 'bad' }, value: 10 }];
      if (q.includes('sworn_consumer_error_budget_allowance_total')) return [{ metric: {}, value: 0.05 }];
      if (q.includes('sworn_consumer_latency_within_total')) return [{ metric: { objective: 'fast' }, value: 80 }, { metric: { objective: 'ok' }, value: 85 }];
      if (q.includes('sworn_slo_objective_info')) {
        return [
          info('listOrders', 'availability', 'availability', '99', ''), info('listOrders', 'fast', 'threshold', '90', '0.25'), info('listOrders', 'ok', 'threshold', '95', '0.5'),
          info('createOrder', 'availability', 'availability', '99', ''), info('createOrder', 'ok', 'threshold', '95', '0.5'),
        ];
      }
      return [];
    });
    try {
      const snapshot = await new PrometheusTallies(prom.url, { service: 'orders', consumer: 'bank' }).tallies();
      expect(snapshot.edges).toEqual([0.5]);
      // gold's target read from the allowance: 1 - 0.05 / 100 valid = 99.95%.
      expect(snapshot.rows).toEqual([{ operationId: '(all operations)', consumer: 'bank', tier: 'gold', outcomes: [90, 10, 0, 0], allowance: 0.05, buckets: [85, 5], injected: { requests: 0, outcomes: [0, 0, 0, 0], buckets: [0, 0] }, promise: { availability: 99.95, latency: [{ name: 'ok', kind: 'threshold', limitMs: 500, target: 95 }] } }]);
      expect(snapshot.source).toContain('fast not judged (not every operation promises it)');
      expect(snapshot.source).not.toContain('percentile');
    } finally {
      await prom.close();
    }
  });
});
