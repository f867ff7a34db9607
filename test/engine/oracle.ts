import { expect } from 'vitest';
import type { SloFigures } from '../../src/engine/engine.js';

/**
 * The engine's figures computed the plain way, straight from x-slo.md's
 * definitions, independently of src/engine: shared by the engine's and the
 * proxy's ground-truth tests.
 */

/** A seeded generator (mulberry32): the same trace on every run. */
export function random(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const at = (iso: string) => Date.parse(iso);
export const START = at('2026-03-23T00:00:00Z');
export const END = at('2026-04-01T00:00:00Z'); // nine days, across Berlin's switch to summer time (2026-03-29 01:00Z)
// Worked out by hand, independently of the engine: Sunday 01:00 Berlin for 3 h on the night of the change
// is 00:00Z (01:00 CET) to 03:00Z (05:00 CEST): three elapsed hours.
export const SUNDAY = [at('2026-03-29T00:00:00Z'), at('2026-03-29T03:00:00Z')] as const;
export const MIGRATION = [at('2026-03-25T10:00:00Z'), at('2026-03-25T12:00:00Z')] as const;
export const BURST = [at('2026-03-31T23:30:00Z'), at('2026-03-31T23:58:00Z')] as const;

export interface TraceEvent {
  at: number;
  consumer: string;
  status: number;
  durationMs: number;
  outcome: 'response' | 'upstream-error' | 'timeout' | 'client-abort';
}

/** What engine-spec.yaml promises, by hand: bad = 5xx, upstream failures or over 2 s; 4xx and aborts are not events. */
export function expected(events: TraceEvent[], perspective: { consumer?: string; target: number; fast: number }) {
  let valid = 0, good = 0, bad = 0, excluded = 0, maintenanceExcluded = 0, allowance = 0, fast = 0;
  const goodDurations: number[] = [];
  for (const e of events) {
    if (perspective.consumer && e.consumer !== perspective.consumer) continue;
    const isBad = e.outcome === 'upstream-error' || e.status >= 500 || e.durationMs > 2_000;
    if (!isBad && (e.outcome === 'client-abort' || (e.status >= 400 && e.status < 500))) { excluded++; continue; }
    if (e.at >= MIGRATION[0] && e.at < MIGRATION[1]) { maintenanceExcluded++; continue; }
    valid++;
    const target = e.at >= SUNDAY[0] && e.at < SUNDAY[1] ? 90 : perspective.target;
    allowance += (100 - target) / 100;
    if (isBad) bad++;
    else {
      good++;
      goodDurations.push(e.durationMs);
      if (e.durationMs <= perspective.fast) fast++;
    }
  }
  goodDurations.sort((a, b) => a - b);
  const p99 = goodDurations[Math.ceil(0.99 * goodDurations.length) - 1]!;
  return { valid, good, bad, excluded, maintenanceExcluded, allowance, fast, p99 };
}

/** Burn rate over the `ms` before `end`: error ratio / (1 − target), maintenance targets included. */
export function burnRate(events: TraceEvent[], end: number, ms: number, perspective: { consumer?: string; target: number; fast: number }): number {
  const w = expected(events.filter((e) => e.at >= end - ms && e.at < end), perspective);
  return w.allowance === 0 ? 0 : w.bad / w.allowance;
}

export function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

/** The figures of listOrders as a whole (99%, fast 300 ms at 95%, p99) against the oracle's: counts exact, p99 within the histogram's precision. */
export function expectOperationFigures(figures: SloFigures, all: ReturnType<typeof expected>): void {
  expect(figures.availability).toEqual({ target: 99, achieved: round((all.good / all.valid) * 100), good: all.good, bad: all.bad, valid: all.valid, met: all.bad <= all.allowance });
  expect(figures.excluded).toBe(all.excluded);
  expect(figures.maintenanceExcluded).toBe(all.maintenanceExcluded);
  expect(all.maintenanceExcluded).toBeGreaterThan(0);
  expect(figures.errorBudget!.total).toBeCloseTo(all.allowance, 6);
  expect(figures.errorBudget!.spent).toBe(all.bad);
  expect(figures.errorBudget!.remaining).toBeCloseTo(1 - all.bad / all.allowance, 6);
  expect(figures.latency[0]).toEqual({ name: 'fast', kind: 'threshold', target: 95, achieved: round((all.fast / all.good) * 100), met: (all.fast / all.good) * 100 >= 95 });
  expect(figures.latency[1]!.achieved!).toBeGreaterThanOrEqual(all.p99 * 0.999);
  expect(figures.latency[1]!.achieved!).toBeLessThanOrEqual(all.p99 * 1.001 + 1);
}
