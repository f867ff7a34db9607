import { describe, expect, it } from 'vitest';
import { SwornError } from '../../src/errors.js';
import { DEFAULT_TIMEOUT_MS, DEFAULT_TTL_MS, MAX_TTL_MS, describeAction, describeScope, faultJson, parseFault, type FaultSpec } from '../../src/faults/model.js';

/** The SwornError parseFault throws for `input` (fails the test when it accepts it). */
function refusal(input: unknown, where?: string): SwornError {
  try {
    parseFault(input, where);
  } catch (error) {
    expect(error).toBeInstanceOf(SwornError);
    expect((error as SwornError).code).toBe('SWORN_ERR_FAULT');
    return error as SwornError;
  }
  throw new Error(`parseFault accepted ${JSON.stringify(input)}`);
}

describe('parseFault: each kind with its settings', () => {
  it('latency: add, factor and jitter, durations as x-slo text or milliseconds', () => {
    expect(parseFault({ kind: 'latency', add: '200ms', jitter: '50ms' }).action).toEqual({ kind: 'latency', addMs: 200, factor: 1, jitterMs: 50 });
    expect(parseFault({ kind: 'latency', add: 1500 }).action).toEqual({ kind: 'latency', addMs: 1500, factor: 1, jitterMs: 0 });
    expect(parseFault({ kind: 'latency', add: '+2s' }).action).toMatchObject({ addMs: 2000 });
    expect(parseFault({ kind: 'latency', factor: 5 }).action).toEqual({ kind: 'latency', addMs: 0, factor: 5, jitterMs: 0 });
    expect(parseFault({ kind: 'latency', factor: '2.5x' }).action).toMatchObject({ factor: 2.5 });
  });

  it('latency needs add or factor, and a factor from 1 to 1000', () => {
    expect(refusal({ kind: 'latency' }).message).toContain('needs `add`');
    expect(refusal({ kind: 'latency', jitter: '10ms' }).message).toContain('needs `add`');
    for (const factor of [0.5, 1001, 'fast', -2]) expect(refusal({ kind: 'latency', factor }).message).toMatch(/^fault\.factor: .* not a slow-down factor/);
  });

  it('error: status (default 503), body and content type', () => {
    expect(parseFault({ kind: 'error' }).action).toEqual({ kind: 'error', status: 503 });
    expect(parseFault({ kind: 'error', status: 429, body: { title: 'slow down' }, contentType: 'application/problem+json' }).action).toEqual({ kind: 'error', status: 429, body: { title: 'slow down' }, contentType: 'application/problem+json' });
    expect(parseFault({ kind: 'error', status: 500, body: 'oops' }).action).toEqual({ kind: 'error', status: 500, body: 'oops' });
    for (const status of [200, 399, 600, 503.5, '503']) expect(refusal({ kind: 'error', status }).message).toMatch(/^fault\.status: .* not a whole number from 400 to 599/);
  });

  it('reset, unavailable, timeout (after, default 30s), truncate (keep, default half), bandwidth (rate with units)', () => {
    expect(parseFault({ kind: 'reset' }).action).toEqual({ kind: 'reset' });
    expect(parseFault({ kind: 'unavailable' }).action).toEqual({ kind: 'unavailable' });
    expect(parseFault({ kind: 'timeout' }).action).toEqual({ kind: 'timeout', afterMs: DEFAULT_TIMEOUT_MS });
    expect(parseFault({ kind: 'timeout', after: '2s' }).action).toEqual({ kind: 'timeout', afterMs: 2000 });
    expect(parseFault({ kind: 'truncate' }).action).toEqual({ kind: 'truncate', keep: 0.5 });
    expect(parseFault({ kind: 'truncate', keep: 0 }).action).toEqual({ kind: 'truncate', keep: 0 });
    expect(parseFault({ kind: 'truncate', keep: 0.25 }).action).toEqual({ kind: 'truncate', keep: 0.25 });
    for (const keep of [1, 1.5, -0.1, '0.5']) expect(refusal({ kind: 'truncate', keep }).message).toMatch(/^fault\.keep: /);
    expect(parseFault({ kind: 'bandwidth', rate: 16384 }).action).toEqual({ kind: 'bandwidth', bytesPerSecond: 16384 });
    expect(parseFault({ kind: 'bandwidth', rate: '16KB/s' }).action).toEqual({ kind: 'bandwidth', bytesPerSecond: 16000 });
    expect(parseFault({ kind: 'bandwidth', rate: '1MiB/s' }).action).toEqual({ kind: 'bandwidth', bytesPerSecond: 1_048_576 });
    expect(parseFault({ kind: 'bandwidth', rate: '2 kib' }).action).toEqual({ kind: 'bandwidth', bytesPerSecond: 2048 });
    for (const rate of [undefined, 0, 0.5, 'fast', '10 GB/s']) expect(refusal({ kind: 'bandwidth', ...(rate === undefined ? {} : { rate }) }).message).toMatch(/^fault\.rate: .* not a rate/);
  });

  it('scope: names as a list or one string (deduplicated), percent as a number or "10%", defaults to every request for 5 minutes', () => {
    const spec: FaultSpec = parseFault({ kind: 'reset', operations: 'createPayment', consumers: ['checkout', 'checkout', 'web'], tiers: ['gold'], percent: '10%', ttl: '2m', seed: 42, label: 'step 1' });
    expect(spec).toEqual({ action: { kind: 'reset' }, scope: { operations: ['createPayment'], consumers: ['checkout', 'web'], tiers: ['gold'], percent: 10 }, ttlMs: 120_000, seed: 42, label: 'step 1' });
    expect(parseFault({ kind: 'reset' })).toEqual({ action: { kind: 'reset' }, scope: { percent: 100 }, ttlMs: DEFAULT_TTL_MS, seed: 1 });
    expect(parseFault({ kind: 'reset', percent: 0 }).scope.percent).toBe(0);
    expect(parseFault({ kind: 'reset', percent: '12.5 %' }).scope.percent).toBe(12.5);
    expect(parseFault({ kind: 'reset', percent: 100 }).scope.percent).toBe(100);
  });
});

describe('parseFault: what it refuses', () => {
  it('an unknown kind, with the nearest one', () => {
    const e = refusal({ kind: 'latncy', add: '1s' });
    expect(e.message).toBe('fault.kind: "latncy" is not a fault kind');
    expect(e.hint).toContain('Did you mean "latency"?');
    expect(e.hint).toContain('Kinds: latency, error, reset, timeout, truncate, bandwidth, unavailable.');
    expect(refusal({ add: '1s' }).message).toBe('fault.kind: missing');
    expect(refusal({ kind: 7 }).message).toBe('fault.kind: 7 is not a fault kind');
  });

  it('an unknown setting, or one of another kind, with the nearest one and where it is', () => {
    const typo = refusal({ kind: 'error', status: 503, precent: 10 }, 'faults[3]');
    expect(typo.message).toBe('faults[3].precent: not a setting of an error fault');
    expect(typo.hint).toContain('Did you mean "percent"?');
    const other = refusal({ kind: 'reset', status: 503 });
    expect(other.message).toBe('fault.status: not a setting of a reset fault');
    expect(other.hint).toContain('A reset fault takes: kind, operations, consumers, tiers, percent, ttl, seed, label.');
    expect(refusal({ kind: 'timeout', afterr: '1s' }).hint).toContain('Did you mean "after"?');
  });

  it('bad durations', () => {
    for (const add of ['soon', '200', '-1s', -5, Number.NaN, Number.POSITIVE_INFINITY, '25h', MAX_TTL_MS + 1, true, null]) {
      expect(refusal({ kind: 'latency', add }).message).toMatch(/^fault\.add: .* is not a duration up to 24h$/);
    }
    expect(refusal({ kind: 'timeout', after: '1 minute' }).message).toMatch(/^fault\.after: /);
    expect(refusal({ kind: 'latency', add: '1s', jitter: 'lots' }).message).toMatch(/^fault\.jitter: /);
  });

  it('shares outside 0-100', () => {
    for (const percent of [100.5, 101, '150%', -1, '-5', 'half', true, null, [10]]) expect(refusal({ kind: 'reset', percent }).message).toMatch(/^fault\.percent: .* is not a percentage from 0 to 100$/);
  });

  it('a TTL of 0 or over 24h, in either notation', () => {
    expect(refusal({ kind: 'reset', ttl: 0 }).message).toBe('fault.ttl: a fault needs a time to live above 0');
    expect(refusal({ kind: 'reset', ttl: '0ms' }).message).toBe('fault.ttl: a fault needs a time to live above 0');
    expect(refusal({ kind: 'reset', ttl: '25h' }).message).toMatch(/^fault\.ttl: .* up to 24h$/);
    expect(refusal({ kind: 'reset', ttl: '2d' }).message).toMatch(/^fault\.ttl: .* up to 24h$/);
    expect(refusal({ kind: 'reset', ttl: MAX_TTL_MS + 1 }).message).toMatch(/^fault\.ttl: .* up to 24h$/);
    expect(parseFault({ kind: 'reset', ttl: '24h' }).ttlMs).toBe(MAX_TTL_MS);
    expect(parseFault({ kind: 'reset', ttl: MAX_TTL_MS }).ttlMs).toBe(MAX_TTL_MS);
    expect(parseFault({ kind: 'reset', ttl: 1 }).ttlMs).toBe(1);
  });

  it('odd types: not an object, bad name lists, seeds, labels', () => {
    for (const input of [null, undefined, 'reset', 42, [], [{ kind: 'reset' }]]) expect(refusal(input).message).toBe('fault: a fault is an object');
    for (const operations of [[], [''], [7], 'x'.repeat(201), {}, 3]) expect(refusal({ kind: 'reset', operations }).message).toBe('fault.operations: a list of names');
    expect(refusal({ kind: 'reset', consumers: [null] }).message).toBe('fault.consumers: a list of names');
    expect(refusal({ kind: 'reset', tiers: [] }).message).toBe('fault.tiers: a list of names');
    for (const seed of [-1, 1.5, '7', 2 ** 31 + 1]) expect(refusal({ kind: 'reset', seed }).message).toMatch(/^fault\.seed: /);
    expect(refusal({ kind: 'reset', label: 5 }).message).toBe('fault.label: a short text (up to 200 characters)');
    expect(refusal({ kind: 'reset', label: 'x'.repeat(201) }).message).toBe('fault.label: a short text (up to 200 characters)');
    expect(refusal({ kind: 'error', contentType: ['a'] }).message).toMatch(/^fault\.contentType: /);
  });
});

describe('describeAction and describeScope', () => {
  it('say what a fault does in words', () => {
    const action = (input: Record<string, unknown>) => describeAction(parseFault(input).action);
    expect(action({ kind: 'latency', add: '200ms', jitter: '50ms' })).toBe('latency +200ms ±50ms');
    expect(action({ kind: 'latency', factor: 5 })).toBe('latency 5x');
    expect(action({ kind: 'latency', add: '2s', factor: 3 })).toBe('latency +2s 3x');
    expect(action({ kind: 'error', status: 429 })).toBe('error 429');
    expect(action({ kind: 'timeout', after: '2s' })).toBe('timeout after 2s');
    expect(action({ kind: 'truncate', keep: 0.25 })).toBe('truncate at 25% of the body');
    expect(action({ kind: 'truncate', keep: 0.999999 })).toBe('truncate at 99.9999% of the body'); // never "100%": it does cut
    expect(action({ kind: 'bandwidth', rate: '16KB/s' })).toBe('bandwidth 16000 B/s');
    expect(action({ kind: 'reset' })).toBe('reset');
    expect(action({ kind: 'unavailable' })).toBe('unavailable');
  });

  it('say which requests it touches', () => {
    expect(describeScope({ percent: 100 })).toBe('every operation · 100%');
    expect(describeScope({ operations: ['createPayment'], consumers: ['checkout'], percent: 10 })).toBe('createPayment · consumer checkout · 10%');
    expect(describeScope({ operations: ['a', 'b'], consumers: ['x', 'y'], tiers: ['gold', 'free'], percent: 5 })).toBe('a, b · consumers x, y · tiers gold, free · 5%');
    expect(describeScope({ tiers: ['gold'], percent: 50 })).toBe('every operation · tier gold · 50%');
  });

  it('refuse an error body nested deep enough to exhaust the stack, and a content type that would smuggle a header', () => {
    const deep = JSON.parse(`${'['.repeat(30_000)}${']'.repeat(30_000)}`) as unknown;
    expect(() => parseFault({ kind: 'error', body: deep })).toThrow(expect.objectContaining({ code: 'SWORN_ERR_FAULT', message: 'fault.body: nested deeper than 32 levels' }));
    expect(() => parseFault({ kind: 'error', body: '{}', contentType: 'text/html\r\nSet-Cookie: a=b' })).toThrow(expect.objectContaining({ code: 'SWORN_ERR_FAULT', message: expect.stringContaining('fault.contentType') }));
    expect(parseFault({ kind: 'error', body: { a: { b: [1] } }, contentType: 'application/json; charset=utf-8' }).action).toMatchObject({ contentType: 'application/json; charset=utf-8' });
  });

  it('write back as the JSON POST /faults takes, every kind (faultJson is parseFault\'s inverse)', () => {
    for (const input of [
      { kind: 'latency', add: '200ms', factor: 2, jitter: '20ms', operations: ['a'], consumers: ['c'], tiers: ['gold'], percent: 10, ttl: '2m', seed: 3, label: 'step 1' },
      { kind: 'error', status: 500, body: { code: 'DOWN' }, contentType: 'application/json' },
      { kind: 'timeout', after: '5s' }, { kind: 'truncate', keep: 0.3 }, { kind: 'bandwidth', rate: '1KB/s' }, { kind: 'reset' }, { kind: 'unavailable' },
    ]) {
      const fault = parseFault(input);
      expect(parseFault(faultJson(fault))).toEqual(fault);
    }
  });
});
