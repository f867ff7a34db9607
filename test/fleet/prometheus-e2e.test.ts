import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import type { Report } from '../../src/report/report.js';
import type { RunningProxy } from '../../src/proxy/proxy.js';
import { proxyFor, startUpstream, tempDir, type Upstream } from '../proxy/harness.js';
import { cli, fixture } from '../helpers.js';
import { PROMETHEUS, startPrometheus, type RunningPrometheus } from './prometheus-server.js';

// A real Prometheus scrapes three real proxies in front of one upstream. The traffic is uneven,
// as in a fleet behind a poor load balancer: listOrders gets 3,000 / 1,000 / 200 requests at
// 0.5% / 5% / 50% errors (the service burns 3.93x, the small pod 50x); createOrder gets 40
// requests per pod at 50% errors (each pod under the low-traffic guard of 100 events, the fleet
// over it). `sworn report --prometheus` must equal the exact merge of the three stores, and the
// generated alerts must fire exactly where the service's figures say.
const SPEC = fixture('fleet/orders.yaml');
const LIST = [
  { requests: 3_000, errorEvery: 200 },
  { requests: 1_000, errorEvery: 20 },
  { requests: 200, errorEvery: 2 },
];
const CREATE_PER_POD = 40;
const SLOW_EVERY = 25; // 4% of the good listOrders calls take 300 ms: above the 250 ms objective
const CONSUMERS = ['acme', 'globex', 'initech'];
const needed = !PROMETHEUS && !process.env.CI;

let upstream: Upstream;
let prometheus: RunningPrometheus;
let proxies: RunningProxy[] = [];
const stores = [0, 1, 2].map(() => join(tempDir(), 'sworn.db'));
/** The fleet's report right after the traffic (alert windows still hold it), and after a pod's restart. */
let fleetAtTraffic: Report;
let fleet: Report;
const RESTARTED_CALLS = 100;
let alertsAfterTraffic: Array<{ metric: Record<string, string>; value: number }> = [];
let reportedAt = '';

beforeAll(async () => {
  if (needed) return;
  upstream = await startUpstream((req, res) => {
    const delay = Number(req.headers['x-test-delay'] ?? 0);
    const status = Number(req.headers['x-test-status']);
    setTimeout(() => res.writeHead(status).end(), delay);
  });
  proxies = await Promise.all(stores.map((store) => proxyFor(upstream.url, { specFile: SPEC, store, adminPort: 0 })));
  const rulesDir = tempDir();
  const rules = await cli(['rules', SPEC]);
  expect(rules.code, rules.stderr).toBe(0);
  const rulesFile = join(rulesDir, 'orders.rules.yaml');
  writeFileSync(rulesFile, rules.stdout);
  prometheus = await startPrometheus(proxies.map((p) => new URL(p.adminUrl!).host), [rulesFile]);
  // Every pod scraped at zero before the first exchange: nothing is lost to a series' first appearance.
  await prometheus.until('three pods scraped', async () => (await prometheus.query('count(sworn_slo_events_total{service="orders",operation="listOrders",outcome="bad"} == 0)'))[0]?.value === 3);

  const dispatcher = new Agent({ connections: 24 });
  const sends: Array<{ pod: number; method: string; status: number; delay: number; consumer: string }> = [];
  LIST.forEach((p, pod) => {
    for (let i = 1; i <= p.requests; i++) {
      const bad = i % p.errorEvery === 0;
      sends.push({ pod, method: 'GET', status: bad ? 503 : 200, delay: !bad && i % SLOW_EVERY === 0 ? 300 : 0, consumer: CONSUMERS[i % 3]! });
    }
    for (let i = 1; i <= CREATE_PER_POD; i++) sends.push({ pod, method: 'POST', status: i % 2 === 0 ? 503 : 201, delay: 0, consumer: CONSUMERS[i % 3]! });
  });
  let next = 0;
  await Promise.all(Array.from({ length: 24 }, async () => {
    while (next < sends.length) {
      const s = sends[next++]!;
      const res = await request(`${proxies[s.pod]!.url}/orders`, { method: s.method as 'GET', headers: { 'x-test-status': String(s.status), 'x-test-delay': String(s.delay), 'x-consumer-id': s.consumer }, dispatcher });
      await res.body.dump();
    }
  }));
  await dispatcher.close();
  const total = sends.length;
  await prometheus.until('Prometheus to scrape every exchange', async () => (await prometheus.query('sum(sworn_slo_events_total{service="orders"})'))[0]?.value === total);
  // The burn-rate rules read the recording rules, evaluated every second after the scrape.
  await prometheus.until('the burn-rate alert of createOrder', async () => (await prometheus.query('ALERTS{alertname="SwornErrorBudgetBurn",operation="createOrder"}')).length > 0, 60);
  alertsAfterTraffic = await prometheus.query('ALERTS{alertname="SwornErrorBudgetBurn"}');
  fleetAtTraffic = await fleetReport();

  // A rolling deploy: pod 1's proxy restarts (its counters start again at zero, on the same store
  // and admin port) and serves 100 more listOrders calls. The fleet's figures must still add up.
  const adminPort = Number(new URL(proxies[1]!.adminUrl!).port);
  await proxies[1]!.close();
  proxies[1] = await proxyFor(upstream.url, { specFile: SPEC, store: stores[1], adminPort });
  await prometheus.until('the restarted pod scraped at zero', async () => (await prometheus.query(`sworn_slo_events_total{operation="listOrders",outcome="good",instance="127.0.0.1:${adminPort}"} == 0`)).length === 1);
  for (let i = 0; i < RESTARTED_CALLS; i++) await (await request(`${proxies[1]!.url}/orders`, { headers: { 'x-test-status': '200', 'x-consumer-id': 'acme' } })).body.dump();
  await prometheus.until('Prometheus to scrape the calls after the restart', async () => (await prometheus.query(`sum(sworn_slo_events_total{service="orders",instance="127.0.0.1:${adminPort}"})`))[0]?.value === RESTARTED_CALLS);
  fleet = await fleetReport();
  reportedAt = fleet.until;
  for (const p of proxies) await p.close();
}, 240_000);

const fleetReport = async () => {
  const report = await cli(['report', '--prometheus', prometheus.url, '--spec', SPEC, '--format', 'json']);
  expect(report.code, report.stderr).toBe(0);
  return JSON.parse(report.stdout) as Report;
};

afterAll(async () => {
  await prometheus?.close();
  await upstream?.close();
});

const fromStores = async (files: string[], at = reportedAt) => {
  const { code, stdout, stderr } = await cli(['report', ...files.flatMap((f) => ['--store', f]), '--spec', SPEC, '--format', 'json', '--at', at]);
  expect(code, stderr).toBe(0);
  return JSON.parse(stdout) as Report;
};

describe.skipIf(needed)('a service on three pods, judged on a real Prometheus', () => {
  it('sworn report --prometheus equals the exact merge of the three stores: counts exactly, latency fractions exactly', async () => {
    const merged = await fromStores(stores);
    expect(fleet.scope).toEqual({ kind: 'prometheus', service: 'orders', pods: 3 });
    for (const id of ['listOrders', 'createOrder']) {
      const a = fleet.operations.find((o) => o.operationId === id)!;
      const b = merged.operations.find((o) => o.operationId === id)!;
      expect(a.requests, id).toBe(b.requests);
      expect(a.violations, id).toEqual(b.violations);
      expect(a.slo!.availability, id).toEqual(b.slo!.availability);
      expect(a.slo!.errorBudget, id).toEqual(b.slo!.errorBudget);
      expect(a.slo!.excluded, id).toBe(b.slo!.excluded);
      expect(a.slo!.latency[0], id).toEqual(b.slo!.latency[0]); // fast: within 250 ms, exact
    }
    expect(fleet.scope).toEqual({ kind: 'prometheus', service: 'orders', pods: 3 }); // the restarted pod is one pod
    const list = fleet.operations.find((o) => o.operationId === 'listOrders')!.slo!;
    expect(list.availability).toMatchObject({ valid: 4_200 + RESTARTED_CALLS, bad: 15 + 50 + 100 }); // the restart lost nothing
    expect(list.latency[0]!.achieved).toBeLessThan(100); // the slow calls count against it
    // Consumers (all in the free tier): their events add up to the merge's, per consumer.
    for (const c of CONSUMERS) {
      const mine = merged.consumers.find((m) => m.consumer === c)!;
      const valid = mine.operations.reduce((n, o) => n + (o.slo?.availability?.valid ?? 0), 0);
      const bad = mine.operations.reduce((n, o) => n + (o.slo?.availability?.bad ?? 0), 0);
      expect(fleet.consumers.find((f) => f.consumer === c)!.slo!.availability, c).toMatchObject({ valid, bad, target: 98 });
    }
    expect(fleet.tiers).toEqual([expect.objectContaining({ tier: 'free', requests: 4_200 + 3 * CREATE_PER_POD + RESTARTED_CALLS })]);
  });

  it('percentiles agree within the histogram\'s precision: the same bucket, whose edges include the objective\'s max', async () => {
    const merged = await fromStores(stores);
    const p99 = (r: Report) => r.operations.find((o) => o.operationId === 'listOrders')!.slo!.latency[1]!.achieved!;
    // 4% of good calls take 300 ms or more: the p99 lies between the 250 ms and 1 s edges, under the 1 s max.
    for (const value of [p99(fleet), p99(merged)]) {
      expect(value).toBeGreaterThan(250);
      expect(value).toBeLessThanOrEqual(1_000);
    }
    expect(fleet.operations.find((o) => o.operationId === 'listOrders')!.slo!.latency[1]!.met).toBe(true);
  });

  it('the generated alerts fire exactly where the service\'s figures say: createOrder (fleet over the guard), not listOrders (one pod burning is not the service)', async () => {
    expect(alertsAfterTraffic.map((a) => a.metric.operation)).toEqual(['createOrder']);
    expect(alertsAfterTraffic[0]!.metric).toMatchObject({ service: 'orders', severity: 'page', long: '2m', short: '1m' });
    const verdict = (r: Report, id: string) => r.operations.find((o) => o.operationId === id)!.slo!.alerts[0]!;
    expect(verdict(fleetAtTraffic, 'createOrder')).toMatchObject({ firing: true });
    expect(verdict(fleetAtTraffic, 'listOrders')).toMatchObject({ firing: false });
    expect(verdict(fleetAtTraffic, 'listOrders').longBurnRate).toBeLessThan(14.4);
    // Each pod alone: the small pod's listOrders burns 50x; createOrder is under the guard on every pod.
    const small = await fromStores([stores[2]!], fleetAtTraffic.until);
    expect(verdict(small, 'listOrders').longBurnRate).toBeGreaterThan(14.4);
    for (const store of stores) expect(verdict(await fromStores([store], fleetAtTraffic.until), 'createOrder')).toMatchObject({ firing: false, silencedBy: 'low-traffic' });
  });

  it('sworn gate --prometheus judges the fleet\'s budget: listOrders and createOrder have spent theirs', async () => {
    const gate = await cli(['gate', '--prometheus', prometheus.url, '--spec', SPEC, '--format', 'json']);
    expect(gate.code).toBe(1);
    const verdicts = (JSON.parse(gate.stdout) as { operations: Array<{ operationId: string; spent: number; frozen: boolean }> }).operations;
    expect(verdicts).toEqual([
      expect.objectContaining({ operationId: 'listOrders', spent: 165, frozen: true }),
      expect.objectContaining({ operationId: 'createOrder', spent: 60, frozen: true }),
    ]);
  });

  it('says what is wrong when Prometheus cannot answer or holds nothing for the service', async () => {
    const wrong = await cli(['report', '--prometheus', prometheus.url, '--spec', SPEC, '--service', 'ordres']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('SWORN_ERR_PROMETHEUS');
    expect(wrong.stderr).toContain('service="ordres"');
    const gone = await cli(['report', '--prometheus', 'http://127.0.0.1:1', '--spec', SPEC]);
    expect([gone.code, gone.stderr]).toEqual([2, expect.stringContaining('cannot reach Prometheus at http://127.0.0.1:1')]);
    // Another spec than the one the proxies run: nothing of it is measured, so nothing passes.
    const other = await cli(['gate', '--prometheus', prometheus.url, '--spec', 'specs/petstore.yaml', '--service', 'orders']);
    expect([other.code, other.stderr]).toEqual([2, expect.stringContaining('expose none of the spec\'s')]);
    const nobody = await cli(['report', '--prometheus', prometheus.url, '--spec', SPEC, '--consumer', 'acmee']);
    expect([nobody.code, nobody.stderr]).toEqual([2, expect.stringContaining('Did you mean --consumer acme?')]);
    const noSpec = await cli(['report', '--prometheus', prometheus.url]);
    expect([noSpec.code, noSpec.stderr]).toEqual([2, expect.stringContaining('--prometheus needs --spec')]);
  });
});
