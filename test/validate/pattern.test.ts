import { describe, expect, it } from 'vitest';
import { compilePattern, translatePattern } from '../../src/validate/pattern.js';

/** Patterns RE2 runs, each with inputs; the verdict must equal JavaScript's (ECMA-262, `u` flag). */
const SAME_AS_JS: Array<[string, string[]]> = [
  ['^[a-z0-9-]{3,40}$', ['abc', 'ab', 'a-b-c', 'ABC', 'x'.repeat(41)]],
  ['\\d+', ['a1', 'abc', '\u0663']],
  ['^\\w+$', ['h\u00e9llo', 'hello_1']],
  ['^\\s*$', [' \t\n\v\f\r', '\u00a0', '\u2028', '\ufeff', '\u200b', '\u180e', 'x']],
  ['^\\S+$', ['abc', 'a b', 'a\u3000b', '\u180e']],
  ['^.$', ['a', '\n', '\r', '\u2028', '\u2029', '\u{1F600}', '\u0085', '\ud800']],
  ['^[^]$', ['\n', 'a', '']],
  ['a[]|b', ['a', 'b']],
  ['\\u00e9', ['\u00e9', 'e']],
  ['^\\u{1F600}$', ['\u{1F600}', '\ud83d']],
  ['^\\uD83D\\uDE00$', ['\u{1F600}']],
  ['^[\\u{1F600}-\\u{1F64F}]+$', ['\u{1F600}\u{1F64F}', 'a']],
  ['^[\\u0041-\\u005A]+$', ['ABC', 'abc']],
  ['\\x41', ['A', 'a']],
  ['^\\cJ$', ['\n', 'J']],
  ['^\\0$', ['\0', '0']],
  ['^\\t\\n\\v\\f\\r$', ['\t\n\v\f\r']],
  ['^\\p{L}+$', ['h\u00e9llo', 'h3']],
  ['\\p{Lu}', ['a', 'A']],
  ['^\\p{Letter}+$', ['abc', 'a1']],
  ['^\\p{gc=Decimal_Number}+$', ['123', '12a']],
  ['\\p{Script=Greek}', ['\u03b1', 'a']],
  ['\\p{sc=Greek}', ['\u03b1', 'a']],
  ['^\\P{L}+$', ['a', '12']],
  ['^[\\p{L}\\p{N}_-]+$', ['a_1-\u00e9', 'a b']],
  ['^\\p{ASCII}+$', ['abc', '\u00e9']],
  ['^\\P{ASCII}+$', ['\u00e9', 'e']],
  ['^[\\P{ASCII}x]+$', ['\u00e9x', 'y']],
  ['^\\p{ASCII_Hex_Digit}+$', ['c0ffee', 'g']],
  ['^\\p{Emoji}+$', ['\u{1F600}', 'a']],
  ['^[^\\p{ASCII_Hex_Digit}]+$', ['xyz', 'a']],
  ['\\bfoo\\b', ['a foo b', 'afoo', 'foo_']],
  ['\\Bfoo', ['afoo', ' foo']],
  ['^[\\b]$', ['\b', 'b']],
  ['^(?<year>\\d{4})-(?<month>\\d{2})$', ['2024-05', '2024-5']],
  ['^(?:a|b)+?c$', ['ababc', 'abd']],
  ['^a{2,3}$', ['a', 'aa', 'aaa', 'aaaa']],
  ['^a{2,}$', ['a', 'aaaaa']],
  ['^[\\-\\]\\[]+$', [']-[', 'a']],
  ['^[[:a]+$', ['[:a', 'b']],
  ['^[a-]+$', ['a-', 'b']],
  ['^[--a]+$', ['-./a', 'b']],
  ['\\/', ['/', 'a']],
  ['\\.', ['.', 'a']],
  ['^$', ['', 'a']],
  ['a|', ['b']],
  ['^a$|^b$', ['a', 'b', 'ab']],
  ['^(a)|b$', ['ax', 'xb', 'x']],
  ['^[\\s\\d]+$', [' 1', '\u00a0', 'a']],
  ['^[^\\s]+$', ['ab', 'a\u00a0b']],
  ['^[^\\S]+$', [' \u3000', 'a']],
  ['^[\\S]+$', ['ab', 'a b']],
  ['^\\D\\W$', ['a!', '1!']],
  ['\u00e9+', ['\u00e9\u00e9', 'e']],
  ['^\u{1F600}+$', ['\u{1F600}\u{1F600}', '\u{1F601}']],
  ['(a+)+$', ['aaaa!', 'aaaa']],
  ['^[\\^$.|?*+()]+$', ['^$.|?*+()', 'a']],
  ['^\\$\\{x\\}$', ['${x}']],
  ['^ a # b $', [' a # b ', 'a#b']],
  // GitHub's REST API patterns
  ['^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$', ['aGVsbG8=', 'aGVsbG8']],
  ['^ssh-(rsa|dss|ed25519) |^ecdsa-sha2-nistp(256|384|521) ', ['ssh-rsa AAA', 'ecdsa-sha2-nistp256 x', 'ssh-foo ']],
  ['^refs/(heads|tags|pull)/.*$', ['refs/heads/main', 'refs/x/y']],
];

describe('patterns in linear time (RE2)', () => {
  it.each(SAME_AS_JS)('%s gives the verdicts JavaScript gives', (pattern, inputs) => {
    const compiled = compilePattern(pattern);
    expect(compiled.ok, pattern).toBe(true);
    if (!compiled.ok) return;
    const js = new RegExp(pattern, 'u');
    for (const input of inputs) expect(compiled.regExp.test(input), `${pattern} on ${JSON.stringify(input)}`).toBe(js.test(input));
  });

  it('reads \\s, \\S and . as ECMA-262 does for every code point of the BMP', () => {
    const space = compilePattern('^\\s$');
    const notSpace = compilePattern('^[\\S]$');
    const dot = compilePattern('^.$');
    if (!space.ok || !notSpace.ok || !dot.ok) throw new Error('not compiled');
    const differ: string[] = [];
    for (let cp = 0; cp <= 0xffff; cp++) {
      const c = String.fromCharCode(cp);
      if (space.regExp.test(c) !== /^\s$/u.test(c) || notSpace.regExp.test(c) !== /^[\S]$/u.test(c) || dot.regExp.test(c) !== /^.$/u.test(c)) differ.push(cp.toString(16));
    }
    expect(differ).toEqual([]);
  });

  it('matches anchored patterns against the whole value', () => {
    expect(translatePattern('^[a-z]+$')).toEqual({ ok: true, source: '[a-z]+', exact: true });
    expect(translatePattern('^a$|^b$')).toMatchObject({ ok: true, exact: false });
    expect(translatePattern('^a')).toMatchObject({ ok: true, exact: false });
  });

  it('refuses what RE2 cannot run, with the reason, and never falls back to backtracking', () => {
    const reasons = Object.fromEntries(['^(?=.*\\d).{8,}$', '^(?!admin).*$', '(?<=\\$)\\d+', '(?<!x)y', '^(a)\\1$', '^(?<x>a)\\k<x>$', '^a{1001}$', '^\\p{scx=Greek}$', '^\\p{ID_Start}$', '[', 'a{2,1}'].map((p) => {
      const result = compilePattern(p);
      return [p, result.ok ? 'compiled' : result.reason];
    }));
    expect(reasons).toEqual({
      '^(?=.*\\d).{8,}$': 'lookahead (?= is not supported by RE2',
      '^(?!admin).*$': 'lookahead (?! is not supported by RE2',
      '(?<=\\$)\\d+': 'lookbehind (?<= is not supported by RE2',
      '(?<!x)y': 'lookbehind (?<! is not supported by RE2',
      '^(a)\\1$': 'backreferences (\\1) are not supported by RE2',
      '^(?<x>a)\\k<x>$': 'named backreferences (\\k<name>) are not supported by RE2',
      '^a{1001}$': "the repetition {1001} exceeds RE2's limit of 1000",
      '^\\p{scx=Greek}$': 'the Unicode property \\p{scx=Greek} (Script_Extensions) is not supported by RE2',
      '^\\p{ID_Start}$': expect.stringMatching(/^RE2 cannot compile it \(.*ID_Start/),
      '[': expect.stringMatching(/^not a valid ECMA-262 regular expression \(/),
      'a{2,1}': expect.stringMatching(/^not a valid ECMA-262 regular expression \(/),
    });
  });

  it('runs the classic ReDoS patterns on hostile values', () => {
    const evil = `${'a'.repeat(40)}!`;
    for (const pattern of ['^(a+)+$', '^(a|a)*$', '^(a|aa)+$', '^([a-z]+)*[0-9]$', '^(\\w+\\s?)*$']) {
      const compiled = compilePattern(pattern);
      if (!compiled.ok) throw new Error(pattern);
      expect(compiled.regExp.test(evil), pattern).toBe(false);
      expect(compiled.regExp.test('a'.repeat(40)), pattern).toBe(pattern !== '^([a-z]+)*[0-9]$');
    }
  });
});
