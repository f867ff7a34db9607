import * as hdr from 'hdr-histogram-js';
import { SparseLatency } from './sparse.js';
import { DayClock, UTC_DAYS } from './days.js';

// hdr-histogram-js's WebAssembly build: merges 9x and records 3x faster than its JS build, in less memory
// (measured in bench/engine.bench.mjs). Histograms built on it must be destroy()ed; the engine does.
await hdr.initWebAssembly();

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
/** Minute buckets cover this much of the recent past (the longest usual short alert window, 6 h, plus margin). */
export const MINUTE_SPAN = 7 * HOUR;
/** Hour buckets cover this much (the longest usual long alert window, 3 d, plus margin); older time is in day buckets. */
export const HOUR_SPAN = 4 * DAY;

export type Resolution = 'minute' | 'hour' | 'day';

/** Field offsets in a bucket; threshold objectives' "fast" counts follow. */
const VALID = 0, GOOD = 1, BAD = 2, EXCLUDED = 3, MAINTENANCE = 4, ALLOWANCE_BASE = 5, ALLOWANCE_TIER = 6, FIXED = 7;

/** What a window counts. `fast*` are per latency threshold objective, in promise order. */
export interface Counts {
  valid: number;
  good: number;
  bad: number;
  /** Not events at all: excluded statuses, client aborts. */
  excluded: number;
  /** Inside an `exclude` maintenance window. */
  maintenanceExcluded: number;
  /** Error budget these events allow against the operation's own promise: Σ (1 − target). */
  allowanceBase: number;
  /** The same against the consumer's tier. */
  allowanceTier: number;
  fastBase: number[];
  fastTier: number[];
}

export function emptyCounts(): Counts {
  return { valid: 0, good: 0, bad: 0, excluded: 0, maintenanceExcluded: 0, allowanceBase: 0, allowanceTier: 0, fastBase: [], fastTier: [] };
}

/** Adds `from` into `into` (fast counts index by index). */
export function addCounts(into: Counts, from: Counts): Counts {
  into.valid += from.valid;
  into.good += from.good;
  into.bad += from.bad;
  into.excluded += from.excluded;
  into.maintenanceExcluded += from.maintenanceExcluded;
  into.allowanceBase += from.allowanceBase;
  into.allowanceTier += from.allowanceTier;
  from.fastBase.forEach((n, i) => (into.fastBase[i] = (into.fastBase[i] ?? 0) + n));
  from.fastTier.forEach((n, i) => (into.fastTier[i] = (into.fastTier[i] ?? 0) + n));
  return into;
}

/** One classified event, as a bucket records it. */
export interface Classified {
  kind: 'good' | 'bad' | 'excluded' | 'maintenance-excluded';
  durationMs: number;
  allowanceBase: number;
  allowanceTier: number;
  fastBase: boolean[];
  fastTier: boolean[];
}

/** Where each resolution starts being used, seen from `now`: days before `hoursFrom`, hours before `minutesFrom`, minutes after. */
export function boundaries(now: number, days: DayClock = UTC_DAYS): { hoursFrom: number; minutesFrom: number } {
  return {
    hoursFrom: days.ceil(now - HOUR_SPAN),
    minutesFrom: Math.ceil((now - MINUTE_SPAN) / HOUR) * HOUR,
  };
}

/**
 * Counts of one operation × consumer in three resolutions: minutes for the
 * last 7 hours (short burn-rate windows), hours for the last 4 days (long
 * alert windows), days beyond, each resolution in one slab (see Buckets); buckets exist
 * only where events happened. A window is read at the finest resolution kept
 * for each part of it, so the far edge of a long window is rounded to the
 * hour (within 4 days) or the day.
 */
export class Series {
  readonly width: number;
  private readonly minutes: Buckets;
  private readonly hours: Buckets;
  private readonly days: Buckets;

  constructor(private readonly thresholdsBase: number, private readonly thresholdsTier: number, private readonly dayClock: DayClock = UTC_DAYS) {
    this.width = FIXED + thresholdsBase + thresholdsTier;
    this.minutes = new Buckets(this.width);
    this.hours = new Buckets(this.width);
    this.days = new Buckets(this.width);
  }

  private of(resolution: Resolution): Buckets {
    return resolution === 'minute' ? this.minutes : resolution === 'hour' ? this.hours : this.days;
  }

  /**
   * When the oldest event still held happened, to the finest resolution that
   * still holds it: the first minute when minutes reach back that far, else
   * the first hour, else the first day (undefined: no bucket at all).
   */
  earliest(): number | undefined {
    const first = (b: Buckets) => {
      let min: number | undefined;
      for (const i of b.indexes()) if (min === undefined || i < min) min = i;
      return min;
    };
    const d = first(this.days);
    if (d === undefined) return undefined;
    const day = this.dayClock.start(d);
    const h = first(this.hours);
    const hour = h === undefined || h * HOUR >= this.dayClock.start(d + 1) ? undefined : h * HOUR;
    if (hour === undefined) return day;
    const m = first(this.minutes);
    return m === undefined || m * MINUTE >= hour + HOUR ? Math.max(day, hour) : Math.max(day, m * MINUTE);
  }

  /** The buckets changed since the last call (copies), and forgets that they changed. */
  takeDirty(): Array<{ resolution: Resolution; index: number; data: Float64Array }> {
    const out: Array<{ resolution: Resolution; index: number; data: Float64Array }> = [];
    for (const resolution of ['minute', 'hour', 'day'] as const) {
      const buckets = this.of(resolution);
      for (const index of buckets.dirty) {
        const data = buckets.copy(index);
        if (data) out.push({ resolution, index, data });
      }
      buckets.dirty.clear();
    }
    return out;
  }

  /** Every bucket (copies), changed or not, and forgets what changed: the whole state, to rewrite a store. */
  takeAll(): Array<{ resolution: Resolution; index: number; data: Float64Array }> {
    const out: Array<{ resolution: Resolution; index: number; data: Float64Array }> = [];
    for (const resolution of ['minute', 'hour', 'day'] as const) {
      const buckets = this.of(resolution);
      for (const index of buckets.indexes()) out.push({ resolution, index, data: buckets.copy(index)! });
      buckets.dirty.clear();
    }
    return out;
  }

  /** Puts back a stored bucket; false when its shape no longer fits (the promise's objectives changed). */
  load(resolution: Resolution, index: number, data: Float64Array): boolean {
    if (data.length !== this.width) return false;
    this.of(resolution).put(index, data);
    return true;
  }

  /**
   * Adds a stored bucket into the one held (counted elsewhere, e.g. while the
   * store could not be opened); a sum is marked changed so the next snapshot
   * writes it back. False when its shape no longer fits.
   */
  merge(resolution: Resolution, index: number, data: Float64Array): boolean {
    if (data.length !== this.width) return false;
    this.of(resolution).add(index, data);
    return true;
  }

  record(at: number, event: Classified): void {
    this.add(this.minutes, Math.floor(at / MINUTE), event);
    this.add(this.hours, Math.floor(at / HOUR), event);
    this.add(this.days, this.dayClock.index(at), event);
  }

  private add(buckets: Buckets, index: number, event: Classified): void {
    const o = buckets.slot(index);
    const b = buckets.data;
    if (event.kind === 'excluded') b[o + EXCLUDED]! += 1;
    else if (event.kind === 'maintenance-excluded') b[o + MAINTENANCE]! += 1;
    else {
      b[o + VALID]! += 1;
      b[o + ALLOWANCE_BASE]! += event.allowanceBase;
      b[o + ALLOWANCE_TIER]! += event.allowanceTier;
      if (event.kind === 'bad') b[o + BAD]! += 1;
      else {
        b[o + GOOD]! += 1;
        for (let i = 0; i < event.fastBase.length; i++) if (event.fastBase[i]) b[o + FIXED + i]! += 1;
        for (let i = 0; i < event.fastTier.length; i++) if (event.fastTier[i]) b[o + FIXED + this.thresholdsBase + i]! += 1;
      }
    }
  }

  /** Adds the counts of [from, to) into `into` (a raw bucket-shaped array). */
  addInto(into: Float64Array, from: number, to: number, now: number): void {
    const { hoursFrom, minutesFrom } = boundaries(now, this.dayClock);
    const add = (buckets: Buckets, size: number, start: number, end: number) => {
      if (end <= start) return;
      buckets.sumInto(into, Math.floor(start / size), Math.ceil(end / size));
    };
    const daysEnd = Math.min(to, hoursFrom);
    if (daysEnd > from) this.days.sumInto(into, ...this.dayClock.range(from, daysEnd));
    add(this.hours, HOUR, Math.max(from, hoursFrom), Math.min(to, minutesFrom));
    add(this.minutes, MINUTE, Math.max(from, minutesFrom), to);
  }

  emptyBucket(): Float64Array {
    return new Float64Array(this.width);
  }

  /** Reads a raw bucket-shaped array as counts. */
  toCounts(raw: Float64Array): Counts {
    return {
      valid: raw[VALID]!,
      good: raw[GOOD]!,
      bad: raw[BAD]!,
      excluded: raw[EXCLUDED]!,
      maintenanceExcluded: raw[MAINTENANCE]!,
      allowanceBase: raw[ALLOWANCE_BASE]!,
      allowanceTier: raw[ALLOWANCE_TIER]!,
      fastBase: Array.from(raw.subarray(FIXED, FIXED + this.thresholdsBase)),
      fastTier: Array.from(raw.subarray(FIXED + this.thresholdsBase)),
    };
  }

  counts(from: number, to: number, now: number): Counts {
    const raw = this.emptyBucket();
    this.addInto(raw, from, to, now);
    return this.toCounts(raw);
  }

  /** Drops buckets no window can reach: minutes and hours past their span, days past `keepFrom`. */
  prune(now: number, keepFrom: number): void {
    const { hoursFrom, minutesFrom } = boundaries(now, this.dayClock);
    this.minutes.dropBefore(Math.floor((minutesFrom - HOUR) / MINUTE));
    this.hours.dropBefore(Math.floor((hoursFrom - DAY) / HOUR));
    this.days.dropBefore(this.dayClock.index(keepFrom));
  }

  isEmpty(): boolean {
    return this.days.size === 0;
  }
}

/**
 * Buckets of one resolution in one growing Float64Array (a slab): a bucket
 * costs its numbers and a map entry, not a typed array object each (a
 * separate small Float64Array costs about three times its data). Freed slots
 * are reused.
 */
class Buckets {
  data: Float64Array;
  private readonly offsets = new Map<number, number>();
  private readonly free: number[] = [];
  private used = 0;
  /** Bucket indexes changed since the last snapshot. */
  readonly dirty = new Set<number>();

  constructor(private readonly width: number) {
    this.data = new Float64Array(width * 2);
  }

  get size(): number {
    return this.offsets.size;
  }

  /** The offset of a bucket (created zeroed when missing), marked changed. */
  slot(index: number): number {
    let offset = this.offsets.get(index);
    if (offset === undefined) {
      offset = this.free.pop();
      if (offset === undefined) {
        offset = this.used++ * this.width;
        if (offset + this.width > this.data.length) {
          const grown = new Float64Array(this.data.length * 2);
          grown.set(this.data);
          this.data = grown;
        }
      } else this.data.fill(0, offset, offset + this.width);
      this.offsets.set(index, offset);
    }
    this.dirty.add(index);
    return offset;
  }

  copy(index: number): Float64Array | undefined {
    const offset = this.offsets.get(index);
    return offset === undefined ? undefined : this.data.slice(offset, offset + this.width);
  }

  put(index: number, values: Float64Array): void {
    const offset = this.slot(index);
    this.dirty.delete(index);
    this.data.set(values, offset);
  }

  /** Adds `values` into a bucket: a new one is a plain put (not changed), a sum is changed. */
  add(index: number, values: Float64Array): void {
    if (!this.offsets.has(index)) return this.put(index, values);
    const offset = this.slot(index);
    for (let k = 0; k < this.width; k++) this.data[offset + k]! += values[k]!;
  }

  indexes(): IterableIterator<number> {
    return this.offsets.keys();
  }

  /** Adds buckets [first, last) into `into`. */
  sumInto(into: Float64Array, first: number, last: number): void {
    const add = (offset: number) => {
      for (let k = 0; k < this.width; k++) into[k]! += this.data[offset + k]!;
    };
    if (last - first <= this.offsets.size) {
      for (let i = first; i < last; i++) {
        const offset = this.offsets.get(i);
        if (offset !== undefined) add(offset);
      }
    } else for (const [i, offset] of this.offsets) if (i >= first && i < last) add(offset);
  }

  dropBefore(index: number): void {
    for (const [i, offset] of this.offsets) {
      if (i < index) {
        this.offsets.delete(i);
        this.dirty.delete(i);
        this.free.push(offset);
      }
    }
  }
}

/**
 * Durations of good events, in ms, 1 ms to 1 h, three significant digits.
 * Stored histograms are packed (small); a histogram that merges many for a
 * figure is a plain 32-bit one (merging into it is far faster).
 */
export function newHistogram(purpose: 'store' | 'merge' = 'store'): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HOUR, numberOfSignificantValueDigits: 3, bitBucketSize: purpose === 'store' ? 'packed' : 32, useWebAssembly: true, autoResize: true });
}

/**
 * Latency of good events: per operation by hour (within the hour span) and by
 * day, per consumer by day. Percentiles of a consumer are read at day
 * resolution; an operation's at hour resolution for the last 4 days.
 */
export type LatencyScope = 'operation-hour' | 'operation-day' | 'consumer-day';

export class LatencyBook {
  constructor(private readonly dayClock: DayClock = UTC_DAYS) {}

  private readonly operationHours = new Map<number, LatencyCell>();
  private readonly operationDays = new Map<number, LatencyCell>();
  private readonly consumerDays = new Map<string, Map<number, LatencyCell>>();
  private readonly dirty = new Map<LatencyCell, { scope: LatencyScope; consumer: string; index: number }>();

  /** The histograms changed since the last call, encoded (sparse ones as `sparse:` + base64, HdrHistograms in hdr's compressed base64). */
  takeDirty(): Array<{ scope: LatencyScope; consumer: string; index: number; encoded: string }> {
    const out = [...this.dirty].map(([h, at]) => ({ ...at, encoded: encode(h) }));
    this.dirty.clear();
    return out;
  }

  /** Every histogram, encoded, changed or not, and forgets what changed: the whole state, to rewrite a store. */
  takeAll(): Array<{ scope: LatencyScope; consumer: string; index: number; encoded: string }> {
    const out: Array<{ scope: LatencyScope; consumer: string; index: number; encoded: string }> = [];
    const add = (map: Map<number, LatencyCell>, scope: LatencyScope, consumer: string) => {
      for (const [index, h] of map) out.push({ scope, consumer, index, encoded: encode(h) });
    };
    add(this.operationHours, 'operation-hour', '');
    add(this.operationDays, 'operation-day', '');
    for (const [consumer, byDay] of this.consumerDays) add(byDay, 'consumer-day', consumer);
    this.dirty.clear();
    return out;
  }

  /** Puts back a stored histogram. */
  load(scope: LatencyScope, consumer: string, index: number, encoded: string): void {
    const cell = decode(encoded);
    const map = this.mapOf(scope, consumer);
    const known = map.get(index);
    if (known) {
      this.dirty.delete(known);
      if (!(known instanceof SparseLatency)) known.destroy();
    }
    map.set(index, cell);
  }

  /**
   * Adds a stored histogram into the one held: sparse cells add their
   * durations (promoted to an HdrHistogram past PROMOTE_AT), HdrHistograms
   * `add()`. A sum is marked changed so the next snapshot writes it back.
   */
  merge(scope: LatencyScope, consumer: string, index: number, encoded: string): void {
    const map = this.mapOf(scope, consumer);
    const known = map.get(index);
    if (!known) return this.load(scope, consumer, index, encoded);
    const stored = decode(encoded);
    let merged: LatencyCell;
    if (known instanceof SparseLatency && stored instanceof SparseLatency) {
      known.addFrom(stored);
      merged = known.distinct > PROMOTE_AT ? promote(known) : known;
    } else if (known instanceof SparseLatency) {
      known.addInto(stored as hdr.Histogram);
      merged = stored;
    } else {
      if (stored instanceof SparseLatency) stored.addInto(known);
      else {
        known.add(stored);
        stored.destroy();
      }
      merged = known;
    }
    if (merged !== known) {
      this.dirty.delete(known);
      if (!(known instanceof SparseLatency)) known.destroy();
      map.set(index, merged);
    }
    this.dirty.set(merged, { scope, consumer, index });
  }

  private mapOf(scope: LatencyScope, consumer: string): Map<number, LatencyCell> {
    if (scope === 'operation-hour') return this.operationHours;
    if (scope === 'operation-day') return this.operationDays;
    let byDay = this.consumerDays.get(consumer);
    if (!byDay) this.consumerDays.set(consumer, (byDay = new Map()));
    return byDay;
  }

  record(at: number, consumer: string, durationMs: number): void {
    const value = Math.min(Math.max(1, Math.round(durationMs)), HOUR);
    const hour = Math.floor(at / HOUR);
    const day = this.dayClock.index(at);
    this.add(this.operationHours, hour, value, 'operation-hour', '');
    this.add(this.operationDays, day, value, 'operation-day', '');
    this.add(this.mapOf('consumer-day', consumer), day, value, 'consumer-day', consumer);
  }

  /**
   * Records into a cell: sparse while it holds few distinct durations, an
   * HdrHistogram (fixed size, a few KB) once it holds more than PROMOTE_AT.
   */
  private add(map: Map<number, LatencyCell>, index: number, value: number, scope: LatencyScope, consumer: string): void {
    let cell = map.get(index);
    if (!cell) map.set(index, (cell = new SparseLatency()));
    if (cell instanceof SparseLatency) {
      cell.record(value);
      if (cell.distinct > PROMOTE_AT) {
        const h = promote(cell);
        map.set(index, h);
        this.dirty.delete(cell);
        cell = h;
      }
    } else cell.recordValue(value);
    if (!this.dirty.has(cell)) this.dirty.set(cell, { scope, consumer, index });
  }

  /** Merges the histograms covering [from, to) into `into`. */
  addInto(into: hdr.Histogram, from: number, to: number, now: number, consumer?: string): void {
    const inRange = (map: Map<number, LatencyCell>, size: number, start: number, end: number) => {
      if (end <= start) return;
      const [first, last] = size === DAY ? this.dayClock.range(start, end) : [Math.floor(start / size), Math.ceil(end / size)];
      for (const [i, h] of map) {
        if (i < first || i >= last) continue;
        if (h instanceof SparseLatency) h.addInto(into);
        else into.add(h);
      }
    };
    if (consumer !== undefined) {
      const byDay = this.consumerDays.get(consumer);
      if (byDay) inRange(byDay, DAY, from, to);
      return;
    }
    const { hoursFrom } = boundaries(now, this.dayClock);
    inRange(this.operationDays, DAY, from, Math.min(to, hoursFrom));
    inRange(this.operationHours, HOUR, Math.max(from, hoursFrom), to);
  }

  prune(now: number, keepFrom: number): void {
    const { hoursFrom } = boundaries(now, this.dayClock);
    const drop = (map: Map<number, LatencyCell>, before: number) => {
      for (const [i, h] of map) {
        if (i < before) {
          this.dirty.delete(h);
          if (!(h instanceof SparseLatency)) h.destroy();
          map.delete(i);
        }
      }
    };
    drop(this.operationHours, Math.floor((hoursFrom - DAY) / HOUR));
    drop(this.operationDays, this.dayClock.index(keepFrom));
    for (const [consumer, byDay] of this.consumerDays) {
      drop(byDay, this.dayClock.index(keepFrom));
      if (byDay.size === 0) this.consumerDays.delete(consumer);
    }
  }
}

/** A latency histogram: sparse (durations and counts) while small, an HdrHistogram beyond PROMOTE_AT distinct durations. */
type LatencyCell = SparseLatency | hdr.Histogram;
/** About where a sparse cell (8 bytes per distinct duration) costs what a packed HdrHistogram does. */
const PROMOTE_AT = 384;
const SPARSE = 'sparse:';

/** Sparse cells as `sparse:` + base64, HdrHistograms in hdr's compressed base64. */
function encode(cell: LatencyCell): string {
  return cell instanceof SparseLatency ? SPARSE + cell.encode() : hdr.encodeIntoCompressedBase64(cell);
}

function decode(encoded: string): LatencyCell {
  return encoded.startsWith(SPARSE) ? SparseLatency.decode(encoded.slice(SPARSE.length)) : hdr.decodeFromCompressedBase64(encoded, 'packed', true);
}

function promote(cell: SparseLatency): hdr.Histogram {
  const h = newHistogram();
  cell.addInto(h);
  return h;
}
