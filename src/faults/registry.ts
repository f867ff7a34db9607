import { SwornError } from '../errors.js';
import { describeAction, describeScope, MAX_FAULTS, MAX_TTL_MS, type FaultAction, type FaultKind, type FaultSpec } from './model.js';
import { EvenFailures, generator, seeded } from './random.js';

/** A fault in force, as `GET /faults` lists it. */
export interface FaultView {
  id: string;
  kind: FaultKind;
  action: FaultAction;
  scope: FaultSpec['scope'];
  label?: string;
  description: string;
  createdAt: string;
  expiresAt: string;
  /** Milliseconds until it removes itself. */
  remainingMs: number;
  /** Requests it was applied to so far. */
  injected: number;
}

/** What to do to one request: every fault that applies, combined. */
export interface Injection {
  /** The faults applied (ids and kinds), for the record and the `Sworn-Fault` header. */
  faults: Array<{ id: string; kind: FaultKind }>;
  /** Added before the request goes on (ms), jitter included. */
  addMs: number;
  /** The upstream's own time is stretched by this factor (1: not at all). */
  factor: number;
  /** The fault that answers instead of the upstream, if any: at most one (unavailable, reset, timeout, error, in that order). */
  answer?: Extract<FaultAction, { kind: 'unavailable' | 'reset' | 'timeout' | 'error' }>;
  /** Cut the body after this share of its bytes. */
  truncate?: number;
  /** Send the body at this many bytes a second. */
  bytesPerSecond?: number;
}

interface Active {
  id: string;
  spec: FaultSpec;
  createdAt: number;
  expiresAt: number;
  injected: number;
  chooser: EvenFailures;
  jitter: () => number;
  operations?: Set<string>;
  consumers?: Set<string>;
  tiers?: Set<string>;
}

const ANSWER_ORDER: Record<string, number> = { unavailable: 0, reset: 1, timeout: 2, error: 3 };

/**
 * The faults in force on one proxy or mock. Each fault picks its share of
 * the requests in its scope evenly at seeded random places (an error at 10%
 * of 2,000 requests in scope fails 200 of them, within one), and removes
 * itself when its TTL passes: expired faults are dropped on the next request
 * or listing, on the clock given (injectable for tests).
 *
 * @example
 * const faults = new FaultRegistry(() => Date.now());
 * faults.add(parseFault({ kind: 'error', status: 503, percent: 10, ttl: '2m' }));
 * faults.decide('createPayment', 'checkout', 'gold'); // an Injection for one request in ten
 */
export class FaultRegistry {
  private active: Active[] = [];
  private next = 1;
  /** Requests each kind was applied to since start, by `operation\0consumer\0kind` (for /metrics: counters never go back). */
  private readonly counts = new Map<string, { operation: string; consumer: string; kind: FaultKind; n: number }>();

  constructor(private readonly now: () => number) {}

  add(spec: FaultSpec): FaultView {
    this.prune();
    if (this.active.length >= MAX_FAULTS) throw new SwornError('SWORN_ERR_FAULT', `${MAX_FAULTS} faults are in force already`, { hint: 'DELETE /faults (or DELETE /faults/ID) before adding more.' });
    if (spec.ttlMs > MAX_TTL_MS) throw new SwornError('SWORN_ERR_FAULT', 'a fault lives at most 24h', { hint: 'Give a shorter ttl, e.g. "2m".' });
    const id = `f${this.next++}`;
    const at = this.now();
    const salt = JSON.stringify([spec.action, spec.scope]);
    const a: Active = {
      id,
      spec,
      createdAt: at,
      expiresAt: at + spec.ttlMs,
      injected: 0,
      // Salted with what the fault is, not its id: the same fault with the same seed picks the same requests on any proxy, whatever was added before.
      chooser: new EvenFailures(generator(seeded(spec.seed, `${salt} choice`))),
      jitter: generator(seeded(spec.seed, `${salt} jitter`)),
      ...(spec.scope.operations ? { operations: new Set(spec.scope.operations) } : {}),
      ...(spec.scope.consumers ? { consumers: new Set(spec.scope.consumers) } : {}),
      ...(spec.scope.tiers ? { tiers: new Set(spec.scope.tiers) } : {}),
    };
    this.active.push(a);
    return this.view(a, at);
  }

  /** The faults in force now (expired ones are gone). */
  list(): FaultView[] {
    this.prune();
    const at = this.now();
    return this.active.map((a) => this.view(a, at));
  }

  get size(): number {
    this.prune();
    return this.active.length;
  }

  remove(id: string): FaultView | undefined {
    this.prune(); // an expired fault is gone already: not found
    const i = this.active.findIndex((a) => a.id === id);
    if (i < 0) return undefined;
    const [a] = this.active.splice(i, 1);
    return this.view(a!, this.now());
  }

  /** Removes every fault; returns how many there were. */
  clear(): number {
    this.prune();
    const n = this.active.length;
    this.active = [];
    return n;
  }

  /**
   * What to do to one request of `operationId` from `consumer` in `tier`;
   * undefined (at the cost of one length check) when no fault is in force.
   */
  decide(operationId: string, consumer: string, tier: string): Injection | undefined {
    if (this.active.length === 0) return undefined;
    const at = this.now();
    let out: Injection | undefined;
    /** Latency faults that only stretched (no time added): they do nothing when another fault answers. */
    const stretchOnly = new Set<string>();
    for (const a of this.active) {
      if (a.expiresAt <= at) continue;
      if (a.operations && !a.operations.has(operationId)) continue;
      if (a.consumers && !a.consumers.has(consumer)) continue;
      if (a.tiers && !a.tiers.has(tier)) continue;
      if (!a.chooser.next(a.spec.scope.percent / 100)) continue;
      const action = a.spec.action;
      out ??= { faults: [], addMs: 0, factor: 1 };
      switch (action.kind) {
        case 'latency': {
          const added = Math.max(0, action.addMs + (action.jitterMs > 0 ? (a.jitter() * 2 - 1) * action.jitterMs : 0));
          out.addMs += added;
          out.factor *= action.factor;
          if (added === 0) stretchOnly.add(a.id);
          break;
        }
        case 'truncate':
          out.truncate = Math.min(out.truncate ?? 1, action.keep);
          break;
        case 'bandwidth':
          out.bytesPerSecond = Math.min(out.bytesPerSecond ?? Infinity, action.bytesPerSecond);
          break;
        default:
          if (out.answer && ANSWER_ORDER[out.answer.kind]! <= ANSWER_ORDER[action.kind]!) continue; // a fault that answers first already applies
          if (out.answer) out.faults = out.faults.filter((f) => f.kind !== out!.answer!.kind);
          out.answer = action;
      }
      out.faults.push({ id: a.id, kind: action.kind });
    }
    if (out?.answer) {
      // An answer replaces the upstream's: stretching or cutting its body no longer applies, and those faults are not counted.
      delete out.truncate;
      delete out.bytesPerSecond;
      out.factor = 1;
      out.faults = out.faults.filter((f) => f.kind !== 'truncate' && f.kind !== 'bandwidth' && !stretchOnly.has(f.id));
    }
    if (out) {
      for (const f of out.faults) {
        const a = this.active.find((x) => x.id === f.id);
        if (a) a.injected++;
        const key = `${operationId}\0${consumer}\0${f.kind}`;
        const c = this.counts.get(key);
        if (c) c.n++;
        else this.counts.set(key, { operation: operationId, consumer, kind: f.kind, n: 1 });
      }
    }
    return out;
  }

  /** Requests each fault kind was applied to since start, by operation and consumer. */
  injectedCounts(): Iterable<{ operation: string; consumer: string; kind: FaultKind; n: number }> {
    return this.counts.values();
  }

  private prune(): void {
    const at = this.now();
    if (this.active.some((a) => a.expiresAt <= at)) this.active = this.active.filter((a) => a.expiresAt > at);
  }

  private view(a: Active, at: number): FaultView {
    return {
      id: a.id,
      kind: a.spec.action.kind,
      action: a.spec.action,
      scope: a.spec.scope,
      ...(a.spec.label !== undefined ? { label: a.spec.label } : {}),
      description: `${describeAction(a.spec.action)} on ${describeScope(a.spec.scope)}`,
      createdAt: new Date(a.createdAt).toISOString(),
      expiresAt: new Date(a.expiresAt).toISOString(),
      remainingMs: Math.max(0, a.expiresAt - at),
      injected: a.injected,
    };
  }
}
