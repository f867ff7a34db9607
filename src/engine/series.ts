import * as hdr from 'hdr-histogram-js';

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
export function boundaries(now: number): { hoursFrom: number; minutesFrom: number } {
  return {
    hoursFrom: Math.ceil((now - HOUR_SPAN) / DAY) * DAY,
    minutesFrom: Math.ceil((now - MINUTE_SPAN) / HOUR) * HOUR,
  };
}

/**
 * Counts of one operation × consumer in three resolutions: minutes for the
 * last 7 hours (short burn-rate windows), hours for the last 4 days (long
 * alert windows), days beyond. Each bucket is one Float64Array; buckets exist
 * only where events happened. A window is read at the finest resolution kept
 * for each part of it, so the far edge of a long window is rounded to the
 * hour (within 4 days) or the day.
 */
export class Series {
  readonly width: number;
  private readonly minutes = new Map<number, Float64Array>();
  private readonly hours = new Map<number, Float64Array>();
  private readonly days = new Map<number, Float64Array>();
  /** Buckets changed since the last `takeDirty()` and where they are, for persistence (cleared at each snapshot). */
  private readonly dirty = new Map<Float64Array, { resolution: Resolution; index: number }>();

  constructor(private readonly thresholdsBase: number, private readonly thresholdsTier: number) {
    this.width = FIXED + thresholdsBase + thresholdsTier;
  }

  private bucket(map: Map<number, Float64Array>, index: number, resolution: Resolution): Float64Array {
    let b = map.get(index);
    if (!b) map.set(index, (b = new Float64Array(this.width)));
    if (!this.dirty.has(b)) this.dirty.set(b, { resolution, index });
    return b;
  }

  private mapOf(resolution: Resolution): Map<number, Float64Array> {
    return resolution === 'minute' ? this.minutes : resolution === 'hour' ? this.hours : this.days;
  }

  /** The buckets changed since the last call (copies), and forgets that they changed. */
  takeDirty(): Array<{ resolution: Resolution; index: number; data: Float64Array }> {
    const out: Array<{ resolution: Resolution; index: number; data: Float64Array }> = [];
    for (const [b, at] of this.dirty) if (this.mapOf(at.resolution).get(at.index) === b) out.push({ ...at, data: b.slice() });
    this.dirty.clear();
    return out;
  }

  /** Puts back a stored bucket; false when its shape no longer fits (the promise's objectives changed). */
  load(resolution: Resolution, index: number, data: Float64Array): boolean {
    if (data.length !== this.width) return false;
    this.mapOf(resolution).set(index, data.slice());
    return true;
  }

  record(at: number, event: Classified): void {
    this.add(this.bucket(this.minutes, Math.floor(at / MINUTE), 'minute'), event);
    this.add(this.bucket(this.hours, Math.floor(at / HOUR), 'hour'), event);
    this.add(this.bucket(this.days, Math.floor(at / DAY), 'day'), event);
  }

  private add(b: Float64Array, event: Classified): void {
    {
      if (event.kind === 'excluded') b[EXCLUDED]! += 1;
      else if (event.kind === 'maintenance-excluded') b[MAINTENANCE]! += 1;
      else {
        b[VALID]! += 1;
        b[ALLOWANCE_BASE]! += event.allowanceBase;
        b[ALLOWANCE_TIER]! += event.allowanceTier;
        if (event.kind === 'bad') b[BAD]! += 1;
        else {
          b[GOOD]! += 1;
          for (let i = 0; i < event.fastBase.length; i++) if (event.fastBase[i]) b[FIXED + i]! += 1;
          for (let i = 0; i < event.fastTier.length; i++) if (event.fastTier[i]) b[FIXED + this.thresholdsBase + i]! += 1;
        }
      }
    }
  }

  /** Adds the counts of [from, to) into `into` (a raw bucket-shaped array). */
  addInto(into: Float64Array, from: number, to: number, now: number): void {
    const { hoursFrom, minutesFrom } = boundaries(now);
    const add = (map: Map<number, Float64Array>, size: number, start: number, end: number) => {
      if (end <= start) return;
      const first = Math.floor(start / size);
      const last = Math.ceil(end / size); // exclusive
      if (last - first <= map.size) {
        for (let i = first; i < last; i++) {
          const b = map.get(i);
          if (b) for (let k = 0; k < b.length; k++) into[k]! += b[k]!;
        }
      } else {
        for (const [i, b] of map) if (i >= first && i < last) for (let k = 0; k < b.length; k++) into[k]! += b[k]!;
      }
    };
    add(this.days, DAY, from, Math.min(to, hoursFrom));
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
    const { hoursFrom, minutesFrom } = boundaries(now);
    const drop = (map: Map<number, Float64Array>, before: number) => {
      for (const [i, b] of map) {
        if (i < before) {
          map.delete(i);
          this.dirty.delete(b);
        }
      }
    };
    drop(this.minutes, Math.floor((minutesFrom - HOUR) / MINUTE));
    drop(this.hours, Math.floor((hoursFrom - DAY) / HOUR));
    drop(this.days, Math.floor(keepFrom / DAY));
  }

  isEmpty(): boolean {
    return this.days.size === 0;
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
  private readonly operationHours = new Map<number, hdr.Histogram>();
  private readonly operationDays = new Map<number, hdr.Histogram>();
  private readonly consumerDays = new Map<string, Map<number, hdr.Histogram>>();
  private readonly dirty = new Map<hdr.Histogram, { scope: LatencyScope; consumer: string; index: number }>();

  /** The histograms changed since the last call, compressed (hdr's base64 encoding). */
  takeDirty(): Array<{ scope: LatencyScope; consumer: string; index: number; encoded: string }> {
    const out = [...this.dirty].map(([h, at]) => ({ ...at, encoded: hdr.encodeIntoCompressedBase64(h) }));
    this.dirty.clear();
    return out;
  }

  /** Puts back a stored histogram. */
  load(scope: LatencyScope, consumer: string, index: number, encoded: string): void {
    const h = hdr.decodeFromCompressedBase64(encoded, 'packed', true);
    const map = scope === 'operation-hour' ? this.operationHours : scope === 'operation-day' ? this.operationDays : this.consumerMap(consumer);
    map.get(index)?.destroy();
    map.set(index, h);
  }

  private consumerMap(consumer: string): Map<number, hdr.Histogram> {
    let byDay = this.consumerDays.get(consumer);
    if (!byDay) this.consumerDays.set(consumer, (byDay = new Map()));
    return byDay;
  }

  record(at: number, consumer: string, durationMs: number): void {
    const value = Math.min(Math.max(1, Math.round(durationMs)), HOUR);
    const hour = Math.floor(at / HOUR);
    const day = Math.floor(at / DAY);
    let h = this.operationHours.get(hour);
    if (!h) this.operationHours.set(hour, (h = newHistogram()));
    h.recordValue(value);
    if (!this.dirty.has(h)) this.dirty.set(h, { scope: 'operation-hour', consumer: '', index: hour });
    let d = this.operationDays.get(day);
    if (!d) this.operationDays.set(day, (d = newHistogram()));
    d.recordValue(value);
    if (!this.dirty.has(d)) this.dirty.set(d, { scope: 'operation-day', consumer: '', index: day });
    const byDay = this.consumerMap(consumer);
    let c = byDay.get(day);
    if (!c) byDay.set(day, (c = newHistogram()));
    c.recordValue(value);
    if (!this.dirty.has(c)) this.dirty.set(c, { scope: 'consumer-day', consumer, index: day });
  }

  /** Merges the histograms covering [from, to) into `into`. */
  addInto(into: hdr.Histogram, from: number, to: number, now: number, consumer?: string): void {
    const inRange = (map: Map<number, hdr.Histogram>, size: number, start: number, end: number) => {
      if (end <= start) return;
      const first = Math.floor(start / size);
      const last = Math.ceil(end / size);
      for (const [i, h] of map) if (i >= first && i < last) into.add(h);
    };
    if (consumer !== undefined) {
      const byDay = this.consumerDays.get(consumer);
      if (byDay) inRange(byDay, DAY, from, to);
      return;
    }
    const { hoursFrom } = boundaries(now);
    inRange(this.operationDays, DAY, from, Math.min(to, hoursFrom));
    inRange(this.operationHours, HOUR, Math.max(from, hoursFrom), to);
  }

  prune(now: number, keepFrom: number): void {
    const { hoursFrom } = boundaries(now);
    const drop = (map: Map<number, hdr.Histogram>, before: number) => {
      for (const [i, h] of map) {
        if (i < before) {
          this.dirty.delete(h);
          h.destroy();
          map.delete(i);
        }
      }
    };
    drop(this.operationHours, Math.floor((hoursFrom - DAY) / HOUR));
    drop(this.operationDays, Math.floor(keepFrom / DAY));
    for (const [consumer, byDay] of this.consumerDays) {
      drop(byDay, Math.floor(keepFrom / DAY));
      if (byDay.size === 0) this.consumerDays.delete(consumer);
    }
  }
}
