import type { Operation } from '../spec/operations.js';
import type { SloEngine, EngineEvent } from '../engine/engine.js';
import type { Classified } from '../engine/series.js';
import type { HourlyCounts, StoredCounts, ViolationSample } from '../store/store.js';
import type { Violation } from '../validate/violation.js';

/** The JSON report (`GET /report`): stable field names, documented in docs/proxy.md. */
export interface ConformanceReport {
  spec: { title: string; version: string };
  since: string;
  until: string;
  operations: Array<{ operationId: string; method: string; path: string; requests: number; violations: { request: number; response: number; byCode: Record<string, number> } }>;
  consumers: Array<{ consumer: string; tier: string; requests: number; violations: { request: number; response: number }; operations: Array<{ operationId: string; requests: number; violations: { request: number; response: number; byCode: Record<string, number> } }> }>;
  unknownRoutes: Array<{ method: string; path: string; count: number }>;
  /**
   * Requests the proxy answered itself before any operation could be
   * matched, by reason (`malformed` HTTP the parser refused, `header-timeout`,
   * `duplicate-host`, `transfer-coding`, `request-target`, `options-asterisk`).
   */
  refused: Array<{ reason: string; count: number }>;
}

/** One exchange's consequences: what `Ledger.record` takes, once per exchange. */
export interface ExchangeRecord {
  /** Epoch ms of the first request byte. */
  at: number;
  /** First request byte received to last response byte sent. */
  durationMs: number;
  /** Undefined: no operation matched (counted as `(unknown)`). */
  operationId: string | undefined;
  consumer: string;
  tier: string;
  /** The status the client got (the proxy's own 4xx/5xx included). */
  status: number;
  outcome: EngineEvent['outcome'];
  /** Every finding of the exchange, request and response side, stamped with consumer, request id and time. */
  violations: readonly Violation[];
  /** The request matched no operation: counted under this method and (redacted) path. */
  unknownRoute?: { method: string; path: string };
  /** Optional inputs the consumer sent (`query:limit`, `header:x-trace`), for usage-aware diffs. */
  parameters?: readonly string[];
  /** The redacted excerpt stored with each violation (built once, only when there is a violation). */
  sample?: () => object;
  requestId?: string;
  /** Faults injected into this exchange (game days): counted apart, so figures can be shown without them. */
  injected?: readonly string[];
}

/**
 * One consumer's classified events on one operation since this process
 * started, against its tier's promise: cumulative counters (a game day reads
 * them before and after a step; differences add up across pods). Good events'
 * durations are bucketed at the ledger's `edges` (every objective's threshold
 * and percentile maximum is an edge); injected exchanges are also counted apart.
 */
export interface CellSlo {
  outcomes: number[];
  allowance: number;
  buckets: number[];
  injected: { requests: number; outcomes: number[]; buckets: number[] };
}

/** `Ledger.tallies()`: one row per operation x consumer that has classified events. */
export interface TallyRow extends CellSlo {
  operationId: string;
  consumer: string;
  tier: string;
}

export const UNKNOWN_ROUTES_KEPT = 1_000;
export const OTHER_PATHS = '(other paths)';
export const UNKNOWN_OPERATION = '(unknown)';

/** Status classes as exported to Prometheus; an exchange the client left is `aborted`. */
export const STATUS_CLASSES = ['aborted', '1xx', '2xx', '3xx', '4xx', '5xx'] as const;
/** Upper bounds (seconds) of `sworn_request_duration_seconds`. */
/**
 * Default bucket edges (seconds) of `sworn_request_duration_seconds`; the
 * spec's thresholds and percentile maxima are added to them.
 */
export const DURATION_BUCKETS = [0.005, 0.025, 0.1, 0.25, 1, 2.5, 10] as const;

const HOUR = 3_600_000;
const STATUS_TEXT = Array.from({ length: 600 }, (_v, i) => String(i));

/** Requests and durations of one status class since this process started (what Prometheus scrapes). */
/** Durations of good events of one operation since this process started (`sworn_request_duration_seconds`). */
export interface DurationTally {
  count: number;
  sum: number;
  /** Per bucket of `edges` (not cumulative); the last slot is +Inf. */
  buckets: number[];
}

/** One consumer's classified events since this process started, in one tier: against that tier's promise. */
export interface ConsumerTally {
  outcomes: number[];
  allowance: number;
  /** Good events within each of the tier's threshold objectives, by name. */
  within: Map<string, number>;
}

/** What the fleet counters are made of, per promised operation (`SloEngine.shape`). */
export type FleetShapeInput = Array<{ operationId: string; objectives: string[]; tiers: Array<{ tier: string; objectives: string[] }> }>;

interface Pending {
  requests: number;
  /** `direction code` -> count and the last time. */
  violations: Map<string, { n: number; at: string }> | undefined;
}

/** What one consumer did with one operation. */
class Cell {
  tier = 'default';
  requests = 0;
  request = 0;
  response = 0;
  byCode: Record<string, number> = {};
  /** By `direction code` (`not-validated` happens on both sides): what the store's rows need. */
  directed = new Map<string, number>();
  /** Since this process started, by `direction code`: `sworn_violations_total`. */
  liveViolations: Map<string, number> | undefined;
  /** Since this process started, exchanges by STATUS_CLASSES index: `sworn_requests_total`. */
  classes: number[] = [];
  /** Usage not yet handed to the store: status text, or `parameter in:name`, -> count. */
  usage: Map<string, number> | undefined;
  /** The hour the pending counts belong to. */
  hour = -1;
  pending: Pending = { requests: 0, violations: undefined };
  /** Made at the first classified event. */
  slo: CellSlo | undefined;
}

/** Outcomes of sworn's own classification, as `sworn_slo_events_total{outcome}` names them. */
export const SLO_OUTCOMES = ['good', 'bad', 'excluded', 'maintenance_excluded'] as const;
const OUTCOME_INDEX = { good: 0, bad: 1, excluded: 2, 'maintenance-excluded': 3 } as const;

/**
 * Since this process started, per operation: what the engine made of each
 * exchange against the operation's promise, as counters that add up across
 * pods (the fleet's figures are their sums). Tiers are judged in the
 * consumers' tallies.
 */
export interface FleetTally {
  outcomes: number[];
  allowance: number;
  /** Good events within each threshold objective, by objective name. */
  within: Map<string, number>;
}

interface FleetShape {
  objectives: string[];
  tiers: Map<string, string[]>;
}

interface UnknownRoute {
  method: string;
  path: string;
  count: number;
}

/**
 * The one record of what the proxy saw: every exchange is recorded here once
 * (`record`), and everything else is derived from it: the conformance report
 * (`report`), the Prometheus metrics (read at scrape time), the SLO figures
 * (the engine it feeds), and the store's rows (`takeHourly`, at each flush).
 *
 * @example
 * const ledger = new Ledger({ operations, spec: { title, version }, engine });
 * ledger.record({ at: Date.now(), durationMs: 3, operationId: 'listPets', consumer: 'acme', tier: 'gold', status: 200, outcome: 'response', violations: [] });
 * ledger.report().operations[0].requests; // 1
 */
export class Ledger {
  private readonly cells = new Map<string, Map<string, Cell>>();
  private readonly tiers = new Map<string, string>();
  private readonly unknown = new Map<string, UnknownRoute>();
  private readonly refusedCounts = new Map<string, number>();
  private readonly retryCounts = new Map<string, number>();
  /** Unknown routes and usage not yet handed to the store. */
  private pendingUnknown = new Map<string, { method: string; path: string; hour: number; n: number }>();
  /** Hourly counts of cells whose hour changed before the store took them. */
  private spilled: HourlyCounts = emptyHourly();
  private samplesWaiting: ViolationSample[] = [];
  /** operation -> tier -> tally; every promised operation x tier exists from the start, at zero. */
  private readonly fleet = new Map<string, FleetTally>();
  private fleetShape = new Map<string, FleetShape>();
  private since: string;
  /** The operations the report lists (the current spec's), then any others that have counts. */
  private operations: Operation[];
  /** Operations an earlier version of the spec had (a reload removed them): still reported, with their history. */
  private readonly former = new Map<string, Operation>();
  private spec: { title: string; version: string };
  engine: SloEngine | undefined;

  constructor(options: { operations: Operation[]; spec: { title: string; version: string }; engine?: SloEngine; since?: number }) {
    this.operations = options.operations;
    this.spec = options.spec;
    this.engine = options.engine;
    this.since = new Date(options.since ?? Date.now()).toISOString();
  }

  /** A reloaded spec: the report lists its operations first; those that disappeared keep their history. */
  describe(operations: Operation[], spec: { title: string; version: string }, engine?: SloEngine): void {
    const listed = new Set(operations.map((o) => o.id));
    for (const op of this.operations) if (!listed.has(op.id)) this.former.set(op.id, op);
    for (const id of listed) this.former.delete(id);
    this.operations = operations;
    this.spec = spec;
    if (engine) this.engine = engine;
  }

  private cellOf(operation: string, consumer: string): Cell {
    let byConsumer = this.cells.get(operation);
    if (!byConsumer) this.cells.set(operation, (byConsumer = new Map()));
    let c = byConsumer.get(consumer);
    if (!c) byConsumer.set(consumer, (c = new Cell()));
    return c;
  }

  /** The cell's pending counts, moved to `spilled` when the exchange belongs to another hour. */
  private pendingOf(c: Cell, operation: string, consumer: string, hour: number): Pending {
    if (c.hour !== hour) {
      if (c.hour !== -1) this.spill(c, operation, consumer);
      c.hour = hour;
    }
    return c.pending;
  }

  private spill(c: Cell, operation: string, consumer: string, into: HourlyCounts = this.spilled): void {
    const p = c.pending;
    if (p.requests > 0) into.requests.push({ operation, consumer, tier: c.tier, hour: c.hour, n: p.requests });
    if (p.violations) for (const [key, v] of p.violations) {
      const space = key.indexOf(' ');
      into.violations.push({ operation, consumer, direction: key.slice(0, space), code: key.slice(space + 1), hour: c.hour, n: v.n, at: v.at });
    }
    c.pending = { requests: 0, violations: undefined };
  }

  /** Records one exchange: counts, violations, usage, SLO events, the metrics' tallies, samples. Never throws on odd input. */
  record(x: ExchangeRecord): void {
    const operation = x.operationId ?? UNKNOWN_OPERATION;
    const c = this.cellOf(operation, x.consumer);
    const hour = Math.floor(x.at / HOUR);
    const pending = this.pendingOf(c, operation, x.consumer, hour);
    c.tier = x.tier;
    if (this.tiers.get(x.consumer) !== x.tier) this.tiers.set(x.consumer, x.tier);
    c.requests++;
    pending.requests++;

    const classIndex = x.outcome === 'client-abort' ? 0 : Math.min(5, Math.max(1, Math.floor(x.status / 100)));
    c.classes[classIndex] = (c.classes[classIndex] ?? 0) + 1;

    if (x.violations.length > 0) this.countViolations(c, pending, x);
    if (x.unknownRoute) this.countUnknown(x.unknownRoute.method, x.unknownRoute.path, hour);
    if (x.operationId !== undefined) {
      const usage = (c.usage ??= new Map());
      const status = STATUS_TEXT[x.status] ?? String(x.status);
      usage.set(status, (usage.get(status) ?? 0) + 1);
      if (x.parameters) for (const p of x.parameters) usage.set(`parameter ${p}`, (usage.get(`parameter ${p}`) ?? 0) + 1);
      const classified = this.engine?.record({ at: x.at, operationId: operation, consumer: x.consumer, tier: x.tier, status: x.status, durationMs: x.durationMs, outcome: x.outcome });
      if (classified) {
        const bucket = this.countFleet(operation, x.consumer, x.tier, classified);
        this.countCell(c, classified, bucket, x.injected !== undefined && x.injected.length > 0);
      }
    }
  }

  private countViolations(c: Cell, pending: Pending, x: ExchangeRecord): void {
    let sample: object | undefined;
    const at = new Date(x.at).toISOString();
    for (const v of x.violations) {
      if (v.direction === 'response') c.response++;
      else c.request++;
      c.byCode[v.code] = (c.byCode[v.code] ?? 0) + 1;
      const key = `${v.direction} ${v.code}`;
      c.directed.set(key, (c.directed.get(key) ?? 0) + 1);
      const live = (c.liveViolations ??= new Map());
      live.set(key, (live.get(key) ?? 0) + 1);
      const waiting = (pending.violations ??= new Map()).get(key);
      if (waiting) {
        waiting.n++;
        waiting.at = v.at ?? at;
      } else pending.violations.set(key, { n: 1, at: v.at ?? at });
      if (x.sample && this.samplesWaiting.length < SAMPLES_WAITING) {
        sample ??= x.sample(); // one excerpt per exchange, however many violations
        this.samplesWaiting.push({ operation: v.operationId ?? UNKNOWN_OPERATION, consumer: x.consumer, code: v.code, direction: v.direction, at: v.at ?? at, requestId: x.requestId ?? v.requestId ?? '', sample: { violation: v, ...sample } });
      }
    }
  }

  /**
   * Creates the fleet counters of every promised operation at zero (so
   * Prometheus sees them before their first event); at a reload, adds the
   * new ones and keeps the old (counters never go back).
   */
  shapeFleet(shape: FleetShapeInput, edges: readonly number[] = DURATION_BUCKETS): void {
    this.fleetShape = new Map(shape.map((o) => [o.operationId, { objectives: o.objectives, tiers: new Map(o.tiers.map((t) => [t.tier, t.objectives])) }]));
    // Bucket edges are placed once: a histogram whose edges moved would make Prometheus see buckets appear mid-count.
    this.durationEdges ??= [...edges];
    for (const o of shape) {
      this.tallyOf(o.operationId);
      this.durationOf(o.operationId);
    }
  }

  /** The duration histogram's bucket edges (seconds), fixed for the process's life. */
  get edges(): readonly number[] {
    return (this.durationEdges ??= [...DURATION_BUCKETS]);
  }

  private durationEdges: number[] | undefined;
  private readonly durations = new Map<string, DurationTally>();
  private readonly consumerFleet = new Map<string, Map<string, ConsumerTally>>();

  private durationOf(operation: string): DurationTally {
    let d = this.durations.get(operation);
    if (!d) this.durations.set(operation, (d = { count: 0, sum: 0, buckets: new Array<number>(this.edges.length + 1).fill(0) }));
    return d;
  }

  private tallyOf(operation: string): FleetTally {
    let tally = this.fleet.get(operation);
    if (!tally) this.fleet.set(operation, (tally = { outcomes: [0, 0, 0, 0], allowance: 0, within: new Map() }));
    for (const name of this.fleetShape.get(operation)?.objectives ?? []) if (!tally.within.has(name)) tally.within.set(name, 0);
    return tally;
  }

  /** Returns the duration bucket a good event fell in (-1 for any other), which the cell's tally shares. */
  private countFleet(operation: string, consumer: string, tier: string, c: Classified): number {
    const tally = this.fleet.get(operation) ?? this.tallyOf(operation);
    const outcome = OUTCOME_INDEX[c.kind];
    tally.outcomes[outcome]!++;
    tally.allowance += c.allowanceBase;
    let byTier = this.consumerFleet.get(consumer);
    if (!byTier) this.consumerFleet.set(consumer, (byTier = new Map()));
    let mine = byTier.get(tier);
    if (!mine) byTier.set(tier, (mine = { outcomes: [0, 0, 0, 0], allowance: 0, within: new Map() }));
    mine.outcomes[outcome]!++;
    mine.allowance += c.allowanceTier;
    if (c.kind !== 'good') return -1;
    const d = this.durations.get(operation) ?? this.durationOf(operation);
    const seconds = c.durationMs / 1_000;
    const edges = this.edges;
    d.count++;
    d.sum += seconds;
    let b = 0;
    while (b < edges.length && seconds > edges[b]!) b++;
    d.buckets[b]!++;
    const shape = this.fleetShape.get(operation);
    if (!shape) return b;
    shape.objectives.forEach((name, i) => {
      if (c.fastBase[i]) tally.within.set(name, (tally.within.get(name) ?? 0) + 1);
    });
    (shape.tiers.get(tier) ?? shape.objectives).forEach((name, i) => {
      mine.within.set(name, (mine.within.get(name) ?? 0) + (c.fastTier[i] ? 1 : 0));
    });
    return b;
  }

  /** `b`: the duration bucket of a good event (countFleet's), -1 otherwise. */
  private countCell(c: Cell, classified: Classified, b: number, injected: boolean): void {
    const size = this.edges.length + 1;
    const slo = (c.slo ??= { outcomes: [0, 0, 0, 0], allowance: 0, buckets: new Array<number>(size).fill(0), injected: { requests: 0, outcomes: [0, 0, 0, 0], buckets: new Array<number>(size).fill(0) } });
    const outcome = OUTCOME_INDEX[classified.kind];
    slo.outcomes[outcome]!++;
    slo.allowance += classified.allowanceTier;
    if (b >= 0) slo.buckets[b]!++;
    if (!injected) return;
    slo.injected.requests++;
    slo.injected.outcomes[outcome]!++;
    if (b >= 0) slo.injected.buckets[b]!++;
  }

  /**
   * Every operation x consumer's classified events since start, against the
   * consumer's tier (optionally of one consumer or operation): what
   * `GET /tallies` serves to game days.
   */
  sloTallies(filter: { consumer?: string; operation?: string } = {}): TallyRow[] {
    const out: TallyRow[] = [];
    for (const [operationId, byConsumer] of this.cells) {
      if (filter.operation !== undefined && filter.operation !== operationId) continue;
      for (const [consumer, c] of byConsumer) {
        if (filter.consumer !== undefined && filter.consumer !== consumer) continue;
        if (c.slo) out.push({ operationId, consumer, tier: c.tier, ...structuredClone(c.slo) });
      }
    }
    return out;
  }

  /** The fleet counters per operation, for the metrics. */
  fleetTallies(): ReadonlyMap<string, FleetTally> {
    return this.fleet;
  }

  /** Durations of good events per operation, bucketed at `edges`. */
  durationTallies(): ReadonlyMap<string, DurationTally> {
    return this.durations;
  }

  /** Every consumer's classified events by tier (this process's). */
  consumerTallies(): ReadonlyMap<string, ReadonlyMap<string, ConsumerTally>> {
    return this.consumerFleet;
  }

  /**
   * At most 1,000 distinct unknown paths are kept; later ones count as
   * `(other paths)`, so scanners cannot grow the report or the store without bound.
   */
  private countUnknown(method: string, path: string, hour: number): void {
    let key = `${method} ${path}`;
    let known = this.unknown.get(key);
    if (!known && this.unknown.size >= UNKNOWN_ROUTES_KEPT) {
      path = OTHER_PATHS;
      key = `${method} ${path}`;
      known = this.unknown.get(key);
    }
    if (known) known.count++;
    else this.unknown.set(key, { method, path, count: 1 });
    const pendingKey = `${key}\0${hour}`;
    const waiting = this.pendingUnknown.get(pendingKey);
    if (waiting) waiting.n++;
    else this.pendingUnknown.set(pendingKey, { method, path, hour, n: 1 });
  }

  /** A request the proxy answered itself before routing (see `ConformanceReport.refused`). */
  refused(reason: string): void {
    this.refusedCounts.set(reason, (this.refusedCounts.get(reason) ?? 0) + 1);
  }

  /** An idempotent request sent again after a stale upstream connection failed. */
  retried(operationId: string | undefined): void {
    const id = operationId ?? UNKNOWN_OPERATION;
    this.retryCounts.set(id, (this.retryCounts.get(id) ?? 0) + 1);
  }

  /**
   * Everything counted since the last call, by hour, plus the samples
   * waiting: what the store writes at its next flush. The ledger forgets the
   * deltas (the store keeps what it could not write yet).
   */
  takeHourly(): { counts: HourlyCounts; samples: ViolationSample[] } {
    const counts = this.spilled;
    this.spilled = emptyHourly();
    for (const [operation, consumers] of this.cells) {
      for (const [consumer, c] of consumers) {
        if (c.pending.requests > 0 || c.pending.violations) this.spill(c, operation, consumer, counts);
        if (c.usage) {
          for (const [key, n] of c.usage) {
            const parameter = key.startsWith('parameter ');
            counts.usage.push({ consumer, operation, kind: parameter ? 'parameter' : 'status', name: parameter ? key.slice('parameter '.length) : key, n });
          }
          c.usage = undefined;
        }
      }
    }
    counts.unknownRoutes.push(...this.pendingUnknown.values());
    this.pendingUnknown = new Map();
    const samples = this.samplesWaiting;
    this.samplesWaiting = [];
    return { counts, samples };
  }

  /** Adds what the store holds to the counters (a restarted proxy keeps its numbers; a store opened late adds its own). */
  restore(stored: StoredCounts): void {
    if (stored.since && stored.since < this.since) this.since = stored.since;
    for (const r of stored.requests) {
      const c = this.cellOf(r.operation, r.consumer);
      c.requests += r.requests;
      c.tier = r.tier;
      this.tiers.set(r.consumer, r.tier);
    }
    for (const v of stored.violations) {
      const c = this.cellOf(v.operation, v.consumer);
      if (v.direction === 'response') c.response += v.count;
      else c.request += v.count;
      c.byCode[v.code] = (c.byCode[v.code] ?? 0) + v.count;
      const key = `${v.direction} ${v.code}`;
      c.directed.set(key, (c.directed.get(key) ?? 0) + v.count);
    }
    for (const u of stored.unknownRoutes) {
      const known = this.unknown.get(`${u.method} ${u.path}`);
      if (known) known.count += u.count;
      else this.unknown.set(`${u.method} ${u.path}`, { ...u });
    }
  }

  /** Everything counted, as the store's rows (a recreated store file is seeded with it). */
  totals(): StoredCounts {
    const requests: StoredCounts['requests'] = [];
    const violations: StoredCounts['violations'] = [];
    for (const [operation, consumers] of this.cells) {
      for (const [consumer, c] of consumers) {
        if (c.requests > 0) requests.push({ operation, consumer, tier: this.tiers.get(consumer) ?? 'default', requests: c.requests });
        for (const [key, count] of c.directed) {
          const space = key.indexOf(' ');
          violations.push({ operation, consumer, direction: key.slice(0, space), code: key.slice(space + 1), count });
        }
      }
    }
    return { since: this.since, requests, violations, unknownRoutes: [...this.unknown.values()].map((u) => ({ ...u })) };
  }

  /** Consumers seen (or restored), so a restarted identifier keeps their names. */
  consumers(): string[] {
    return [...this.tiers.keys()];
  }

  /** For the metrics: every cell's live tallies (this process's exchanges). */
  *tallies(): Generator<{ operation: string; consumer: string; classes: ReadonlyArray<number | undefined>; violations: ReadonlyMap<string, number> | undefined }> {
    for (const [operation, consumers] of this.cells) for (const [consumer, c] of consumers) {
      if (c.classes.length > 0 || c.liveViolations) yield { operation, consumer, classes: c.classes, violations: c.liveViolations };
    }
  }

  refusedByReason(): ReadonlyMap<string, number> {
    return this.refusedCounts;
  }

  retriesByOperation(): ReadonlyMap<string, number> {
    return this.retryCounts;
  }

  /** The operations reported: the current spec's, then those a reload removed. */
  operationIds(): string[] {
    return [...this.operations.map((o) => o.id), ...this.former.keys()];
  }

  report(now = new Date()): ConformanceReport {
    const sum = (cells: Iterable<Cell>) => {
      const total = { requests: 0, request: 0, response: 0, byCode: {} as Record<string, number> };
      for (const c of cells) {
        total.requests += c.requests;
        total.request += c.request;
        total.response += c.response;
        for (const [code, n] of Object.entries(c.byCode)) total.byCode[code] = (total.byCode[code] ?? 0) + n;
      }
      return total;
    };
    // An operation a reload removed keeps its history.
    const operations = [...this.operations, ...this.former.values()].map((op) => {
      const total = sum(this.cells.get(op.id)?.values() ?? []);
      return { operationId: op.id, method: op.method.toUpperCase(), path: op.path, requests: total.requests, violations: { request: total.request, response: total.response, byCode: total.byCode } };
    });
    const byConsumer = new Map<string, ConformanceReport['consumers'][number]>();
    for (const [operationId, consumers] of this.cells) {
      for (const [consumer, c] of consumers) {
        let entry = byConsumer.get(consumer);
        if (!entry) byConsumer.set(consumer, (entry = { consumer, tier: this.tiers.get(consumer) ?? 'default', requests: 0, violations: { request: 0, response: 0 }, operations: [] }));
        entry.requests += c.requests;
        entry.violations.request += c.request;
        entry.violations.response += c.response;
        entry.operations.push({ operationId, requests: c.requests, violations: { request: c.request, response: c.response, byCode: { ...c.byCode } } });
      }
    }
    return {
      spec: this.spec,
      since: this.since,
      until: now.toISOString(),
      operations,
      consumers: [...byConsumer.values()].sort((a, b) => b.requests - a.requests || a.consumer.localeCompare(b.consumer)),
      unknownRoutes: [...this.unknown.values()].sort((a, b) => b.count - a.count),
      refused: [...this.refusedCounts].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count),
    };
  }
}

/** At most this many samples wait between flushes: they are examples, the store keeps a few per code. */
const SAMPLES_WAITING = 1_000;

function emptyHourly(): HourlyCounts {
  return { requests: [], violations: [], unknownRoutes: [], usage: [] };
}
