import { describe, expect, it } from 'vitest';
import { latencyText } from '../../src/report/report-text.js';
import type { SloFigures } from '../../src/engine/engine.js';

const slo = (latency: SloFigures['latency']): SloFigures => ({ window: { start: '', end: '' }, availability: null, errorBudget: null, latency, burnRates: {}, maintenanceExcluded: 0, excluded: 0, alerts: [] });

describe('latencyText', () => {
  it('the sign says how each figure stands to its objective: a miss never reads as if it met it', () => {
    expect(latencyText(slo([{ name: 'fast', kind: 'threshold', target: 99, achieved: 97.5, met: false }, { name: 'p99', kind: 'percentile', target: 600, achieved: 1340, met: false }]))).toBe('fast 97.5% < 99% ✗, p99 1340ms > 600ms ✗');
    expect(latencyText(slo([{ name: 'fast', kind: 'threshold', target: 99, achieved: 99.5, met: true }, { name: 'p99', kind: 'percentile', target: 600, achieved: 412, met: true }]))).toBe('fast 99.5% ≥ 99% ✓, p99 412ms ≤ 600ms ✓');
  });
});
