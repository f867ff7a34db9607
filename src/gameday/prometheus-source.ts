import { SwornError } from '../errors.js';
import { PrometheusApi, type VectorSample } from '../fleet/prometheus.js';
import { anyOf, eq, selector, type Matcher } from '../rules/promql.js';
import type { TallyRow, TallySnapshot } from './steady.js';

/** Where a game day reads the steady state from Prometheus, and whose. */
export interface PrometheusTalliesOptions {
  /** The `service` label; when unset, the one service whose sworn series Prometheus holds. */
  service?: string;
  /** Read this consumer's series (against its tier's promise, summed over operations) instead of the operations'. */
  consumer?: string;
  /** Only these operations (operation scope). */
  operations?: string[];
  /** Per query (ms). */
  timeoutMs?: number;
}

/** The row of an operation's fleet counters: every consumer's events, judged against the operation's own promise. */
export const ALL_CONSUMERS = '(all consumers)';
export const OWN_PROMISE = "(operation's own promise)";
/** The row of a consumer's counters: summed over every operation. */
export const ALL_OPERATIONS = '(all operations)';

const OUTCOMES = ['good', 'bad', 'excluded', 'maintenance_excluded'] as const;

type Vector = VectorSample[];
type Latency = NonNullable<TallyRow['promise']>['latency'][number];

/**
 * The steady state as Prometheus sees it: the counters every sworn proxy of
 * a service exports, summed over its pods (a pod is not the service), read
 * with instant queries and shaped as the `TallySnapshot` a proxy's
 * `GET /tallies` gives, so `judge` and `delta` apply unchanged.
 *
 * - Operation scope (no consumer): one row per operation, consumer
 *   `(all consumers)`, judged against the operation's own promise
 *   (`sworn_slo_objective_info`): availability, threshold and percentile
 *   objectives (the duration histogram's edges include every threshold and
 *   percentile max, so both are decided exactly).
 * - Consumer scope: one row, operation `(all operations)`, from the
 *   consumer series, which carry no operation label and no histogram. Its
 *   availability target is the one its tier's promise put in force, read
 *   from the allowance (1 − allowance / valid; exact unless a maintenance
 *   window relaxed the target meanwhile); threshold objectives are judged on
 *   `sworn_consumer_latency_within_total` with the threshold and target the
 *   operations' own promise gives that objective (a tier overriding them is
 *   not exported); percentile objectives are left out.
 *
 * Prometheus holds what it last scraped: figures lag the proxies by up to a
 * scrape interval.
 */
export class PrometheusTallies {
  private readonly api: PrometheusApi;
  /** The URL as messages show it: without credentials. */
  readonly display: string;

  constructor(url: string, private readonly options: PrometheusTalliesOptions = {}) {
    try {
      this.api = new PrometheusApi(url, {
        timeoutMs: options.timeoutMs ?? 10_000,
        source: "the hypothesis's prometheus",
        example: '{prometheus: http://prometheus:9090, service: orders}',
        notPrometheus: 'To read a proxy\'s own counters, write {proxy: http://…:9464} instead.',
        refused: 'Check that Prometheus (or the compatible query API: Thanos Query, Mimir) is healthy and not overloaded: its reason says what it could not do.',
      });
    } catch (error) {
      throw asGameDay(error);
    }
    this.display = this.api.display;
    if (options.consumer !== undefined && options.operations !== undefined) {
      throw new SwornError('SWORN_ERR_GAMEDAY', `the hypothesis names consumer ${options.consumer} and operations ${options.operations.join(', ')} on Prometheus, whose consumer series are summed over operations`, { hint: 'On Prometheus, name the consumer (its tier\'s promise over all its operations) or the operations (every consumer, against the operation\'s own promise), not both; for one consumer on some operations, read the promise from the proxies (proxy: http://…:9464).' });
    }
    if (options.operations !== undefined && options.operations.length === 0) throw new SwornError('SWORN_ERR_GAMEDAY', 'the hypothesis names an empty list of operations', { hint: 'Leave operations out for every operation, or name at least one.' });
  }

  /** The counters now, summed over every pod of the service Prometheus scrapes. */
  async tallies(): Promise<TallySnapshot> {
    // Every query is evaluated at the same instant, so the figures belong together.
    const at = Date.now();
    const service = await this.service(at);
    return this.options.consumer === undefined ? this.byOperation(service, at) : this.byConsumer(service, this.options.consumer, at);
  }

  private async service(at: number): Promise<string> {
    const services = async () => (await this.query('count by (service) (sworn_slo_events_total)', at)).map((s) => s.metric.service ?? '').filter((s) => s !== '').sort();
    const wanted = this.options.service;
    if (wanted === undefined) {
      const all = await services();
      if (all.length === 1) return all[0]!;
      if (all.length === 0) throw this.noSeries('no sworn series at all (sworn_slo_events_total)');
      throw new SwornError('SWORN_ERR_GAMEDAY', `Prometheus at ${this.display} holds sworn series of ${all.length} services (${all.join(', ')}): the hypothesis must say which`, { hint: `Add the service to the hypothesis: {prometheus: ${this.display}, service: ${all[0]}}.` });
    }
    const present = await this.query(`count(${selector('sworn_slo_events_total', [eq('service', wanted)])})`, at);
    if (present.length === 0) {
      const all = await services();
      throw this.noSeries(`no sworn series of service ${JSON.stringify(wanted)}`, all);
    }
    return wanted;
  }

  private noSeries(what: string, services: string[] = []): SwornError {
    return new SwornError('SWORN_ERR_GAMEDAY', `Prometheus at ${this.display} holds ${what}`, {
      hint: services.length > 0
        ? `It holds sworn series of: ${services.join(', ')}. The service is the spec's x-slo service (else the spec file's name); fix the hypothesis's service.`
        : 'Scrape every sworn proxy\'s admin port (/metrics) from Prometheus (docs/fleet.md), and check that the proxies run and the hypothesis names the right Prometheus.',
    });
  }

  private async byOperation(service: string, at: number): Promise<TallySnapshot> {
    const m: Matcher[] = [eq('service', service)];
    if (this.options.operations) m.push(anyOf('operation', this.options.operations));
    const [events, allowance, buckets, bucketPods, injected, info, pods] = await Promise.all([
      this.query(`sum by (operation, outcome) (${selector('sworn_slo_events_total', m)})`, at),
      this.query(`sum by (operation) (${selector('sworn_slo_error_budget_allowance_total', m)})`, at),
      this.query(`sum by (operation, le) (${selector('sworn_request_duration_seconds_bucket', m)})`, at),
      this.query(`count by (operation, le) (${selector('sworn_request_duration_seconds_bucket', m)})`, at),
      // A request given two kinds of fault at once counts under each kind: with several kinds in one step, this is an upper bound.
      this.query(`sum by (operation) (${selector('sworn_faults_injected_total', m)})`, at),
      this.query(`count by (operation, objective, kind, target, threshold) (${selector('sworn_slo_objective_info', m)})`, at),
      // The pods: each exports one series per operation and outcome.
      this.query(`max(count by (operation) (${selector('sworn_slo_events_total', [...m, eq('outcome', 'good')])}))`, at).then((v) => v[0]?.value ?? 0),
    ]);
    const operations = [...new Set(events.map((s) => s.metric.operation ?? ''))].filter((o) => o !== '').sort();
    const missing = (this.options.operations ?? []).filter((o) => !operations.includes(o));
    if (missing.length > 0) {
      const known = (await this.query(`count by (operation) (${selector('sworn_slo_events_total', [eq('service', service)])})`, at)).map((s) => s.metric.operation ?? '').sort();
      throw new SwornError('SWORN_ERR_GAMEDAY', `Prometheus at ${this.display} holds no sworn series of ${missing.join(', ')} (service ${service})`, { hint: `The operations with a promise there: ${known.join(', ') || 'none'}. Name operations by their operationId, and only those the spec promises something.` });
    }
    const edges = commonEdges(operations, bucketPods);
    const rows: TallyRow[] = operations.map((operationId) => {
      const outcomes = OUTCOMES.map((o) => valueOf(events, { operation: operationId, outcome: o }));
      return {
        operationId,
        consumer: ALL_CONSUMERS,
        tier: OWN_PROMISE,
        outcomes,
        allowance: valueOf(allowance, { operation: operationId }),
        buckets: perBucket(edges, buckets.filter((s) => s.metric.operation === operationId)),
        // Prometheus has no injected outcomes or durations (sworn_faults_injected_total counts requests by fault kind only): zeros.
        injected: { requests: valueOf(injected, { operation: operationId }), outcomes: [0, 0, 0, 0], buckets: new Array<number>(edges.length + 1).fill(0) },
        promise: promiseOf(info.filter((s) => s.metric.operation === operationId)),
      };
    });
    return { at, edges, rows, source: `Prometheus ${this.display}, service ${service}, ${pods} pod${pods === 1 ? '' : 's'}`, injectedUnknown: true };
  }

  private async byConsumer(service: string, consumer: string, at: number): Promise<TallySnapshot> {
    const m: Matcher[] = [eq('service', service), eq('consumer', consumer)];
    const [events, allowance, within, injected, info] = await Promise.all([
      this.query(`sum by (tier, outcome) (${selector('sworn_consumer_events_total', m)})`, at),
      this.query(`sum(${selector('sworn_consumer_error_budget_allowance_total', m)})`, at),
      this.query(`sum by (objective) (${selector('sworn_consumer_latency_within_total', m)})`, at),
      // A request given two kinds of fault at once counts under each kind: with several kinds in one step, this is an upper bound.
      this.query(`sum(${selector('sworn_faults_injected_total', m)})`, at),
      this.query(`count by (operation, objective, kind, target, threshold) (${selector('sworn_slo_objective_info', [eq('service', service)])})`, at),
    ]);
    const left: string[] = [];
    if (info.some((s) => s.metric.kind === 'percentile')) left.push('percentile objectives not judged (the consumer series carry no histogram)');
    const source = (extra: string[]) => [`Prometheus ${this.display}, service ${service}, consumer ${consumer} summed over all operations`, ...extra].join('; ');
    // A consumer with no series yet has sent nothing (or is one of those counted as `other`, beyond --metrics-consumers): no row, as a proxy with no events of it.
    if (events.length === 0) return { at, edges: [], rows: [], source: source(left), injectedUnknown: true };
    const tiers = [...new Set(events.map((s) => s.metric.tier ?? ''))].sort();
    const outcomes = OUTCOMES.map((o) => events.filter((s) => s.metric.outcome === o).reduce((n, s) => n + s.value, 0));
    const [good = 0, bad = 0] = outcomes;
    const spent = allowance[0]?.value ?? 0;
    // The tier's target in force, event by event, is what the allowance adds up: + (1 − target) per valid event.
    const availability = good + bad > 0 ? Math.round((1 - spent / (good + bad)) * 100 * 1e6) / 1e6 : null;
    // Threshold objectives: the within counts are the tier's; threshold and target from the operations' own promise, when they agree.
    const judged: Array<Latency & { within: number }> = [];
    const promised = [...new Set(info.map((s) => s.metric.operation ?? ''))];
    for (const w of [...within].sort((a, b) => (a.metric.objective ?? '').localeCompare(b.metric.objective ?? ''))) {
      const name = w.metric.objective ?? '';
      const defs = new Set(info.filter((s) => s.metric.kind === 'threshold' && s.metric.objective === name).map((s) => `${s.metric.threshold}\0${s.metric.target}`));
      if (defs.size !== 1) {
        left.push(`${name} not judged (${defs.size === 0 ? 'no operation promises it' : 'the operations promise it differently'})`);
        continue;
      }
      // Good events of operations without the objective count in `good` and never in `within`: the fraction would be diluted.
      if (promised.some((o) => !info.some((s) => s.metric.operation === o && s.metric.objective === name))) {
        left.push(`${name} not judged (not every operation promises it)`);
        continue;
      }
      const [threshold, target] = [...defs][0]!.split('\0').map(Number) as [number, number];
      const limitMs = seconds(threshold);
      // One edge holds one count: two objectives at one threshold whose counts differ (a tier moved one) cannot both be judged.
      if (judged.some((o) => o.limitMs === limitMs && o.within !== w.value)) {
        left.push(`${name} not judged (another objective has its threshold with other counts)`);
        continue;
      }
      judged.push({ name, kind: 'threshold', limitMs, target, within: w.value });
    }
    // The judged thresholds become the snapshot's edges: good events within each, then the rest above the last.
    const edges = [...new Set(judged.map((o) => o.limitMs))].sort((a, b) => a - b);
    const withinAt = edges.map((ms) => judged.find((o) => o.limitMs === ms)!.within);
    const cumulative = [...withinAt, good];
    const buckets = cumulative.map((n, i) => n - (i === 0 ? 0 : cumulative[i - 1]!));
    const row: TallyRow = {
      operationId: ALL_OPERATIONS,
      consumer,
      tier: tiers.join(', '),
      outcomes,
      allowance: spent,
      buckets,
      // Prometheus has no injected outcomes or durations (sworn_faults_injected_total counts requests by fault kind only): zeros.
      injected: { requests: injected[0]?.value ?? 0, outcomes: [0, 0, 0, 0], buckets: new Array<number>(edges.length + 1).fill(0) },
      promise: { availability, latency: judged.map(({ within: _within, ...o }) => o) },
    };
    return { at, edges: edges.map((ms) => ms / 1_000), rows: [row], source: source(left), injectedUnknown: true };
  }

  /** An instant query evaluated at `at` (epoch ms). */
  private async query(expr: string, at: number): Promise<Vector> {
    return this.api.vector(expr, at).catch((error: unknown) => {
      throw asGameDay(error);
    });
  }
}

/** A SwornError of Prometheus's client (a bad URL, Prometheus unreachable or refusing) as the game day's, with the same message and hint: every failure of a hypothesis' source is SWORN_ERR_GAMEDAY. */
function asGameDay(error: unknown): unknown {
  return error instanceof SwornError ? new SwornError('SWORN_ERR_GAMEDAY', error.message, { ...(error.hint !== undefined ? { hint: error.hint } : {}), cause: error }) : error;
}

/** The sum of the samples whose labels include `labels`. */
function valueOf(vector: Vector, labels: Record<string, string>): number {
  let n = 0;
  for (const s of vector) if (Object.entries(labels).every(([k, v]) => s.metric[k] === v)) n += s.value;
  return n;
}

/** A bucket's upper bound (`+Inf` is Prometheus's spelling of infinity, which `Number` does not read). */
const le = (text: string | undefined) => (text === '+Inf' ? Infinity : Number(text));

/** Seconds as milliseconds, without binary fractions' noise (0.3 s is 300 ms). */
const seconds = (s: number) => Math.round(s * 1e6) / 1e3;

/**
 * The bucket edges (seconds) every pod's histogram has: pods started with
 * different specs (a threshold added since) may not share every edge, and a
 * sum over pods is only a count of events at an edge all of them have.
 */
function commonEdges(operations: string[], pods: Vector): number[] {
  let common: Set<number> | undefined;
  for (const operation of operations) {
    const mine = pods.filter((s) => s.metric.operation === operation);
    const everyPod = mine.find((s) => le(s.metric.le) === Infinity)?.value;
    if (everyPod === undefined) continue;
    const edges = new Set(mine.filter((s) => s.value === everyPod && Number.isFinite(le(s.metric.le))).map((s) => le(s.metric.le)));
    common = common === undefined ? edges : new Set([...common].filter((e) => edges.has(e)));
  }
  return [...(common ?? [])].sort((a, b) => a - b);
}

/** Cumulative `le` buckets at `edges` (and +Inf) as counts per bucket, the way /tallies gives them. */
function perBucket(edges: number[], cumulative: Vector): number[] {
  const at = (edge: number) => cumulative.find((s) => le(s.metric.le) === edge)?.value ?? 0;
  const totals = [...edges.map(at), at(Infinity)];
  return totals.map((n, i) => n - (i === 0 ? 0 : totals[i - 1]!));
}

/** An operation's own promise from its `sworn_slo_objective_info` series; the definition most pods give, where pods disagree (a rollout). */
function promiseOf(info: Vector): TallyRow['promise'] {
  if (info.length === 0) return null;
  const chosen = new Map<string, { metric: Record<string, string>; value: number }>();
  for (const s of info) {
    const name = s.metric.objective ?? '';
    const have = chosen.get(name);
    if (!have || s.value > have.value) chosen.set(name, s);
  }
  let availability: number | null = null;
  const latency: Latency[] = [];
  for (const [name, { metric }] of [...chosen].sort((a, b) => a[0].localeCompare(b[0]))) {
    const target = Number(metric.target);
    if (metric.kind === 'availability') availability = target;
    else if (metric.kind === 'threshold' || metric.kind === 'percentile') latency.push({ name, kind: metric.kind, limitMs: seconds(Number(metric.threshold)), target });
  }
  return { availability, latency };
}
