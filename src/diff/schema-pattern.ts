/**
 * Deciding how two `pattern`s relate, for `sworn diff`: is every string one
 * set of patterns accepts also accepted by another? Patterns are ECMA-262
 * regular expressions, matched anywhere in the string (JSON Schema does not
 * anchor them). The regular subset (literals, classes, `.`, `\d\w\s`,
 * groups, alternation, quantifiers, `^`/`$`) is compiled to an automaton and
 * the question answered exactly, with the shortest string that tells them
 * apart as proof; anything else (lookaround, backreferences, `\b`, `\p{…}`)
 * is `unknown`, never a guess.
 */

import { compilePattern, type LinearRegExp } from '../validate/pattern.js';

/** Sorted, disjoint, inclusive code point ranges, flat: `[lo0, hi0, lo1, hi1, …]`. */
type Ranges = number[];

type Node =
  | { t: 'chars'; set: Ranges }
  | { t: 'seq'; items: Node[] }
  | { t: 'alt'; items: Node[] }
  | { t: 'rep'; node: Node; min: number; max: number }
  | { t: 'bol' }
  | { t: 'eol' };

class Unsupported extends Error {}

const MAX_CP = 0x10ffff;
/** Every code point a string can hold as one character (surrogate halves are not characters). */
const SIGMA: Ranges = [0, 0xd7ff, 0xe000, MAX_CP];
const DIGIT: Ranges = [0x30, 0x39];
const WORD: Ranges = [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a];
const SPACE: Ranges = [0x09, 0x0d, 0x20, 0x20, 0xa0, 0xa0, 0x1680, 0x1680, 0x2000, 0x200a, 0x2028, 0x2029, 0x202f, 0x202f, 0x205f, 0x205f, 0x3000, 0x3000, 0xfeff, 0xfeff];
const LINE_TERMINATORS: Ranges = [0x0a, 0x0a, 0x0d, 0x0d, 0x2028, 0x2029];

function normalize(pairs: Array<[number, number]>): Ranges {
  pairs.sort((a, b) => a[0] - b[0]);
  const out: Ranges = [];
  for (const [lo, hi] of pairs) {
    const last = out.length - 1;
    if (last > 0 && lo <= out[last]! + 1) out[last] = Math.max(out[last]!, hi);
    else out.push(lo, hi);
  }
  return out;
}

function union(...sets: Ranges[]): Ranges {
  const pairs: Array<[number, number]> = [];
  for (const set of sets) for (let i = 0; i < set.length; i += 2) pairs.push([set[i]!, set[i + 1]!]);
  return normalize(pairs);
}

function complement(set: Ranges): Ranges {
  const out: Ranges = [];
  let next = 0;
  for (let i = 0; i < set.length; i += 2) {
    if (set[i]! > next) out.push(next, set[i]! - 1);
    next = set[i + 1]! + 1;
  }
  if (next <= MAX_CP) out.push(next, MAX_CP);
  return intersect(out, SIGMA);
}

function intersect(a: Ranges, b: Ranges): Ranges {
  const out: Ranges = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a[i]!, b[j]!);
    const hi = Math.min(a[i + 1]!, b[j + 1]!);
    if (lo <= hi) out.push(lo, hi);
    if (a[i + 1]! < b[j + 1]!) i += 2;
    else j += 2;
  }
  return out;
}

function contains(set: Ranges, cp: number): boolean {
  for (let i = 0; i < set.length; i += 2) {
    if (cp < set[i]!) return false;
    if (cp <= set[i + 1]!) return true;
  }
  return false;
}

const DOT = complement(LINE_TERMINATORS);

/** A recursive-descent parser for the regular subset of ECMA-262 patterns (read leniently, as without the `u` flag where that only relaxes). */
class Parser {
  private i = 0;
  constructor(private readonly src: string) {}

  parse(): Node {
    const node = this.alternation();
    if (this.i < this.src.length) throw new Unsupported(`unbalanced ) at ${this.i}`);
    return node;
  }

  private peek(): string | undefined {
    return this.src[this.i];
  }

  private alternation(): Node {
    const items = [this.sequence()];
    while (this.peek() === '|') {
      this.i++;
      items.push(this.sequence());
    }
    return items.length === 1 ? items[0]! : { t: 'alt', items };
  }

  private sequence(): Node {
    const items: Node[] = [];
    while (this.i < this.src.length && this.peek() !== '|' && this.peek() !== ')') {
      const atom = this.atom();
      items.push(this.quantified(atom));
    }
    return { t: 'seq', items };
  }

  private quantified(atom: Node): Node {
    const c = this.peek();
    let min: number;
    let max: number;
    if (c === '*') [min, max] = [0, Infinity];
    else if (c === '+') [min, max] = [1, Infinity];
    else if (c === '?') [min, max] = [0, 1];
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
      if (!m) return atom;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      if (max < min) throw new Unsupported('quantifier range out of order');
      this.i += m[0].length - 1;
    } else return atom;
    this.i++;
    if (this.peek() === '?') this.i++; // lazy: the same strings
    if (atom.t === 'bol' || atom.t === 'eol') throw new Unsupported('quantified anchor');
    return this.quantified({ t: 'rep', node: atom, min, max });
  }

  private atom(): Node {
    const c = this.peek()!;
    if (c === '^') {
      this.i++;
      return { t: 'bol' };
    }
    if (c === '$') {
      this.i++;
      return { t: 'eol' };
    }
    if (c === '(') {
      this.i++;
      if (this.peek() === '?') {
        const rest = this.src.slice(this.i, this.i + 3);
        if (rest.startsWith('?:')) this.i += 2;
        else if (/^\?<[A-Za-z_$]/.test(rest)) {
          const close = this.src.indexOf('>', this.i);
          if (close < 0) throw new Unsupported('unterminated group name');
          this.i = close + 1;
        } else throw new Unsupported('lookaround');
      }
      const inner = this.alternation();
      if (this.peek() !== ')') throw new Unsupported('unterminated group');
      this.i++;
      return inner;
    }
    if (c === '[') return { t: 'chars', set: this.charClass() };
    if (c === '.') {
      this.i++;
      return { t: 'chars', set: DOT };
    }
    if (c === '\\') {
      this.i++;
      return { t: 'chars', set: this.escape(false) };
    }
    if (c === '*' || c === '+' || c === '?') throw new Unsupported('nothing to repeat');
    if (c === '{' && /^\{\d+(,\d*)?\}/.test(this.src.slice(this.i))) throw new Unsupported('nothing to repeat');
    const cp = this.src.codePointAt(this.i)!;
    this.i += cp > 0xffff ? 2 : 1;
    return { t: 'chars', set: [cp, cp] };
  }

  /** After a backslash. */
  private escape(inClass: boolean): Ranges {
    const c = this.peek();
    if (c === undefined) throw new Unsupported('trailing backslash');
    this.i++;
    switch (c) {
      case 'd': return DIGIT;
      case 'D': return complement(DIGIT);
      case 'w': return WORD;
      case 'W': return complement(WORD);
      case 's': return intersect(SPACE, SIGMA);
      case 'S': return complement(SPACE);
      case 'n': return [0x0a, 0x0a];
      case 'r': return [0x0d, 0x0d];
      case 't': return [0x09, 0x09];
      case 'f': return [0x0c, 0x0c];
      case 'v': return [0x0b, 0x0b];
      case '0':
        if (/[0-9]/.test(this.peek() ?? '')) throw new Unsupported('octal escape');
        return [0, 0];
      case 'b':
        if (inClass) return [0x08, 0x08];
        throw new Unsupported('word boundary');
      case 'B': throw new Unsupported('word boundary');
      case 'p': case 'P': throw new Unsupported('Unicode property escape');
      case 'k': throw new Unsupported('named backreference');
      case 'c': {
        const letter = this.peek();
        if (letter && /[A-Za-z]/.test(letter)) {
          this.i++;
          const cp = letter.charCodeAt(0) % 32;
          return [cp, cp];
        }
        throw new Unsupported('\\c without a control letter');
      }
      case 'x': {
        const m = /^[0-9A-Fa-f]{2}/.exec(this.src.slice(this.i));
        if (!m) return [0x78, 0x78];
        this.i += 2;
        const cp = parseInt(m[0], 16);
        return [cp, cp];
      }
      case 'u': {
        const braced = /^\{([0-9A-Fa-f]{1,6})\}/.exec(this.src.slice(this.i));
        if (braced) {
          this.i += braced[0].length;
          const cp = parseInt(braced[1]!, 16);
          if (cp > MAX_CP) throw new Unsupported('code point out of range');
          return [cp, cp];
        }
        const m = /^[0-9A-Fa-f]{4}/.exec(this.src.slice(this.i));
        if (!m) return [0x75, 0x75];
        this.i += 4;
        let cp = parseInt(m[0], 16);
        const low = /^\\u([dD][c-fC-F][0-9A-Fa-f]{2})/.exec(this.src.slice(this.i));
        if (cp >= 0xd800 && cp <= 0xdbff && low) {
          this.i += 6;
          cp = 0x10000 + ((cp - 0xd800) << 10) + (parseInt(low[1]!, 16) - 0xdc00);
        }
        return [cp, cp];
      }
      default: {
        if (/[1-9]/.test(c)) {
          if (inClass) throw new Unsupported('octal escape');
          throw new Unsupported('backreference');
        }
        this.i--;
        const cp = this.src.codePointAt(this.i)!;
        this.i += cp > 0xffff ? 2 : 1;
        return [cp, cp];
      }
    }
  }

  private charClass(): Ranges {
    this.i++; // [
    let negate = false;
    if (this.peek() === '^') {
      negate = true;
      this.i++;
    }
    const parts: Ranges[] = [];
    const single = (): { set: Ranges; cp: number | undefined } => {
      if (this.peek() === '\\') {
        this.i++;
        const set = this.escape(true);
        return { set, cp: set.length === 2 && set[0] === set[1] ? set[0] : undefined };
      }
      const cp = this.src.codePointAt(this.i)!;
      this.i += cp > 0xffff ? 2 : 1;
      return { set: [cp, cp], cp };
    };
    for (;;) {
      if (this.i >= this.src.length) throw new Unsupported('unterminated character class');
      if (this.peek() === ']') {
        this.i++;
        break;
      }
      const from = single();
      if (this.peek() === '-' && this.src[this.i + 1] !== ']' && this.i + 1 < this.src.length) {
        this.i++;
        const to = single();
        if (from.cp === undefined || to.cp === undefined) {
          parts.push(from.set, [0x2d, 0x2d], to.set); // [\d-x]: a class, a dash, a character (as without the u flag)
          continue;
        }
        if (to.cp < from.cp) throw new Unsupported('class range out of order');
        parts.push([from.cp, to.cp]);
      } else parts.push(from.set);
    }
    const set = union(...parts);
    return negate ? complement(set) : intersect(set, SIGMA);
  }
}

/** A Thompson automaton; `bol`/`eol` edges may be taken only at the start/end of the string. */
interface Nfa {
  eps: number[][];
  bol: number[][];
  eol: number[][];
  chars: Array<Array<{ set: Ranges; to: number }>>;
  start: number;
  accept: number;
}

const MAX_STATES = 20_000;

function build(root: Node): Nfa {
  const nfa: Nfa = { eps: [], bol: [], eol: [], chars: [], start: 0, accept: 0 };
  const state = () => {
    if (nfa.eps.length >= MAX_STATES) throw new Unsupported('pattern too large to compare');
    nfa.eps.push([]);
    nfa.bol.push([]);
    nfa.eol.push([]);
    nfa.chars.push([]);
    return nfa.eps.length - 1;
  };
  /** Wires `node` from state `from`; returns the state it ends in. */
  const wire = (node: Node, from: number): number => {
    switch (node.t) {
      case 'chars': {
        const to = state();
        if (node.set.length > 0) nfa.chars[from]!.push({ set: node.set, to });
        return to;
      }
      case 'bol': {
        const to = state();
        nfa.bol[from]!.push(to);
        return to;
      }
      case 'eol': {
        const to = state();
        nfa.eol[from]!.push(to);
        return to;
      }
      case 'seq': {
        let at = from;
        for (const item of node.items) at = wire(item, at);
        return at;
      }
      case 'alt': {
        const end = state();
        for (const item of node.items) {
          const s = state();
          nfa.eps[from]!.push(s);
          nfa.eps[wire(item, s)]!.push(end);
        }
        return end;
      }
      case 'rep': {
        let at = from;
        for (let k = 0; k < node.min; k++) at = wire(node.node, at);
        if (node.max === Infinity) {
          const loop = state();
          nfa.eps[at]!.push(loop);
          const body = state();
          nfa.eps[loop]!.push(body);
          nfa.eps[wire(node.node, body)]!.push(loop);
          return loop;
        }
        const end = state();
        for (let k = node.min; k < node.max; k++) {
          nfa.eps[at]!.push(end);
          at = wire(node.node, at);
        }
        nfa.eps[at]!.push(end);
        return end;
      }
    }
  };
  // Matched anywhere: any prefix, the pattern, any suffix.
  const start = state();
  const head = state();
  nfa.eps[start]!.push(head);
  nfa.chars[head]!.push({ set: SIGMA, to: head });
  const body = wire(root, head);
  const tail = state();
  nfa.eps[body]!.push(tail);
  nfa.chars[tail]!.push({ set: SIGMA, to: tail });
  const accept = state();
  nfa.eps[tail]!.push(accept);
  nfa.start = start;
  nfa.accept = accept;
  return nfa;
}

const compiled = new Map<string, Nfa | string>();

/** The automaton of a pattern, or why it cannot be had. Remembered. */
function automaton(pattern: string): Nfa | string {
  let found = compiled.get(pattern);
  if (found === undefined) {
    try {
      found = build(new Parser(pattern).parse());
    } catch (error) {
      if (!(error instanceof Unsupported)) throw error;
      found = error.message;
    }
    if (compiled.size > 2000) compiled.clear();
    compiled.set(pattern, found);
  }
  return found;
}

function closure(nfa: Nfa, seeds: Iterable<number>, atStart: boolean, atEnd: boolean): number[] {
  const seen = new Set<number>();
  const stack = [...seeds];
  while (stack.length > 0) {
    const s = stack.pop()!;
    if (seen.has(s)) continue;
    seen.add(s);
    for (const t of nfa.eps[s]!) stack.push(t);
    if (atStart) for (const t of nfa.bol[s]!) stack.push(t);
    if (atEnd) for (const t of nfa.eol[s]!) stack.push(t);
  }
  return [...seen].sort((a, b) => a - b);
}

const accepts = (nfa: Nfa, set: number[], atStart: boolean) => closure(nfa, set, atStart, true).includes(nfa.accept);

function step(nfa: Nfa, set: number[], cp: number): number[] {
  const next: number[] = [];
  for (const s of set) for (const edge of nfa.chars[s]!) if (contains(edge.set, cp)) next.push(edge.to);
  return closure(nfa, next, false, false);
}

const READABLE = [[0x61, 0x7a], [0x30, 0x39], [0x41, 0x5a], [0x21, 0x7e], [0x20, 0x20]] as const;

/** A representative of a range, readable where it can be (a letter, a digit, ASCII), and how readable (lower is better). */
function representative(lo: number, hi: number): { cp: number; rank: number } {
  for (let rank = 0; rank < READABLE.length; rank++) {
    const [a, b] = READABLE[rank]!;
    const from = Math.max(lo, a);
    if (from <= Math.min(hi, b)) return { cp: from, rank };
  }
  return { cp: lo, rank: READABLE.length + (lo < 0x20 ? 1 : 0) };
}

export type Search = { kind: 'none' } | { kind: 'found'; value: string } | { kind: 'unknown'; reason: string };

const BUDGET = 20_000;

/**
 * The shortest string every `accepting` pattern matches and `rejecting` (when
 * given) does not, with a length in [min, max]; `none` when there is none.
 */
function search(accepting: Nfa[], rejecting: Nfa | undefined, min: number, max: number): Search {
  if (min > 256) return { kind: 'unknown', reason: 'minimum length too large to search' };
  type State = { sets: number[][]; reject: number[] | undefined; length: number; text: string };
  const initial: State = {
    sets: accepting.map((n) => closure(n, [n.start], true, false)),
    reject: rejecting ? closure(rejecting, [rejecting.start], true, false) : undefined,
    length: 0,
    text: '',
  };
  const key = (s: State) => `${Math.min(s.length, min)}|${s.sets.map((x) => x.join(',')).join(';')}|${s.reject?.join(',') ?? ''}`;
  const seen = new Set<string>([key(initial)]);
  let queue = [initial];
  let explored = 0;
  while (queue.length > 0) {
    const next: State[] = [];
    for (const s of queue) {
      const atStart = s.length === 0;
      if (++explored > BUDGET) return { kind: 'unknown', reason: 'patterns too large to compare' };
      if (s.length >= min && s.sets.every((set, k) => accepts(accepting[k]!, set, atStart)) && !(rejecting && accepts(rejecting, s.reject!, atStart))) return { kind: 'found', value: s.text };
      if (s.length >= max) continue;
      // Alphabet cut where any current edge starts or ends.
      const cuts = new Set<number>([0, 0xd800, 0xe000, MAX_CP + 1]);
      const mark = (nfa: Nfa, set: number[]) => {
        for (const st of set) for (const edge of nfa.chars[st]!) for (let i = 0; i < edge.set.length; i += 2) {
          cuts.add(edge.set[i]!);
          cuts.add(edge.set[i + 1]! + 1);
        }
      };
      s.sets.forEach((set, k) => mark(accepting[k]!, set));
      if (rejecting) mark(rejecting, s.reject!);
      const points = [...cuts].sort((a, b) => a - b);
      // Readable characters first: the first string to reach a state is the one shown.
      const choices: Array<{ cp: number; rank: number }> = [];
      for (let p = 0; p + 1 < points.length; p++) {
        const lo = points[p]!;
        if (lo >= 0xd800 && lo <= 0xdfff) continue;
        choices.push(representative(lo, points[p + 1]! - 1));
      }
      choices.sort((x, y) => x.rank - y.rank || x.cp - y.cp);
      for (const { cp } of choices) {
        const sets = s.sets.map((set, k) => step(accepting[k]!, set, cp));
        if (sets.some((set) => set.length === 0)) continue;
        const reject = rejecting ? step(rejecting, s.reject!, cp) : undefined;
        // The rejecting pattern already matched, with anything after: no continuation escapes it.
        if (rejecting && reject!.includes(rejecting.accept)) continue;
        const state: State = { sets, reject, length: s.length + 1, text: s.text + String.fromCodePoint(cp) };
        const k = key(state);
        if (seen.has(k)) continue;
        seen.add(k);
        next.push(state);
      }
    }
    queue = next;
  }
  return { kind: 'none' };
}

export type Inclusion = { kind: 'subset' } | { kind: 'witness'; value: string } | { kind: 'unknown'; reason: string };

/**
 * Whether every string that all of `accepted` match (every string when the
 * list is empty), of a length within the bounds, is matched by `by`; when
 * not, the shortest such string `by` refuses.
 *
 * @example
 * patternIncluded(['^[a-z]+$'], '.+');              // { kind: 'subset' }
 * patternIncluded(['^[a-z]+$'], '^[a-z]{1,3}$');    // { kind: 'witness', value: 'aaaa' }
 * patternIncluded(['^(?=a)'], 'a');                 // { kind: 'unknown', reason: 'lookaround' }
 */
export function patternIncluded(accepted: readonly string[], by: string, bounds: { min?: number; max?: number } = {}): Inclusion {
  const target = automaton(by);
  if (typeof target === 'string') return { kind: 'unknown', reason: `${by}: ${target}` };
  const sources: Nfa[] = [];
  for (const p of accepted) {
    const a = automaton(p);
    if (typeof a === 'string') {
      // Whatever it accepts, a pattern that matches every string holds it.
      const universal = search([], target, bounds.min ?? 0, bounds.max ?? Infinity);
      return universal.kind === 'none' ? { kind: 'subset' } : { kind: 'unknown', reason: `${p}: ${a}` };
    }
    sources.push(a);
  }
  const found = search(sources, target, bounds.min ?? 0, bounds.max ?? Infinity);
  return found.kind === 'none' ? { kind: 'subset' } : found.kind === 'found' ? { kind: 'witness', value: found.value } : found;
}

/** The shortest string all the patterns match within the length bounds; undefined when none can be found. */
export function samplePattern(patterns: readonly string[], bounds: { min?: number; max?: number } = {}): string | undefined {
  const sources: Nfa[] = [];
  for (const p of patterns) {
    const a = automaton(p);
    if (typeof a === 'string') return undefined;
    sources.push(a);
  }
  const found = search(sources, undefined, bounds.min ?? 0, bounds.max ?? Infinity);
  return found.kind === 'found' ? found.value : undefined;
}

/** Whether `value` matches `pattern` as JSON Schema reads it (in linear time, as sworn's validators do); undefined when the pattern cannot be run. */
export function patternMatches(pattern: string, value: string): boolean | undefined {
  let re = regExps.get(pattern);
  if (re === undefined) {
    const found = compilePattern(pattern);
    re = found.ok ? found.regExp : null;
    if (regExps.size > 2000) regExps.clear();
    regExps.set(pattern, re);
  }
  return re ? re.test(value) : undefined;
}

const regExps = new Map<string, LinearRegExp | null>();
