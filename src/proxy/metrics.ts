import { Counter, Gauge, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import { SLO_OUTCOMES, STATUS_CLASSES, type ConsumerTally, type FleetTally, type Ledger } from '../ledger/ledger.js';
import type { StoreHealth } from '../store/store.js';
import type { FaultRegistry } from '../faults/registry.js';

/** What the metrics read of one service: its ledger, its `service` label, its store's and reloads' health. */
export interface MetricSource {
  ledger: Ledger;
  /** The `service` label every sworn_ series carries (the spec's x-slo service, else its name). */
  service: () => string;
  /** The tier of consumers no rule places. */
  defaultTier: () => string;
  store?: () => StoreHealth;
  reload?: () => ReloadState;
}

/** How reloads went, for `sworn_reloads_total` and `/readyz`. */
export interface ReloadState {
  succeeded: number;
  failed: number;
  /** Why the last reload failed; unset once one succeeds. */
  lastError?: string;
  lastAt?: string;
}

/** Consumers with a label of their own on /metrics by default (`--metrics-consumers`). */
export const DEFAULT_METRICS_CONSUMERS = 10;
const OTHER_CONSUMER = 'other';
const NO_LABELS: Labels = {};

const REFUSED_REASONS = ['malformed', 'header-timeout', 'header-too-large', 'duplicate-host', 'duplicate-header', 'transfer-coding', 'request-target', 'options-asterisk'];

type Labels = Record<string, string>;
type Sample = { labels: Labels; value: number; metricName?: string; sharedLabels?: Labels };
type OperationLabels = { base: Labels; outcome: Labels[]; statusClass: Labels[]; objective: Map<string, Labels>; le: Labels[] };
/** Per scrape and source: the consumers with a label of their own, and the cells' violations so labelled. */
type Bounded = { named: ReadonlySet<string>; byOperation: Map<string, Map<string, number>>; byConsumer: Map<string, Map<string, number>> };

/**
 * Prometheus metrics of the proxy (`GET /metrics` on the admin port). The
 * exchange metrics are computed from the ledger when Prometheus scrapes: the
 * hot path counts once, in the ledger, and nothing here runs per request.
 */
export class ProxyMetrics {
  readonly registry = new Registry();
  private readonly sources: MetricSource[] = [];

  /** Per source: the consumers that keep their own label, placed once and for good (so no series ever goes back). */
  private readonly namedConsumers = new Map<MetricSource, Set<string>>();

  /**
   * The consumers with a label of their own: the first `labelledConsumers`
   * seen at a scrape (busiest first) keep their name for the process's life;
   * every other one is summed into `consumer="other"`, which therefore only
   * grows. Only consumer-level series and violations carry the label, so
   * cardinality stays (N + 1) x tiers x outcomes, whatever the traffic.
   */
  private bounded(source: MetricSource): Bounded {
    // Several metrics read these in one scrape: computed once per scrape (the cache is cleared once the scrape's turn is over).
    const cached = this.scrapeCache.get(source);
    if (cached) return cached;
    const bounded = this.computeBounded(source);
    this.scrapeCache.set(source, bounded);
    return bounded;
  }

  private readonly scrapeCache = new Map<MetricSource, Bounded>();

  private computeBounded(source: MetricSource): Bounded {
    let named = this.namedConsumers.get(source);
    if (!named) this.namedConsumers.set(source, (named = new Set()));
    const all = [...source.ledger.tallies()];
    if (named.size < this.labelledConsumers) {
      const volume = new Map<string, number>();
      for (const t of all) volume.set(t.consumer, (volume.get(t.consumer) ?? 0) + t.classes.reduce<number>((n, c) => n + (c ?? 0), 0));
      for (const [consumer] of [...volume].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) {
        if (named.size >= this.labelledConsumers) break;
        if (consumer !== OTHER_CONSUMER) named.add(consumer);
      }
    }
    const byOperation = new Map<string, Map<string, number>>();
    const byConsumer = new Map<string, Map<string, number>>();
    const add = (into: Map<string, Map<string, number>>, key: string, from: ReadonlyMap<string, number>) => {
      let m = into.get(key);
      if (!m) into.set(key, (m = new Map()));
      for (const [k, n] of from) m.set(k, (m.get(k) ?? 0) + n);
    };
    for (const t of all) {
      if (!t.violations) continue;
      add(byOperation, t.operation, t.violations);
      add(byConsumer, named.has(t.consumer) ? t.consumer : OTHER_CONSUMER, t.violations);
    }
    return { named, byOperation, byConsumer };
  }

  /** Exports a ledger's figures (call once per service). */
  watchLedger(source: MetricSource): void {
    this.sources.push(source);
  }

  /** The faults injected on purpose: `sworn_faults_injected_total` and `sworn_faults_active`, so real failures can be told from rehearsed ones. */
  watchFaults(faults: FaultRegistry, service: () => string): void {
    this.derived('sworn_faults_injected_total', 'Requests a fault was injected into on purpose (game days, POST /faults), by operation, consumer (the busiest --metrics-consumers, the rest as other) and fault kind; subtract from sworn_slo_events_total to see the figures without them.', 'counter', () => {
      const named = this.sources[0] ? this.bounded(this.sources[0]).named : new Set<string>();
      const rows = new Map<string, { operation: string; consumer: string; fault: string; n: number }>();
      for (const c of faults.injectedCounts()) {
        const consumer = named.has(c.consumer) ? c.consumer : OTHER_CONSUMER;
        const key = `${c.operation}\0${consumer}\0${c.kind}`;
        const row = rows.get(key);
        if (row) row.n += c.n;
        else rows.set(key, { operation: c.operation, consumer, fault: c.kind, n: c.n });
      }
      return [...rows.values()].map((r) => ({ labels: { service: service(), operation: r.operation, consumer: r.consumer, fault: r.fault }, value: r.n }));
    });
    this.derived('sworn_faults_active', 'Faults in force now (each removes itself when its TTL passes).', 'gauge', () => [{ labels: { service: service() }, value: faults.size }]);
  }

  /** A metric whose samples are computed at scrape time. */
  private derived(name: string, help: string, type: 'counter' | 'gauge' | 'histogram', samples: () => Sample[]): void {
    const get = async () => {
      // The gets of one scrape all start in the same turn: the first opens the scrape, the last one done closes it.
      this.openGets++;
      try {
        // Each metric in a turn of its own: a scrape of tens of thousands of series never holds the event loop for all of them at once.
        await new Promise<void>((resolve) => setImmediate(resolve));
        return { name, help, type, aggregator: 'sum' as const, values: samples().map((sample) => (sample.sharedLabels ? sample : this.intern(name, sample))) };
      } finally {
        if (--this.openGets === 0) this.scrapeDone();
      }
    };
    this.registry.registerMetric({ name, help, type, aggregator: 'sum', get, reset() {} } as unknown as Metric);
  }

  /**
   * The sample with its labels as one object kept from scrape to scrape,
   * passed as prom-client's shared labels, which it formats (escapes and
   * joins) once per object: a scrape of tens of thousands of series then
   * formats only the series that are new.
   */
  private intern(name: string, sample: Sample): Sample {
    const labels = sample.labels;
    let key = sample.metricName ?? name;
    for (const k in labels) key += `\0${k}\0${labels[k]}`;
    let shared = this.interned.get(key);
    if (!shared) this.interned.set(key, (shared = labels));
    this.internedUsed++;
    return { value: sample.value, labels: NO_LABELS, sharedLabels: shared, ...(sample.metricName ? { metricName: sample.metricName } : {}) };
  }

  private readonly interned = new Map<string, Labels>();

  /**
   * Label objects of one operation's series, made once and kept (shared
   * labels prom-client formats once per object): the per-operation metrics
   * are most of the series, so they skip `intern`'s key building.
   */
  private operation(source: MetricSource, operation: string): OperationLabels {
    const service = source.service();
    let cache = this.operationCache.get(source);
    if (!cache || cache.service !== service) this.operationCache.set(source, (cache = { service, operations: new Map() }));
    let o = cache.operations.get(operation);
    if (!o) {
      const base = { service, operation };
      o = { base, outcome: SLO_OUTCOMES.map((outcome) => ({ ...base, outcome })), statusClass: STATUS_CLASSES.map((status_class) => ({ ...base, status_class })), objective: new Map(), le: [] };
      cache.operations.set(operation, o);
    }
    return o;
  }

  private readonly operationCache = new Map<MetricSource, { service: string; operations: Map<string, OperationLabels> }>();
  private internedUsed = 0;

  private openGets = 0;

  /**
   * After a scrape: the per-scrape cache goes, and label sets no longer
   * exposed (a service renamed, operations gone) are forgotten once they
   * outnumber the live ones.
   */
  private scrapeDone(): void {
    this.scrapeCache.clear();
    if (this.interned.size > 2 * this.internedUsed + 1_000) this.interned.clear();
    this.internedUsed = 0;
  }

  private labelled(source: MetricSource, labels: Labels): Labels {
    return { service: source.service(), ...labels };
  }

  /** The stores' health at scrape time: errors, what waits, what was dropped, the age of the last good flush. */
  private storeMetrics(): void {
    const registers = [this.registry];
    const labelNames = ['service'];
    const each = (fn: (labels: Labels, h: StoreHealth) => void) => {
      for (const source of this.sources) if (source.store) fn(this.labelled(source, {}), source.store());
    };
    new Counter({ name: 'sworn_store_errors_total', help: 'Failed store writes and opens (disk full, I/O error, file unopenable); counts wait in memory and are retried.', labelNames, registers, collect() {
      this.reset();
      each((labels, h) => this.inc(labels, h.errors));
    } });
    new Counter({ name: 'sworn_store_dropped_total', help: 'Counts dropped because too many waited in memory for a store that could not be written, by kind.', labelNames: [...labelNames, 'kind'], registers, collect() {
      this.reset();
      each((labels, h) => {
        for (const [kind, n] of Object.entries(h.droppedByKind)) this.inc({ ...labels, kind }, n);
      });
    } });
    new Counter({ name: 'sworn_store_recreations_total', help: 'Times the store file was found deleted or replaced and written anew.', labelNames, registers, collect() {
      this.reset();
      each((labels, h) => this.inc(labels, h.recreations));
    } });
    new Gauge({ name: 'sworn_store_pending', help: 'Entries waiting in memory for the next store write.', labelNames, registers, collect() {
      this.reset();
      each((labels, h) => this.set(labels, h.pending));
    } });
    new Gauge({ name: 'sworn_store_healthy', help: '1 when the last store write succeeded, 0 while failing or unavailable.', labelNames, registers, collect() {
      this.reset();
      each((labels, h) => this.set(labels, h.state === 'ok' || h.state === 'recreated' ? 1 : 0));
    } });
    new Gauge({ name: 'sworn_store_last_flush_age_seconds', help: 'Seconds since the last good store write (since start when none yet).', labelNames, registers, collect() {
      this.reset();
      each((labels, h) => this.set(labels, Math.max(0, (Date.now() - (h.lastGoodFlushAt ?? h.since)) / 1_000))); // the store keeps wall-clock times
    } });
  }

  /** Reload outcomes: the spec in use stays when a reload fails. */
  private reloadMetrics(): void {
    const registers = [this.registry];
    const labelNames = ['service'];
    const each = (fn: (labels: Labels, r: ReloadState) => void) => {
      for (const source of this.sources) if (source.reload) fn(this.labelled(source, {}), source.reload());
    };
    new Counter({ name: 'sworn_reloads_total', help: 'Reloads of the spec, consumer key maps and config (SIGHUP or --watch), by result.', labelNames: [...labelNames, 'result'], registers, collect() {
      this.reset();
      each((labels, r) => {
        this.inc({ ...labels, result: 'success' }, r.succeeded);
        this.inc({ ...labels, result: 'failure' }, r.failed);
      });
    } });
    new Gauge({ name: 'sworn_reload_last_successful', help: '1 when the last reload succeeded (or none was tried), 0 when it failed and the previous spec is still in use.', labelNames, registers, collect() {
      this.reset();
      each((labels, r) => this.set(labels, r.lastError === undefined ? 1 : 0));
    } });
  }

  /** @param labelledConsumers consumers that get their own `consumer` label (`--metrics-consumers`); the rest count as `other`. */
  constructor(private readonly labelledConsumers = DEFAULT_METRICS_CONSUMERS) {
    this.storeMetrics();
    this.reloadMetrics();
    collectDefaultMetrics({ register: this.registry, prefix: 'sworn_process_' });
    this.derived('sworn_requests_total', 'Requests through the proxy, by operation and status class (aborted for clients that left before the answer); operation="(unknown)" for paths the spec does not describe.', 'counter', () => {
      const out: Sample[] = [];
      for (const source of this.sources) {
        const byOperation = new Map<string, number[]>();
        for (const t of source.ledger.tallies()) {
          let classes = byOperation.get(t.operation);
          if (!classes) byOperation.set(t.operation, (classes = []));
          t.classes.forEach((n, i) => {
            if (n) classes![i] = (classes![i] ?? 0) + n;
          });
        }
        for (const [operation, classes] of byOperation) classes.forEach((n, i) => {
          if (n !== undefined) out.push({ labels: NO_LABELS, sharedLabels: this.operation(source, operation).statusClass[i]!, value: n });
        });
      }
      return out;
    });
    const violations = (key: string) => {
      const space = key.indexOf(' ');
      return { direction: key.slice(0, space), code: key.slice(space + 1) };
    };
    this.derived('sworn_violations_total', 'Contract violations, by operation, direction (request = the consumer\'s breach, response = the provider\'s) and code.', 'counter', () => {
      const out: Sample[] = [];
      for (const source of this.sources) for (const [operation, counts] of this.bounded(source).byOperation) {
        for (const [key, value] of counts) out.push({ labels: this.labelled(source, { operation, ...violations(key) }), value });
      }
      return out;
    });
    this.derived('sworn_consumer_violations_total', 'Contract violations by consumer (the busiest --metrics-consumers, the rest as consumer="other"), direction and code.', 'counter', () => {
      const out: Sample[] = [];
      for (const source of this.sources) for (const [consumer, counts] of this.bounded(source).byConsumer) {
        for (const [key, value] of counts) out.push({ labels: this.labelled(source, { consumer, ...violations(key) }), value });
      }
      return out;
    });
    this.derived('sworn_refused_requests_total', 'Requests the proxy answered itself before routing: malformed (the HTTP parser refused it), header-timeout, header-too-large, duplicate-host, duplicate-header (Content-Type or Authorization twice), transfer-coding, request-target, options-asterisk.', 'counter', () => {
      const out: Sample[] = [];
      for (const source of this.sources) {
        const counts = source.ledger.refusedByReason();
        for (const reason of new Set([...REFUSED_REASONS, ...counts.keys()])) out.push({ labels: this.labelled(source, { reason }), value: counts.get(reason) ?? 0 });
      }
      return out;
    });
    this.derived('sworn_upstream_retries_total', 'Idempotent requests sent once more, on a fresh connection, after the upstream dropped a pooled connection before answering.', 'counter', () => {
      const out: Sample[] = [];
      for (const source of this.sources) for (const [operation, value] of source.ledger.retriesByOperation()) out.push({ labels: this.labelled(source, { operation }), value });
      return out;
    });
    // The fleet counters: sworn's own verdicts, summable across pods (docs/fleet.md).
    const fleet = (each: (source: MetricSource, operation: string, t: FleetTally, out: Sample[]) => void) => () => {
      const out: Sample[] = [];
      for (const source of this.sources) for (const [operation, t] of source.ledger.fleetTallies()) each(source, operation, t, out);
      return out;
    };
    this.derived('sworn_slo_events_total', 'Exchanges as sworn classified them against the promise of their operation: good, bad, excluded (statuses and client aborts the promise excludes), maintenance_excluded. Sums across pods give the service.', 'counter', fleet((source, operation, t, out) => {
      const labels = this.operation(source, operation).outcome;
      for (let i = 0; i < SLO_OUTCOMES.length; i++) out.push({ labels: NO_LABELS, sharedLabels: labels[i]!, value: t.outcomes[i]! });
    }));
    this.derived('sworn_slo_error_budget_allowance_total', 'Bad events the operation\'s promise allows: + (1 - target in force at that instant) per valid event, maintenance-relaxed targets included; remaining budget = 1 - sum(bad) / sum(allowance), burn rate = sum(bad) / sum(allowance) over a window.', 'counter', fleet((source, operation, t, out) => {
      out.push({ labels: NO_LABELS, sharedLabels: this.operation(source, operation).base, value: t.allowance });
    }));
    this.derived('sworn_slo_latency_within_total', 'Good events within a threshold objective\'s threshold, by objective; fraction = within / good.', 'counter', fleet((source, operation, t, out) => {
      const o = this.operation(source, operation);
      for (const [objective, value] of t.within) {
        let labels = o.objective.get(objective);
        if (!labels) o.objective.set(objective, (labels = { ...o.base, objective }));
        out.push({ labels: NO_LABELS, sharedLabels: labels, value });
      }
    }));
    this.derived('sworn_consumer_events_total', 'Exchanges as sworn classified them against the promise of the consumer\'s tier, for the busiest consumers (--metrics-consumers) and consumer="other" for the rest.', 'counter', () => {
      const out: Sample[] = [];
      for (const source of this.sources) for (const [consumer, tier, outcomes] of this.consumerRows(source, (t) => t.outcomes)) {
        SLO_OUTCOMES.forEach((outcome, i) => out.push({ labels: this.labelled(source, { consumer, tier, outcome }), value: outcomes[i]! }));
      }
      return out;
    });
    this.derived('sworn_consumer_error_budget_allowance_total', 'Bad events the consumer\'s tier promise allows: + (1 - target in force) per valid event of the consumer.', 'counter', () => {
      const out: Sample[] = [];
      for (const source of this.sources) for (const [consumer, tier, allowance] of this.consumerRows(source, (t) => [t.allowance])) out.push({ labels: this.labelled(source, { consumer, tier }), value: allowance[0]! });
      return out;
    });
    this.derived('sworn_consumer_latency_within_total', 'Good events of the consumer within a threshold objective of its tier\'s promise, by objective name (summed over operations).', 'counter', () => {
      const out: Sample[] = [];
      for (const source of this.sources) {
        const rows = new Map<string, { consumer: string; tier: string; objective: string; value: number }>();
        const { named } = this.bounded(source);
        for (const [consumer, byTier] of source.ledger.consumerTallies()) {
          const label = named.has(consumer) ? consumer : OTHER_CONSUMER;
          for (const [tier, t] of byTier) for (const [objective, n] of t.within) {
            const key = `${label}\0${tier}\0${objective}`;
            const row = rows.get(key);
            if (row) row.value += n;
            else rows.set(key, { consumer: label, tier, objective, value: n });
          }
        }
        for (const r of rows.values()) out.push({ labels: this.labelled(source, { consumer: r.consumer, tier: r.tier, objective: r.objective }), value: r.value });
      }
      return out;
    });
    this.derived('sworn_slo_objective_info', 'What each operation promises (its own promise; `sworn explain --tier` shows the tiers\'): objective, kind (availability, threshold, percentile), target (percent; for percentile objectives the percentile), threshold (seconds; the max for percentile objectives) and window. Always 1.', 'gauge', () => {
      const out: Sample[] = [];
      for (const source of this.sources) {
        const engine = source.ledger.engine;
        if (!engine) continue;
        for (const o of engine.objectiveInfo()) {
          out.push({ labels: this.labelled(source, { operation: o.operationId, objective: o.objective, kind: o.kind, target: String(o.target), threshold: o.threshold === undefined ? '' : String(o.threshold), window: o.window }), value: 1 });
        }
      }
      return out;
    });
    this.derived('sworn_slo_maintenance_active', '1 while the operation\'s maintenance window is active (in its own time zone), 0 otherwise; one series per aspect of its effect: exclude, availability (a relaxed target), suppress_alerts.', 'gauge', () => {
      const out: Sample[] = [];
      for (const source of this.sources) {
        const engine = source.ledger.engine;
        if (!engine) continue;
        for (const m of engine.maintenanceAt()) for (const effect of m.effects) out.push({ labels: this.labelled(source, { operation: m.operationId, window: m.window, effect }), value: m.active ? 1 : 0 });
      }
      return out;
    });
    const durationName = 'sworn_request_duration_seconds';
    const [bucketName, sumName, countName] = ['bucket', 'sum', 'count'].map((part) => `${durationName}_${part}`) as [string, string, string];
    this.derived(durationName, 'Durations of good events (what latency objectives judge), first request byte received to last response byte sent; bucket edges include every threshold and percentile max of the spec.', 'histogram', () => {
      const out: Sample[] = [];
      for (const source of this.sources) {
        const edges = source.ledger.edges.map(String);
        for (const [operation, d] of source.ledger.durationTallies()) {
          const o = this.operation(source, operation);
          if (o.le.length !== edges.length + 1) o.le = [...edges, '+Inf'].map((le) => ({ le, ...o.base }));
          let cumulative = 0;
          for (let b = 0; b < edges.length; b++) {
            cumulative += d.buckets[b]!;
            out.push({ metricName: bucketName, labels: NO_LABELS, sharedLabels: o.le[b]!, value: cumulative });
          }
          out.push({ metricName: bucketName, labels: NO_LABELS, sharedLabels: o.le[edges.length]!, value: d.count });
          out.push({ metricName: sumName, labels: NO_LABELS, sharedLabels: o.base, value: d.sum });
          out.push({ metricName: countName, labels: NO_LABELS, sharedLabels: o.base, value: d.count });
        }
      }
      return out;
    });
  }

  /** Consumer-level rows with the consumer label bounded: [consumer or other, tier, values summed]. */
  private consumerRows(source: MetricSource, values: (t: ConsumerTally) => number[]): Array<[string, string, number[]]> {
    const { named } = this.bounded(source);
    const rows = new Map<string, [string, string, number[]]>();
    for (const [consumer, byTier] of source.ledger.consumerTallies()) {
      const label = named.has(consumer) ? consumer : OTHER_CONSUMER;
      for (const [tier, t] of byTier) {
        const key = `${label}\0${tier}`;
        const v = values(t);
        const row = rows.get(key);
        if (row) v.forEach((n, i) => (row[2][i] = row[2][i]! + n));
        else rows.set(key, [label, tier, [...v]]);
      }
    }
    return [...rows.values()];
  }
}
