import type { SloEngine } from '../engine/engine.js';
import type { ResolvedSpecSlo } from '../slo/model.js';

/** The availability rungs a promise is rounded down to. */
export const LADDER = [90, 95, 99, 99.5, 99.9, 99.95, 99.99] as const;

/** Headroom over the observed percentile before it becomes a promise. */
export const LATENCY_HEADROOM = 1.25;

/** What one operation has kept over the window, and what it could promise. */
export interface Proposal {
  operationId: string;
  method: string;
  path: string;
  observed: { valid: number; good: number; bad: number; availability: number | null; p95: number | null; p99: number | null };
  /** What the spec promises now (null where nothing). */
  current: { availability: number | null; p99: number | null };
  /** The promise kept: the highest rung at or below the observed availability (null below 90%). */
  availability: number | null;
  /** The rung to aim for next (null at the top). */
  next: number | null;
  /** `p99` max and a `fast` threshold objective (95% within), in ms, with headroom. */
  latency: { p99Max: number; fastThreshold: number; fastTarget: number } | null;
  /** Why no proposal is made (too little traffic). */
  skipped?: string;
  /** The proposal promises less than the spec does now. */
  weaker: boolean;
}

/** Rounds up to a number people write: 5 ms steps below 100 ms, 10 below 500, 50 below 2 s, 100 beyond. */
export function niceMs(ms: number): number {
  const step = ms < 100 ? 5 : ms < 500 ? 10 : ms < 2_000 ? 50 : 100;
  return Math.max(step, Math.ceil(ms / step) * step);
}

export function formatMs(ms: number): string {
  return ms >= 1_000 && ms % 1_000 === 0 ? `${ms / 1_000}s` : `${ms}ms`;
}

/**
 * Proposes, for every measured operation with enough traffic in [since,
 * until), the promise it already keeps: availability rounded down on the
 * ladder (good / valid, as x-slo.md defines them), a p99 max and a 95%
 * threshold objective with 25% headroom over what was observed.
 */
export function propose(slo: ResolvedSpecSlo, engine: SloEngine, window: { since: number; until: number }, minEvents: number): Proposal[] {
  const out: Proposal[] = [];
  for (const op of slo.operations) {
    if (!op.enabled) continue;
    const seen = engine.observed(op.id, window.since, window.until, [95, 99]);
    if (!seen) continue;
    const currentP99 = op.promise?.latency.find((l) => l.kind === 'percentile' && l.percentile === 99);
    const current = { availability: op.promise?.availability?.target ?? null, p99: currentP99?.kind === 'percentile' ? currentP99.max.ms : null };
    const achieved = seen.valid === 0 ? null : (seen.good / seen.valid) * 100;
    const base = { operationId: op.id, method: op.method.toUpperCase(), path: op.path, observed: { valid: seen.valid, good: seen.good, bad: seen.bad, availability: achieved, p95: seen.percentiles['95'] ?? null, p99: seen.percentiles['99'] ?? null }, current };
    if (seen.valid < minEvents) {
      out.push({ ...base, availability: null, next: null, latency: null, skipped: `${seen.valid} valid event(s) in the window; a proposal needs at least ${minEvents}`, weaker: false });
      continue;
    }
    const kept = [...LADDER].reverse().find((rung) => achieved !== null && achieved >= rung) ?? null;
    const next = kept === null ? LADDER[0] : LADDER[LADDER.indexOf(kept) + 1] ?? null;
    const p95 = base.observed.p95;
    const p99 = base.observed.p99;
    const latency = p95 !== null && p99 !== null ? { p99Max: niceMs(p99 * LATENCY_HEADROOM), fastThreshold: niceMs(p95 * LATENCY_HEADROOM), fastTarget: 95 } : null;
    const weaker = (kept !== null && current.availability !== null && kept < current.availability) || (latency !== null && current.p99 !== null && latency.p99Max > current.p99);
    out.push({ ...base, availability: kept, next, latency, weaker });
  }
  return out;
}

/** Each objective a proposal promises less of than the spec does now: "availability 99.9% -> 99.5%". */
export function weakenings(p: Proposal): string[] {
  const out: string[] = [];
  if (p.availability !== null && p.current.availability !== null && p.availability < p.current.availability) out.push(`availability ${p.current.availability}% -> ${p.availability}%`);
  if (p.latency !== null && p.current.p99 !== null && p.latency.p99Max > p.current.p99) out.push(`latency p99 max ${formatMs(p.current.p99)} -> ${formatMs(p.latency.p99Max)}`);
  return out;
}
