import { combineEffects, MaintenanceSchedule } from '../slo/maintenance.js';
import type { LatencyObjective, ResolvedPromise } from '../slo/model.js';
import { EvenFailures, generator, seeded, StratifiedRandom } from '../faults/random.js';

/** A log-normal latency distribution: ln(duration ms) ~ N(mu, sigma²). */
export interface LatencyModel {
  mu: number;
  sigma: number;
}

/** The spread assumed when a promise has a single latency objective: p99 ≈ 4× the median. */
export const DEFAULT_SIGMA = 0.6;

/**
 * Fits a log-normal to the latency objectives so that each one holds and the
 * tightest holds exactly (at its limit). An objective is a quantile
 * constraint: `{percentile: 99, max: 800ms}` says q(0.99) = 800, `{threshold:
 * 300ms, target: 95}` says q(0.95) = 300. With two or more, sigma comes from
 * the pair furthest apart; with one, sigma is DEFAULT_SIGMA.
 */
export function fitLatency(objectives: LatencyObjective[]): LatencyModel | null {
  const points = objectives.map((o) => (o.kind === 'percentile' ? { z: normalQuantile(o.percentile / 100), x: o.max.ms } : { z: normalQuantile(o.target / 100), x: o.threshold.ms })).filter((p) => Number.isFinite(p.z) && p.x > 0);
  if (points.length === 0) return null;
  points.sort((a, b) => a.z - b.z);
  const low = points[0]!;
  const high = points[points.length - 1]!;
  const spread = high.z - low.z > 1e-9 ? (Math.log(high.x) - Math.log(low.x)) / (high.z - low.z) : 0;
  const sigma = spread > 0 ? spread : DEFAULT_SIGMA;
  const mu = Math.min(...points.map((p) => Math.log(p.x) - sigma * p.z));
  return { mu, sigma };
}

/** The quantile of a log-normal at probability u. */
export function latencyAt(model: LatencyModel, u: number): number {
  return Math.exp(model.mu + model.sigma * normalQuantile(u));
}

/**
 * The standard normal quantile (inverse CDF): P. J. Acklam's rational
 * approximation, refined by one Halley step (error about 1e-7).
 */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  // One Halley step on erfc.
  const e = 0.5 * erfc(-x / Math.SQRT2) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** The complementary error function (Numerical Recipes' erfcc, fractional error below 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}


/** What the mock does for one request of an operation under `--behave slo`. */
export interface Verdict {
  delayMs: number;
  /** `error`: answer a declared 5xx (or 503 problem+json); `reset`/`truncate`: chaos. */
  fault: 'none' | 'error' | 'reset' | 'truncate';
}

/** Game-day multipliers: `error=2x,latency=3x,reset=1%,truncate=0.5%`. */
export interface Chaos {
  error: number;
  latency: number;
  reset: number;
  truncate: number;
}

export const NO_CHAOS: Chaos = { error: 1, latency: 1, reset: 0, truncate: 0 };

/**
 * The promise of one operation, turned into behaviour: a latency model, the
 * promised error rate, its maintenance windows, and seeded sequences.
 */
export class OperationBehaviour {
  readonly latency: LatencyModel | null;
  readonly errorRate: number;
  private readonly schedule: MaintenanceSchedule;
  private readonly draws: StratifiedRandom;
  private readonly failures: EvenFailures;
  private readonly resets: EvenFailures;
  private readonly truncations: EvenFailures;

  /**
   * @param tiers the promises to each consumer tier: the behaviour keeps the tightest of all (a mock has one behaviour for everyone).
   * @param headroom share of each promise used (1: exactly at the limits; 0.8: errors at 80% of the budget, delays at 80% of each limit).
   */
  constructor(promise: ResolvedPromise | null, seed: number, operationId: string, tiers: readonly ResolvedPromise[] = [], headroom = 1) {
    const all = promise ? [promise, ...tiers] : [...tiers];
    const fitted = all.length > 0 ? fitLatency(all.flatMap((p) => p.latency)) : null;
    this.latency = fitted ? { mu: fitted.mu + Math.log(headroom), sigma: fitted.sigma } : null;
    const targets = all.flatMap((p) => (p.availability ? [p.availability.target] : []));
    this.errorRate = targets.length > 0 ? ((100 - Math.max(...targets)) / 100) * headroom : 0;
    this.schedule = new MaintenanceSchedule(promise?.maintenance ?? []);
    this.draws = new StratifiedRandom(generator(seeded(seed, `${operationId} latency`)));
    this.failures = new EvenFailures(generator(seeded(seed, `${operationId} errors`)));
    this.resets = new EvenFailures(generator(seeded(seed, `${operationId} resets`)));
    this.truncations = new EvenFailures(generator(seeded(seed, `${operationId} truncations`)));
  }

  /** Seconds until an active `effect: exclude` maintenance window ends (the Retry-After), or undefined. */
  maintenance(now: number): number | undefined {
    const active = this.schedule.activeAt(now).filter((o) => o.effect.exclude);
    if (active.length === 0) return undefined;
    return Math.max(1, Math.ceil((Math.max(...active.map((o) => o.end)) - now) / 1000));
  }

  /** The delay and fault of the next valid request. */
  decide(now: number, chaos: Chaos): Verdict {
    const u = this.draws.next();
    const delayMs = this.latency ? latencyAt(this.latency, u) * chaos.latency : 0;
    const effect = combineEffects(this.schedule.activeAt(now));
    const rate = effect?.availability !== undefined ? (100 - effect.availability) / 100 : this.errorRate;
    // Every sequence advances on every request, so each keeps its own share whatever the others do.
    const reset = this.resets.next(chaos.reset);
    const truncate = this.truncations.next(chaos.truncate);
    const error = this.failures.next(rate * chaos.error);
    return { delayMs, fault: reset ? 'reset' : truncate ? 'truncate' : error ? 'error' : 'none' };
  }
}
