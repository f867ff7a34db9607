import { relative } from 'node:path';
import { openHistory, type History } from '../report/history.js';
import { plainPromise } from '../slo/plain.js';
import type { TallyRow, TallySnapshot } from './steady.js';

/**
 * The steady state as sworn stores hold it: the SLO buckets and latency
 * histograms one or several proxies write (every pod its own store; read
 * together they add up), read again at every snapshot and shaped as the
 * cumulative `TallySnapshot` a proxy's `GET /tallies` gives, so `judge` and
 * `delta` apply unchanged.
 *
 * Each row is one operation x consumer since the minute the source was
 * opened, against the consumer's tier: outcomes and allowance from the
 * minute buckets, threshold objectives from their exact counts, percentile
 * objectives from the consumer's day histograms less what they held at the
 * start (exact under 2,048 ms). A store does not tell injected
 * failures apart, so the figures without them are not given. Figures lag
 * the proxies by their flush interval (1 s by default).
 */
export class StoreTallies {
  /** Every latency limit of every promise (seconds): one set of edges for every snapshot, so any two subtract. */
  private readonly edges: number[];
  private readonly limitsMs: number[];
  private readonly origin: number;
  readonly display: string;
  /** The operations of the spec the stores are judged against. */
  readonly operationIds: readonly string[];

  /** Percentile objectives' counts up to the start (the day histograms hold the day so far): taken away from every read. */
  private readonly base = new Map<string, number[]>();

  private constructor(private readonly history: History, names: string[], cwd: string, now: number) {
    // Minute-aligned: the first minute's events before the start are in every read, so they cancel out.
    this.origin = Math.floor(now / 60_000) * 60_000;
    const engine = history.read({ now, since: this.origin });
    const limits = new Set<number>();
    for (const op of history.slo.operations) {
      if (!op.enabled || !op.promise) continue;
      for (const p of [op.promise, ...Object.values(op.tiers)]) for (const o of plainPromise(p).latency) limits.add(o.limitMs);
      for (const c of engine.consumers(op.id)) {
        const t = engine.consumerTally(op.id, c, this.origin, now);
        if (t) this.base.set(`${op.id}\0${c}`, t.within);
      }
    }
    this.limitsMs = [...limits].sort((a, b) => a - b);
    this.edges = this.limitsMs.map((ms) => ms / 1_000);
    this.display = `store ${names.map((n) => relative(cwd, n) || n).join(' + ')}`;
    this.operationIds = history.operations.map((o) => o.id);
  }

  /** How long after an instant the stores hold every call up to it: the proxies' flush interval, with a margin. */
  lagMs = 1_250;

  /** Opens the stores (and the spec their proxies recorded, unless `spec` names one); throws SWORN_ERR_STORE / SWORN_ERR_SPEC_* as `sworn report` does. */
  static async open(paths: string[], options: { spec?: string; cwd: string; flushIntervalMs?: number }): Promise<StoreTallies> {
    const history = await openHistory({ store: paths, ...(options.spec !== undefined ? { spec: options.spec } : {}) }, options.cwd);
    const source = new StoreTallies(history, paths, options.cwd, Date.now());
    source.lagMs = (options.flushIntervalMs ?? 1_000) + 250;
    return source;
  }

  async tallies(consumer?: string): Promise<TallySnapshot> {
    const now = Date.now();
    const engine = this.history.read({ now, since: this.origin });
    const rows: TallyRow[] = [];
    for (const op of this.history.slo.operations) {
      if (!op.enabled || !op.promise) continue;
      for (const c of consumer === undefined ? engine.consumers(op.id) : [consumer]) {
        const t = engine.consumerTally(op.id, c, this.origin, now);
        if (!t) continue;
        const promise = plainPromise(op.tiers[t.tier] ?? op.promise);
        const base = this.base.get(`${op.id}\0${c}`);
        const good = t.outcomes[0];
        rows.push({
          operationId: op.id,
          consumer: c,
          tier: t.tier,
          outcomes: [...t.outcomes],
          allowance: t.allowance,
          buckets: this.bucketsOf(promise.latency.map((o, i) => ({ limitMs: o.limitMs, within: o.kind === 'threshold' ? t.within[i] ?? 0 : (t.within[i] ?? 0) - (base?.[i] ?? 0), exact: o.kind === 'threshold' })), good),
          injected: { requests: 0, outcomes: [0, 0, 0, 0], buckets: new Array<number>(this.edges.length + 1).fill(0) },
          promise,
        });
      }
    }
    return { at: now, edges: this.edges, rows, source: this.display, injectedUnknown: true };
  }

  /**
   * Good events by bucket of `edges` such that the events under each edge
   * are the count within the largest of the row's own limits at or under it
   * (the judge reads a row only at its own limits; an exact threshold count
   * wins over a histogram's at the same limit).
   */
  private bucketsOf(limits: Array<{ limitMs: number; within: number; exact: boolean }>, good: number): number[] {
    const at = new Map<number, { within: number; exact: boolean }>();
    for (const l of limits) {
      const have = at.get(l.limitMs);
      if (!have || (l.exact && !have.exact)) at.set(l.limitMs, l);
    }
    const buckets: number[] = [];
    let below = 0;
    for (const limit of this.limitsMs) {
      const mine = at.get(limit);
      const under = Math.min(good, Math.max(below, mine?.within ?? below));
      buckets.push(under - below);
      below = under;
    }
    buckets.push(good - below);
    return buckets;
  }

  close(): void {
    this.history.close();
  }
}
