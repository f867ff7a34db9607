// Seeded draws shared by the mock's promised behaviour and injected faults: same seed, same requests chosen.

/** mulberry32: a small seeded generator in [0, 1). */
export function generator(seed: number): () => number {
  let state = Math.floor(seed * 4294967296) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Stratified draws in [0, 1): each block of 128 consecutive draws takes one
 * value from each 1/128th of the range, in a seeded random order. The whole
 * stream matches the distribution within about 1/128 after any block, and a
 * subsequence (one consumer's requests among others') is still unbiased.
 */
export class StratifiedRandom {
  private static readonly BLOCK = 128;
  private readonly order = new Uint16Array(StratifiedRandom.BLOCK);
  private index = StratifiedRandom.BLOCK;
  constructor(private readonly random: () => number) {}
  next(): number {
    const size = StratifiedRandom.BLOCK;
    if (this.index === size) {
      for (let i = 0; i < size; i++) this.order[i] = i;
      for (let i = size - 1; i > 0; i--) {
        const j = Math.floor(this.random() * (i + 1));
        const t = this.order[i]!;
        this.order[i] = this.order[j]!;
        this.order[j] = t;
      }
      this.index = 0;
    }
    return (this.order[this.index++]! + this.random()) / size;
  }
}

/**
 * Decides which requests fail at a rate, evenly and at random: requests come
 * in blocks of ⌈1/rate⌉, and each block fails its share (fractions carried to
 * the next) at seeded random places. Over any number of whole blocks the count
 * is exact within one; no request position (every second one, say) is
 * favoured. A new rate starts a new block.
 */
export class EvenFailures {
  private rate = -1;
  private block = new Uint8Array(0);
  private size = 0;
  private index = 0;
  private carry: number;
  constructor(private readonly random: () => number) {
    this.carry = random();
  }
  next(rate: number): boolean {
    if (rate <= 0) return false;
    if (rate >= 1) return true;
    if (rate !== this.rate || this.index >= this.size) this.refill(rate);
    return this.block[this.index++] === 1;
  }
  private refill(rate: number): void {
    this.rate = rate;
    this.size = Math.ceil(1 / rate);
    if (this.block.length < this.size) this.block = new Uint8Array(this.size);
    this.block.fill(0, 0, this.size);
    const expected = this.size * rate + this.carry;
    const failures = Math.min(this.size, Math.floor(expected));
    this.carry = expected - failures;
    // Partial Fisher-Yates over the positions: `failures` distinct random places.
    const positions = Array.from({ length: this.size }, (_v, i) => i);
    for (let i = 0; i < failures; i++) {
      const j = i + Math.floor(this.random() * (this.size - i));
      [positions[i], positions[j]] = [positions[j]!, positions[i]!];
      this.block[positions[i]!] = 1;
    }
    this.index = 0;
  }
}

/** A seeded number in [0, 1) (mulberry32 step), for per-operation offsets and phases. */
export function seeded(seed: number, salt: string): number {
  let h = seed >>> 0;
  for (let i = 0; i < salt.length; i++) h = Math.imul(h ^ salt.charCodeAt(i), 2654435761);
  h = (h + 0x6d2b79f5) | 0;
  let t = Math.imul(h ^ (h >>> 15), 1 | h);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
