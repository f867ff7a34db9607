import type { PhaseFigures, PromiseRef } from './types.js';
import { significantlyOver } from './significance.js';

/** One row of `GET /tallies`: cumulative classified events of one operation x consumer, with its tier's objectives. */
export interface TallyRow {
  operationId: string;
  consumer: string;
  tier: string;
  /** good, bad, excluded, maintenance-excluded. */
  outcomes: number[];
  allowance: number;
  /** Good events' durations, by bucket of `edges` (the last is above every edge). */
  buckets: number[];
  injected: { requests: number; outcomes: number[]; buckets: number[] };
  promise: { availability: number | null; latency: Array<{ name: string; kind: 'threshold' | 'percentile'; limitMs: number; target: number }> } | null;
}

/** The counters at one instant, summed over every source the promise is read from (pods add up). */
export interface TallySnapshot {
  /** Epoch ms. */
  at: number;
  /** Seconds. */
  edges: readonly number[];
  rows: TallyRow[];
  /** Where the counters come from, for the scope line: `proxy http://…:9464`. */
  source: string;
  /** The source cannot tell injected failures from real ones (a store; Prometheus): no figures without them. */
  injectedUnknown?: boolean;
}

const zeros = (n: number) => new Array<number>(n).fill(0);

/** after - before, row by row (a row missing before started at zero; a counter that went back means the proxy restarted: counted from zero). */
export function delta(before: TallySnapshot, after: TallySnapshot): TallyRow[] {
  const earlier = new Map(before.rows.map((r) => [`${r.operationId}\0${r.consumer}`, r]));
  return after.rows.map((r) => {
    const b = earlier.get(`${r.operationId}\0${r.consumer}`);
    const restarted = b !== undefined && sum(r.outcomes) < sum(b.outcomes);
    if (!b || restarted) return r;
    const minus = (x: number[], y: number[]) => x.map((v, i) => v - (y[i] ?? 0));
    return {
      ...r,
      outcomes: minus(r.outcomes, b.outcomes),
      allowance: r.allowance - b.allowance,
      buckets: minus(r.buckets, b.buckets),
      injected: { requests: r.injected.requests - b.injected.requests, outcomes: minus(r.injected.outcomes, b.injected.outcomes), buckets: minus(r.injected.buckets, b.injected.buckets) },
    };
  });
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/**
 * The steady state of one promise over a phase (`before` to `after`): for
 * each operation x consumer in the promise's scope, its tier's availability
 * and latency objectives judged on the phase's events only, with the figures
 * without injected failures beside them. An objective is missed when its
 * figure is under target by more than chance (`significantlyOver`: a
 * one-sided binomial test at 95%); a phase with no events holds nothing and
 * breaks nothing (`met: null`).
 */
export function judge(ref: PromiseRef, before: TallySnapshot, after: TallySnapshot): PhaseFigures[] {
  const rows = delta(before, after).filter((r) => (ref.consumer === undefined || r.consumer === ref.consumer) && (ref.operations === undefined || ref.operations.includes(r.operationId)) && r.promise !== null);
  const out: PhaseFigures[] = [];
  // Named operations with no events at all are still listed: "no events" is worth seeing.
  const seen = new Set(rows.map((r) => `${r.operationId}\0${r.consumer}`));
  for (const operationId of ref.operations ?? []) {
    if (ref.consumer !== undefined && !seen.has(`${operationId}\0${ref.consumer}`)) out.push(empty(ref.consumer, operationId, after.source));
  }
  for (const r of rows) out.push(figuresOf(r, after.edges, after.source, after.injectedUnknown === true || before.injectedUnknown === true));
  return out.sort((a, b) => a.scope.localeCompare(b.scope));
}

function empty(consumer: string, operationId: string, source: string): PhaseFigures {
  return { scope: `${consumer} on ${operationId} (${source})`, requests: 0, injected: 0, availability: null, latency: [], burnRate: null, held: true, misses: [] };
}

function figuresOf(r: TallyRow, edges: readonly number[], source: string, injectedUnknown: boolean): PhaseFigures {
  const [good = 0, bad = 0] = r.outcomes;
  const [injGood = 0, injBad = 0] = r.injected.outcomes;
  const valid = good + bad;
  const promise = r.promise!;
  const misses: string[] = [];
  const who = `${r.consumer}'s`;
  let availability: PhaseFigures['availability'] = null;
  if (promise.availability !== null) {
    const achieved = valid > 0 ? (good / valid) * 100 : null;
    const realValid = valid - injGood - injBad;
    // Broken only when the bad events are more than the target allows with 95% confidence: a short phase's one unlucky call is not a breach.
    const met = achieved === null ? null : achieved >= promise.availability || !significantlyOver(bad, valid, (100 - promise.availability) / 100);
    if (met === false) misses.push(`${who} availability on ${r.operationId} fell to ${pct(achieved!)} < ${pct(promise.availability)}`);
    availability = { target: promise.availability, achieved, met, withoutInjected: !injectedUnknown && realValid > 0 ? ((good - injGood) / realValid) * 100 : null };
  }
  const latency = promise.latency.map((o) => {
    // Every objective's limit is a bucket edge (the ledger places them so); the largest edge not above it otherwise.
    let last = -1;
    for (let i = 0; i < edges.length; i++) if (edges[i]! * 1_000 <= o.limitMs + 1e-6) last = i;
    // At most the good events: a source whose histograms flush a moment after its counts (a store) can be a beat ahead.
    const within = Math.min(good, sum(r.buckets.slice(0, last + 1)));
    const achieved = good > 0 ? (within / good) * 100 : null;
    const met = achieved === null ? null : achieved >= o.target || !significantlyOver(good - within, good, (100 - o.target) / 100);
    if (met === false) {
      misses.push(o.kind === 'threshold'
        ? `${who} ${o.name} objective on ${r.operationId} fell to ${pct(achieved!)} < ${pct(o.target)} within ${o.limitMs}ms`
        : `${who} ${o.name} objective on ${r.operationId}: only ${pct(achieved!)} of calls within ${o.limitMs}ms, under the p${o.target}`);
    }
    return { operationId: r.operationId, objective: o.name, kind: o.kind, limitMs: o.limitMs, target: o.target, achieved, met };
  });
  return {
    scope: `${r.consumer} on ${r.operationId} (tier ${r.tier}, ${source})`,
    requests: sum(r.outcomes),
    injected: r.injected.requests,
    availability,
    latency,
    burnRate: r.allowance > 0 ? bad / r.allowance : null,
    held: misses.length === 0,
    misses,
  };
}

const pct = (n: number) => `${Math.round(n * 100) / 100}%`;

/** Sums snapshots of several sources taken at about the same time (pods of one service): counters add up. */
export function sumSnapshots(parts: TallySnapshot[]): TallySnapshot {
  const first = parts[0]!;
  const rows = new Map<string, TallyRow>();
  for (const p of parts) for (const r of p.rows) {
    const key = `${r.operationId}\0${r.consumer}`;
    const have = rows.get(key);
    if (!have) {
      rows.set(key, structuredClone(r));
      continue;
    }
    const add = (x: number[], y: number[]) => x.map((v, i) => v + (y[i] ?? 0));
    have.outcomes = add(have.outcomes, r.outcomes);
    have.allowance += r.allowance;
    have.buckets = add(have.buckets, r.buckets.length === have.buckets.length ? r.buckets : zeros(have.buckets.length));
    have.injected = { requests: have.injected.requests + r.injected.requests, outcomes: add(have.injected.outcomes, r.injected.outcomes), buckets: add(have.injected.buckets, r.injected.buckets) };
  }
  return { at: Math.max(...parts.map((p) => p.at)), edges: first.edges, rows: [...rows.values()], source: parts.map((p) => p.source).join(' + '), ...(parts.some((p) => p.injectedUnknown) ? { injectedUnknown: true } : {}) };
}
