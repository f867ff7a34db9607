import { RE2JS } from 're2js';

/**
 * Spec `pattern`s (and `patternProperties` keys) run in linear time: each
 * ECMA-262 pattern (read with the `u` flag, as JSON Schema says) is
 * translated to RE2 syntax and compiled with re2js, a pure-JS port of RE2.
 * Nothing here ever backtracks: a pattern RE2 cannot express (lookahead,
 * lookbehind, backreferences, repetition counts over 1000, some Unicode
 * properties) is reported as unsupported and is then not checked at all.
 */

/** What ajv needs of a compiled pattern (`RegExpLike`). */
export interface LinearRegExp {
  test(value: string): boolean;
  toString(): string;
}

/** A pattern RE2 cannot run, and why. */
export interface UnsupportedPattern {
  pattern: string;
  reason: string;
}

export type PatternTranslation = { ok: true; source: string; exact: boolean } | { ok: false; reason: string };

class Unsupported extends Error {}

/** ECMA-262 `\s`: WhiteSpace and LineTerminator code points (RE2's `\s` is ASCII only). */
const SPACE = '\\x{9}-\\x{d}\\x{20}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}\\x{feff}';
/** The complement of `SPACE`, as ranges (so `\S` works inside a class too). */
const NOT_SPACE = '\\x{0}-\\x{8}\\x{e}-\\x{1f}\\x{21}-\\x{9f}\\x{a1}-\\x{167f}\\x{1681}-\\x{1fff}\\x{200b}-\\x{2027}\\x{202a}-\\x{202e}\\x{2030}-\\x{205e}\\x{2060}-\\x{2fff}\\x{3001}-\\x{fefe}\\x{ff00}-\\x{10ffff}';
/** ECMA-262 `.` without the `s` flag: anything but a line terminator (RE2's excludes `\n` only). */
const DOT = '[^\\x{a}\\x{d}\\x{2028}\\x{2029}]';
const ANY = '\\x{0}-\\x{10ffff}';

/** Unicode property sets RE2 spells as ranges, with their complements. */
const RANGE_PROPERTIES: Record<string, [string, string | undefined]> = {
  Any: [ANY, undefined],
  ASCII: ['\\x{0}-\\x{7f}', '\\x{80}-\\x{10ffff}'],
  ASCII_Hex_Digit: ['0-9A-Fa-f', '\\x{0}-\\x{2f}\\x{3a}-\\x{40}\\x{47}-\\x{60}\\x{67}-\\x{10ffff}'],
};

/** ECMA-262 General_Category long names and aliases -> the short names RE2 knows. */
const CATEGORY: Record<string, string> = {
  Letter: 'L', Cased_Letter: 'LC', Uppercase_Letter: 'Lu', Lowercase_Letter: 'Ll', Titlecase_Letter: 'Lt', Modifier_Letter: 'Lm', Other_Letter: 'Lo',
  Mark: 'M', Combining_Mark: 'M', Nonspacing_Mark: 'Mn', Spacing_Mark: 'Mc', Enclosing_Mark: 'Me',
  Number: 'N', Decimal_Number: 'Nd', digit: 'Nd', Letter_Number: 'Nl', Other_Number: 'No',
  Punctuation: 'P', punct: 'P', Connector_Punctuation: 'Pc', Dash_Punctuation: 'Pd', Open_Punctuation: 'Ps', Close_Punctuation: 'Pe', Initial_Punctuation: 'Pi', Final_Punctuation: 'Pf', Other_Punctuation: 'Po',
  Symbol: 'S', Math_Symbol: 'Sm', Currency_Symbol: 'Sc', Modifier_Symbol: 'Sk', Other_Symbol: 'So',
  Separator: 'Z', Space_Separator: 'Zs', Line_Separator: 'Zl', Paragraph_Separator: 'Zp',
  Other: 'C', Control: 'Cc', cntrl: 'Cc', Format: 'Cf', Surrogate: 'Cs', Private_Use: 'Co', Unassigned: 'Cn',
};

const MAX_REPEAT = 1000;

/** One code point as RE2 reads it literally, inside or outside a class. */
function literal(cp: number): string {
  return (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) ? String.fromCodePoint(cp) : `\\x{${cp.toString(16)}}`;
}

function property(body: string, negated: boolean, inClass: boolean): string {
  const eq = body.indexOf('=');
  const key = eq < 0 ? '' : body.slice(0, eq);
  let value = eq < 0 ? body : body.slice(eq + 1);
  if (key === 'Script_Extensions' || key === 'scx') throw new Unsupported(`the Unicode property \\p{${body}} (Script_Extensions) is not supported by RE2`);
  if (key === 'General_Category' || key === 'gc' || key === '') value = CATEGORY[value] ?? value;
  else if (key !== 'Script' && key !== 'sc') throw new Unsupported(`the Unicode property \\p{${body}} is not supported by RE2`);
  const ranges = key === '' ? RANGE_PROPERTIES[value] : undefined;
  if (ranges) {
    if (!inClass) return negated ? `[^${ranges[0]}]` : `[${ranges[0]}]`;
    if (!negated) return ranges[0];
    if (ranges[1] === undefined) throw new Unsupported(`\\P{${body}} inside a character class is not supported`);
    return ranges[1];
  }
  return `\\${negated ? 'P' : 'p'}{${value}}`;
}

/**
 * Translates an ECMA-262 pattern (`u` flag) to an RE2 pattern with the same
 * meaning, or says why RE2 cannot run it. `exact` is true when the pattern
 * is anchored at both ends (`^…$`, no top-level `|`): `source` is then the
 * inside, to be matched against the whole value (RE2's fastest path).
 */
export function translatePattern(pattern: string): PatternTranslation {
  try {
    new RegExp(pattern, 'u');
  } catch (error) {
    return { ok: false, reason: `not a valid ECMA-262 regular expression (${(error as Error).message.replace(/^Invalid regular expression: \/.*\/u?: /s, '')})` };
  }
  try {
    return translateValid(pattern);
  } catch (error) {
    if (error instanceof Unsupported) return { ok: false, reason: error.message };
    throw error;
  }
}

/** The translation proper; `pattern` is known to be valid ECMA-262 with `u`. */
function translateValid(pattern: string): PatternTranslation {
  const cps = Array.from(pattern, (c) => c.codePointAt(0) as number);
  const ch = (i: number): string => (i < cps.length ? String.fromCodePoint(cps[i] as number) : '');
  const out: string[] = [];
  let depth = 0;
  let alternation = false;
  let firstAnchor = false;
  let lastAnchor = false;
  let i = 0;

  const hex = (from: number, to: number): number => parseInt(cps.slice(from, to).map((c) => String.fromCodePoint(c)).join(''), 16);
  /** Reads the escape after the `\` at `i`; returns a code point or an RE2 fragment, and the next index. */
  const escape = (at: number, inClass: boolean): [number | string, number] => {
    const c = ch(at);
    switch (c) {
      case 'd': case 'D': case 'w': case 'W':
        return [`\\${c}`, at + 1];
      case 's':
        return [inClass ? SPACE : `[${SPACE}]`, at + 1];
      case 'S':
        return [inClass ? NOT_SPACE : `[${NOT_SPACE}]`, at + 1];
      case 'b':
        return inClass ? [8, at + 1] : ['\\b', at + 1];
      case 'B':
        return ['\\B', at + 1];
      case 'f': return [12, at + 1];
      case 'n': return [10, at + 1];
      case 'r': return [13, at + 1];
      case 't': return [9, at + 1];
      case 'v': return [11, at + 1];
      case 'c': return [(cps[at + 1] as number) % 32, at + 2];
      case '0': return [0, at + 1];
      case 'x': return [hex(at + 1, at + 3), at + 3];
      case 'k': throw new Unsupported('named backreferences (\\k<name>) are not supported by RE2');
      case 'u': {
        if (ch(at + 1) === '{') {
          const end = cps.indexOf(0x7d, at + 2);
          return [hex(at + 2, end), end + 1];
        }
        const unit = hex(at + 1, at + 5);
        if (unit >= 0xd800 && unit <= 0xdbff && ch(at + 5) === '\\' && ch(at + 6) === 'u' && ch(at + 7) !== '{') {
          const low = hex(at + 7, at + 11);
          if (low >= 0xdc00 && low <= 0xdfff) return [0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00), at + 11];
        }
        return [unit, at + 5];
      }
      case 'p': case 'P': {
        const end = cps.indexOf(0x7d, at + 2);
        const body = cps.slice(at + 2, end).map((x) => String.fromCodePoint(x)).join('');
        return [property(body, c === 'P', inClass), end + 1];
      }
      default:
        if (c >= '1' && c <= '9') throw new Unsupported(`backreferences (\\${c}) are not supported by RE2`);
        return [cps[at] as number, at + 1]; // identity escape: a syntax character, `/` or (in a class) `-`
    }
  };
  const piece = (value: number | string): string => (typeof value === 'number' ? literal(value) : value);

  while (i < cps.length) {
    const c = ch(i);
    lastAnchor = false;
    if (c === '\\') {
      const [value, next] = escape(i + 1, false);
      out.push(piece(value));
      i = next;
    } else if (c === '[') {
      i++;
      const negated = ch(i) === '^';
      if (negated) i++;
      if (ch(i) === ']') {
        out.push(negated ? `[${ANY}]` : `[^${ANY}]`); // [^] matches any code point, [] none
        i++;
        continue;
      }
      let body = '';
      while (ch(i) !== ']') {
        let atom: number | string;
        if (ch(i) === '\\') [atom, i] = escape(i + 1, true);
        else atom = cps[i++] as number;
        if (ch(i) === '-' && ch(i + 1) !== ']' && typeof atom === 'number') {
          let high: number | string;
          if (ch(i + 1) === '\\') [high, i] = escape(i + 2, true);
          else [high, i] = [cps[i + 1] as number, i + 2];
          body += `${literal(atom)}-${piece(high)}`;
        } else body += piece(atom);
      }
      i++;
      out.push(`[${negated ? '^' : ''}${body}]`);
    } else if (c === '(') {
      if (ch(i + 1) === '?') {
        const kind = ch(i + 2);
        if (kind === '=' || kind === '!') throw new Unsupported(`lookahead (?${kind} is not supported by RE2`);
        if (kind === '<' && (ch(i + 3) === '=' || ch(i + 3) === '!')) throw new Unsupported(`lookbehind (?<${ch(i + 3)} is not supported by RE2`);
        i = kind === '<' ? cps.indexOf(0x3e, i) + 1 : i + 3; // named group: the name is not needed to test
      } else i++;
      out.push('(?:');
      depth++;
    } else if (c === ')') {
      out.push(')');
      depth--;
      i++;
    } else if (c === '{') {
      const end = cps.indexOf(0x7d, i);
      const counts = cps.slice(i + 1, end).map((x) => String.fromCodePoint(x)).join('');
      if (counts.split(',').some((n) => n !== '' && Number(n) > MAX_REPEAT)) throw new Unsupported(`the repetition {${counts}} exceeds RE2's limit of ${MAX_REPEAT}`);
      out.push(`{${counts}}`);
      i = end + 1;
    } else if (c === '*' || c === '+' || c === '?') {
      out.push(c);
      i++;
    } else if (c === '|') {
      if (depth === 0) alternation = true;
      out.push('|');
      i++;
    } else if (c === '^') {
      if (out.length === 0) firstAnchor = true;
      out.push('^');
      i++;
    } else if (c === '$') {
      out.push('$');
      lastAnchor = depth === 0;
      i++;
    } else if (c === '.') {
      out.push(DOT);
      i++;
    } else {
      out.push(literal(cps[i] as number));
      i++;
    }
  }
  const exact = firstAnchor && lastAnchor && !alternation && out.length >= 2;
  return { ok: true, source: (exact ? out.slice(1, -1) : out).join(''), exact };
}

const compiled = new Map<string, { ok: true; regExp: LinearRegExp } | { ok: false; reason: string }>();

/**
 * A linear-time matcher for an ECMA-262 pattern, or why there is none.
 * Results are cached by pattern (the three ajv instances share them).
 *
 * @example
 * compilePattern('^(a+)+$').ok;          // true: runs in linear time
 * compilePattern('^(?=.*\\d).{8,}$');    // { ok: false, reason: 'lookahead (?= is not supported by RE2' }
 */
export function compilePattern(pattern: string): { ok: true; regExp: LinearRegExp } | { ok: false; reason: string } {
  let result = compiled.get(pattern);
  if (result) return result;
  const translation = translatePattern(pattern);
  if (!translation.ok) result = translation;
  else {
    try {
      const re2 = RE2JS.compile(translation.source);
      const label = `/${pattern}/re2`;
      const test = translation.exact ? (value: string) => re2.testExact(value) : (value: string) => re2.test(value);
      result = { ok: true, regExp: { test, toString: () => label } };
    } catch (error) {
      result = { ok: false, reason: `RE2 cannot compile it (${(error as Error).message.replace(/^error parsing regexp: /, '')})` };
    }
  }
  compiled.set(pattern, result);
  return result;
}

/** The ajv `code.regExp` engine type (`RegExpEngine`). */
export interface RegExpEngine {
  (pattern: string, flags: string): LinearRegExp;
  code: string;
}

/**
 * An ajv `code.regExp` engine: every pattern compiled by `compilePattern`;
 * an unsupported one is reported to `onUnsupported` and matches every value
 * (the pattern is not checked; it never falls back to backtracking).
 */
export function linearRegExpEngine(onUnsupported: (found: UnsupportedPattern) => void): RegExpEngine {
  const engine = (pattern: string): LinearRegExp => {
    const result = compilePattern(pattern);
    if (result.ok) return result.regExp;
    onUnsupported({ pattern, reason: result.reason });
    const label = `/${pattern}/unsupported`;
    return { test: () => true, toString: () => label };
  };
  return Object.assign(engine, { code: 'sworn.linearRegExp' });
}
