import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { request } from 'undici';
import { call, proxyFor, startUpstream, tempDir, type Upstream } from '../proxy/harness.js';
import type { Report } from '../../src/report/report.js';
import { cli, fixture } from '../helpers.js';
import { BURST, END, START, expectOperationFigures, expected, random, round, type TraceEvent } from './oracle.js';

/**
 * A service on three pods, each behind its own sidecar with its own store,
 * with uneven traffic (about 70 / 25 / 5 %) and uneven health (the small pod
 * fails most). Each store is exact for its pod; `sworn report` and `sworn
 * gate` over the three stores must give the service's figures: equal to the
 * oracle over the whole trace, as if one proxy had seen every exchange.
 */
const KEYS: Record<string, string | undefined> = { acme: 'key-acme', hobby: 'key-hobby', '127.0.0.1': undefined };
const TIERS: Record<string, { target: number; fast: number }> = { acme: { target: 99.9, fast: 200 }, hobby: { target: 98, fast: 300 }, '127.0.0.1': { target: 98, fast: 300 } };

function fleetTrace(): Array<TraceEvent & { pod: number }> {
  const rnd = random(77);
  const events: Array<TraceEvent & { pod: number }> = [];
  const consumers = Object.keys(KEYS);
  for (let t = START; t < END; t += (t >= BURST[0] - 3_600_000 ? 20_000 : 300_000) + Math.floor(rnd() * 300_000)) {
    const p = rnd();
    const pod = p < 0.7 ? 0 : p < 0.95 ? 1 : 2;
    const r = rnd();
    const inBurst = t >= BURST[0] && t < BURST[1];
    const failing = pod === 2 ? 0.3 : inBurst ? 0.5 : 0.005;
    let status = 200;
    let outcome: TraceEvent['outcome'] = 'response';
    if (r < failing) status = 503;
    else if (r < failing + 0.003) { status = 502; outcome = 'upstream-error'; }
    const u = rnd();
    const durationMs = u < 0.85 ? 10 + Math.floor(rnd() * 250) : u < 0.995 ? 300 + Math.floor(rnd() * 1500) : 2_100 + Math.floor(rnd() * 2000);
    events.push({ at: t, consumer: consumers[Math.floor(rnd() * consumers.length)]!, status, durationMs, outcome, pod });
  }
  return events;
}

let clock = START;
let before = '';
let scraped: string[] = [];
/** Scrapes of a pod taken during the trace, with the clock then. */
const scrapedAt: Array<{ at: number; text: string }> = [];
const SERVICE = 'engine-proxy-spec';
/** The sum over every pod's scrape of the series of `name` whose labels include `labels`. */
const fleetSum = (name: string, labels: Record<string, string>) => {
  let sum = 0;
  for (const text of scraped) {
    for (const line of text.split('\n')) {
      const m = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
      if (!m || m[1] !== name) continue;
      const have = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
      if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[3]);
    }
  }
  return sum;
};
let upstream: Upstream;
const stores = [0, 1, 2].map(() => join(tempDir(), 'sworn.db'));
const events = fleetTrace();
const atEnd = new Date(END).toISOString();
const reportOf = async (files: string[], extra: string[] = []) => {
  const { code, stdout, stderr } = await cli(['report', ...files.flatMap((f) => ['--store', f]), '--format', 'json', '--at', atEnd, ...extra]);
  expect(code, stderr).toBe(0);
  return JSON.parse(stdout) as Report;
};

beforeAll(async () => {
  upstream = await startUpstream((req, res) => {
    clock += Number(req.headers['x-test-duration']);
    if (req.headers['x-test-reset']) return void req.socket.destroy();
    res.writeHead(Number(req.headers['x-test-status']), { 'content-type': 'application/json' }).end('[]');
  });
  const proxies = await Promise.all(stores.map((store) => proxyFor(upstream.url, { specFile: fixture('engine-proxy-spec.yaml'), store, clock: () => clock, adminPort: 0 })));
  before = (await call(`${proxies[0]!.adminUrl}/metrics`)).text;
  let lastScrape = START;
  for (const e of events) {
    clock = e.at;
    if (clock - lastScrape >= 3_600_000) {
      lastScrape = clock;
      scrapedAt.push({ at: clock, text: (await call(`${proxies[e.pod]!.adminUrl}/metrics`)).text });
    }
    const key = KEYS[e.consumer];
    const res = await request(`${proxies[e.pod]!.url}/orders`, {
      headers: { 'x-test-duration': String(e.durationMs), 'x-test-status': String(e.status), ...(e.outcome === 'upstream-error' ? { 'x-test-reset': '1' } : {}), ...(key ? { 'x-api-key': key } : {}) },
    });
    await res.body.dump();
  }
  clock = END;
  scraped = await Promise.all(proxies.map(async (p) => (await call(`${p.adminUrl}/metrics`)).text));
  for (const p of proxies) await p.close();
}, 180_000);

afterAll(async () => {
  await upstream?.close();
});

describe('the figures of a service on three pods, from their three stores', () => {
  it('equal the oracle over every pod\'s traffic: counts add, SLO buckets add, latency histograms merge', async () => {
    expect(events.length).toBeGreaterThan(1_500);
    expect([0, 1, 2].map((pod) => events.filter((e) => e.pod === pod).length).every((n) => n > 20)).toBe(true);
    const fleet = await reportOf(stores);
    const op = fleet.operations.find((o) => o.operationId === 'listOrders')!;
    expect(op.requests).toBe(events.length);
    expectOperationFigures(op.slo!, expected(events, { target: 99, fast: 300 }));
    for (const [consumer, tier] of Object.entries(TIERS)) {
      const mine = expected(events, { consumer, ...tier });
      const f = fleet.consumers.find((c) => c.consumer === consumer)!.operations[0]!.slo!;
      expect(f.availability, consumer).toMatchObject({ good: mine.good, bad: mine.bad, valid: mine.valid, achieved: round((mine.good / mine.valid) * 100) });
      expect(f.latency[0]!.achieved, consumer).toBe(round((mine.fast / mine.good) * 100));
      // A percentile from merged histograms: within the histograms' precision of the true one.
      expect(f.latency[1]!.achieved!, consumer).toBeGreaterThanOrEqual(mine.p99 * 0.999);
      expect(f.latency[1]!.achieved!, consumer).toBeLessThanOrEqual(mine.p99 * 1.001 + 1);
    }
  });

  it('differ from any one pod\'s, which judges only that pod', async () => {
    const small = await reportOf([stores[2]!]);
    const mine = expected(events.filter((e) => e.pod === 2), { target: 99, fast: 300 });
    expect(small.operations[0]!.slo!.availability).toMatchObject({ good: mine.good, bad: mine.bad, valid: mine.valid });
    const all = expected(events, { target: 99, fast: 300 });
    expect(mine.valid).toBeLessThan(all.valid);
    expect(mine.bad / mine.valid).toBeGreaterThan((all.bad / all.valid) * 2); // the small pod looks far worse than the service is
  });

  it('count an explicit window exactly across the stores too', async () => {
    const [since, until] = BURST;
    const windowed = await reportOf(stores, ['--since', new Date(since).toISOString(), '--until', new Date(until).toISOString()]);
    const w = expected(events.filter((e) => e.at >= since && e.at < until), { target: 99, fast: 300 });
    expect(windowed.operations[0]!.slo!.availability).toMatchObject({ good: w.good, bad: w.bad, valid: w.valid });
  });

  it('gate on the fleet\'s budget, and refuse a store named twice or stores of different specs', async () => {
    const fleet = await reportOf(stores);
    const gate = await cli(['gate', ...stores.flatMap((f) => ['--store', f]), '--format', 'json', '--at', atEnd]);
    const verdicts = JSON.parse(gate.stdout) as { operations: Array<{ operationId: string; spent: number }> };
    for (const v of verdicts.operations) expect(v.spent).toBe(fleet.operations.find((o) => o.operationId === v.operationId)!.slo!.errorBudget!.spent);
    const twice = await cli(['report', '--store', stores[0]!, '--store', stores[0]!]);
    expect([twice.code, twice.stderr]).toEqual([2, expect.stringContaining('is given twice')]);
    const other = join(tempDir(), 'other.db');
    const p = await proxyFor(upstream.url, { specFile: fixture('proxy/api.yaml'), store: other, adminPort: null });
    await p.close();
    const mixed = await cli(['report', '--store', stores[0]!, '--store', other]);
    expect([mixed.code, mixed.stderr]).toEqual([2, expect.stringContaining('the stores checked different specs')]);
    expect(mixed.stderr).toContain('Add --spec <file>');
  });
});

describe('the fleet counters on /metrics (sworn_slo_*_total), summed over the three pods', () => {
  it('exist at zero before the first exchange, for every tier and objective', () => {
    for (const outcome of ['good', 'bad', 'excluded', 'maintenance_excluded']) expect(before).toContain(`sworn_slo_events_total{service="${SERVICE}",operation="listOrders",outcome="${outcome}"} 0`);
    expect(before).toContain(`sworn_slo_error_budget_allowance_total{service="${SERVICE}",operation="listOrders"} 0`);
    expect(before).toContain(`sworn_slo_latency_within_total{service="${SERVICE}",operation="listOrders",objective="fast"} 0`);
    // The duration histogram too, with an edge at every threshold (300 ms, gold's 200 ms) and percentile max (1.5 s) of the spec.
    const edges = [...before.matchAll(/sworn_request_duration_seconds_bucket\{le="([^"]+)",service="[^"]+",operation="listOrders"\} 0/g)].map((m) => m[1]);
    expect(edges).toEqual(expect.arrayContaining(['0.2', '0.3', '1.5', '+Inf']));
    expect(edges).toHaveLength(new Set(edges).size);
  });

  it('say what is promised, and which maintenance window is active', () => {
    expect(before).toContain(`sworn_slo_objective_info{service="${SERVICE}",operation="listOrders",objective="availability",kind="availability",target="99",threshold="",window="28d"} 1`);
    expect(before).toContain(`sworn_slo_objective_info{service="${SERVICE}",operation="listOrders",objective="fast",kind="threshold",target="95",threshold="0.3",window="28d"} 1`);
    expect(before).toContain(`sworn_slo_objective_info{service="${SERVICE}",operation="listOrders",objective="p99",kind="percentile",target="99",threshold="1.5",window="28d"} 1`);
    expect(before).toContain(`sworn_slo_maintenance_active{service="${SERVICE}",operation="listOrders",window="sunday",effect="availability"} 0`);
    expect(before).toContain(`sworn_slo_maintenance_active{service="${SERVICE}",operation="listOrders",window="migration",effect="exclude"} 0`);
    // Inside the one-off migration window (2026-03-25 10:00-12:00 UTC), at some pod's scrape.
    const during = scrapedAt.find((s) => s.at >= Date.parse('2026-03-25T10:00:00Z') && s.at < Date.parse('2026-03-25T12:00:00Z'));
    expect(during, 'the trace reaches into the migration window').toBeDefined();
    expect(during!.text).toContain(`sworn_slo_maintenance_active{service="${SERVICE}",operation="listOrders",window="migration",effect="exclude"} 1`);
  });

  it('add up to the service\'s figures: outcomes, budget allowance (maintenance targets included) and latency within threshold', () => {
    const all = expected(events, { target: 99, fast: 300 });
    const outcome = (o: string) => fleetSum('sworn_slo_events_total', { operation: 'listOrders', outcome: o });
    expect([outcome('good'), outcome('bad'), outcome('excluded'), outcome('maintenance_excluded')]).toEqual([all.good, all.bad, all.excluded, all.maintenanceExcluded]);
    expect(fleetSum('sworn_slo_error_budget_allowance_total', { operation: 'listOrders' })).toBeCloseTo(all.allowance, 6);
    expect(fleetSum('sworn_slo_latency_within_total', { operation: 'listOrders', objective: 'fast' })).toBe(all.fast);
    // Against the gold tier's own promise (99.9, fast within 200 ms): acme is the gold consumer.
    const gold = expected(events, { consumer: 'acme', target: 99.9, fast: 200 });
    expect(fleetSum('sworn_consumer_events_total', { tier: 'gold', outcome: 'bad' })).toBe(gold.bad);
    expect(fleetSum('sworn_consumer_error_budget_allowance_total', { tier: 'gold' })).toBeCloseTo(gold.allowance, 6);
    expect(fleetSum('sworn_consumer_latency_within_total', { tier: 'gold', objective: 'fast' })).toBe(gold.fast);
    // Every tier: the consumers' sums by tier are the tiers' figures (free: 98%, fast 300 ms).
    for (const [consumer, tier] of Object.entries(TIERS)) {
      const mine = expected(events, { consumer, ...tier });
      expect(fleetSum('sworn_consumer_events_total', { consumer, outcome: 'good' }), consumer).toBe(mine.good);
      expect(fleetSum('sworn_consumer_latency_within_total', { consumer, objective: 'fast' }), consumer).toBe(mine.fast);
    }
    // The histogram counts good events; its 300 ms bucket is exactly the threshold objective's numerator.
    expect(fleetSum('sworn_request_duration_seconds_count', { operation: 'listOrders' })).toBe(all.good);
    expect(fleetSum('sworn_request_duration_seconds_bucket', { operation: 'listOrders', le: '0.3' })).toBe(all.fast);
    // Per consumer, against its tier: acme's events and allowance (gold, 99.9).
    expect(fleetSum('sworn_consumer_events_total', { consumer: 'acme', outcome: 'bad' })).toBe(gold.bad);
    expect(fleetSum('sworn_consumer_error_budget_allowance_total', { consumer: 'acme' })).toBeCloseTo(gold.allowance, 6);
  });
});
