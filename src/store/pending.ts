import type { EngineSnapshot } from '../engine/engine.js';
import type { Statements } from './file.js';
import type { ViolationSample } from './store.js';

/** What waits for the next good flush, by kind; `dropped` counts entries refused past the cap the same way. */
export type PendingKind = 'requests' | 'violations' | 'unknownRoutes' | 'usage' | 'samples' | 'slo';

type RequestDelta = { operation: string; consumer: string; tier: string; hour: number; n: number };
type ViolationDelta = { operation: string; consumer: string; code: string; direction: string; hour: number; n: number; at: string };
type UnknownDelta = { method: string; path: string; hour: number; n: number };
type UsageDelta = { consumer: string; operation: string; kind: string; name: string; n: number };

/** The hourly counts alone (what `addCounts` re-seeds), to set aside while a lost file is recreated. */
export interface HourlyDeltas {
  requests: Map<number, Map<string, Map<string, RequestDelta>>>;
  violations: Map<string, ViolationDelta>;
  unknown: Map<string, UnknownDelta>;
}

/** At most this many samples wait between flushes: they are examples, the store keeps a few per code. */
const SAMPLES_WAITING = 1_000;

/**
 * Everything counted and not yet written: added to on the hot path, written
 * in the store's transaction, cleared only once that transaction commits. At
 * most `max` entries wait (delta rows, samples and SLO rows together); past
 * it, a new entry is refused and counted in `dropped` (an entry already
 * waiting still counts up).
 */
export class PendingWrites {
  /** hour -> operation -> consumer -> delta: no key building per request. */
  private requests = new Map<number, Map<string, Map<string, RequestDelta>>>();
  private violations = new Map<string, ViolationDelta>();
  private unknown = new Map<string, UnknownDelta>();
  /** consumer -> operation -> "kind name" -> count: no key building per request. */
  private usage = new Map<string, Map<string, Map<string, UsageDelta>>>();
  private samples: ViolationSample[] = [];
  /** The newest copy of each bucket and histogram: a later snapshot of one replaces the earlier (they are full copies, not deltas). */
  private sloCounts = new Map<string, EngineSnapshot['counts'][number]>();
  private sloLatency = new Map<string, EngineSnapshot['latency'][number]>();
  /** Entries waiting, all kinds together. */
  size = 0;
  readonly dropped: Record<PendingKind, number> = { requests: 0, violations: 0, unknownRoutes: 0, usage: 0, samples: 0, slo: 0 };

  constructor(private readonly max: number) {}

  get droppedTotal(): number {
    const d = this.dropped;
    return d.requests + d.violations + d.unknownRoutes + d.usage + d.samples + d.slo;
  }

  /** False (and counted as dropped) when the cap is reached. */
  private admit(kind: PendingKind): boolean {
    if (this.size >= this.max) {
      this.dropped[kind]++;
      return false;
    }
    this.size++;
    return true;
  }

  addRequests(operation: string, consumer: string, tier: string, hour: number, n: number): void {
    let byOperation = this.requests.get(hour);
    if (!byOperation) this.requests.set(hour, (byOperation = new Map()));
    let byConsumer = byOperation.get(operation);
    if (!byConsumer) byOperation.set(operation, (byConsumer = new Map()));
    const known = byConsumer.get(consumer);
    if (known) {
      known.n += n;
      known.tier = tier;
    } else if (this.admit('requests')) byConsumer.set(consumer, { operation, consumer, tier, hour, n });
  }

  addViolations(operation: string, consumer: string, code: string, direction: string, hour: number, n: number, at: string): void {
    const key = `${operation}\0${consumer}\0${code}\0${hour}`;
    const known = this.violations.get(key);
    if (known) {
      known.n += n;
      known.at = at;
    } else if (this.admit('violations')) this.violations.set(key, { operation, consumer, code, direction, hour, n, at });
  }

  addUnknown(method: string, path: string, hour: number, n: number): void {
    const key = `${method} ${path}\0${hour}`;
    const known = this.unknown.get(key);
    if (known) known.n += n;
    else if (this.admit('unknownRoutes')) this.unknown.set(key, { method, path, hour, n });
  }

  addUsage(consumer: string, operation: string, kind: string, name: string, n = 1): void {
    let byOperation = this.usage.get(consumer);
    if (!byOperation) this.usage.set(consumer, (byOperation = new Map()));
    let byName = byOperation.get(operation);
    if (!byName) byOperation.set(operation, (byName = new Map()));
    const key = kind === 'status' ? name : `${kind} ${name}`;
    const known = byName.get(key);
    if (known) known.n += n;
    else if (this.admit('usage')) byName.set(key, { consumer, operation, kind, name, n });
  }

  addSample(sample: ViolationSample): void {
    if (this.samples.length < SAMPLES_WAITING && this.admit('samples')) this.samples.push(sample);
  }

  addSlo(snapshot: EngineSnapshot): void {
    for (const c of snapshot.counts) {
      const key = `${c.operation}\0${c.consumer}\0${c.resolution}\0${c.index}`;
      if (this.sloCounts.has(key) || this.admit('slo')) this.sloCounts.set(key, c);
    }
    for (const l of snapshot.latency) {
      const key = `${l.operation}\0${l.scope}\0${l.consumer}\0${l.index}`;
      if (this.sloLatency.has(key) || this.admit('slo')) this.sloLatency.set(key, l);
    }
  }

  /** Runs every write (inside the caller's transaction); `clear()` once it commits. */
  write(s: Statements, samplesPerCode: number): void {
    for (const byOperation of this.requests.values()) for (const byConsumer of byOperation.values()) for (const r of byConsumer.values()) s.addRequests.run(r.operation, r.consumer, r.tier, r.hour, r.n);
    for (const v of this.violations.values()) s.addViolations.run(v.operation, v.consumer, v.code, v.direction, v.hour, v.n, v.at);
    for (const u of this.unknown.values()) s.addUnknown.run(u.method, u.path, u.hour, u.n);
    const now = new Date().toISOString(); // last_at: the flush time (at most one interval late, or the first good flush after failing ones)
    for (const byOperation of this.usage.values()) for (const byName of byOperation.values()) for (const u of byName.values()) s.addUsage.run(u.consumer, u.operation, u.kind, u.name, u.n, now);
    for (const c of this.sloCounts.values()) s.putCounts.run(c.operation, c.consumer, c.tier, c.resolution, c.index, Buffer.from(c.data.buffer, c.data.byteOffset, c.data.byteLength));
    for (const l of this.sloLatency.values()) s.putLatency.run(l.operation, l.scope, l.consumer, l.index, l.encoded);
    const pruned = new Set<string>();
    for (const sample of this.samples) {
      s.addSample.run(sample.operation, sample.consumer, sample.code, sample.direction, sample.at, sample.requestId, JSON.stringify(sample.sample));
      pruned.add(`${sample.operation}\0${sample.code}`);
    }
    for (const key of pruned) {
      const [operation, code] = key.split('\0') as [string, string];
      s.pruneSamples.run(operation, code, operation, code, samplesPerCode);
    }
  }

  clear(): void {
    this.requests = new Map();
    this.violations = new Map();
    this.unknown = new Map();
    this.usage = new Map();
    this.samples = [];
    this.sloCounts = new Map();
    this.sloLatency = new Map();
    this.size = 0;
  }

  /** Takes the hourly counts out (the rest stays), for a recreated file re-seeded from totals that include them. */
  takeHourly(): HourlyDeltas {
    const taken = { requests: this.requests, violations: this.violations, unknown: this.unknown };
    this.requests = new Map();
    this.violations = new Map();
    this.unknown = new Map();
    this.size -= countHourly(taken);
    return taken;
  }

  /** Puts hourly counts taken out back (nobody re-seeded them), under the cap like any other entry. */
  putBackHourly(taken: HourlyDeltas): void {
    for (const byOperation of taken.requests.values()) for (const byConsumer of byOperation.values()) for (const r of byConsumer.values()) this.addRequests(r.operation, r.consumer, r.tier, r.hour, r.n);
    for (const v of taken.violations.values()) this.addViolations(v.operation, v.consumer, v.code, v.direction, v.hour, v.n, v.at);
    for (const u of taken.unknown.values()) this.addUnknown(u.method, u.path, u.hour, u.n);
  }
}

function countHourly(d: HourlyDeltas): number {
  let n = d.violations.size + d.unknown.size;
  for (const byOperation of d.requests.values()) for (const byConsumer of byOperation.values()) n += byConsumer.size;
  return n;
}
