import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { loadSpec, listOperations } from '../../src/spec/index.js';
import { resolveSlos } from '../../src/slo/index.js';
import { SloEngine, countAtOrBelow } from '../../src/engine/engine.js';
import { newHistogram } from '../../src/engine/series.js';

const T = Date.parse('2026-03-30T08:00:00Z');

async function engineAt(clock: { now: number }) {
  const spec = await loadSpec(fileURLToPath(new URL('../fixtures/engine-spec.yaml', import.meta.url)));
  return new SloEngine(resolveSlos(spec, listOperations(spec)), { now: () => clock.now });
}

describe('countAtOrBelow', () => {
  it('equals a brute-force count of the values recorded (exact under 2,048; within hdr\'s 3 digits above)', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 60_000 }), { minLength: 0, maxLength: 400 }), fc.integer({ min: 0, max: 70_000 }), (values, limit) => {
      const h = newHistogram('merge');
      for (const v of values) h.recordValue(v);
      const got = countAtOrBelow(h, limit);
      h.destroy();
      const exact = values.filter((v) => v <= limit).length;
      if (limit < 2_048) expect(got).toBe(exact);
      else {
        // hdr keeps 3 significant digits: values within 0.1% of the limit may fall either side.
        expect(got).toBeGreaterThanOrEqual(values.filter((v) => v <= limit * 0.999).length);
        expect(got).toBeLessThanOrEqual(values.filter((v) => v <= limit * 1.001).length);
      }
    }), { numRuns: 200, seed: 7 });
  });
});

describe('SloEngine.consumerTally', () => {
  it('a consumer\'s outcomes, allowance and within-limit counts (threshold from buckets, percentile from histograms) over a range, against its tier', async () => {
    const clock = { now: T };
    const engine = await engineAt(clock);
    // 60 calls by acme (free tier: 98%, fast 300ms, p99 1500ms), one a second: every 10th a 503; durations cycle 100, 250, 400, 1600 ms.
    const durations = [100, 250, 400, 1_600];
    for (let i = 0; i < 60; i++) {
      clock.now = T + i * 1_000;
      engine.record({ at: clock.now, operationId: 'listOrders', consumer: 'acme', tier: 'free', status: i % 10 === 9 ? 503 : 200, durationMs: durations[i % 4]!, outcome: 'response' });
    }
    // Another consumer's calls are not acme's.
    engine.record({ at: T, operationId: 'listOrders', consumer: 'other', tier: 'free', status: 200, durationMs: 5, outcome: 'response' });
    clock.now = T + 61_000;
    const good = Array.from({ length: 60 }, (_, i) => i).filter((i) => i % 10 !== 9);
    const within = (ms: number) => good.filter((i) => durations[i % 4]! <= ms).length;
    const t = engine.consumerTally('listOrders', 'acme', T, clock.now)!;
    expect(t.tier).toBe('free');
    expect(t.outcomes).toEqual([54, 6, 0, 0]);
    expect(t.allowance).toBeCloseTo(60 * 0.02, 9);
    expect(t.within).toEqual([within(300), within(1_500)]);
    // From the second minute only: the buckets are minutes.
    const later = engine.consumerTally('listOrders', 'acme', T + 60_000, clock.now)!;
    expect(later.outcomes).toEqual([0, 0, 0, 0]);
    expect(engine.consumerTally('listOrders', 'nobody', T, clock.now)).toBeNull();
    expect(engine.consumerTally('noSuchOperation', 'acme', T, clock.now)).toBeNull();
  });
});
