import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SloEngine } from '../engine/engine.js';
import type { StoreHealth } from '../store/store.js';

/** Prometheus metrics of the proxy (`GET /metrics` on the admin port). */
export class ProxyMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'operation' | 'status_class' | 'consumer'>;
  readonly violations: Counter<'operation' | 'consumer' | 'direction' | 'code'>;
  readonly duration: Histogram<'operation' | 'status_class' | 'consumer'>;
  /** Requests the proxy answered itself before routing (malformed HTTP, timeouts, framing it refuses), by reason. */
  readonly refused: Counter<'reason'>;
  /** Idempotent requests sent again after a stale upstream connection failed before any answer. */
  readonly retries: Counter<'operation'>;

  /** prom-client children by operation, status class and consumer: no label hashing per request. */
  private readonly children = new Map<string, Map<string, Map<string, { requests: { inc(): void }; duration: { observe(v: number): void } }>>>();

  /** Counts one exchange and its duration (seconds). */
  observe(operation: string, statusClass: string, consumer: string, seconds: number): void {
    let byClass = this.children.get(operation);
    if (!byClass) this.children.set(operation, (byClass = new Map()));
    let byConsumer = byClass.get(statusClass);
    if (!byConsumer) byClass.set(statusClass, (byConsumer = new Map()));
    let child = byConsumer.get(consumer);
    if (!child) {
      const labels = { operation, status_class: statusClass, consumer };
      byConsumer.set(consumer, (child = { requests: this.requests.labels(labels), duration: this.duration.labels(labels) }));
    }
    child.requests.inc();
    child.duration.observe(seconds);
  }

  /**
   * SLO gauges per operation, computed from the engine when Prometheus
   * scrapes (operations with traffic only): the same figures as `/report`,
   * so alerts can follow sworn's own multiwindow burn-rate verdicts.
   */
  watchSlo(engine: SloEngine, operationIds: string[]): void {
    const labels = <L extends string>(name: string, help: string, labelNames: L[], collect?: () => void) => new Gauge<L>({ name, help, labelNames, registers: [this.registry], ...(collect ? { collect } : {}) });
    // The first gauge's collect() computes all six, once per scrape.
    const achieved = labels('sworn_slo_availability_percent', 'Availability achieved over the promise window (good / valid x 100).', ['operation'], () => refresh());
    const target = labels('sworn_slo_availability_target_percent', 'The promised availability.', ['operation']);
    const remaining = labels('sworn_slo_error_budget_remaining_ratio', 'Error budget left over the promise window: 1 untouched, 0 spent, below 0 overspent.', ['operation']);
    const burn = labels('sworn_slo_burn_rate', 'Error ratio over the alert window divided by the allowed one.', ['operation', 'window']);
    const firing = labels('sworn_slo_alert_firing', '1 while the multiwindow burn-rate alert fires (both windows above the factor, not silenced).', ['operation', 'severity', 'long', 'short']);
    const met = labels('sworn_slo_objective_met', '1 when the objective is met over the promise window, 0 when missed.', ['operation', 'objective']);
    const refresh = () => {
      for (const g of [achieved, target, remaining, burn, firing, met]) g.reset();
      for (const operation of operationIds) {
        if (!engine.measures(operation) || engine.consumers(operation).length === 0) continue;
        const f = engine.figures(operation);
        if (!f) continue;
        if (f.availability) {
          target.set({ operation }, f.availability.target);
          if (f.availability.achieved !== null) achieved.set({ operation }, f.availability.achieved);
          if (f.availability.met !== null) met.set({ operation, objective: 'availability' }, f.availability.met ? 1 : 0);
        }
        const left = f.errorBudget?.remaining;
        if (left !== undefined && left !== null && Number.isFinite(left)) remaining.set({ operation }, left);
        for (const [window, rate] of Object.entries(f.burnRates)) burn.set({ operation, window }, rate);
        for (const a of f.alerts) firing.set({ operation, severity: a.severity, long: a.long, short: a.short }, a.firing ? 1 : 0);
        for (const l of f.latency) if (l.met !== null) met.set({ operation, objective: `latency ${l.name}` }, l.met ? 1 : 0);
      }
    };
  }

  /** The store's health at scrape time: errors, what waits, what was dropped, the age of the last good flush. */
  watchStore(health: () => StoreHealth): void {
    const registers = [this.registry];
    new Counter({ name: 'sworn_store_errors_total', help: 'Failed store writes and opens (disk full, I/O error, file unopenable); counts wait in memory and are retried.', registers, collect() {
      this.reset();
      this.inc(health().errors);
    } });
    new Counter({ name: 'sworn_store_dropped_total', help: 'Counts dropped because too many waited in memory for a store that could not be written, by kind.', labelNames: ['kind'], registers, collect() {
      this.reset();
      for (const [kind, n] of Object.entries(health().droppedByKind)) this.inc({ kind }, n);
    } });
    new Counter({ name: 'sworn_store_recreations_total', help: 'Times the store file was found deleted or replaced and written anew.', registers, collect() {
      this.reset();
      this.inc(health().recreations);
    } });
    new Gauge({ name: 'sworn_store_pending', help: 'Entries waiting in memory for the next store write.', registers, collect() {
      this.set(health().pending);
    } });
    new Gauge({ name: 'sworn_store_healthy', help: '1 when the last store write succeeded, 0 while failing or unavailable.', registers, collect() {
      const state = health().state;
      this.set(state === 'ok' || state === 'recreated' ? 1 : 0);
    } });
    new Gauge({ name: 'sworn_store_last_flush_age_seconds', help: 'Seconds since the last good store write (since start when none yet).', registers, collect() {
      const h = health();
      this.set(Math.max(0, (Date.now() - (h.lastGoodFlushAt ?? h.since)) / 1_000)); // the store keeps wall-clock times
    } });
  }

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'sworn_process_' });
    this.requests = new Counter({ name: 'sworn_requests_total', help: 'Requests through the proxy, by operation, status class and consumer.', labelNames: ['operation', 'status_class', 'consumer'], registers: [this.registry] });
    this.violations = new Counter({ name: 'sworn_violations_total', help: 'Contract violations, by operation, consumer, direction (request = consumer breach, response = provider breach) and code.', labelNames: ['operation', 'consumer', 'direction', 'code'], registers: [this.registry] });
    this.refused = new Counter({ name: 'sworn_refused_requests_total', help: 'Requests the proxy answered itself before routing: malformed (the HTTP parser refused it), header-timeout, header-too-large, duplicate-host, duplicate-header (Content-Type or Authorization twice), transfer-coding, request-target, options-asterisk.', labelNames: ['reason'], registers: [this.registry] });
    for (const reason of ['malformed', 'header-timeout', 'header-too-large', 'duplicate-host', 'duplicate-header', 'transfer-coding', 'request-target', 'options-asterisk']) this.refused.inc({ reason }, 0);
    this.retries = new Counter({ name: 'sworn_upstream_retries_total', help: 'Idempotent requests sent once more, on a fresh connection, after the upstream dropped a pooled connection before answering.', labelNames: ['operation'], registers: [this.registry] });
    this.duration = new Histogram({
      name: 'sworn_request_duration_seconds',
      help: 'From the first request byte received to the last response byte sent.',
      labelNames: ['operation', 'status_class', 'consumer'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1, 2, 5, 10, 30],
      registers: [this.registry],
    });
  }
}
