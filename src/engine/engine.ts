import type { Histogram } from 'hdr-histogram-js';
import { MaintenanceSchedule, combineEffects } from '../slo/maintenance.js';
import type { LatencyObjective, ResolvedOperationSlo, ResolvedPromise, ResolvedSpecSlo } from '../slo/model.js';
import { windowBounds } from '../slo/window.js';
import { parseDuration } from '../slo/duration.js';
import { DayClock, UTC_DAYS } from './days.js';
import { HOUR, LatencyBook, Series, addCounts, emptyCounts, newHistogram, type Classified, type Counts, type LatencyScope, type Resolution } from './series.js';

/** One exchange, as the proxy saw it. */
export interface EngineEvent {
  /** When the first request byte arrived (epoch ms). */
  at: number;
  operationId: string;
  consumer: string;
  tier: string;
  /** The status the client got (the proxy's own 502/504 included). */
  status: number;
  /** First request byte received to last response byte sent. */
  durationMs: number;
  /** How the exchange ended: a response, the upstream failing (connect error, reset), or the client leaving. */
  outcome: 'response' | 'upstream-error' | 'timeout' | 'client-abort';
}

/** Engine state as the store keeps it. */
export interface EngineSnapshot {
  counts: Array<{ operation: string; consumer: string; tier: string; resolution: Resolution; index: number; data: Float64Array }>;
  latency: Array<{ operation: string; scope: LatencyScope; consumer: string; index: number; encoded: string }>;
}

export interface LatencyFigure {
  name: string;
  kind: 'threshold' | 'percentile';
  /** Threshold: % of good events within the threshold; percentile: the max in ms. */
  target: number;
  /** Threshold: the % achieved; percentile: the window's percentile in ms (null without good events). */
  achieved: number | null;
  met: boolean | null;
}

export interface AlertFigure {
  severity: string;
  long: string;
  short: string;
  factor: number;
  longBurnRate: number;
  shortBurnRate: number;
  firing: boolean;
  /** Why it is not firing although both rates exceed the factor. */
  silencedBy?: 'low-traffic' | 'maintenance';
}

/** Every figure of one operation (optionally one consumer) over one window. */
export interface SloFigures {
  window: { start: string; end: string };
  availability: { target: number; achieved: number | null; good: number; bad: number; valid: number; met: boolean | null } | null;
  errorBudget: { total: number; spent: number; remaining: number | null } | null;
  latency: LatencyFigure[];
  burnRates: Record<string, number>;
  maintenanceExcluded: number;
  excluded: number;
  alerts: AlertFigure[];
}

interface OperationModel {
  slo: ResolvedOperationSlo;
  base: ResolvedPromise;
  baseSchedule: MaintenanceSchedule;
  tiers: Map<string, { promise: ResolvedPromise; schedule: MaintenanceSchedule }>;
  series: Map<string, Series>;
  latency: LatencyBook;
  /** Day buckets start at midnight in the operation's calendar window's zone (UTC for rolling windows). */
  days: DayClock;
  /** False for an operation without x-slo: counted (for baselines), but it has no figures. */
  promised: boolean;
}

const OBSERVED_WINDOW = parseDuration('28d')!;
/** What an operation without a promise is measured against: 5xx and upstream failures are bad, 4xx and aborts are not events. */
const OBSERVED: ResolvedPromise = {
  window: { kind: 'rolling', duration: OBSERVED_WINDOW },
  availability: { target: 0, bad: { status: ['5xx'] }, exclude: { status: ['4xx'], clientAbort: true } },
  latency: [],
  maintenance: [],
  alerting: { burnRates: [], minEventsPerHour: 0 },
  budgetPolicy: {},
  origins: {},
};
const NO_MAINTENANCE = new MaintenanceSchedule([]);

export interface EngineOptions {
  /** The clock (epoch ms); tests inject one to replay days in milliseconds. */
  now?: () => number;
  /** How often snapshots include latency histograms (default 60 s); counts are in every snapshot. */
  latencyIntervalMs?: number;
}

/**
 * The SLO engine: classifies every exchange against the promise of its
 * operation and its consumer's tier (maintenance windows applied in their own
 * time zone), counts it in time buckets, and computes availability, error
 * budget, latency objectives, burn rates and alert states for any window.
 *
 * @example
 * const engine = new SloEngine(resolveSlos(spec, operations), { now: () => clock });
 * engine.record({ at: clock, operationId: 'listPets', consumer: 'acme', tier: 'gold', status: 200, durationMs: 42, outcome: 'response' });
 * engine.figures('listPets').availability; // { target: 99.9, achieved: 100, good: 1, bad: 0, valid: 1, met: true }
 */
export class SloEngine {
  private readonly operations = new Map<string, OperationModel>();
  private readonly now: () => number;
  private readonly latencyIntervalMs: number;
  /** Longest window or alert window of any promise plus a day: what is kept. */
  readonly retentionMs: number;

  constructor(slo: ResolvedSpecSlo, options: EngineOptions = {}) {
    this.now = options.now ?? Date.now;
    this.latencyIntervalMs = options.latencyIntervalMs ?? 60_000;
    let longest = 0;
    for (const op of slo.operations) {
      if (!op.enabled) continue;
      if (!op.promise) {
        // No promise yet: counted all the same (5xx bad, 28 days kept), so `sworn baseline` can propose one.
        this.operations.set(op.id, { slo: op, base: OBSERVED, baseSchedule: NO_MAINTENANCE, tiers: new Map(), series: new Map(), latency: new LatencyBook(), days: UTC_DAYS, promised: false });
        longest = Math.max(longest, OBSERVED_WINDOW.ms);
        continue;
      }
      const tiers = new Map(Object.entries(op.tiers).map(([name, promise]) => [name, { promise, schedule: new MaintenanceSchedule(promise.maintenance) }]));
      const days = op.promise.window.kind === 'calendar' ? new DayClock(op.promise.window.timeZone) : UTC_DAYS;
      this.operations.set(op.id, { slo: op, base: op.promise, baseSchedule: new MaintenanceSchedule(op.promise.maintenance), tiers, series: new Map(), latency: new LatencyBook(days), days, promised: true });
      for (const p of [op.promise, ...Object.values(op.tiers)]) {
        longest = Math.max(longest, p.window.kind === 'rolling' ? p.window.duration.ms : 92 * 86_400_000, ...p.alerting.burnRates.map((r) => r.long.ms));
      }
    }
    this.retentionMs = longest + 86_400_000;
  }

  private objectives: Array<ReturnType<SloEngine['objectiveInfo']>[number]> | undefined;

  /** True when the operation makes a promise the engine measures. */
  measures(operationId: string): boolean {
    return this.operations.get(operationId)?.promised === true;
  }

  /**
   * What was observed of an operation over [since, until), promise or not:
   * good/bad/valid counts and percentiles of good events' durations (ms).
   * `sworn baseline` proposes promises from it.
   */
  observed(operationId: string, since: number, until: number, percentiles: number[]): { valid: number; good: number; bad: number; percentiles: Record<string, number | null> } | null {
    const op = this.operations.get(operationId);
    if (!op) return null;
    const clockNow = this.now();
    const counts = [...op.series.values()].reduce((acc, s) => addCounts(acc, s.counts(since, until, clockNow)), emptyCounts());
    const histogram = newHistogram('merge');
    op.latency.addInto(histogram, since, until, clockNow);
    const out: Record<string, number | null> = {};
    for (const p of percentiles) out[String(p)] = histogram.totalCount > 0 ? histogram.getValueAtPercentile(p) : null;
    histogram.destroy();
    return { valid: counts.valid, good: counts.good, bad: counts.bad, percentiles: out };
  }

  /** Classifies and counts one exchange, and says what it was (undefined: an operation the engine does not measure). */
  record(event: EngineEvent): Classified | undefined {
    const op = this.operations.get(event.operationId);
    if (!op) return undefined;
    const tier = op.tiers.get(event.tier);
    const tierPromise = tier?.promise ?? op.base;
    this.tierByConsumer.set(event.consumer, event.tier);
    let series = op.series.get(event.consumer);
    if (!series) op.series.set(event.consumer, (series = new Series(thresholds(op.base).length, thresholds(tierPromise).length, op.days)));
    const classified = classify(event, op.base, op.baseSchedule, tierPromise, tier?.schedule ?? op.baseSchedule);
    series.record(event.at, classified);
    if (classified.kind === 'good') op.latency.record(event.at, event.consumer, event.durationMs);
    return classified;
  }

  /**
   * What the fleet counters of each promised operation are made of: the
   * tiers consumers can be in, and the names of the threshold objectives of
   * the operation's promise and of each tier's (in `Classified.fastBase` and
   * `fastTier` order).
   */
  shape(defaultTier: string): Array<{ operationId: string; objectives: string[]; tiers: Array<{ tier: string; objectives: string[] }> }> {
    const names = (p: ResolvedPromise) => p.latency.filter((o) => o.kind === 'threshold').map((o) => o.name);
    const out: Array<{ operationId: string; objectives: string[]; tiers: Array<{ tier: string; objectives: string[] }> }> = [];
    for (const [operationId, op] of this.operations) {
      if (!op.promised) continue;
      const tiers = [...new Set([...op.tiers.keys(), defaultTier])].map((tier) => ({ tier, objectives: names(op.tiers.get(tier)?.promise ?? op.base) }));
      out.push({ operationId, objectives: names(op.base), tiers });
    }
    return out;
  }

  /**
   * The duration histogram's bucket edges in seconds: `defaults` plus every
   * threshold and percentile maximum of every promise (operations' and
   * tiers'), so each objective can be decided at a bucket edge; and one
   * edge above the highest, so a percentile can be seen to exceed it.
   */
  durationEdges(defaults: readonly number[]): number[] {
    const edges = new Set<number>(defaults);
    let highest = 0;
    for (const op of this.operations.values()) {
      if (!op.promised) continue;
      for (const p of [op.base, ...[...op.tiers.values()].map((t) => t.promise)]) {
        for (const o of p.latency) {
          const edge = (o.kind === 'threshold' ? o.threshold.ms : o.max.ms) / 1_000;
          edges.add(edge);
          highest = Math.max(highest, edge);
        }
      }
    }
    // A max at the top edge could never be exceeded by histogram_quantile: one edge above the spec's highest.
    if (highest > 0 && highest >= (defaults.at(-1) ?? 0)) edges.add(highest * 2);
    return [...edges].sort((a, b) => a - b);
  }

  /**
   * What each promised operation promises (`sworn_slo_objective_info`):
   * availability, threshold and percentile objectives of its own promise,
   * with their targets, and the window.
   */
  objectiveInfo(): ReadonlyArray<{ operationId: string; objective: string; kind: 'availability' | 'threshold' | 'percentile'; target: number; threshold?: number; window: string }> {
    // The promises do not change during an engine's life (a reload makes a new engine): listed once.
    if (this.objectives) return this.objectives;
    const out: Array<ReturnType<SloEngine['objectiveInfo']>[number]> = (this.objectives = []);
    for (const [operationId, op] of this.operations) {
      if (!op.promised) continue;
      const p = op.base;
      const window = p.window.kind === 'rolling' ? p.window.duration.text : `calendar ${p.window.unit} ${p.window.timeZone}`;
      if (p.availability) out.push({ operationId, objective: 'availability', kind: 'availability', target: p.availability.target, window });
      for (const o of p.latency) {
        if (o.kind === 'threshold') out.push({ operationId, objective: o.name, kind: 'threshold', target: o.target, threshold: o.threshold.ms / 1_000, window });
        else out.push({ operationId, objective: o.name, kind: 'percentile', target: o.percentile, threshold: o.max.ms / 1_000, window });
      }
    }
    return out;
  }

  /**
   * The maintenance windows of each operation's own promise and whether
   * each is active at `at` (evaluated in its own time zone), with the
   * aspects of its effect: `sworn_slo_maintenance_active`.
   */
  maintenanceAt(at: number = this.now()): Array<{ operationId: string; window: string; effects: Array<'exclude' | 'availability' | 'suppress_alerts'>; active: boolean }> {
    const out: ReturnType<SloEngine['maintenanceAt']> = [];
    for (const [operationId, op] of this.operations) {
      if (!op.promised || op.base.maintenance.length === 0) continue;
      const active = new Set(op.baseSchedule.activeAt(at).map((o) => o.name));
      for (const m of op.base.maintenance) {
        const effects: Array<'exclude' | 'availability' | 'suppress_alerts'> = [];
        if (m.effect.exclude) effects.push('exclude');
        if (m.effect.availability !== undefined) effects.push('availability');
        if (m.effect.suppressAlerts) effects.push('suppress_alerts');
        out.push({ operationId, window: m.name, effects, active: active.has(m.name) });
      }
    }
    return out;
  }

  /**
   * Figures for an operation (all consumers, judged against the operation's
   * own promise) or one consumer (judged against its tier's promise), over
   * the promise's window at `at` or an explicit [since, until).
   */
  figures(operationId: string, options: { consumer?: string; tier?: string; at?: number; since?: number; until?: number } = {}): SloFigures | null {
    const op = this.operations.get(operationId);
    if (!op?.promised) return null;
    // `now` is the instant judged; the clock decides which resolution still holds each part of the past.
    const clockNow = this.now();
    const now = options.at ?? clockNow;
    const perspective = options.consumer === undefined && options.tier === undefined ? 'base' : 'tier';
    // Whose events: every consumer's, one consumer's, or those of every consumer in one tier.
    const members = options.consumer !== undefined ? [options.consumer] : options.tier !== undefined ? [...op.series.keys()].filter((c) => this.tierByConsumer.get(c) === options.tier) : undefined;
    const consumerSeries = members === undefined ? [...op.series.values()] : members.map((c) => op.series.get(c)).filter((s): s is Series => s !== undefined);
    const tierName = options.consumer !== undefined ? this.tierByConsumer.get(options.consumer) : options.tier;
    const promise = perspective === 'tier' && tierName ? op.tiers.get(tierName)?.promise ?? op.base : op.base;
    const schedule = perspective === 'tier' && tierName ? op.tiers.get(tierName)?.schedule ?? op.baseSchedule : op.baseSchedule;
    const bounds = options.since !== undefined ? { start: options.since, end: options.until ?? now } : promise.window.kind === 'rolling' ? windowBounds(promise.window, now) : { start: windowBounds(promise.window, now).start, end: now };
    const sum = (from: number, to: number): Counts => {
      const first = consumerSeries[0];
      // Series of unequal width (none expected) are summed field by field, as counts.
      if (!first || consumerSeries.some((s) => s.width !== first.width)) return consumerSeries.reduce((acc, s) => addCounts(acc, s.counts(from, to, clockNow)), emptyCounts());
      // Each series summed on its own, then added in order: the same additions as adding their counts, without a Counts per series.
      const total = first.emptyBucket();
      const one = consumerSeries.length > 1 ? first.emptyBucket() : total;
      for (const s of consumerSeries) {
        if (one === total) { s.addInto(total, from, to, clockNow); continue; }
        one.fill(0);
        s.addInto(one, from, to, clockNow);
        for (let i = 0; i < total.length; i++) total[i]! += one[i]!;
      }
      return first.toCounts(total);
    };
    const judged = (c: Counts): JudgedCounts => ({ valid: c.valid, good: c.good, bad: c.bad, excluded: c.excluded, maintenanceExcluded: c.maintenanceExcluded, allowance: perspective === 'base' ? c.allowanceBase : c.allowanceTier, fast: perspective === 'base' ? c.fastBase : c.fastTier });
    let histogram: Histogram | undefined;
    const figures = figuresOf({
      promise,
      bounds,
      counts: judged(sum(bounds.start, bounds.end)),
      recent: (ms) => judged(sum(now - ms, now)),
      percentile: (p) => {
        if (!histogram) {
          histogram = newHistogram('merge');
          if (members === undefined) op.latency.addInto(histogram, bounds.start, bounds.end, clockNow);
          else for (const c of members) op.latency.addInto(histogram, bounds.start, bounds.end, clockNow, c);
        }
        return histogram.totalCount > 0 ? histogram.getValueAtPercentile(p) : null;
      },
      suppressAlerts: combineEffects(schedule.activeAt(now))?.suppressAlerts === true,
    });
    histogram?.destroy();
    return figures;
  }

  /** When the oldest event still counted for an operation (or any) happened, to the minute where minutes still hold it. */
  earliest(operationId?: string): number | undefined {
    let min: number | undefined;
    for (const [id, op] of this.operations) {
      if (operationId !== undefined && id !== operationId) continue;
      for (const series of op.series.values()) {
        const t = series.earliest();
        if (t !== undefined && (min === undefined || t < min)) min = t;
      }
    }
    return min;
  }

  /** The tier a consumer was last seen in (undefined: never seen). */
  tierOf(consumer: string): string | undefined {
    return this.tierByConsumer.get(consumer);
  }

  /** The consumers seen for an operation. */
  consumers(operationId: string): string[] {
    return [...(this.operations.get(operationId)?.series.keys() ?? [])];
  }

  /**
   * One consumer's events on an operation over [since, until), as raw
   * counters against its tier's promise: outcomes (good, bad, excluded,
   * maintenance-excluded), the error budget they allow, and for each of the
   * tier's latency objectives, in order, the good events at or under its
   * limit: exact from the buckets for a threshold; for a percentile's max,
   * from the consumer's day histograms, which start at the start of the day
   * holding `since` (in the operation's window zone; exact under 2,048 ms).
   * Two reads with the same `since` subtract: what a game day reading a
   * store measures a phase with. Null when the operation makes no promise
   * or the consumer has no events.
   */
  consumerTally(operationId: string, consumer: string, since: number, until: number): { tier: string; outcomes: [number, number, number, number]; allowance: number; within: number[] } | null {
    const op = this.operations.get(operationId);
    const series = op?.series.get(consumer);
    if (!op?.promised || !series) return null;
    const tier = this.tierByConsumer.get(consumer) ?? '';
    const promise = op.tiers.get(tier)?.promise ?? op.base;
    const clockNow = this.now();
    const c = series.counts(since, until, clockNow);
    const dayStart = op.days.start(op.days.index(since));
    let histogram: Histogram | undefined;
    let threshold = 0;
    const within = promise.latency.map((o) => {
      if (o.kind === 'threshold') return c.fastTier[threshold++] ?? 0;
      if (!histogram) {
        histogram = newHistogram('merge');
        op.latency.addInto(histogram, dayStart, until, clockNow, consumer);
      }
      return countAtOrBelow(histogram, o.max.ms);
    });
    histogram?.destroy();
    return { tier, outcomes: [c.good, c.bad, c.excluded, c.maintenanceExcluded], allowance: c.allowanceTier, within };
  }

  private readonly tierByConsumer = new Map<string, string>();

  /**
   * What changed since the last snapshot: buckets (raw counts) and latency
   * histograms (compressed), for the store to write in one transaction.
   * `all`: every bucket and histogram held, changed or not (latency
   * included), to rewrite a store whose file was lost; `force`: latency
   * histograms now whatever the interval (at shutdown).
   */
  takeSnapshot(options: { force?: boolean; all?: boolean } = {}): EngineSnapshot {
    const counts: EngineSnapshot['counts'] = [];
    const latency: EngineSnapshot['latency'] = [];
    // Encoding histograms costs far more than copying counts: they go out at most every latencyIntervalMs (and when forced, at shutdown).
    const now = this.now();
    const all = options.all === true;
    const withLatency = all || options.force === true || now - this.lastLatencySnapshot >= this.latencyIntervalMs;
    if (withLatency) this.lastLatencySnapshot = now;
    for (const [operation, op] of this.operations) {
      for (const [consumer, series] of op.series) {
        for (const b of all ? series.takeAll() : series.takeDirty()) counts.push({ operation, consumer, tier: this.tierByConsumer.get(consumer) ?? '', resolution: b.resolution, index: b.index, data: b.data });
      }
      if (withLatency) for (const h of all ? op.latency.takeAll() : op.latency.takeDirty()) latency.push({ operation, ...h });
    }
    return { counts, latency };
  }

  private lastLatencySnapshot = 0;

  /**
   * Puts back what the store kept (a restarted proxy resumes its windows).
   * Rows that no longer fit the spec are skipped. `merge`: adds the stored
   * counts and histograms into what is held instead of replacing it (a store
   * opened late, after counting began in memory); the sums are marked changed,
   * so the next snapshot writes them back.
   */
  restore(snapshot: EngineSnapshot, options: { merge?: boolean } = {}): { restored: number; skipped: number } {
    const merge = options.merge === true;
    let restored = 0;
    let skipped = 0;
    for (const row of snapshot.counts) {
      const op = this.operations.get(row.operation);
      if (!op) {
        skipped++;
        continue;
      }
      // Merging, the tier seen live is newer than the stored one.
      if (row.tier && !(merge && this.tierByConsumer.has(row.consumer))) this.tierByConsumer.set(row.consumer, row.tier);
      let series = op.series.get(row.consumer);
      if (!series) {
        const tierPromise = op.tiers.get(row.tier)?.promise ?? op.base;
        op.series.set(row.consumer, (series = new Series(thresholds(op.base).length, thresholds(tierPromise).length, op.days)));
      }
      if (merge ? series.merge(row.resolution, row.index, row.data) : series.load(row.resolution, row.index, row.data)) restored++;
      else skipped++;
    }
    for (const row of snapshot.latency) {
      const op = this.operations.get(row.operation);
      if (!op) {
        skipped++;
        continue;
      }
      if (merge) op.latency.merge(row.scope, row.consumer, row.index, row.encoded);
      else op.latency.load(row.scope, row.consumer, row.index, row.encoded);
      restored++;
    }
    return { restored, skipped };
  }

  /** Drops what no window can reach any more. */
  prune(): void {
    const now = this.now();
    for (const op of this.operations.values()) {
      for (const [consumer, series] of op.series) {
        series.prune(now, now - this.retentionMs);
        if (series.isEmpty()) op.series.delete(consumer);
      }
      op.latency.prune(now, now - this.retentionMs);
    }
  }
}

const thresholdCache = new WeakMap<ResolvedPromise, number[]>();

/** The threshold objectives' limits in ms, computed once per promise. */
function thresholds(promise: ResolvedPromise): number[] {
  let limits = thresholdCache.get(promise);
  if (!limits) {
    limits = promise.latency.filter((o): o is Extract<LatencyObjective, { kind: 'threshold' }> => o.kind === 'threshold').map((o) => o.threshold.ms);
    thresholdCache.set(promise, limits);
  }
  return limits;
}

const NO_FAST: boolean[] = [];
const within = (limits: number[], durationMs: number): boolean[] => (limits.length === 0 ? NO_FAST : limits.map((limit) => durationMs <= limit));

function statusMatches(status: number, list: string[]): boolean {
  const code = String(status);
  return list.some((s) => s === code || (s.length === 3 && s.endsWith('xx') && s[0] === code[0]));
}

/**
 * What an exchange is under a promise (x-slo.md, Semantics): excluded
 * statuses and client aborts are not events; inside an `exclude` maintenance
 * window it is not counted either; a status listed as bad, an upstream error,
 * or no complete response within `bad.timeout` is bad; the rest is good.
 */
export function classify(event: EngineEvent, base: ResolvedPromise, baseSchedule: MaintenanceSchedule, tier: ResolvedPromise, tierSchedule: MaintenanceSchedule): Classified {
  const availability = tier.availability ?? base.availability;
  const proxyFailure = event.outcome === 'upstream-error' || event.outcome === 'timeout';
  const badStatus = availability ? statusMatches(event.status, availability.bad.status) : event.status >= 500;
  const timeoutMs = availability?.bad.timeout?.ms;
  const bad = proxyFailure || badStatus || (timeoutMs !== undefined && event.durationMs > timeoutMs);
  const excluded = !bad && ((event.outcome === 'client-abort' && (availability?.exclude.clientAbort ?? true)) || (availability ? statusMatches(event.status, availability.exclude.status) : false));
  const durationMs = event.durationMs;
  if (excluded) return { kind: 'excluded', durationMs, allowanceBase: 0, allowanceTier: 0, fastBase: NO_FAST, fastTier: NO_FAST };
  const baseEffect = combineEffects(baseSchedule.activeAt(event.at));
  const tierEffect = tierSchedule === baseSchedule ? baseEffect : combineEffects(tierSchedule.activeAt(event.at));
  // Exclusion follows the operation's own windows (tiers inherit them); a tier's relaxed target applies to its figures.
  if (baseEffect?.exclude) return { kind: 'maintenance-excluded', durationMs, allowanceBase: 0, allowanceTier: 0, fastBase: NO_FAST, fastTier: NO_FAST };
  const allowance = (promise: ResolvedPromise, effect: typeof baseEffect) => {
    if (!promise.availability || effect?.exclude) return 0;
    return (100 - (effect?.availability ?? promise.availability.target)) / 100;
  };
  return {
    kind: bad ? 'bad' : 'good',
    durationMs,
    allowanceBase: allowance(base, baseEffect),
    allowanceTier: allowance(tier, tierEffect),
    fastBase: bad ? NO_FAST : within(thresholds(base), durationMs),
    fastTier: bad ? NO_FAST : tier === base ? within(thresholds(base), durationMs) : within(thresholds(tier), durationMs),
  };
}

/** Counts judged against one promise (the operation's or a tier's): what `figuresOf` reads. */
export interface JudgedCounts {
  valid: number;
  good: number;
  bad: number;
  excluded: number;
  maintenanceExcluded: number;
  /** Σ (1 − target in force) over the valid events. */
  allowance: number;
  /** Good events within each threshold objective, in the promise's order of threshold objectives. */
  fast: number[];
}

/**
 * The figures of one promise over one window, from its counts: the one
 * definition of availability, error budget, latency objectives, burn rates
 * and alerts that the engine (from its buckets) and the fleet report (from
 * Prometheus's counters) share, so both say the same of the same counts.
 */
export function figuresOf(input: {
  promise: ResolvedPromise;
  bounds: { start: number; end: number };
  counts: JudgedCounts;
  /** Counts of the last `ms` before the judged instant (alert windows); called once per window. */
  recent: (ms: number) => JudgedCounts;
  /** The window's percentile of good events' durations in ms (null without any). */
  percentile: (p: number) => number | null;
  /** A maintenance window that silences alerts is active at the judged instant. */
  suppressAlerts: boolean;
}): SloFigures {
  const { promise, bounds, counts } = input;
  const availability = promise.availability
    ? {
        target: promise.availability.target,
        achieved: counts.valid === 0 ? null : round((counts.good / counts.valid) * 100),
        good: counts.good,
        bad: counts.bad,
        valid: counts.valid,
        met: counts.valid === 0 ? null : counts.bad <= counts.allowance + 1e-9,
      }
    : null;
  const budget = counts.allowance;
  const errorBudget = promise.availability ? { total: round(budget), spent: counts.bad, remaining: budget === 0 ? (counts.bad === 0 ? null : -Infinity) : round(1 - counts.bad / budget) } : null;

  let thresholdIndex = 0;
  const latency: LatencyFigure[] = promise.latency.map((o) => {
    if (o.kind === 'threshold') {
      const within = counts.fast[thresholdIndex++] ?? 0;
      const achieved = counts.good === 0 ? null : round((within / counts.good) * 100);
      return { name: o.name, kind: 'threshold', target: o.target, achieved, met: achieved === null ? null : achieved >= o.target };
    }
    const achieved = input.percentile(o.percentile);
    return { name: o.name, kind: 'percentile', target: o.max.ms, achieved, met: achieved === null ? null : achieved <= o.max.ms };
  });

  const burnRates: Record<string, number> = {};
  const alerts: AlertFigure[] = [];
  if (promise.availability) {
    // Each alert window is summed once, whatever the number of alerts reading it.
    const windows = new Map<number, JudgedCounts>();
    const recent = (ms: number) => {
      let c = windows.get(ms);
      if (!c) windows.set(ms, (c = input.recent(ms)));
      return c;
    };
    const rate = (ms: number) => {
      const c = recent(ms);
      return c.allowance === 0 ? 0 : round(c.bad / c.allowance);
    };
    for (const r of promise.alerting.burnRates) {
      const longRate = (burnRates[r.long.text] ??= rate(r.long.ms));
      const shortRate = (burnRates[r.short.text] ??= rate(r.short.ms));
      const exceeded = longRate > r.factor && shortRate > r.factor;
      const longValid = recent(r.long.ms).valid;
      const lowTraffic = promise.alerting.minEventsPerHour > 0 && longValid < promise.alerting.minEventsPerHour * (r.long.ms / HOUR);
      const silencedBy = exceeded ? (input.suppressAlerts ? 'maintenance' as const : lowTraffic ? 'low-traffic' as const : undefined) : undefined;
      alerts.push({ severity: r.severity, long: r.long.text, short: r.short.text, factor: r.factor, longBurnRate: longRate, shortBurnRate: shortRate, firing: exceeded && !silencedBy, ...(silencedBy ? { silencedBy } : {}) });
    }
  }
  return {
    window: { start: new Date(bounds.start).toISOString(), end: new Date(bounds.end).toISOString() },
    availability,
    errorBudget,
    latency,
    burnRates,
    maintenanceExcluded: counts.maintenanceExcluded,
    excluded: counts.excluded,
    alerts,
  };
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

/**
 * How many values a histogram holds at or under `value`: hdr answers the
 * value at a rank, so the rank is found by bisection over whole counts
 * (about log2(n) lookups), exact to the histogram's precision.
 */
export function countAtOrBelow(histogram: Histogram, value: number): number {
  const total = histogram.totalCount;
  if (total === 0) return 0;
  // The value at rank k (1-based): the percentile whose count hdr rounds to k.
  const at = (k: number) => histogram.getValueAtPercentile((k / total) * 100);
  if (at(1) > value) return 0;
  let low = 1;
  let high = total;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (at(mid) <= value) low = mid;
    else high = mid - 1;
  }
  return low;
}
