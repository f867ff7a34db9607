import type { SourceLocation } from '../errors.js';
import type { FaultSpec } from '../faults/model.js';

/** Where the steady state is read: a sworn proxy's admin URL, Prometheus, or a store file. */
export type HypothesisSource =
  /** `proxy: target` reads the target's own admin port (the proxy a `target: {mock}` starts, too). */
  | { proxy: string; token?: string }
  | { prometheus: string; service?: string }
  /** One or several stores (every pod its own; they add up), judged against `spec` or the spec the proxies recorded. */
  | { store: string[]; spec?: string; /** The proxies' --flush-interval: how far the stores lag (1s by default). */ flushIntervalMs?: number };

/** One promise the hypothesis names: a consumer's tier promises on some operations (all of them when none are named). */
export interface PromiseRef {
  source: HypothesisSource;
  consumer?: string;
  operations?: string[];
  /** Where it is written in the plan. */
  location?: SourceLocation;
}

/** Where faults go: a running proxy's admin URL, or a mock sworn starts (with a proxy in front) from a spec. */
export type Target = { proxy: string; token?: string } | { mock: string };

export interface BlastRadius {
  consumers?: string[];
  operations?: string[];
  tiers?: string[];
  /** Share (0-100) of the requests in scope a step's faults may touch. */
  percent: number;
}

/** What produces traffic during each step. */
export type Drive =
  /** `spec` and `url` (where the proxy listens for consumers) are needed against a running proxy; a mock target gives both. */
  | { traffic: { perSecond: number; spec?: string; url?: string } }
  | { command: string; timeoutMs?: number }
  | { none: true };

export interface PlanStep {
  /** 1-based. */
  index: number;
  /** The faults as the plan wrote them, in words (`latency +200ms, error 2%`). */
  summary: string;
  /** The faults to add, already scoped by the blast radius; each TTL is the step's duration plus a margin. */
  faults: FaultSpec[];
  durationMs: number;
  location?: SourceLocation;
}

export interface AbortCriteria {
  burnRate?: { factor: number; windowMs: number };
  /** Availability (percent) below which the run stops at once. */
  availabilityBelow?: number;
  onCommandFailure: boolean;
}

/** A game-day plan, validated (`parsePlan`). */
export interface Plan {
  title: string;
  file: string;
  hypothesis: PromiseRef[];
  target: Target;
  blastRadius: BlastRadius;
  drive: Drive;
  steps: PlanStep[];
  abort: AbortCriteria;
  /** Recovery time measured after each step (ms); 0 for none. */
  betweenMs: number;
  /** Steady state measured before step 1 (ms). */
  baselineMs: number;
  /** Seed of the faults' draws (the same seed chooses the same requests). */
  seed: number;
}

/** The steady state over one phase, for one promise: what held and what did not. */
export interface PhaseFigures {
  /** Which scope was judged: `consumer checkout on createOrder (tier gold), this proxy` and the like. */
  scope: string;
  requests: number;
  /** Requests of the phase a fault was injected into. */
  injected: number;
  availability: { target: number; achieved: number | null; met: boolean | null; withoutInjected: number | null } | null;
  /**
   * Each latency objective: `achieved` is the percent of good calls within `limitMs` (a threshold's
   * threshold, a percentile's maximum); `target` the percent needed (a percentile objective's percentile).
   */
  latency: Array<{ operationId: string; objective: string; kind: 'threshold' | 'percentile'; limitMs: number; target: number; achieved: number | null; met: boolean | null }>;
  /** Bad events over the allowance in the phase (1 = the budget burns exactly at its sustainable rate). */
  burnRate: number | null;
  held: boolean;
  /** Each objective missed, in words: `checkout's fast objective fell to 93.1% < 99%`. */
  misses: string[];
}

export type Phase = 'before' | 'during' | 'after';

export interface StepResult {
  index: number;
  summary: string;
  faults: string[];
  durationMs: number;
  verdict: 'held' | 'broke' | 'aborted' | 'skipped';
  before: PhaseFigures[] | null;
  during: PhaseFigures[] | null;
  after: PhaseFigures[] | null;
  /** The abort criterion that stopped the run during this step. */
  abortedBy?: string;
  /** The consumer's command (drive: command): its exit code and what it printed (the end, bounded). */
  command?: { exitCode: number | null; signal: string | null; output: string; durationMs: number };
  /** Requests the built-in traffic sent (drive: traffic). */
  sent?: number;
}

/** What `sworn gameday` prints (json format); the other formats say the same. */
export interface GamedayResult {
  gameday: string;
  plan: string;
  verdict: 'held' | 'broke' | 'aborted';
  breakingStep: number | null;
  abortedBy: string | null;
  /** One sentence: `broke at step 3: 5x latency on createPayment for 10% of checkout's calls; checkout's fast objective fell to 93.1% < 99%`. */
  breakingPoint: string | null;
  startedAt: string;
  finishedAt: string;
  /** The steady state before step 1. */
  baseline: PhaseFigures[];
  steps: StepResult[];
  /** Faults removed at the end (they are always removed, also on abort or signal). */
  cleanup: { removed: number; errors: string[] };
}
