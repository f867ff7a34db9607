import type { ResolvedPromise } from './model.js';

/** The objectives a count is judged against, in plain numbers (what `GET /tallies` serves with each row). */
export interface PlainPromise {
  availability: number | null;
  /** A threshold's limit is its threshold and its target the % within; a percentile's limit is its max and its target the percentile. */
  latency: Array<{ name: string; kind: 'threshold' | 'percentile'; limitMs: number; target: number }>;
}

export function plainPromise(p: ResolvedPromise): PlainPromise {
  return {
    availability: p.availability?.target ?? null,
    latency: p.latency.map((o) => (o.kind === 'threshold' ? { name: o.name, kind: o.kind, limitMs: o.threshold.ms, target: o.target } : { name: o.name, kind: o.kind, limitMs: o.max.ms, target: o.percentile })),
  };
}
