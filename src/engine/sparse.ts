import type { Histogram } from 'hdr-histogram-js';

/**
 * Durations (whole ms) with their counts, in two sorted typed arrays: one
 * consumer's latency for one day in a few hundred bytes, where an
 * HdrHistogram takes kilobytes whatever it holds. Values from 10 s up keep
 * four significant digits (within 0.1%, finer than the 3-digit histograms
 * they are merged into for a figure).
 */
export class SparseLatency {
  /** value, count, value, count, … sorted by value: one typed array (each one costs ~100 bytes of its own). */
  private pairs: Uint32Array;
  private size = 0;

  constructor(capacity = 4) {
    this.pairs = new Uint32Array(capacity * 2);
  }

  /** How many distinct durations it holds. */
  get distinct(): number {
    return this.size;
  }

  record(durationMs: number): void {
    this.addCount(bucketOf(durationMs), 1);
  }

  /** Adds every duration of `other` (a stored cell merged into a live one). */
  addFrom(other: SparseLatency): void {
    for (let i = 0; i < other.size; i++) this.addCount(other.pairs[i * 2] as number, other.pairs[i * 2 + 1] as number);
  }

  private addCount(value: number, count: number): void {
    const pairs = this.pairs;
    let low = 0;
    let high = this.size;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((pairs[mid * 2] as number) < value) low = mid + 1;
      else high = mid;
    }
    if (low < this.size && pairs[low * 2] === value) {
      pairs[low * 2 + 1]! += count;
      return;
    }
    if (this.size * 2 === pairs.length) {
      const grown = new Uint32Array(pairs.length * 2);
      grown.set(pairs);
      this.pairs = grown;
    }
    this.pairs.copyWithin(low * 2 + 2, low * 2, this.size * 2);
    this.pairs[low * 2] = value;
    this.pairs[low * 2 + 1] = count;
    this.size++;
  }

  /** Adds every recorded duration into an HdrHistogram. */
  addInto(histogram: Histogram): void {
    for (let i = 0; i < this.size; i++) histogram.recordValueWithCount(this.pairs[i * 2] as number, this.pairs[i * 2 + 1] as number);
  }

  /** Base64 of the (value, count) pairs as little-endian uint32. */
  encode(): string {
    const bytes = Buffer.alloc(this.size * 8);
    for (let i = 0; i < this.size * 2; i++) bytes.writeUInt32LE(this.pairs[i] as number, i * 4);
    return bytes.toString('base64');
  }

  static decode(encoded: string): SparseLatency {
    const bytes = Buffer.from(encoded, 'base64');
    const size = Math.floor(bytes.length / 8);
    const out = new SparseLatency(Math.max(4, size));
    for (let i = 0; i < size * 2; i++) out.pairs[i] = bytes.readUInt32LE(i * 4);
    out.size = size;
    return out;
  }
}

function bucketOf(durationMs: number): number {
  const ms = Math.min(Math.max(1, Math.round(durationMs)), 3_600_000);
  if (ms < 10_000) return ms;
  const step = 10 ** (Math.floor(Math.log10(ms)) - 3);
  return Math.floor(ms / step) * step;
}
