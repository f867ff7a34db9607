import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REDACTED, TRUNCATED, EXCERPT_DEPTH, redactBody, redactExcerpt, redactValue } from '../../src/proxy/redact.js';
import { built, runIsolated } from './isolated.js';

/** Seeded and bounded: the same cases on every run. */
const runs = (numRuns: number) => ({ seed: 20261203, numRuns, endOnFailure: true });

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

/** A set of secret names that counts the look-ups made in it: `isSecret` asks it about every name it judges. */
class CountingSet extends Set<string> {
  lookups = 0;
  override has(name: string): boolean {
    this.lookups++;
    return super.has(name);
  }
}

/** `value` behind a proxy that counts the elements and fields read out of it, at any depth. */
function counted<T>(value: T): { value: T; reads: () => number } {
  let reads = 0;
  const wrap = (node: unknown): unknown =>
    node !== null && typeof node === 'object'
      ? new Proxy(node, {
          get(target, key, receiver) {
            if (key !== 'length') reads++;
            return wrap(Reflect.get(target, key, receiver));
          },
        })
      : node;
  return { value: wrap(value) as T, reads: () => reads };
}

/** What excerpts were before they had a budget: redact all of it, serialise all of it, then cut. */
function unbudgeted(value: unknown, secretNames: ReadonlySet<string>, max: number): unknown {
  const redacted = redactValue(value, secretNames);
  const text = JSON.stringify(redacted);
  return text.length <= max ? redacted : `${text.slice(0, max)}…`;
}

describe('body excerpts on a budget', () => {
  it('judges only the names that fit in the excerpt: an 85,000-key body costs a few hundred look-ups, not 85,000', () => {
    const names = new CountingSet();
    const body = json(Object.fromEntries(Array.from({ length: 85_000 }, (_, i) => [`k${i}`, 1])));
    const excerpt = redactBody(body, 'application/json', names);
    expect(typeof excerpt).toBe('string');
    expect((excerpt as string).length).toBe(4097);
    expect((excerpt as string).startsWith('{"k0":1,"k1":1,')).toBe(true);
    expect(names.lookups).toBeGreaterThan(0);
    expect(names.lookups).toBeLessThan(2 * 4096); // before: two per key, 170,000
  });

  it('reads only what fits: a million-element array, a wide object, a long array of objects', () => {
    const list = counted(Array.from({ length: 1_000_000 }, (_, i) => i));
    const cut = redactExcerpt(list.value, new Set(), 4096);
    expect(cut.complete).toBe(false);
    expect(list.reads()).toBeLessThan(4096); // before: all 1,000,000
    const wide = counted({ list: Array.from({ length: 200_000 }, (_, i) => ({ [`password${i}`]: `s${i}`, name: `n${i}` })) });
    const text = (redactExcerpt(wide.value, new Set(), 4096) as { text: string }).text;
    expect(text.length).toBe(4096);
    expect(text).not.toMatch(/"s\d+"/);
    expect(text.startsWith(`{"list":[{"password0":"${REDACTED}","name":"n0"},`)).toBe(true);
    expect(wide.reads()).toBeLessThan(4096);
  });

  it('cuts a long string or name without serialising it whole, exactly where the whole text would be cut', () => {
    const long = 'x'.repeat(5_000_000);
    expect(redactBody(json({ a: long }), 'application/json', new Set())).toBe(`{"a":"${'x'.repeat(4096 - 6)}…`);
    expect(redactBody(json({ [long]: 'secret-free' }), 'application/json', new Set())).toBe(`{"${'x'.repeat(4096 - 2)}…`);
    const escaped = '"\\\n\u0001'.repeat(2_000); // each character escaped: the cut falls inside an escape
    expect(redactBody(json([escaped]), 'application/json', new Set())).toBe(unbudgeted([escaped], new Set(), 4096));
    const emoji = '😀'.repeat(3_000);
    for (const max of [10, 11, 12, 4095, 4096]) expect(redactBody(json([emoji]), 'application/json', new Set(), max)).toBe(unbudgeted([emoji], new Set(), max));
  });

  it('gives what the unbudgeted excerpt gave, for any value and any cap: the copy when it fits, the same first characters when not', () => {
    const secretKey = fc.constantFrom('password', 'pin', 'apiKey', 'x-auth', 'filter[secret]', 'held');
    const plainKey = fc.constantFrom('name', 'a', 'b', '__proto__', '10', '2', 'keyboard', 'max_tokens', '');
    const tree: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, fc.string({ maxLength: 8 }), fc.string({ unit: 'grapheme', maxLength: 4 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), tie('object'), tie('array')),
      object: fc.array(fc.tuple(fc.oneof(secretKey, plainKey), tie('node')), { maxLength: 5 }).map((entries) => Object.fromEntries(entries)),
      array: fc.array(tie('node'), { maxLength: 5 }),
    })).node;
    fc.assert(fc.property(tree, fc.integer({ min: 0, max: 160 }), (value, max) => {
      const body = json(value);
      const secretNames = new Set(['held']);
      expect(redactBody(body, 'application/json', secretNames, max)).toEqual(unbudgeted(JSON.parse(body.toString()), secretNames, max));
    }), runs(3_000));
  });

  it('never shows a secret, wherever the cap cuts, and keeps the depth cut', () => {
    const value = { user: { name: 'ann', password: 'SECRET-1', tokens: ['SECRET-2'], profile: { pin: 1234, pinned: true } }, list: [{ cvv: 'SECRET-3' }, { 'x-api-key': { nested: 'SECRET-4' } }], auth: null, after: 'visible' };
    const body = json(value);
    const whole = JSON.stringify(redactBody(body, 'application/json', new Set()));
    expect(whole).toContain('visible');
    for (let max = 0; max <= whole.length + 1; max++) {
      const excerpt = redactBody(body, 'application/json', new Set(), max);
      const text = typeof excerpt === 'string' ? excerpt : JSON.stringify(excerpt);
      expect(text, `cut at ${max}`).not.toMatch(/SECRET|1234/);
      expect(excerpt).toEqual(unbudgeted(value, new Set(), max));
    }
    const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    const excerpt = redactBody(Buffer.from(deep), 'application/json', new Set(), 100_000) as Record<string, unknown>;
    let node = excerpt;
    for (let depth = 1; depth < EXCERPT_DEPTH; depth++) node = node.a as Record<string, unknown>;
    expect(node.a).toBe(TRUNCATED);
  });

  it('does not block: 85,000 keys, a million numbers and 20 MB of strings are excerpted in a child process that a hang would see killed', () => {
    const result = runIsolated(`
      const { redactBody } = await import(${built('proxy/redact.js')});
      const keys = Buffer.from(JSON.stringify(Object.fromEntries(Array.from({ length: 85000 }, (_, i) => ['k' + i, 1]))));
      const numbers = Buffer.from(JSON.stringify(Array.from({ length: 1000000 }, (_, i) => i)));
      const strings = Buffer.from(JSON.stringify(Array.from({ length: 2000 }, (_, i) => 'v' + i + 'x'.repeat(10000))));
      const out = [];
      for (let round = 0; round < 5; round++) for (const body of [keys, numbers, strings]) out.push(redactBody(body, 'application/json', new Set()).length);
      process.stdout.write(JSON.stringify([...new Set(out)]));
    `);
    expect(result.signal, 'excerpting hung and was killed').toBe(null);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual([4097]);
  });
});
