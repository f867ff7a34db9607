import { closest } from 'fastest-levenshtein';
import { SwornError } from '../errors.js';
import { figuresOf, type JudgedCounts, type SloFigures } from '../engine/engine.js';
import type { ResolvedPromise, ResolvedSpecSlo } from '../slo/model.js';
import { windowBounds } from '../slo/window.js';
import type { Operation } from '../spec/operations.js';
import { missesOf, summaryOf, type Report } from '../report/report.js';
import { exactIncreases, type PrometheusApi, type VectorSample } from './prometheus.js';

/** The counters a fleet report reads (every sidecar's, summed). */
const COUNTERS = [
  'sworn_slo_events_total',
  'sworn_slo_error_budget_allowance_total',
  'sworn_slo_latency_within_total',
  'sworn_request_duration_seconds_bucket',
  'sworn_requests_total',
  'sworn_violations_total',
  'sworn_consumer_events_total',
  'sworn_consumer_error_budget_allowance_total',
  'sworn_consumer_latency_within_total',
  'sworn_consumer_violations_total',
  'sworn_refused_requests_total',
] as const;
/** What an alert window needs: bad and valid events and the allowance. */
const ALERT_COUNTERS = ['sworn_slo_events_total', 'sworn_slo_error_budget_allowance_total', 'sworn_consumer_events_total', 'sworn_consumer_error_budget_allowance_total'] as const;

type Totals = Map<string, VectorSample[]>;

/** The samples of each metric by operation, indexed once per window (a spec has thousands of operations). */
const byOperationIndex = new WeakMap<Totals, Map<string, Map<string, VectorSample[]>>>();
function ofOperation(t: Totals, name: string, operation: string): VectorSample[] {
  let index = byOperationIndex.get(t);
  if (!index) byOperationIndex.set(t, (index = new Map()));
  let byOp = index.get(name);
  if (!byOp) {
    index.set(name, (byOp = new Map()));
    for (const s of t.get(name) ?? []) {
      const op = s.metric.operation ?? '';
      let list = byOp.get(op);
      if (!list) byOp.set(op, (list = []));
      list.push(s);
    }
  }
  return byOp.get(operation) ?? [];
}

export interface FleetReportInput {
  api: PrometheusApi;
  /** The `service` label the sidecars expose (`metricServiceName`). */
  service: string;
  spec: { title: string; version: string };
  operations: Operation[];
  slo: ResolvedSpecSlo;
  now: number;
}

export interface FleetReportOptions {
  since?: number;
  until?: number;
  operation?: string;
  consumer?: string;
}

/**
 * The report of a whole service (every sidecar Prometheus scrapes), from
 * Prometheus: the same figures, with the same definitions (`figuresOf`), as
 * a report from the stores, computed from the counters' exact increases over
 * each window (no extrapolation, restarts counted), so counts and latency
 * fractions equal the merge of every pod's store. Percentiles come from the
 * duration histogram, whose edges include every threshold and percentile
 * maximum of the spec: exact at those edges, interpolated between them.
 */
export async function buildFleetReport(input: FleetReportInput, options: FleetReportOptions = {}): Promise<Report> {
  const { api, slo } = input;
  const until = Math.min(options.until ?? input.now, input.now);
  if (options.operation !== undefined && !input.operations.some((o) => o.id === options.operation)) {
    const ids = input.operations.map((o) => o.id);
    throw new SwornError('SWORN_ERR_OPERATION_NOT_FOUND', `no operation ${JSON.stringify(options.operation)} in the spec`, { hint: ids.length > 0 ? `Did you mean --operation ${closest(options.operation, ids)}?` : 'Run `sworn explain <spec>` to list the operation ids.' });
  }
  const matchers = `service=${JSON.stringify(input.service)}`;
  const promised = slo.operations.filter((o) => o.enabled && o.promise);
  const boundsOf = (promise: ResolvedPromise) =>
    options.since !== undefined ? { start: options.since, end: until } : promise.window.kind === 'rolling' ? windowBounds(promise.window, until) : { start: windowBounds(promise.window, until).start, end: until };

  // Every window is read once, whatever the number of operations judged over it.
  const cache = new Map<string, Promise<Totals>>();
  const totals = (start: number, end: number, names: readonly string[] = COUNTERS): Promise<Totals> => {
    const key = `${start}-${end}-${names.length}`;
    let t = cache.get(key);
    if (!t) {
      t = Promise.all(names.map(async (name) => [name, await exactIncreases(api, name, matchers, start, end)] as const)).then((pairs) => new Map(pairs));
      cache.set(key, t);
    }
    return t;
  };
  const widest = promised.reduce((w, o) => {
    const b = boundsOf(o.promise!);
    return { start: Math.min(w.start, b.start), end: until };
  }, options.since !== undefined ? { start: options.since, end: until } : { start: until - 28 * 86_400_000, end: until });
  const overall = await totals(widest.start, widest.end);
  if ((overall.get('sworn_slo_events_total') ?? []).length === 0) {
    throw new SwornError('SWORN_ERR_PROMETHEUS', `Prometheus holds no sworn_slo_events_total series with service="${input.service}" between ${new Date(widest.start).toISOString()} and ${new Date(widest.end).toISOString()}`, {
      hint: 'Check that Prometheus scrapes every sidecar\'s admin port (/metrics; proxy/prometheus-scrape.yaml) and that the service label is the one the proxies expose (the spec\'s x-slo service, else the spec file\'s name; --service sets it).',
    });
  }
  // Every promised operation's series exist from a proxy's start: one missing means the proxies run another spec.
  const missing = promised.filter((o) => ofOperation(overall, 'sworn_slo_events_total', o.id).length === 0).map((o) => o.id);
  if (missing.length === promised.length && promised.length > 0) {
    throw new SwornError('SWORN_ERR_PROMETHEUS', `the sidecars of service="${input.service}" expose none of the spec's ${promised.length} promised operation(s) (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', ...' : ''})`, {
      hint: 'The proxies run another spec, or an older version of it: pass the --spec they run (sworn explain lists its operation ids), or --service for another service.',
    });
  }
  const suppressed = new Set((await api.vector(`max by (operation) (sworn_slo_maintenance_active{${matchers},effect="suppress_alerts"}) == 1`, until)).map((s) => s.metric.operation));

  const operationCounts = (t: Totals, operationId: string, promise: ResolvedPromise): JudgedCounts => {
    const mine = (name: string) => ofOperation(t, name, operationId);
    return judged(mine('sworn_slo_events_total'), sum(mine('sworn_slo_error_budget_allowance_total')), promise, (objective) => sum(mine('sworn_slo_latency_within_total').filter((s) => s.metric.objective === objective)));
  };
  const figures = new Map<string, SloFigures>();
  for (const op of promised) {
    if (options.operation !== undefined && op.id !== options.operation) continue;
    const promise = op.promise!;
    const bounds = boundsOf(promise);
    const window = await totals(bounds.start, bounds.end);
    const recent = new Map<number, Totals>();
    for (const r of promise.alerting.burnRates) for (const ms of [r.long.ms, r.short.ms]) if (!recent.has(ms)) recent.set(ms, await totals(until - ms, until, ALERT_COUNTERS));
    figures.set(op.id, figuresOf({
      promise,
      bounds,
      counts: operationCounts(window, op.id, promise),
      recent: (ms) => operationCounts(recent.get(ms) ?? new Map(), op.id, promise),
      percentile: (p) => percentileOf(ofOperation(window, 'sworn_request_duration_seconds_bucket', op.id), p),
      suppressAlerts: suppressed.has(op.id),
    }));
  }

  // Operations: their conformance counts over the widest window, their figures over their own.
  const byOperation = (name: string, id: string) => ofOperation(overall, name, id);
  const operations = input.operations
    .filter((o) => options.operation === undefined || o.id === options.operation)
    .map((o) => {
      const violations = byOperation('sworn_violations_total', o.id);
      const byCode: Record<string, number> = {};
      for (const v of violations) if (v.value > 0) byCode[v.metric.code!] = (byCode[v.metric.code!] ?? 0) + v.value;
      return {
        operationId: o.id,
        method: o.method.toUpperCase(),
        path: o.path,
        requests: sum(byOperation('sworn_requests_total', o.id)),
        violations: { request: sum(violations.filter((v) => v.metric.direction === 'request')), response: sum(violations.filter((v) => v.metric.direction === 'response')), byCode },
        slo: figures.get(o.id) ?? null,
      };
    });

  // Tiers and consumers: judged against their tier's promise (each event against its own operation's tier target: the allowance).
  // The tier's promise most operations share (the document-level one, unless most operations override it).
  const tierPromise = (tier: string): ResolvedPromise | undefined => {
    const counts = new Map<string, { promise: ResolvedPromise; n: number }>();
    for (const op of promised) {
      const p = op.tiers[tier] ?? op.promise!;
      const key = JSON.stringify([p.availability?.target, p.latency, p.window, p.alerting]);
      const c = counts.get(key) ?? { promise: p, n: 0 };
      c.n++;
      counts.set(key, c);
    }
    return [...counts.values()].sort((a, b) => b.n - a.n)[0]?.promise;
  };
  const tierWindow = tierPromise(slo.consumers.defaultTier ?? 'default');
  const tierBounds = tierWindow ? boundsOf(tierWindow) : widest;
  const consumerTotals = await totals(tierBounds.start, tierBounds.end);
  const groupCounts = (t: Totals, match: (m: Record<string, string>) => boolean, promise: ResolvedPromise): JudgedCounts => {
    const pick = (name: string) => (t.get(name) ?? []).filter((s) => match(s.metric));
    return judged(pick('sworn_consumer_events_total'), sum(pick('sworn_consumer_error_budget_allowance_total')), promise, (objective) => sum(pick('sworn_consumer_latency_within_total').filter((s) => s.metric.objective === objective)));
  };
  const groupFigures = async (match: (m: Record<string, string>) => boolean, tier: string): Promise<SloFigures | null> => {
    const tiered = tierPromise(tier);
    if (!tiered) return null;
    // Consumer series carry no histogram: their percentile objectives cannot be judged here, so they are left out.
    const promise = { ...tiered, latency: tiered.latency.filter((o) => o.kind === 'threshold') };
    const recent = new Map<number, Totals>();
    for (const r of promise.alerting.burnRates) for (const ms of [r.long.ms, r.short.ms]) if (!recent.has(ms)) recent.set(ms, await totals(until - ms, until, ALERT_COUNTERS));
    return figuresOf({ promise, bounds: tierBounds, counts: groupCounts(consumerTotals, match, promise), recent: (ms) => groupCounts(recent.get(ms) ?? new Map(), match, promise), percentile: () => null, suppressAlerts: false });
  };
  const pairs = new Map<string, { consumer: string; tier: string; events: number }>();
  for (const s of consumerTotals.get('sworn_consumer_events_total') ?? []) {
    const key = `${s.metric.consumer}\0${s.metric.tier}`;
    const p = pairs.get(key) ?? { consumer: s.metric.consumer!, tier: s.metric.tier!, events: 0 };
    p.events += s.value;
    pairs.set(key, p);
  }
  const seenViolations = new Set<string>();
  const consumers: Report['consumers'] = [];
  for (const p of [...pairs.values()].filter((p) => p.events > 0).sort((a, b) => b.events - a.events || a.consumer.localeCompare(b.consumer))) {
    if (options.consumer !== undefined && p.consumer !== options.consumer) continue;
    // Violations carry no tier: they go with the consumer's busiest tier.
    const first = !seenViolations.has(p.consumer);
    seenViolations.add(p.consumer);
    const violations = first ? (overall.get('sworn_consumer_violations_total') ?? []).filter((s) => s.metric.consumer === p.consumer) : [];
    const request = sum(violations.filter((v) => v.metric.direction === 'request'));
    const response = sum(violations.filter((v) => v.metric.direction === 'response'));
    const f = await groupFigures((m) => m.consumer === p.consumer && m.tier === p.tier, p.tier);
    const misses = (f?.availability?.met === false ? 1 : 0) + (f?.latency.filter((l) => l.met === false).length ?? 0);
    consumers.push({ consumer: p.consumer, tier: p.tier, requests: p.events, violations: { request, response }, breaches: { consumer: request, provider: response + misses }, operations: [], slo: f });
  }
  if (options.consumer !== undefined && consumers.length === 0) {
    const names = [...new Set([...pairs.values()].map((p) => p.consumer))];
    throw new SwornError('SWORN_ERR_USAGE', `no consumer ${JSON.stringify(options.consumer)} among those the sidecars label (the busiest --metrics-consumers; the rest are "other")`, { hint: names.length > 0 ? `Did you mean --consumer ${closest(options.consumer, names)}?` : 'No consumer has traffic in the window.' });
  }
  const tiers: NonNullable<Report['tiers']> = [];
  for (const tier of [...new Set([...pairs.values()].map((p) => p.tier))].sort()) {
    tiers.push({ tier, requests: [...pairs.values()].filter((p) => p.tier === tier).reduce((n, p) => n + p.events, 0), slo: await groupFigures((m) => m.tier === tier, tier) });
  }

  const unknown = options.operation === undefined && options.consumer === undefined ? sum(byOperation('sworn_requests_total', '(unknown)')) : 0;
  const unknownRoutes = unknown > 0 ? [{ method: '*', path: '(paths the spec does not describe)', count: unknown }] : [];
  const refused = options.operation === undefined && options.consumer === undefined ? (overall.get('sworn_refused_requests_total') ?? []).reduce((m, s) => m.set(s.metric.reason!, (m.get(s.metric.reason!) ?? 0) + s.value), new Map<string, number>()) : new Map<string, number>();
  const window: Report['window'] = options.since === undefined ? { kind: 'promise' } : { kind: 'explicit', since: new Date(options.since).toISOString(), until: new Date(until).toISOString() };
  const filtered = options.consumer === undefined ? operations : [];
  return {
    spec: input.spec,
    since: new Date(widest.start).toISOString(),
    until: new Date(until).toISOString(),
    window,
    ...(missing.length > 0 ? { unmeasured: missing } : {}),
    scope: { kind: 'prometheus', service: input.service, pods: new Set((overall.get('sworn_slo_events_total') ?? []).map((s) => s.metric.instance ?? s.metric.pod ?? '')).size },
    operations: filtered,
    consumers,
    tiers: options.operation === undefined ? tiers : [],
    unknownRoutes,
    refused: [...refused].filter(([, n]) => n > 0).map(([reason, count]) => ({ reason, count })),
    summary: summaryOf(filtered, unknownRoutes, [
      ...consumers.flatMap((c) => missesOf('(all operations)', c.slo ?? null, c.consumer)),
    ]),
  };
}

function sum(samples: VectorSample[]): number {
  return samples.reduce((n, s) => n + s.value, 0);
}

/** Events by outcome, allowance and within-threshold counts as the figures read them. */
function judged(events: VectorSample[], allowance: number, promise: ResolvedPromise, within: (objective: string) => number): JudgedCounts {
  const outcome = (o: string) => sum(events.filter((s) => s.metric.outcome === o));
  const good = outcome('good');
  const bad = outcome('bad');
  return {
    valid: good + bad,
    good,
    bad,
    excluded: outcome('excluded'),
    maintenanceExcluded: outcome('maintenance_excluded'),
    allowance,
    fast: promise.latency.filter((o) => o.kind === 'threshold').map((o) => within(o.name)),
  };
}

/**
 * The p-th percentile (ms) of a histogram's bucket increases summed over
 * pods, interpolated within its bucket the way histogram_quantile does
 * (the highest finite edge when it falls in +Inf), in ms to 0.1; null
 * without events.
 */
export function percentileOf(buckets: VectorSample[], p: number): number | null {
  const byEdge = new Map<number, number>();
  for (const b of buckets) {
    const le = b.metric.le === '+Inf' ? Infinity : Number(b.metric.le);
    byEdge.set(le, (byEdge.get(le) ?? 0) + b.value);
  }
  const edges = [...byEdge].sort((a, b) => a[0] - b[0]);
  const total = edges.at(-1)?.[1] ?? 0;
  if (total === 0) return null;
  const rank = (p / 100) * total;
  let lower = 0;
  let below = 0;
  for (const [le, count] of edges) {
    if (count >= rank) {
      if (le === Infinity) return lower * 1_000;
      const inBucket = count - below;
      const upper = le;
      // Milliseconds to 0.1: the interpolation is no finer than the bucket anyway.
      return Math.round((lower + (upper - lower) * (inBucket === 0 ? 1 : (rank - below) / inBucket)) * 10_000) / 10;
    }
    lower = le;
    below = count;
  }
  return lower * 1_000;
}
