import { describe, expect, it } from 'vitest';
import { patternIncluded, patternMatches, samplePattern } from '../../src/diff/schema-pattern.js';

const verdict = (accepted: string[], by: string, bounds?: { min?: number; max?: number }) => {
  const r = patternIncluded(accepted, by, bounds);
  return r.kind === 'witness' ? { witness: r.value } : r.kind;
};

describe('pattern inclusion (is every string one set of patterns accepts also accepted by another?)', () => {
  it('proves a wider pattern wider', () => {
    expect(verdict(['^[a-z]+$'], '.+')).toBe('subset');
    expect(verdict(['^[a-z]+$'], '.*')).toBe('subset');
    expect(verdict([], '.*')).toBe('subset'); // matches anywhere: every string
    expect(verdict(['^abc'], '^ab')).toBe('subset'); // a longer literal prefix
    expect(verdict(['^\\d{3}-\\d{4}$'], '^[0-9-]+$')).toBe('subset');
    expect(verdict(['^(foo|bar)$'], '^(foo|bar|baz)$')).toBe('subset');
    expect(verdict(['^[A-Z]{2}$'], '^[A-Z]{2,3}$')).toBe('subset');
    expect(verdict(['^\\w+$'], '^[A-Za-z0-9_]+$')).toBe('subset');
    expect(verdict(['x$'], 'x')).toBe('subset');
  });

  it('shows a narrower pattern with the shortest, most readable string it refuses', () => {
    expect(verdict(['^[a-z]+$'], '^[a-z]{1,3}$')).toEqual({ witness: 'aaaa' });
    expect(verdict(['^ab'], '^abc')).toEqual({ witness: 'ab' });
    expect(verdict(['^(foo|bar|baz)$'], '^(foo|bar)$')).toEqual({ witness: 'baz' });
    expect(verdict([], '^a')).toEqual({ witness: '' });
    expect(verdict(['x'], 'x$')).toEqual({ witness: 'xa' });
    expect(verdict(['.+'], '^[a-z]+$')).toEqual({ witness: '0' });
  });

  it('counts the lengths the schema allows', () => {
    expect(verdict(['^[a-z]+$'], '^[a-z]{1,3}$', { max: 3 })).toBe('subset');
    expect(verdict([], '^[\\s\\S]{2,}$', { min: 2 })).toBe('subset');
    expect(verdict([], '^.{2,}$', { min: 2 })).toEqual({ witness: 'a\u2028' }); // `.` is not a line terminator
    expect(verdict([], '^[\\s\\S]{2,}$', { min: 1 })).toEqual({ witness: 'a' });
  });

  it('reads classes, escapes and groups as ECMA-262 does', () => {
    expect(verdict(['^[^\\s]+$'], '^\\S+$')).toBe('subset');
    expect(verdict(['^\\x41\\u0042$'], '^AB$')).toBe('subset');
    expect(verdict(['^(?:a|b)(?<name>c)$'], '^[ab]c$')).toBe('subset');
    expect(verdict(['^[\\d.]+$'], '^[0-9.]+$')).toBe('subset');
    expect(verdict(['^.$'], '^[^\\n\\r\\u2028\\u2029]$')).toBe('subset');
    expect(verdict(['^\\u{1F600}$'], '^.$')).toBe('subset');
  });

  it('says unknown, never guesses, past the regular subset', () => {
    for (const p of ['^(?=a)', '(a)\\1', '\\bword\\b', '\\p{L}+', '(?<!x)y']) expect(verdict([p], '.*'), p).toBe('subset'); // whatever it accepts, `.*` holds it
    for (const p of ['^(?=a)', '(a)\\1', '\\bword\\b', '\\p{L}+', '(?<!x)y']) expect(verdict(['^a'], p), p).toBe('unknown');
    expect(verdict(['(unclosed'], '^a')).toBe('unknown');
  });

  it('samples the shortest string a set of patterns accepts', () => {
    expect(samplePattern(['^[a-z]{3}$'])).toBe('aaa');
    expect(samplePattern(['^\\d+$'], { min: 2 })).toBe('00');
    expect(samplePattern(['^a', 'b$'])).toBe('ab');
    expect(samplePattern(['^a$', '^b$'])).toBeUndefined();
  });

  it('matches values in linear time as the validators do', () => {
    expect(patternMatches('^a', 'ab')).toBe(true);
    expect(patternMatches('^a$', 'ab')).toBe(false);
    expect(patternMatches('(a)\\1', 'aa')).toBeUndefined(); // RE2 cannot run backreferences
  });
});
