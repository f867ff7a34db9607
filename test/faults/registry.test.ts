import { describe, expect, it } from 'vitest';
import { SwornError } from '../../src/errors.js';
import { MAX_FAULTS, parseFault } from '../../src/faults/model.js';
import { FaultRegistry } from '../../src/faults/registry.js';

/** A registry on a clock the test moves by hand. */
function registry(start = Date.UTC(2026, 0, 1)) {
  const clock = { now: start };
  const faults = new FaultRegistry(() => clock.now);
  return { faults, clock, add: (input: Record<string, unknown>) => faults.add(parseFault(input)) };
}

/** Indexes (0-based) of the requests out of `n` a fault touched. */
function chosen(faults: FaultRegistry, n: number, op = 'createPayment', consumer = 'checkout', tier = 'gold'): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (faults.decide(op, consumer, tier)) out.push(i);
  return out;
}

describe('shares: each fault touches its share of the requests in scope', () => {
  it('an error at 10% on 2,000 requests in scope fails exactly 200, and every prefix of ten is within one', () => {
    // EvenFailures: blocks of ⌈1/0.1⌉ = 10 requests; block i fails ⌊1 + carry⌋ (carry in [0, 1)), so after n blocks the count is
    // n + carry₀ - carryₙ, an integer within (-1, 1) of n: exactly n. Within a block it is at most one ahead.
    const { faults, add } = registry();
    add({ kind: 'error', status: 503, percent: 10, seed: 7 });
    const hits = chosen(faults, 2_000);
    expect(hits).toHaveLength(200);
    for (let k = 10; k <= 2_000; k += 10) {
      const upTo = hits.filter((i) => i < k).length;
      expect(Math.abs(upTo - k / 10)).toBeLessThanOrEqual(1);
    }
    expect(faults.list()[0]!.injected).toBe(200);
    expect([...faults.injectedCounts()]).toEqual([{ operation: 'createPayment', consumer: 'checkout', kind: 'error', n: 200 }]);
  });

  it('a share that does not divide evenly (7%) is within one of its expected count after every whole block', () => {
    const { faults, add } = registry();
    add({ kind: 'error', percent: 7, seed: 3 });
    const hits = chosen(faults, 3_000);
    const block = Math.ceil(1 / 0.07); // 15
    for (let k = block; k <= 3_000; k += block) {
      const upTo = hits.filter((i) => i < k).length;
      expect(Math.abs(upTo - k * 0.07)).toBeLessThan(1);
    }
  });

  it('the chosen requests are spread: no fixed position in the block is always chosen', () => {
    const { faults, add } = registry();
    add({ kind: 'error', percent: 10, seed: 11 });
    const positions = new Set(chosen(faults, 2_000).map((i) => i % 10));
    expect(positions.size).toBeGreaterThan(1);
  });

  it('0% touches nothing and 100% touches everything in scope', () => {
    const { faults, add } = registry();
    add({ kind: 'error', percent: 0 });
    expect(chosen(faults, 500)).toEqual([]);
    faults.clear();
    add({ kind: 'error', percent: 100 });
    expect(chosen(faults, 500)).toHaveLength(500);
  });

  it('the same seed chooses the same requests, on a fresh registry or after other faults came and went; another seed others', () => {
    const run = (seed: number, before = 0) => {
      const { faults, add } = registry();
      for (let i = 0; i < before; i++) faults.remove(add({ kind: 'reset', percent: 50 }).id);
      add({ kind: 'error', percent: 10, seed });
      return chosen(faults, 2_000);
    };
    const first = run(42);
    expect(run(42)).toEqual(first);
    expect(run(42, 5)).toEqual(first);
    expect(run(43)).not.toEqual(first);
  });

  it('two faults of the same seed but different kinds choose independently', () => {
    const { faults, add } = registry();
    add({ kind: 'latency', add: '100ms', percent: 10 });
    add({ kind: 'truncate', percent: 10 });
    const latency: number[] = [];
    const truncate: number[] = [];
    for (let i = 0; i < 2_000; i++) {
      const injection = faults.decide('op', 'c', 't');
      if (injection?.addMs) latency.push(i);
      if (injection?.truncate !== undefined) truncate.push(i);
    }
    expect([latency.length, truncate.length]).toEqual([200, 200]);
    expect(latency).not.toEqual(truncate);
  });
});

describe('scope', () => {
  it('operations, consumers and tiers each narrow the requests touched; requests out of scope are never counted', () => {
    const { faults, add } = registry();
    add({ kind: 'error', operations: ['createPayment'] });
    add({ kind: 'reset', consumers: ['checkout', 'web'] });
    add({ kind: 'timeout', tiers: ['gold'] });
    const kinds = (op: string, consumer: string, tier: string) => faults.decide(op, consumer, tier)?.faults.map((f) => f.kind) ?? [];
    // Precedence aside (only one answers), which faults are in scope shows in which answers: each fault alone first.
    expect(kinds('listItems', 'mobile', 'free')).toEqual([]);
    expect(kinds('createPayment', 'mobile', 'free')).toEqual(['error']);
    expect(kinds('listItems', 'web', 'free')).toEqual(['reset']);
    expect(kinds('listItems', 'mobile', 'gold')).toEqual(['timeout']);
    const views = Object.fromEntries(faults.list().map((v) => [v.kind, v.injected]));
    expect(views).toEqual({ error: 1, reset: 1, timeout: 1 });
  });

  it('every list given must match', () => {
    const { faults, add } = registry();
    add({ kind: 'error', operations: ['createPayment'], consumers: ['checkout'], tiers: ['gold'] });
    expect(faults.decide('createPayment', 'checkout', 'gold')?.answer).toEqual({ kind: 'error', status: 503 });
    expect(faults.decide('createPayment', 'checkout', 'free')).toBeUndefined();
    expect(faults.decide('createPayment', 'web', 'gold')).toBeUndefined();
    expect(faults.decide('getPayment', 'checkout', 'gold')).toBeUndefined();
  });

  it('requests out of scope take no share: a consumer\'s chosen requests are the same with or without others\' traffic between them', () => {
    const alone = registry();
    alone.add({ kind: 'error', consumers: ['checkout'], percent: 10, seed: 5 });
    const expected = chosen(alone.faults, 1_000);
    const mixed = registry();
    mixed.add({ kind: 'error', consumers: ['checkout'], percent: 10, seed: 5 });
    const hits: number[] = [];
    let n = 0;
    for (let i = 0; i < 3_000; i++) {
      if (i % 3 === 0) {
        if (mixed.faults.decide('createPayment', 'checkout', 'gold')) hits.push(n);
        n++;
      } else {
        expect(mixed.faults.decide('createPayment', i % 3 === 1 ? 'web' : 'mobile', 'gold')).toBeUndefined();
      }
    }
    expect(hits).toEqual(expected);
    expect([...mixed.faults.injectedCounts()]).toEqual([{ operation: 'createPayment', consumer: 'checkout', kind: 'error', n: 100 }]);
    expect(mixed.faults.list()[0]!.injected).toBe(100);
  });
});

describe('TTL', () => {
  it('a fault removes itself when its TTL passes: gone from decide, list and size, on the injected clock', () => {
    const { faults, clock, add } = registry();
    const view = add({ kind: 'error', ttl: '2m' });
    expect(view.remainingMs).toBe(120_000);
    expect(view.expiresAt).toBe(new Date(clock.now + 120_000).toISOString());
    clock.now += 119_999;
    expect(faults.decide('op', 'c', 't')?.answer?.kind).toBe('error');
    expect(faults.list().map((v) => v.remainingMs)).toEqual([1]);
    clock.now += 1;
    expect(faults.decide('op', 'c', 't')).toBeUndefined();
    expect(faults.list()).toEqual([]);
    expect(faults.size).toBe(0);
    expect(faults.remove(view.id)).toBeUndefined();
  });

  it('faults expire one by one; the rest stay in force', () => {
    const { faults, clock, add } = registry();
    add({ kind: 'error', ttl: '1m' });
    add({ kind: 'latency', add: '100ms', ttl: '3m' });
    clock.now += 60_000;
    expect(faults.list().map((v) => v.kind)).toEqual(['latency']);
    expect(faults.decide('op', 'c', 't')).toMatchObject({ addMs: 100, faults: [{ kind: 'latency' }] });
    clock.now += 120_000;
    expect(faults.decide('op', 'c', 't')).toBeUndefined();
  });

  it('the registry refuses a TTL over 24h even when given a spec directly', () => {
    const { faults } = registry();
    expect(() => faults.add({ ...parseFault({ kind: 'reset' }), ttlMs: 24 * 3_600_000 + 1 })).toThrow(SwornError);
  });
});

describe('combining faults on one request', () => {
  it('answers take precedence: unavailable over reset over timeout over error, in whatever order they were added', () => {
    const orders = [['error', 'timeout', 'reset', 'unavailable'], ['unavailable', 'reset', 'timeout', 'error'], ['timeout', 'error', 'unavailable', 'reset']];
    for (const order of orders) {
      for (let drop = 0; drop <= 3; drop++) {
        const { faults, add } = registry();
        const kinds = ['unavailable', 'reset', 'timeout', 'error'].slice(drop);
        for (const kind of order.filter((k) => kinds.includes(k))) add({ kind });
        const injection = faults.decide('op', 'c', 't')!;
        expect(injection.answer!.kind).toBe(kinds[0]);
        expect(injection.faults.map((f) => f.kind)).toEqual([kinds[0]]);
        expect(faults.list().filter((v) => v.injected > 0).map((v) => v.kind)).toEqual([kinds[0]]);
      }
    }
  });

  it('latencies add up and factors multiply; the tightest truncate and bandwidth win', () => {
    const { faults, add } = registry();
    add({ kind: 'latency', add: '100ms', factor: 2 });
    add({ kind: 'latency', add: '50ms', factor: 3 });
    add({ kind: 'truncate', keep: 0.5 });
    add({ kind: 'truncate', keep: 0.2 });
    add({ kind: 'bandwidth', rate: 1000 });
    add({ kind: 'bandwidth', rate: 500 });
    const injection = faults.decide('op', 'c', 't')!;
    expect(injection).toMatchObject({ addMs: 150, factor: 6, truncate: 0.2, bytesPerSecond: 500 });
    expect(injection.answer).toBeUndefined();
    expect(injection.faults).toHaveLength(6);
  });

  it('an answer drops the body-side faults and stretching (not counted as injected); added latency still applies first', () => {
    const { faults, add } = registry();
    add({ kind: 'latency', add: '100ms' });
    add({ kind: 'latency', factor: 5 });
    add({ kind: 'truncate' });
    add({ kind: 'bandwidth', rate: 10 });
    add({ kind: 'error', status: 500 });
    const injection = faults.decide('op', 'c', 't')!;
    expect(injection).toEqual({ faults: [{ id: 'f1', kind: 'latency' }, { id: 'f5', kind: 'error' }], addMs: 100, factor: 1, answer: { kind: 'error', status: 500 } });
    expect(Object.fromEntries(faults.list().map((v) => [v.id, v.injected]))).toEqual({ f1: 1, f2: 0, f3: 0, f4: 0, f5: 1 });
    expect([...faults.injectedCounts()].map((c) => `${c.kind}=${c.n}`).sort()).toEqual(['error=1', 'latency=1']);
  });

  it('jitter stays within ±jitter of the added latency, is never negative, and varies', () => {
    const { faults, add } = registry();
    add({ kind: 'latency', add: '200ms', jitter: '50ms', seed: 9 });
    const added = Array.from({ length: 2_000 }, () => faults.decide('op', 'c', 't')!.addMs);
    for (const ms of added) {
      expect(ms).toBeGreaterThanOrEqual(150);
      expect(ms).toBeLessThanOrEqual(250);
    }
    expect(new Set(added).size).toBeGreaterThan(100);
    expect(Math.min(...added)).toBeLessThan(175);
    expect(Math.max(...added)).toBeGreaterThan(225);
    faults.clear();
    add({ kind: 'latency', add: '10ms', jitter: '50ms' });
    for (let i = 0; i < 500; i++) {
      const ms = faults.decide('op', 'c', 't')!.addMs;
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThanOrEqual(60);
    }
  });
});

describe('bookkeeping', () => {
  it(`at most ${MAX_FAULTS} faults are in force; removing one makes room`, () => {
    const { faults, add } = registry();
    for (let i = 0; i < MAX_FAULTS; i++) add({ kind: 'reset', percent: 1 });
    expect(() => add({ kind: 'reset' })).toThrow(expect.objectContaining({ code: 'SWORN_ERR_FAULT', message: `${MAX_FAULTS} faults are in force already` }));
    expect(faults.size).toBe(MAX_FAULTS);
    expect(faults.remove('f1')?.id).toBe('f1');
    expect(add({ kind: 'reset' }).id).toBe(`f${MAX_FAULTS + 1}`); // ids are never reused; a refused add takes none;
  });

  it('expired faults make room too', () => {
    const { faults, clock, add } = registry();
    for (let i = 0; i < MAX_FAULTS; i++) add({ kind: 'reset', ttl: '1m' });
    clock.now += 60_000;
    expect(add({ kind: 'reset' }).kind).toBe('reset');
    expect(faults.size).toBe(1);
  });

  it('list shows each fault with its description and timing; remove and clear say what they removed', () => {
    const { faults, add } = registry();
    const a = add({ kind: 'latency', add: '200ms', operations: ['createPayment'], consumers: ['checkout'], percent: 10, label: 'step 1' });
    add({ kind: 'unavailable' });
    expect(faults.list()[0]).toEqual({ ...a, injected: 0 });
    expect(a).toMatchObject({ id: 'f1', kind: 'latency', label: 'step 1', description: 'latency +200ms on createPayment · consumer checkout · 10%', remainingMs: 300_000 });
    expect(faults.remove('f9')).toBeUndefined();
    expect(faults.remove('f1')?.id).toBe('f1');
    expect(faults.clear()).toBe(1);
    expect(faults.clear()).toBe(0);
    expect(faults.decide('op', 'c', 't')).toBeUndefined();
  });

  it('counts since start survive removal (counters never go back)', () => {
    const { faults, add } = registry();
    add({ kind: 'error', operations: ['a'] });
    chosen(faults, 3, 'a');
    faults.clear();
    add({ kind: 'error', operations: ['a'] });
    chosen(faults, 2, 'a');
    expect([...faults.injectedCounts()]).toEqual([{ operation: 'a', consumer: 'checkout', kind: 'error', n: 5 }]);
  });
});
