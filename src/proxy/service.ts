import type { Logger } from 'pino';
import { plainPromise, type PlainPromise } from '../slo/plain.js';
import { SwornError } from '../errors.js';
import type { Spec } from '../spec/load-spec.js';
import { SloEngine } from '../engine/engine.js';
import { DURATION_BUCKETS, Ledger, type TallyRow } from '../ledger/ledger.js';
import { metricServiceName } from '../slo/naming.js';
import { Store, type StoreHealth } from '../store/store.js';
import { buildReport, type ReportOptions } from '../report/report.js';
import { renderPage, type PageInput } from '../report/page.js';
import { pageParts } from '../report/report-html.js';
import { compileContract, type Contract, type ContractOptions } from './contract.js';
import type { ServiceView } from './exchange.js';
import type { Recorder } from './record.js';
import type { RateLimitedLog } from './log.js';
import type { ReloadState } from './metrics.js';
import { Upstream, type UpstreamOptions } from './upstream.js';

export interface ServiceOptions {
  /** The ledger namespace (`service` label, report, store). */
  name: string;
  spec: Spec;
  upstream: UpstreamOptions;
  /** Hosts (Host header, without port, lower case) routed to this service. */
  hosts?: string[];
  /** SQLite file; `':memory:'` keeps nothing. */
  store: string;
  storeRequired: boolean;
  flushIntervalMs: number;
  /** Epoch ms. */
  now: () => number;
  clock: (() => number) | undefined;
  contract: ContractOptions;
  logger: Logger;
  violationLog: RateLimitedLog;
  failureLog: RateLimitedLog;
}

/** Retention is enforced (memory and store) at most this often. */
const PRUNE_EVERY_MS = 3_600_000;

/**
 * One spec behind the proxy for the proxy's whole life: its upstream, its
 * ledger and store, and the contract in force (replaced by `reload`; the
 * ledger, the store and the upstream's connections stay).
 */
export class Service implements ServiceView {
  readonly name: string;
  readonly hosts: ReadonlySet<string>;
  contract: Contract;
  /** Base paths of the contract's operations, longest first: how a path finds its service. */
  prefixes: string[];
  readonly upstream: Upstream;
  readonly ledger: Ledger;
  readonly store: Store;
  readonly recorder: Recorder;
  readonly reloads: ReloadState = { succeeded: 0, failed: 0 };
  private lastPrune = 0;

  constructor(private readonly options: ServiceOptions) {
    this.name = options.name;
    this.hosts = new Set((options.hosts ?? []).map((h) => h.toLowerCase()));
    this.contract = compileContract(options.spec, options.contract);
    this.prefixes = prefixesOf(this.contract);
    const { logger, now } = options;
    if (this.contract.unsupported.length > 0) logger.warn({ service: this.name, patterns: this.contract.unsupported.slice(0, 20), count: this.contract.unsupported.length }, `${this.contract.unsupported.length} schema pattern(s) cannot run in linear time and are not checked; \`sworn lint\` lists them (pattern-unsupported)`);
    // A store that cannot be written never stops traffic: counts wait in memory (bounded, drops counted) and every flush retries.
    this.store = new Store(options.store, {
      now: now(),
      required: options.storeRequired,
      onEvent: (event) => {
        if (event.kind === 'recreated') {
          logger.warn({ cause: event.cause, store: this.store.path }, 'the store file was deleted or replaced; writing the whole state to a new one');
          this.store.addCounts(this.ledger.totals(), now());
        } else {
          logger.info({ store: this.store.path }, 'the store opened; merging what it holds with what was counted meanwhile');
          this.engine.restore(this.store.loadSlo(), { merge: true });
          this.ledger.restore(this.store.load());
    this.shapeMetrics(this.engine, this.contract);
        }
        this.store.saveSlo(this.engine.takeSnapshot({ all: true }));
      },
    });
    if (this.store.health().state === 'unavailable') logger.error({ store: this.store.path, cause: this.store.health().cause }, 'the store cannot be opened; traffic is forwarded and counted in memory, and opening is retried at every flush (--store-required refuses to start instead)');
    // Latency histograms go to the store with every flush too, so a crash loses at most one interval of anything.
    const engine = new SloEngine(this.contract.slo, { now, latencyIntervalMs: options.flushIntervalMs });
    engine.restore(this.store.loadSlo());
    if (options.spec.file) this.store.setMeta('spec', options.spec.file);
    this.ledger = new Ledger({ operations: this.contract.operations, spec: { title: options.spec.title, version: options.spec.apiVersion }, engine, since: Date.now() });
    this.ledger.restore(this.store.load());
    this.shapeMetrics(engine, this.contract);
    // Every flush starts with what the ledger counted since the last one.
    this.store.beforeFlush = () => {
      const { counts, samples } = this.ledger.takeHourly();
      this.store.addHourly(counts);
      for (const sample of samples) this.store.addSample(sample);
      this.store.saveSlo(this.engine.takeSnapshot());
    };
    this.prune();
    this.contract.identifier.remember(this.ledger.consumers());
    this.upstream = new Upstream(options.upstream, (operationId) => this.ledger.retried(operationId));
    this.recorder = { ledger: this.ledger, violationLog: options.violationLog, failureLog: options.failureLog, clock: options.clock };
  }

  get engine(): SloEngine {
    return this.ledger.engine!;
  }

  private prune(): void {
    this.lastPrune = this.options.now();
    this.engine.prune();
    this.store.prune(this.lastPrune - this.engine.retentionMs);
  }

  /** The flush interval's work: write what changed, enforce retention now and then. */
  upkeep(): void {
    try {
      const flushed = this.store.flush(this.options.now());
      if (!flushed.ok) this.options.failureLog.error({ err: flushed.error, service: this.name, store: this.store.health() }, 'store flush failed; counts stay in memory and are retried');
      if (this.options.now() - this.lastPrune >= PRUNE_EVERY_MS) this.prune();
    } catch (error) {
      this.options.failureLog.error({ err: error, service: this.name }, 'store upkeep failed');
    }
  }

  /**
   * Puts a new version of the spec in force. Exchanges under way finish on
   * the contract they began with; new ones use the new one. The ledger keeps
   * every count (operations that disappeared keep their history); the SLO
   * engine is rebuilt on the new promises from the old one's buckets.
   * Throws (and changes nothing) when the new spec cannot be compiled.
   */
  reload(spec: Spec): void {
    const contract = compileContract(spec, this.options.contract);
    const old = this.engine;
    const engine = new SloEngine(contract.slo, { now: this.options.now, latencyIntervalMs: this.options.flushIntervalMs });
    this.store.saveSlo(old.takeSnapshot({ force: true })); // what changed goes to the store as it was counted
    engine.restore(old.takeSnapshot({ all: true }));
    contract.identifier.remember(this.ledger.consumers());
    this.ledger.describe(contract.operations, { title: spec.title, version: spec.apiVersion }, engine);
    this.shapeMetrics(engine, contract);
    this.contract = contract;
    this.prefixes = prefixesOf(contract);
    if (spec.file) this.store.setMeta('spec', spec.file);
    if (contract.unsupported.length > 0) this.options.logger.warn({ service: this.name, count: contract.unsupported.length }, `${contract.unsupported.length} schema pattern(s) cannot run in linear time and are not checked`);
  }

  /** The fleet counters of every promised operation and tier, created at zero; the duration histogram's edges from the promises. */
  private shapeMetrics(engine: SloEngine, contract: Contract): void {
    this.ledger.shapeFleet(engine.shape(this.defaultTier(contract)), engine.durationEdges(DURATION_BUCKETS));
  }

  defaultTier(contract: Contract = this.contract): string {
    return contract.slo.consumers.defaultTier ?? 'default';
  }

  /** The `service` label of this service's metrics: the spec's x-slo service, else the service's name, else the spec file's name. */
  get metricName(): string {
    return this.contract.slo.service ?? (this.name !== 'default' || !this.options.spec.file ? this.name : metricServiceName(this.contract.slo, this.options.spec.file));
  }

  storeHealth(): StoreHealth {
    return this.store.health();
  }

  /** The report `GET /report` serves (conformance and SLO figures); a window reads the store. */
  report(reportOptions: ReportOptions = {}): ReturnType<typeof buildReport> & { injected?: InjectedSummary[] } {
    const now = this.options.now();
    // A window reads the store's hourly counts: what is still in memory goes there first.
    if (reportOptions.since !== undefined) {
      const flushed = this.store.flush(now);
      if (!flushed.ok) throw new SwornError('SWORN_ERR_STORE', `a report over a window reads the store, which cannot be written now: ${flushed.error?.message ?? 'unknown'}`, { hint: 'GET /readyz says why; the live report (no window) is served from memory.' });
    }
    const spec = this.contract.spec;
    const report = buildReport({ spec: { title: spec.title, version: spec.apiVersion }, operations: this.contract.operations, engine: this.engine, conformance: reportOptions.since === undefined ? this.ledger.report(new Date(now)) : undefined, store: this.store, now }, reportOptions);
    const injected = reportOptions.since === undefined ? this.injectedSummary(reportOptions) : [];
    return injected.length > 0 ? { ...report, injected } : report;
  }

  /**
   * The live dashboard (`GET /` on the admin port): the report with this
   * service's timelines, the latest samples (as of a flush now), maintenance
   * windows, and what the caller adds (faults in force, other services).
   */
  page(reportOptions: ReportOptions, extras: Pick<PageInput, 'faults' | 'services' | 'live'>): string {
    const now = this.options.now();
    this.store.flush(now);
    const report = this.report(reportOptions);
    const window = reportOptions.since === undefined ? {} : { since: reportOptions.since, until: reportOptions.until ?? now };
    return renderPage({
      report,
      ...pageParts(report, { engine: this.engine, store: this.store, now, ...window }),
      ...extras,
      ...(report.injected ? { injected: report.injected } : {}),
      scope: `${this.name}: this proxy's traffic only (one pod; the whole service: sworn report --prometheus)`,
      now,
    });
  }

  /**
   * Since start, per operation x consumer that had faults injected: the
   * exchanges, the injected ones, and availability with and without them
   * (the live report's `injected`, absent when no fault was ever injected).
   */
  private injectedSummary(filter: { consumer?: string; operation?: string }): InjectedSummary[] {
    return this.ledger.sloTallies(filter).filter((r) => r.injected.requests > 0).map((r) => {
      const [good = 0, bad = 0] = r.outcomes;
      const [injGood = 0, injBad = 0] = r.injected.outcomes;
      const ratio = (g: number, b: number) => (g + b > 0 ? Math.round((g / (g + b)) * 1e6) / 1e4 : null);
      return { operationId: r.operationId, consumer: r.consumer, tier: r.tier, requests: r.outcomes.reduce((a, b) => a + b, 0), injected: r.injected.requests, injectedBad: injBad, availability: ratio(good, bad), availabilityWithoutInjected: ratio(good - injGood, bad - injBad) };
    });
  }

  /**
   * Every operation x consumer's classified events since start with the
   * objectives of the consumer's tier: what a game day reads before and after
   * each step (`GET /tallies`). Durations are bucketed at `edges` (seconds).
   */
  tallies(filter: { consumer?: string; operation?: string }): { service: string; at: string; edges: readonly number[]; rows: Array<TallyRow & { promise: PlainPromise | null }> } {
    const contract = this.contract;
    const slo = new Map(contract.slo.operations.map((o) => [o.id, o]));
    const rows = this.ledger.sloTallies(filter).map((row) => {
      const op = slo.get(row.operationId);
      const p = op?.enabled ? op.tiers[row.tier] ?? op.promise : null;
      return { ...row, promise: p ? plainPromise(p) : null };
    });
    return { service: this.metricName, at: new Date(this.options.now()).toISOString(), edges: this.ledger.edges, rows };
  }

  /** The last flush (SLO histograms forced), then the store and the upstream's connections close. */
  async close(): Promise<void> {
    this.store.saveSlo(this.engine.takeSnapshot({ force: true }));
    const closed = this.store.close(this.options.now());
    if (!closed.ok) this.options.logger.error({ err: closed.error, unwritten: closed.unwritten, store: this.store.path }, 'the store could not be written at shutdown; the counts not written are lost');
    await this.upstream.close();
  }
}

/** One operation x consumer's exchanges with injected faults since start (`GET /report`'s `injected`). */
export interface InjectedSummary {
  operationId: string;
  consumer: string;
  tier: string;
  requests: number;
  injected: number;
  injectedBad: number;
  /** Percent, against the consumer's tier promise; null without events. */
  availability: number | null;
  availabilityWithoutInjected: number | null;
}

function prefixesOf(contract: Contract): string[] {
  return [...new Set(contract.operations.flatMap((o) => o.basePaths))].sort((a, b) => b.length - a.length);
}
