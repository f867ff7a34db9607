import { describe, expect, it } from 'vitest';
import { SparseLatency } from '../../src/engine/sparse.js';
import { newHistogram } from '../../src/engine/series.js';
import { random } from './oracle.js';

describe('sparse consumer latency', () => {
  it('gives the same percentiles as an HdrHistogram of the raw durations (within 0.1%), and survives encoding', () => {
    const rnd = random(7);
    const sparse = new SparseLatency();
    const direct = newHistogram('merge');
    const raw: number[] = [];
    for (let i = 0; i < 5_000; i++) {
      const ms = rnd() < 0.9 ? 1 + Math.floor(rnd() * 400) : 10_000 + Math.floor(rnd() * 3_000_000);
      sparse.record(ms);
      direct.recordValue(ms);
      raw.push(ms);
    }
    const decoded = SparseLatency.decode(sparse.encode());
    const merged = newHistogram('merge');
    decoded.addInto(merged);
    expect(merged.totalCount).toBe(5_000);
    raw.sort((a, b) => a - b);
    for (const p of [50, 90, 95, 99, 99.9]) {
      const exact = raw[Math.ceil((p / 100) * raw.length) - 1]!;
      expect(Math.abs(merged.getValueAtPercentile(p) - exact) / exact, `p${p}`).toBeLessThanOrEqual(0.002);
      expect(Math.abs(merged.getValueAtPercentile(p) - direct.getValueAtPercentile(p)) / exact, `p${p} vs the direct histogram`).toBeLessThanOrEqual(0.002);
    }
    merged.destroy();
    direct.destroy();
  });
});
