import type { Spec } from '../spec/load-spec.js';
import { canonicalJson } from '../validate/schemas.js';
import type { Severity } from './change.js';
import { patternIncluded } from './schema-pattern.js';
import { describeTypes, disjoint, effectiveTypes, scalarVerdict, typeOfValue, viewOf, type Bound, type Group, type JsonType, type Side, type View } from './schema-view.js';
import { alternatives, branchName, Witnesses, type Direction } from './schema-witness.js';

export type { Direction } from './schema-witness.js';
export type { Side } from './schema-view.js';

/** A schema change, before it is attached to an operation. */
export interface SchemaChange {
  rule: string;
  severity: Severity;
  message: string;
  basePointer: string;
  headPointer: string;
}

/** What a change does to the set of values a schema accepts: fewer, more, some of each, cannot tell, or none (annotations). */
type Rel = 'narrowed' | 'widened' | 'changed' | 'unknown' | 'none';

interface Finding {
  rule: string;
  severity: Severity;
  rel: Rel;
  /** Relative to the pair compared: `.name`, `[]`, `.*`. */
  path: string;
  message: string;
  basePointer: string;
  headPointer: string;
}

/**
 * Compares two versions of a schema as its reader sees it. In a request
 * (what the server accepts) a schema may only widen: anything it no longer
 * accepts is breaking. In a response (what the client receives) it may only
 * narrow: anything it may now carry is breaking, and so is losing what
 * clients relied on. Every keyword of OpenAPI 3.0 and 3.1 (JSON Schema
 * 2020-12) is compared, through every subschema, `$ref`s followed on both
 * sides (a `$ref` that resolves to the same schema is no change); each pair
 * of schemas is compared once per run, and recursive schemas stop where they
 * come round. A missing schema accepts anything.
 *
 * Where the keywords cannot settle it (a pattern that is not regular, an
 * `anyOf`/`oneOf` reshaped), values built from one version are checked with
 * sworn's validators against the other: a value that shows the change makes
 * it breaking; none found makes it a warning, never a guess.
 */
export function diffSchemas(base: Side, head: Side, direction: Direction, label: string, out: SchemaChange[]): void {
  const engine = engineFor(base.spec, head.spec);
  engine.beginRoot();
  const b = viewOf(base.spec, base.node === undefined ? [] : [{ node: base.node, pointer: base.pointer }], base.pointer);
  const h = viewOf(head.spec, head.node === undefined ? [] : [{ node: head.node, pointer: head.pointer }], head.pointer);
  for (const f of engine.compare(b, h, direction, 0).findings) out.push({ rule: f.rule, severity: f.severity, message: `${label}${f.path}: ${f.message}`, basePointer: f.basePointer, headPointer: f.headPointer });
}

const engines = new WeakMap<Spec, WeakMap<Spec, Engine>>();

function engineFor(base: Spec, head: Spec): Engine {
  let byHead = engines.get(base);
  if (!byHead) engines.set(base, (byHead = new WeakMap()));
  let engine = byHead.get(head);
  if (!engine) byHead.set(head, (engine = new Engine(base, head)));
  return engine;
}

const severityOf = (direction: Direction, rel: Rel): Severity => {
  if (rel === 'unknown') return 'warning';
  if (rel === 'changed') return 'breaking';
  if (rel === 'none') return 'warning';
  return (direction === 'request') === (rel === 'narrowed') ? 'breaking' : 'safe';
};

const flip = (rel: Rel): Rel => (rel === 'narrowed' ? 'widened' : rel === 'widened' ? 'narrowed' : rel);

/** Which way a finding would break the reader: the relations that matter in a direction. */
const harms = (direction: Direction, rel: Rel) => rel === 'changed' || rel === 'unknown' || rel === (direction === 'request' ? 'narrowed' : 'widened');

const show = (value: unknown) => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};
const list = (values: Iterable<string>) => [...values].join(', ');
/** A finding as one phrase, its path first: `kind: const "a" became "b"`. */
const phrase = (f: Finding) => `${f.path ? `${f.path.replace(/^\./, '')}: ` : ''}${f.message}`;

/** Formats read as sets of strings (or numbers): each holds every value of those listed after it. */
const WIDER_FORMATS: Record<string, string[]> = {
  int32: ['int64'], float: ['double'],
  email: ['idn-email'], hostname: ['idn-hostname'],
  uri: ['uri-reference', 'iri', 'iri-reference'], iri: ['iri-reference'], 'uri-reference': ['iri-reference'],
};
/** Formats sworn's validators check; any other is an annotation (`password`) or unknown to them. */
const CHECKED_FORMATS = new Set(['date-time', 'date', 'time', 'duration', 'email', 'idn-email', 'hostname', 'idn-hostname', 'ipv4', 'ipv6', 'uri', 'uri-reference', 'iri', 'iri-reference', 'uuid', 'uri-template', 'json-pointer', 'relative-json-pointer', 'regex', 'int32', 'int64', 'float', 'double', 'byte']);
const formatWithin = (inner: string, outer: string): boolean => inner === outer || (WIDER_FORMATS[inner] ?? []).some((f) => formatWithin(f, outer));

interface Result {
  findings: Finding[];
  /** The shallowest comparison still in progress this one came back to (Infinity: none): its findings are not complete on their own. */
  low: number;
}

/** One run's comparisons, for a pair of specs: each pair of schemas compared once per direction, remembered. */
class Engine {
  private cache = new Map<string, Finding[]>();
  private local = new Map<string, Finding[]>();
  private stack = new Map<string, number>();
  readonly witnesses = new Witnesses();
  private readonly sameness: Sameness;

  constructor(base: Spec, head: Spec) {
    this.sameness = new Sameness(base, head);
  }

  /** A new top-level comparison: results that depended on an unfinished cycle are forgotten. */
  beginRoot(): void {
    this.local.clear();
  }

  compare(b: View, h: View, direction: Direction, depth: number): Result {
    const key = `${direction}\0${b.id}\0${h.id}`;
    const cached = this.cache.get(key);
    if (cached) return { findings: cached, low: Infinity };
    const local = this.local.get(key);
    if (local) return { findings: local, low: -1 };
    const open = this.stack.get(key);
    if (open !== undefined) return { findings: [], low: open };
    // The same schema on both sides, down to every `$ref` it reaches: no keyword differs, so nothing can be found.
    if (this.sameness.views(b, h)) {
      const none: Finding[] = [];
      this.cache.set(key, none);
      return { findings: none, low: Infinity };
    }
    this.stack.set(key, depth);
    const pair = new Pair(this, b, h, direction, depth);
    pair.run();
    this.stack.delete(key);
    if (pair.low >= depth) {
      this.cache.set(key, pair.findings);
      return { findings: pair.findings, low: Infinity };
    }
    this.local.set(key, pair.findings);
    return { findings: pair.findings, low: pair.low };
  }
}

/**
 * Whether a base and a head view are the same schema: the same parts (ids
 * and pointers, in the same order) with equal JSON (keys in the same order),
 * and every internal `$ref` in them reaching equal JSON in both specs, to the
 * end of the chain (each pointer checked once per pair of specs). Every
 * finding of a comparison comes from a keyword that differs, so two such
 * views have none, in either direction, wherever they are met.
 */
class Sameness {
  /** Per pointer: the internal `$ref`s in its value when equal on both sides, null when it differs. */
  private readonly local = new Map<string, string[] | null>();
  /** Pointers whose value and everything it reaches are equal on both sides. */
  private readonly good = new Set<string>();
  /** Pointers that reach a difference. */
  private readonly bad = new Set<string>();

  constructor(private readonly base: Spec, private readonly head: Spec) {}

  views(b: View, h: View): boolean {
    if (b.spec !== this.base || h.spec !== this.head || this.base.version !== this.head.version) return false;
    if (b.parts.length !== h.parts.length) return false;
    const refs: string[] = [];
    for (let i = 0; i < b.parts.length; i++) {
      const x = b.parts[i]!;
      const y = h.parts[i]!;
      if (x.id !== y.id || x.pointer !== y.pointer || x.opaque !== y.opaque) return false;
      if (!equalJson(x.raw, y.raw, refs, 0)) return false;
    }
    for (const ref of refs) if (!this.reaches(ref)) return false;
    return true;
  }

  /** A `$ref` (`#/…`) whose target, and all it reaches, is equal on both sides. */
  private reaches(ref: string): boolean {
    const start = targetOf(ref);
    if (start === undefined) return false;
    if (this.good.has(start)) return true;
    if (this.bad.has(start)) return false;
    const seen = new Set<string>([start]);
    const todo = [start];
    while (todo.length > 0) {
      const pointer = todo.pop()!;
      if (this.good.has(pointer)) continue;
      const refs = this.bad.has(pointer) ? null : this.refsOf(pointer);
      if (refs === null) {
        this.bad.add(start);
        return false;
      }
      for (const r of refs) {
        const next = targetOf(r);
        if (next === undefined) {
          this.bad.add(start);
          return false;
        }
        if (!seen.has(next)) {
          seen.add(next);
          todo.push(next);
        }
      }
    }
    for (const pointer of seen) this.good.add(pointer);
    return true;
  }

  private refsOf(pointer: string): string[] | null {
    let found = this.local.get(pointer);
    if (found === undefined) {
      const refs: string[] = [];
      found = equalJson(this.base.get(pointer), this.head.get(pointer), refs, 0) ? refs : null;
      this.local.set(pointer, found);
    }
    return found;
  }
}

/** The pointer a `$ref` is followed to (as `viewOf` does); undefined when it cannot be decoded. */
function targetOf(ref: string): string | undefined {
  try {
    return decodeURIComponent(ref.slice(1));
  } catch {
    return undefined;
  }
}

/** Nesting past which two values are taken as different (and compared keyword by keyword instead). */
const EQUAL_DEPTH = 256;

/** Equal JSON, keys in the same order; the internal `$ref`s met are added to `refs`. Anything but plain objects, arrays and scalars is different. */
function equalJson(x: unknown, y: unknown, refs: string[], depth: number): boolean {
  if (typeof x !== 'object' || x === null || typeof y !== 'object' || y === null) return Object.is(x, y);
  if (depth > EQUAL_DEPTH) return false;
  if (Array.isArray(x)) {
    if (!Array.isArray(y) || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!equalJson(x[i], y[i], refs, depth + 1)) return false;
    return true;
  }
  if (Array.isArray(y)) return false;
  const px: unknown = Object.getPrototypeOf(x);
  const py: unknown = Object.getPrototypeOf(y);
  if ((px !== Object.prototype && px !== null) || (py !== Object.prototype && py !== null)) return false;
  const kx = Object.keys(x);
  const ky = Object.keys(y);
  if (kx.length !== ky.length) return false;
  for (let i = 0; i < kx.length; i++) {
    const k = kx[i]!;
    if (k !== ky[i]) return false;
    const vx = (x as Record<string, unknown>)[k];
    if (!equalJson(vx, (y as Record<string, unknown>)[k], refs, depth + 1)) return false;
    if (k === '$ref' && typeof vx === 'string' && vx.startsWith('#')) refs.push(vx);
  }
  return true;
}

/** The comparison of one pair of schemas (base `b`, head `h`) in one direction. */
class Pair {
  readonly findings: Finding[] = [];
  low = Infinity;
  private keys: Set<string> | undefined;

  constructor(private readonly engine: Engine, private readonly b: View, private readonly h: View, private readonly direction: Direction, private readonly depth: number) {}

  private get request(): boolean {
    return this.direction === 'request';
  }

  private add(f: Finding): void {
    const key = `${f.rule}\0${f.basePointer}\0${f.headPointer}\0${f.message}`;
    this.keys ??= new Set();
    if (this.keys.has(key)) return;
    this.keys.add(key);
    this.findings.push(f);
  }

  /** A finding here, its severity from the direction and relation unless given. */
  private emit(rule: string, rel: Rel, message: string, basePointer = this.b.pointer, headPointer = this.h.pointer, severity: Severity = severityOf(this.direction, rel)): void {
    this.add({ rule, severity, rel, path: '', message, basePointer, headPointer });
  }

  /** Compares two subschemas, their findings under `path`. */
  private sub(b: View, h: View, path: string): Finding[] {
    const r = this.engine.compare(b, h, this.direction, this.depth + 1);
    this.low = Math.min(this.low, r.low);
    for (const f of r.findings) this.add(path ? { ...f, path: path + f.path } : f);
    return r.findings;
  }

  /** Compares without reporting: what a comparison would find. */
  private probe(b: View, h: View): Finding[] {
    const r = this.engine.compare(b, h, this.direction, this.depth + 1);
    this.low = Math.min(this.low, r.low);
    return r.findings;
  }

  private trueAt(pointer: string, spec: Spec): View {
    return viewOf(spec, [], pointer);
  }

  run(): void {
    const { b, h } = this;
    if (b.opaque.join() !== h.opaque.join()) this.emit(this.request ? 'request-composition-unverified' : 'response-composition-unverified', 'unknown', `a $ref that cannot be followed changed (${b.opaque.join(', ') || 'none'} -> ${h.opaque.join(', ') || 'none'})`);
    // Nothing passes `false`, nor a closed value list none of whose values has an allowed type.
    const none = (v: View) => (v.isFalse ? '`false`' : v.values?.list.length === 0 ? 'no value of its enum/const has its type' : undefined);
    const nb = none(b);
    const nh = none(h);
    if (nb || nh) {
      if (nb && !nh) this.schemaRel('widened', `was never valid (${nb}); now accepted`);
      else if (nh && !nb) this.schemaRel('narrowed', `is no longer allowed (${nh})`);
      return;
    }
    this.defaults();
    if (b.isTrue || h.isTrue) {
      if (b.isTrue && !h.isTrue) this.schemaRel('narrowed', `accepted anything; now has to match a schema (${keywordsOf(h)})`);
      else if (h.isTrue && !b.isTrue) this.schemaRel('widened', `had a schema (${keywordsOf(b)}); now anything goes`);
      return;
    }
    const gb = b.groups;
    const gh = h.groups;
    if (gb.length === gh.length && gb.every((g, i) => g.kind === gh[i]!.kind)) {
      this.own();
      gb.forEach((g, i) => this.group(g, gh[i]!));
    } else this.reshaped();
  }

  private schemaRel(rel: Rel, message: string): void {
    const rule = this.request ? (rel === 'widened' ? 'request-schema-widened' : 'request-schema-narrowed') : rel === 'narrowed' ? 'response-schema-narrowed' : 'response-schema-widened';
    this.emit(rule, rel, message);
  }

  private unverified(message: string, basePointer = this.b.pointer, headPointer = this.h.pointer): void {
    this.emit(this.request ? 'request-composition-unverified' : 'response-composition-unverified', 'unknown', message, basePointer, headPointer);
  }

  /** Every keyword but `anyOf`/`oneOf` (`allOf` is already part of the view). */
  private own(): void {
    const { b, h } = this;
    this.types();
    this.values();
    this.format();
    const accepting = this.request ? b : h;
    const finite = accepting.values && accepting.values.list.every((v) => v === null || typeof v !== 'object');
    // Keywords of a type count only where both versions may hold values of it (through their anyOf/oneOf branches too).
    const eb = effectiveTypes(b);
    const eh = effectiveTypes(h);
    const both = (...types: JsonType[]) => types.some((t) => b.allows(t) && (!eb || eb.has(t))) && types.some((t) => h.allows(t) && (!eh || eh.has(t)));
    if (finite) this.finiteValues();
    else {
      if (both('integer', 'number')) this.numbers();
      if (both('string')) this.strings();
    }
    if (both('array')) this.arrays();
    if (both('object')) this.objects();
    this.nots();
    this.conditionals();
    this.discriminator();
  }

  // ---- types and values ----

  private types(): void {
    const { b, h } = this;
    const tb = ownTypes(b);
    const th = ownTypes(h);
    if (!tb && !th) return;
    const all = new Set<JsonType>(['null', 'boolean', 'object', 'array', 'string', 'integer', 'number']);
    const sb = tb ?? all;
    const sh = th ?? all;
    const lost = [...sb].filter((t) => !sh.has(t));
    const gained = [...sh].filter((t) => !sb.has(t));
    if (lost.length === 0 && gained.length === 0) return;
    const rel: Rel = lost.length > 0 && gained.length > 0 ? 'changed' : lost.length > 0 ? 'narrowed' : 'widened';
    const what = `type ${describeTypes(tb)} became ${describeTypes(th)}`;
    const [bp, hp] = [b.typePointer, h.typePointer];
    if (this.request) {
      if (lost.length > 0) this.emit('request-type-changed', rel, `${what} (${describeTypes(new Set(lost))} no longer accepted)`, bp, hp);
      else this.emit('request-type-widened', rel, `type ${describeTypes(tb)} widened to ${describeTypes(th)}`, bp, hp);
    } else if (gained.length === 1 && gained[0] === 'null' && lost.length === 0) this.emit('response-property-now-nullable', rel, 'may now be null', bp, hp);
    else if (gained.length > 0) this.emit('response-type-changed', rel, what, bp, hp);
    else this.emit('response-type-narrowed', rel, `type ${describeTypes(tb)} narrowed to ${describeTypes(th)}`, bp, hp);
  }

  private values(): void {
    const { b, h } = this;
    const vb = b.values;
    const vh = h.values;
    if (vb && vh) {
      // null let in or out by the types is said there (3.0 `nullable` adds it to the enum too).
      const nullByType = (b.types?.has('null') ?? true) !== (h.types?.has('null') ?? true);
      const counted = (v: unknown) => !(v === null && nullByType);
      const removed = vb.list.filter((v) => !vh.keys.has(canonicalJson(v)) && counted(v));
      const added = vh.list.filter((v) => !vb.keys.has(canonicalJson(v)) && counted(v));
      if (removed.length === 0 && added.length === 0) return;
      if (vb.viaConst && vh.viaConst && vb.list.length === 1 && vh.list.length === 1) {
        this.emit(this.request ? 'request-const-changed' : 'response-const-changed', 'changed', `const ${show(vb.list[0])} became ${show(vh.list[0])}`, vb.pointer, vh.pointer);
        return;
      }
      if (this.request) {
        if (removed.length > 0) this.emit('request-enum-value-removed', 'narrowed', `no longer accepts ${list(removed.map(show))}${vh.viaConst ? ' (const)' : ''}`, vb.pointer, vh.pointer);
        if (added.length > 0) this.emit('request-enum-value-added', 'widened', `now also accepts ${list(added.map(show))}`, vb.pointer, vh.pointer);
      } else {
        if (added.length > 0) this.emit('response-enum-value-added', 'widened', `may now be ${list(added.map(show))}`, vb.pointer, vh.pointer);
        if (removed.length > 0) this.emit('response-enum-value-removed', 'narrowed', `is no longer ${list(removed.map(show))}`, vb.pointer, vh.pointer);
      }
      return;
    }
    if (!vb && vh) {
      const values = list(vh.list.map(show));
      if (this.request) this.emit('request-enum-value-removed', 'narrowed', `now only accepts ${values}`, b.pointer, vh.pointer);
      else this.emit('response-enum-value-removed', 'narrowed', `is now only ${values}`, b.pointer, vh.pointer);
      return;
    }
    if (vb && !vh) {
      const open = h.extensibleEnum ? ' (an open list now: x-extensible-enum)' : '';
      const values = list(vb.list.map(show));
      if (this.request) this.emit('request-enum-value-added', 'widened', `now accepts any value, not only ${values}${open}`, vb.pointer, h.pointer);
      else this.emit('response-enum-value-added', 'widened', `may now be any value, not only ${values}${open}`, vb.pointer, h.pointer);
      return;
    }
    // Open lists (x-extensible-enum): clients must already expect values they do not know.
    const xb = b.extensibleEnum;
    const xh = h.extensibleEnum;
    if (!xb || !xh) return;
    const kb = new Set(xb.list.map((v) => canonicalJson(v)));
    const kh = new Set(xh.list.map((v) => canonicalJson(v)));
    const removed = xb.list.filter((v) => !kh.has(canonicalJson(v)));
    const added = xh.list.filter((v) => !kb.has(canonicalJson(v)));
    if (this.request) {
      if (removed.length > 0) this.emit('request-extensible-enum-value-removed', 'narrowed', `${list(removed.map(show))} no longer listed (x-extensible-enum)`, xb.pointer, xh.pointer);
      if (added.length > 0) this.emit('request-extensible-enum-value-added', 'widened', `now also lists ${list(added.map(show))} (x-extensible-enum)`, xb.pointer, xh.pointer);
    } else {
      if (added.length > 0) this.emit('response-extensible-enum-value-added', 'widened', `may now be ${list(added.map(show))} (x-extensible-enum: clients expect values they do not know)`, xb.pointer, xh.pointer, 'safe');
      if (removed.length > 0) this.emit('response-extensible-enum-value-removed', 'narrowed', `is no longer ${list(removed.map(show))} (x-extensible-enum)`, xb.pointer, xh.pointer);
    }
  }

  /** The accepting side has a closed set of scalar values: each is judged against the other side exactly. */
  private finiteValues(): void {
    const accepting = this.request ? this.b : this.h;
    const judge = this.request ? this.h : this.b;
    for (const value of accepting.values!.list) {
      if (judge.values && !judge.values.keys.has(canonicalJson(value))) continue; // values() said it
      if (scalarVerdict(accepting, value) === false) continue; // never valid: its own other keywords refuse it
      if (scalarVerdict(judge, value) !== false) continue;
      if (this.request) this.emit('request-enum-value-removed', 'narrowed', `no longer accepts ${show(value)} (the head schema refuses it)`);
      else this.emit('response-enum-value-added', 'widened', `may now be ${show(value)}, which the base schema did not allow`);
    }
  }

  private defaults(): void {
    const db = this.b.first('default');
    const dh = this.h.first('default');
    if (!db && !dh) return;
    if (db && dh) {
      if (canonicalJson(db.value) === canonicalJson(dh.value)) return;
      this.emit(this.request ? 'request-default-changed' : 'response-default-changed', 'none', `default ${show(db.value)} became ${show(dh.value)} (clients that leave it out get different behaviour)`, db.pointer, dh.pointer);
    } else if (dh) this.emit(this.request ? 'request-default-added' : 'response-default-added', 'none', `default ${show(dh.value)} added`, this.b.pointer, dh.pointer, 'safe');
    else this.emit(this.request ? 'request-default-removed' : 'response-default-removed', 'none', `default ${show(db!.value)} removed (clients that leave it out can no longer count on it)`, db!.pointer, this.h.pointer);
  }

  // ---- bounds ----

  private constraint(rel: Rel, message: string, bp: string, hp: string): void {
    if (rel === 'changed') this.emit(this.request ? 'request-constraint-changed' : 'response-constraint-changed', rel, message, bp, hp);
    else if (this.request) this.emit(rel === 'narrowed' ? 'request-constraint-narrowed' : 'request-constraint-relaxed', rel, message, bp, hp);
    else this.emit(rel === 'narrowed' ? 'response-constraint-narrowed' : 'response-constraint-relaxed', rel, message, bp, hp);
  }

  /** A count keyword pair: `min` raised or `max` lowered narrows. */
  private counts(keyword: string): void {
    const cb = this.b.count(keyword);
    const ch = this.h.count(keyword);
    const lower = keyword.startsWith('min');
    const was = cb?.value ?? (lower ? 0 : Infinity);
    const now = ch?.value ?? (lower ? 0 : Infinity);
    if (was === now) return;
    const narrowed = lower ? now > was : now < was;
    const message = !cb ? `${keyword} ${now} added` : !ch ? `${keyword} ${was} removed` : `${keyword} ${now > was ? 'raised' : 'lowered'} from ${was} to ${now}`;
    this.constraint(narrowed ? 'narrowed' : 'widened', message, cb?.pointer ?? this.b.pointer, ch?.pointer ?? this.h.pointer);
  }

  private bound(side: 'min' | 'max'): void {
    const bb = this.b.numberBound(side);
    const bh = this.h.numberBound(side);
    if (!bb && !bh) return;
    const tighter = (x: Bound, y: Bound) => (side === 'min' ? x.value > y.value : x.value < y.value) || (x.value === y.value && x.exclusive && !y.exclusive);
    let rel: Rel;
    if (bb && bh) {
      if (bb.value === bh.value && bb.exclusive === bh.exclusive) return;
      rel = tighter(bh, bb) ? 'narrowed' : 'widened';
    } else rel = bh ? 'narrowed' : 'widened';
    const name = (x: Bound) => (x.exclusive ? (side === 'min' ? 'exclusiveMinimum' : 'exclusiveMaximum') : side === 'min' ? 'minimum' : 'maximum');
    let message: string;
    if (!bb) message = `${name(bh!)} ${bh!.value} added`;
    else if (!bh) message = `${name(bb)} ${bb.value} removed`;
    else if (name(bb) === name(bh)) message = `${name(bb)} ${bh.value > bb.value ? 'raised' : 'lowered'} from ${bb.value} to ${bh.value}`;
    else message = `${name(bb)} ${bb.value} became ${name(bh)} ${bh.value}`;
    this.constraint(rel, message, bb?.pointer ?? this.b.pointer, bh?.pointer ?? this.h.pointer);
  }

  private numbers(): void {
    this.bound('min');
    this.bound('max');
    const mb = this.b.multipleOf;
    const mh = this.h.multipleOf;
    const integers = (v: View) => v.types && !v.types.has('number');
    const trivial = (m: { value: number } | undefined, v: View) => !m || (m.value === 1 && integers(v));
    if (trivial(mb, this.b) && trivial(mh, this.h)) return;
    const multiple = (x: number, of: number) => Math.abs(x / of - Math.round(x / of)) < 1e-9;
    if (mb && mh && !trivial(mb, this.b) && !trivial(mh, this.h)) {
      if (mb.value === mh.value) return;
      const rel: Rel = multiple(mh.value, mb.value) ? 'narrowed' : multiple(mb.value, mh.value) ? 'widened' : 'changed';
      this.constraint(rel, `multipleOf ${mb.value} became ${mh.value}`, mb.pointer, mh.pointer);
    } else if (!trivial(mh, this.h)) this.constraint('narrowed', `multipleOf ${mh!.value} added`, this.b.pointer, mh!.pointer);
    else this.constraint('widened', `multipleOf ${mb!.value} removed`, mb!.pointer, this.h.pointer);
  }

  // ---- strings ----

  private strings(): void {
    this.counts('minLength');
    this.counts('maxLength');
    this.patterns();
    this.content();
  }

  private patterns(): void {
    const { b, h } = this;
    const pb = b.patterns;
    const ph = h.patterns;
    const sb = new Set(pb.map((p) => p.pattern));
    const sh = new Set(ph.map((p) => p.pattern));
    if (pb.length === sh.size && pb.every((p) => sh.has(p.pattern))) return;
    const bp = pb[0]?.pointer ?? b.pointer;
    const hp = ph[0]?.pointer ?? h.pointer;
    const describe = (ps: Array<{ pattern: string }>) => (ps.length === 0 ? 'none' : ps.map((p) => p.pattern).join(' and '));
    const what = pb.length === 0 ? `must now match ${describe(ph)}` : ph.length === 0 ? `pattern ${describe(pb)} removed` : `pattern ${describe(pb)} became ${describe(ph)}`;
    // Does every string one side accepts pass the other's patterns? (lengths bound the strings the accepting side allows)
    const within = (from: View, fromPatterns: string[], to: string[]): { kind: 'subset' } | { kind: 'witness'; value: string } | { kind: 'unknown'; reason: string } => {
      const min = from.count('minLength')?.value;
      const max = from.count('maxLength')?.value;
      for (const target of to) {
        if (fromPatterns.includes(target)) continue;
        const r = patternIncluded(fromPatterns, target, { min, max });
        if (r.kind !== 'subset') return r;
      }
      return { kind: 'subset' };
    };
    const narrows = within(b, [...sb], [...sh]); // a base string the head refuses
    const widens = within(h, [...sh], [...sb]); // a head string the base refuses
    // A base `format` the witness may not satisfy: then it shows nothing.
    const realFor = (view: View, w: { kind: string }) => w.kind !== 'witness' || !view.format || !CHECKED_FORMATS.has(view.format.value);
    if (this.request) {
      if (narrows.kind === 'witness' && realFor(b, narrows)) this.emit(pb.length === 0 ? 'request-pattern-added' : 'request-pattern-changed', 'narrowed', `${what} (${show(narrows.value)} is no longer accepted)`, bp, hp);
      else if (narrows.kind === 'subset') {
        if (widens.kind === 'subset') return; // the same strings
        this.emit(ph.length === 0 ? 'request-pattern-removed' : 'request-pattern-widened', 'widened', `${what} (accepts every string it did, and more)`, bp, hp);
      } else this.emit('request-pattern-unverified', 'unknown', `${what}; cannot tell whether every string accepted before still is${narrows.kind === 'unknown' ? ` (${narrows.reason})` : ''}`, bp, hp);
    } else if (widens.kind === 'witness' && realFor(h, widens)) this.emit(ph.length === 0 ? 'response-pattern-removed' : 'response-pattern-changed', 'widened', `${what} (may now be ${show(widens.value)})`, bp, hp);
    else if (widens.kind === 'subset') {
      if (narrows.kind === 'subset') return;
      this.emit(pb.length === 0 ? 'response-pattern-added' : 'response-pattern-narrowed', 'narrowed', `${what} (only strings it could be before)`, bp, hp);
    } else this.emit('response-pattern-unverified', 'unknown', `${what}; cannot tell whether it may now be strings it could not be before${widens.kind === 'unknown' ? ` (${widens.reason})` : ''}`, bp, hp);
  }

  private format(): void {
    const norm = (v: View) => v.format?.value ?? (v.first('contentEncoding')?.value === 'base64' ? 'byte' : undefined);
    const fb = norm(this.b);
    const fh = norm(this.h);
    if (fb === fh) return;
    const bp = this.b.format?.pointer ?? this.b.pointer;
    const hp = this.h.format?.pointer ?? this.h.pointer;
    const checked = (f: string | undefined) => f !== undefined && CHECKED_FORMATS.has(f);
    // Formats that only annotate (password) or that validators do not know: nothing can be shown.
    if (!checked(fb) && !checked(fh)) {
      if (fb === 'password' || fh === 'password' || fb === undefined || fh === undefined) return;
    }
    let rel: Rel;
    if (fb === undefined) rel = 'narrowed';
    else if (fh === undefined) rel = 'widened';
    else if (formatWithin(fh, fb)) rel = 'narrowed';
    else if (formatWithin(fb, fh)) rel = 'widened';
    else rel = checked(fb) && checked(fh) ? 'changed' : 'unknown';
    if ((rel === 'narrowed' && !checked(fh)) || (rel === 'widened' && !checked(fb))) rel = 'unknown';
    const message = fb === undefined ? `format ${fh} added` : fh === undefined ? `format ${fb} removed` : `format ${fb} became ${fh}`;
    if (this.request) this.emit(rel === 'widened' ? 'request-format-widened' : 'request-format-changed', rel, message, bp, hp);
    else this.emit(rel === 'narrowed' ? 'response-format-narrowed' : 'response-format-changed', rel, message, bp, hp);
  }

  private content(): void {
    const { b, h } = this;
    const enc = (v: View) => (v.first('contentEncoding')?.value as string | undefined) ?? (v.format?.value === 'byte' ? 'base64' : undefined);
    const eb = enc(b);
    const eh = enc(h);
    if (eb !== eh) this.emit(this.request ? 'request-content-encoding-changed' : 'response-content-encoding-changed', 'changed', `contentEncoding ${eb ?? 'none'} became ${eh ?? 'none'} (the string is encoded differently)`, b.first('contentEncoding')?.pointer ?? b.pointer, h.first('contentEncoding')?.pointer ?? h.pointer);
    const mb = b.first('contentMediaType');
    const mh = h.first('contentMediaType');
    if (mb?.value !== mh?.value) {
      const both = mb !== undefined && mh !== undefined;
      this.emit(this.request ? 'request-content-media-type-changed' : 'response-content-media-type-changed', both ? 'changed' : 'unknown', `contentMediaType ${show(mb?.value ?? 'none')} became ${show(mh?.value ?? 'none')}`, mb?.pointer ?? b.pointer, mh?.pointer ?? h.pointer);
    }
    const sb = b.sub('contentSchema');
    const sh = h.sub('contentSchema');
    if (sb || sh) this.sub(sb ?? this.trueAt(b.pointer, b.spec), sh ?? this.trueAt(h.pointer, h.spec), ' (content)');
  }

  // ---- arrays ----

  private arrays(): void {
    const { b, h } = this;
    this.counts('minItems');
    this.counts('maxItems');
    const ub = b.uniqueItems;
    const uh = h.uniqueItems;
    if (ub.value !== uh.value) this.constraint(uh.value ? 'narrowed' : 'widened', uh.value ? 'uniqueItems added (repeated items are refused)' : 'uniqueItems removed', ub.pointer, uh.pointer);
    const prefix = Math.max(b.prefixLength, h.prefixLength);
    for (let i = 0; i < prefix; i++) this.sub(b.item(i), h.item(i), `[${i}]`);
    this.sub(b.item(prefix), h.item(prefix), '[]');
    this.contains();
  }

  private contains(): void {
    const cb = this.b.contains;
    const ch = this.h.contains;
    if (!cb && !ch) return;
    if (!cb || !ch) {
      const present = (cb ?? ch)!;
      if (present.min === 0 && present.max === undefined) return;
      if (ch) this.schemaRel('narrowed', 'must now contain an item matching `contains`');
      else this.schemaRel('widened', 'no longer has to contain an item matching `contains`');
      return;
    }
    if (cb.min !== ch.min) this.constraint(ch.min > cb.min ? 'narrowed' : 'widened', `minContains ${ch.min > cb.min ? 'raised' : 'lowered'} from ${cb.min} to ${ch.min}`, cb.pointer, ch.pointer);
    if (cb.max !== ch.max) {
      const was = cb.max ?? Infinity;
      const now = ch.max ?? Infinity;
      this.constraint(now < was ? 'narrowed' : 'widened', cb.max === undefined ? `maxContains ${now} added` : ch.max === undefined ? `maxContains ${was} removed` : `maxContains ${now < was ? 'lowered' : 'raised'} from ${was} to ${now}`, cb.pointer, ch.pointer);
    }
    if (cb.max === undefined && ch.max === undefined) {
      this.sub(cb.view, ch.view, ' (contains)');
      return;
    }
    // With maxContains, matching more items can refuse an array: the item schema's changes cut both ways.
    const inner = this.probe(cb.view, ch.view).filter((f) => f.rel !== 'none');
    if (inner.length > 0) this.unverified(`the \`contains\` schema changed while maxContains counts its matches (${phrase(inner[0]!)})`, cb.pointer, ch.pointer);
  }

  // ---- objects ----

  private objects(): void {
    const { b, h } = this;
    const names = new Set([...b.declared, ...h.declared, ...b.required, ...h.required]);
    for (const name of names) this.property(name);
    this.closure();
    this.patternProperties();
    const nb = b.sub('propertyNames');
    const nh = h.sub('propertyNames');
    if (nb || nh) this.sub(nb ?? this.trueAt(b.pointer, b.spec), nh ?? this.trueAt(h.pointer, h.spec), ' (property names)');
    this.counts('minProperties');
    this.counts('maxProperties');
    this.dependencies();
  }

  private property(name: string): void {
    const { b, h } = this;
    const pb = b.property(name);
    const ph = h.property(name);
    const hidden = (v: View) => (this.request ? v.readOnly : v.writeOnly);
    const hb = pb.declared && hidden(pb.view);
    const hh = ph.declared && hidden(ph.view);
    const label = `property \`${name}\``;
    if (pb.declared && ph.declared) {
      if (!hb && hh) {
        if (this.request) this.emit('request-property-now-read-only', 'narrowed', `${label} is now readOnly (clients that send it are refused)`, pb.view.pointer, ph.view.pointer);
        else this.emit('response-property-now-write-only', 'narrowed', `${label} is now writeOnly (no longer returned)`, pb.view.pointer, ph.view.pointer, 'breaking');
      } else if (hb && !hh) {
        if (this.request) this.emit('request-property-no-longer-read-only', 'widened', `${label} is no longer readOnly (clients may send it)`, pb.view.pointer, ph.view.pointer);
        else this.emit('response-property-no-longer-write-only', 'widened', `${label} is no longer writeOnly (now returned)`, pb.view.pointer, ph.view.pointer, 'safe');
      } else if (!hb && !hh) this.sub(pb.view, ph.view, `.${name}`);
    } else if (pb.declared && !ph.declared && !hb) {
      if (this.request) {
        const now = ph.view;
        const refused = now.isFalse;
        this.emit('request-property-removed', refused ? 'narrowed' : 'unknown', `${label} is no longer declared${refused ? ' (and undeclared ones are refused)' : ''}`, pb.view.pointer, h.pointer, refused ? 'breaking' : 'warning');
        if (!refused && !now.isTrue) this.sub(pb.view, now, `.${name}`);
      } else this.emit('response-property-removed', 'narrowed', `${label} was removed`, pb.view.pointer, h.pointer, 'breaking');
    } else if (!pb.declared && ph.declared && !hh) {
      const newlyRequired = h.required.has(name) && !b.required.has(name);
      if (this.request) {
        if (pb.explicit && !pb.view.isFalse) this.sub(pb.view, ph.view, `.${name}`);
        if (!newlyRequired) this.emit('request-property-added', 'widened', `${label} was added`, b.pointer, ph.view.pointer, 'safe');
      } else {
        if (pb.explicit && !pb.view.isFalse) this.sub(pb.view, ph.view, `.${name}`);
        const closed = b.closed !== undefined;
        this.emit('response-property-added', 'widened', `${label} was added${closed ? ' to an object that promised no other properties' : ''}`, b.pointer, ph.view.pointer, closed ? 'warning' : 'safe');
      }
    }
    if (hh || (hb && !ph.declared)) return;
    const rb = b.required.has(name) && !hb;
    const rh = h.required.has(name);
    if (rb === rh) return;
    if (this.request) {
      if (rh) this.emit('request-property-required-added', 'narrowed', `${label} is now required`, b.requiredPointer(name), h.requiredPointer(name));
      else this.emit('request-property-now-optional', 'widened', `${label} is now optional`, b.requiredPointer(name), h.requiredPointer(name));
    } else if (rb && !(pb.declared && !ph.declared)) this.emit('response-property-now-optional', 'widened', `${label} is no longer always present`, b.requiredPointer(name), h.requiredPointer(name), 'breaking');
    else if (rh && !(ph.declared && !pb.declared)) this.emit('response-property-now-required', 'narrowed', `${label} is now always present`, b.requiredPointer(name), h.requiredPointer(name), 'safe');
  }

  private closure(): void {
    const { b, h } = this;
    const cb = b.closed;
    const ch = h.closed;
    if (!cb && ch) {
      if (this.request) this.emit('request-additional-properties-closed', 'narrowed', 'no longer accepts properties it does not declare', b.pointer, ch.pointer);
      else this.emit('response-additional-properties-closed', 'narrowed', 'no longer carries properties it does not declare', b.pointer, ch.pointer);
      return;
    }
    if (cb && !ch) {
      if (this.request) this.emit('request-additional-properties-opened', 'widened', 'now accepts properties it does not declare', cb.pointer, h.pointer);
      else this.emit('response-additional-properties-opened', 'widened', 'may now carry properties it does not declare (it promised none)', cb.pointer, h.pointer, 'warning');
      return;
    }
    if (cb && ch) return;
    const ab = b.additional;
    const ah = h.additional;
    if (ab || ah) this.sub(ab ?? this.trueAt(b.pointer, b.spec), ah ?? this.trueAt(h.pointer, h.spec), '.*');
  }

  private patternProperties(): void {
    const { b, h } = this;
    const ppb = b.patternProperties;
    const pph = h.patternProperties;
    for (const [re, vb] of ppb) {
      const vh = pph.get(re);
      const label = `properties matching /${re}/`;
      if (vh) this.sub(vb, vh, `./${re}/`);
      else if (this.request) {
        const refused = h.closed !== undefined;
        this.emit('request-property-removed', refused ? 'narrowed' : 'unknown', `${label} are no longer declared${refused ? ' (and undeclared ones are refused)' : ''}`, vb.pointer, h.pointer, refused ? 'breaking' : 'warning');
      } else this.emit('response-property-removed', 'narrowed', `${label} are no longer described`, vb.pointer, h.pointer, 'breaking');
    }
    for (const [re, vh] of pph) {
      if (ppb.has(re)) continue;
      const label = `properties matching /${re}/`;
      const ab = b.additional;
      if (ab) this.sub(ab, vh, `./${re}/`);
      if (this.request) this.emit('request-property-added', 'widened', `${label} were added`, b.pointer, vh.pointer, 'safe');
      else this.emit('response-property-added', 'widened', `${label} were added`, b.pointer, vh.pointer, b.closed ? 'warning' : 'safe');
    }
  }

  private dependencies(): void {
    const { b, h } = this;
    const db = b.dependentRequired;
    const dh = h.dependentRequired;
    for (const name of new Set([...db.keys(), ...dh.keys()])) {
      const was = db.get(name)?.names ?? new Set<string>();
      const now = dh.get(name)?.names ?? new Set<string>();
      const added = [...now].filter((n) => !was.has(n));
      const removed = [...was].filter((n) => !now.has(n));
      const bp = db.get(name)?.pointer ?? b.pointer;
      const hp = dh.get(name)?.pointer ?? h.pointer;
      if (added.length > 0) this.emit(this.request ? 'request-dependent-required-added' : 'response-dependent-required-added', 'narrowed', `with \`${name}\`, ${list(added.map((n) => `\`${n}\``))} now required too`, bp, hp);
      if (removed.length > 0) this.emit(this.request ? 'request-dependent-required-removed' : 'response-dependent-required-removed', 'widened', `with \`${name}\`, ${list(removed.map((n) => `\`${n}\``))} no longer required`, bp, hp);
    }
    const sb = b.dependentSchemas;
    const sh = h.dependentSchemas;
    for (const name of new Set([...sb.keys(), ...sh.keys()])) this.sub(sb.get(name) ?? this.trueAt(b.pointer, b.spec), sh.get(name) ?? this.trueAt(h.pointer, h.spec), ` (with ${name})`);
  }

  // ---- not, if/then/else, discriminator ----

  private nots(): void {
    const nb = this.b.nots;
    const nh = this.h.nots;
    for (let i = 0; i < Math.max(nb.length, nh.length); i++) {
      const xb = nb[i];
      const xh = nh[i];
      if (xb && xh) {
        const inner = this.probe(xb, xh).filter((f) => f.rel !== 'none');
        if (inner.length === 0) continue;
        const rels = new Set(inner.map((f) => flip(f.rel)));
        const rel: Rel = rels.size === 1 ? [...rels][0]! : rels.has('unknown') ? 'unknown' : 'changed';
        const first = inner[0]!;
        const message = `\`not\` changed: ${phrase(first)}${inner.length > 1 ? ` (and ${inner.length - 1} more)` : ''}`;
        if (rel === 'unknown') this.unverified(message, xb.pointer, xh.pointer);
        else this.emit(this.request ? (rel === 'widened' ? 'request-schema-widened' : 'request-schema-narrowed') : rel === 'narrowed' ? 'response-schema-narrowed' : 'response-schema-widened', rel, message, xb.pointer, xh.pointer);
      } else if (xh && !xh.isFalse && !disjoint(this.h, xh)) this.schemaRel('narrowed', 'must now not match the `not` schema');
      else if (xb && !xb.isFalse && !disjoint(this.b, xb)) this.schemaRel('widened', 'no longer has to avoid the `not` schema');
    }
  }

  private conditionals(): void {
    const cb = this.b.conditionals;
    const ch = this.h.conditionals;
    for (let i = 0; i < Math.max(cb.length, ch.length); i++) {
      const xb = cb[i];
      const xh = ch[i];
      if (xb && xh) {
        const condition = this.probe(xb.if, xh.if).filter((f) => f.rel !== 'none');
        if (condition.length > 0) {
          this.unverified(`the \`if\` condition changed (${phrase(condition[0]!)}): which values take \`then\` or \`else\` moved`, xb.pointer, xh.pointer);
          continue;
        }
        this.sub(xb.then, xh.then, ' (then)');
        this.sub(xb.else, xh.else, ' (else)');
      } else if (xh) this.schemaRel('narrowed', 'now has a condition (if/then/else) to meet');
      else if (xb) this.schemaRel('widened', 'no longer has a condition (if/then/else) to meet');
    }
  }

  private discriminator(): void {
    const db = this.b.first('discriminator');
    const dh = this.h.first('discriminator');
    if (!db && !dh) return;
    const rb = db?.value as { propertyName?: unknown; mapping?: Record<string, unknown> } | undefined;
    const rh = dh?.value as { propertyName?: unknown; mapping?: Record<string, unknown> } | undefined;
    const bp = db?.pointer ?? this.b.pointer;
    const hp = dh?.pointer ?? this.h.pointer;
    const changed = this.request ? 'request-discriminator-changed' : 'response-discriminator-changed';
    if (!rb || !rh) {
      this.emit(changed, 'unknown', rb ? `discriminator \`${String(rb.propertyName)}\` removed` : `discriminator \`${String(rh!.propertyName)}\` added`, bp, hp);
      return;
    }
    if (rb.propertyName !== rh.propertyName) {
      this.emit(changed, 'changed', `discriminator property \`${String(rb.propertyName)}\` became \`${String(rh.propertyName)}\``, bp, hp);
      return;
    }
    const mb = rb.mapping ?? {};
    const mh = rh.mapping ?? {};
    const target = (ref: unknown) => (typeof ref === 'string' ? (ref.startsWith('#') ? decodeURIComponent(ref.slice(1)) : `/components/schemas/${ref}`) : String(ref));
    for (const [value, ref] of Object.entries(mb)) {
      if (!(value in mh)) {
        if (this.request) this.emit('request-discriminator-value-removed', 'narrowed', `discriminator value ${show(value)} is no longer accepted`, bp, hp);
        else this.emit('response-discriminator-value-removed', 'narrowed', `discriminator value ${show(value)} no longer comes back`, bp, hp);
      } else if (target(ref) !== target(mh[value])) this.emit(changed, 'changed', `discriminator value ${show(value)} now selects ${String(mh[value])} instead of ${String(ref)}`, bp, hp);
    }
    for (const value of Object.keys(mh)) {
      if (value in mb) continue;
      if (this.request) this.emit('request-discriminator-value-added', 'widened', `discriminator value ${show(value)} is now accepted`, bp, hp);
      else this.emit('response-discriminator-value-added', 'widened', `discriminator value ${show(value)} may now come back`, bp, hp);
    }
  }

  // ---- anyOf / oneOf ----

  /** Both sides have the same kinds of group: branches matched and compared one by one. */
  private group(gb: Group, gh: Group): void {
    const { spec: bs } = this.b;
    const { spec: hs } = this.h;
    const bv = gb.branches.map((s) => viewOf(bs, [s], s.pointer));
    const hv = gh.branches.map((s) => viewOf(hs, [s], s.pointer));
    const pairs = matchBranches(gb, gh, bv, hv);
    const matchedB = new Set(pairs.map(([i]) => i));
    const matchedH = new Set(pairs.map(([, j]) => j));
    const rels = new Set<Rel>();
    for (const [i, j] of pairs) for (const f of this.sub(bv[i]!, hv[j]!, '')) rels.add(f.rel);
    bv.forEach((v, i) => {
      if (matchedB.has(i)) return;
      if (this.request) this.emit('request-oneof-branch-removed', 'narrowed', `${gb.kind} branch ${branchName(gb.branches[i]!, i)} was removed`, v.pointer, gh.pointer);
      else this.emit('response-oneof-branch-removed', 'narrowed', `${gb.kind} branch ${branchName(gb.branches[i]!, i)} was removed`, v.pointer, gh.pointer);
    });
    hv.forEach((v, j) => {
      if (matchedH.has(j)) return;
      if (!this.request) {
        this.emit('response-oneof-branch-added', 'widened', `${gh.kind} branch ${branchName(gh.branches[j]!, j)} was added (a shape clients never received)`, gb.pointer, v.pointer);
        return;
      }
      // A new oneOf branch that overlaps another makes values that match both invalid.
      const overlaps = gh.kind === 'oneOf' && !gh.discriminated && hv.some((other, k) => k !== j && !disjoint(v, other));
      if (!overlaps) {
        this.emit('request-oneof-branch-added', 'widened', `${gh.kind} branch ${branchName(gh.branches[j]!, j)} was added`, gb.pointer, v.pointer);
        return;
      }
      const witness = this.engine.witnesses.find(this.b, this.h, 'request');
      if (witness !== undefined) this.emit('request-oneof-ambiguous', 'narrowed', `oneOf branch ${branchName(gh.branches[j]!, j)} was added, and a body valid before, ${show(witness)}, now matches more than one branch (refused)`, gb.pointer, v.pointer);
      else this.emit('request-oneof-branch-added', 'unknown', `oneOf branch ${branchName(gh.branches[j]!, j)} was added; it may overlap another branch, and a body matching both is refused`, gb.pointer, v.pointer, 'warning');
    });
    // In a oneOf, a branch that accepts more can make values match two (refused), and one that accepts less (or is gone) can make values that matched two match one (newly valid): shown by a value, else not claimed.
    if (gb.kind !== 'oneOf' || gh.discriminated || this.findings.some((f) => f.rule === 'request-oneof-ambiguous' || f.rule === 'response-oneof-ambiguous')) return;
    const overlapping = (views: View[]) => views.some((x, i) => views.some((y, k) => k > i && !disjoint(x, y)));
    if (this.request && rels.has('widened') && overlapping(hv)) {
      const witness = this.engine.witnesses.find(this.b, this.h, 'request');
      if (witness !== undefined) this.emit('request-oneof-ambiguous', 'narrowed', `a oneOf branch accepts more, and a body valid before, ${show(witness)}, now matches more than one branch (refused)`, gb.pointer, gh.pointer);
    }
    if (!this.request && (rels.has('narrowed') || matchedB.size < bv.length) && overlapping(bv)) {
      const witness = this.engine.witnesses.find(this.h, this.b, 'response');
      if (witness !== undefined) this.emit('response-oneof-ambiguous', 'widened', `a oneOf branch accepts less, and the response may now be ${show(witness)}, which matched more than one branch before (so was never valid)`, gb.pointer, gh.pointer);
    }
  }

  /**
   * The `anyOf`/`oneOf` structure differs (`type: string` became a `oneOf`,
   * `required` became branches, `anyOf` became `oneOf`): each side is read as
   * its alternatives (own keywords joined to one branch of each group), and
   * every alternative of the accepting side must fit within one of the
   * other's. With a single alternative on the other side, its findings are
   * the answer; otherwise a value is looked for to show the change.
   */
  private reshaped(): void {
    const { b, h } = this;
    const ab = alternatives(b, 32);
    const ah = alternatives(h, 32);
    if (!ab || !ah) {
      this.own();
      this.unverified('anyOf/oneOf were reshaped with too many combinations to compare');
      return;
    }
    const [from, to] = this.request ? [ab, ah] : [ah, ab];
    const toHasOneOf = (this.request ? h : b).groups.some((g) => g.kind === 'oneOf' && !g.discriminated);
    const used = new Set<number>();
    let reported = false;
    for (const x of from) {
      const probes = to.map((y) => (this.request ? this.probe(x.view, y.view) : this.probe(y.view, x.view)));
      // Findings of one alternative among several say which.
      const within = (f: Finding) => (from.length > 1 ? { ...f, message: `${x.label}: ${f.message}` } : f);
      if (to.length === 1) {
        for (const f of probes[0]!) this.add(within(f));
        used.add(0);
        continue;
      }
      let cover = -1;
      probes.forEach((fs, k) => {
        if (fs.every((f) => !harms(this.direction, f.rel)) && (cover < 0 || fs.length < probes[cover]!.length)) cover = k;
      });
      if (cover >= 0) {
        used.add(cover);
        for (const f of probes[cover]!) this.add(within(f));
        if (!toHasOneOf || reported) continue;
        if (!to.some((y, k) => k !== cover && !disjoint(x.view, y.view))) continue;
        reported = true;
        this.ambiguous();
        continue;
      }
      if (reported) continue;
      reported = true;
      const witness = this.request ? this.engine.witnesses.find(b, h, 'request') : this.engine.witnesses.find(h, b, 'response');
      if (witness !== undefined) this.schemaRel(this.request ? 'narrowed' : 'widened', `anyOf/oneOf reshaped: ${this.request ? 'no longer accepts' : 'may now be'} ${show(witness)}`);
      else this.unverified(`anyOf/oneOf reshaped; cannot tell whether ${this.request ? 'everything accepted before still is' : 'it may now be values it could not be before'}`);
    }
    if (this.request && to.length > 1) {
      to.forEach((y, k) => {
        if (!used.has(k)) this.emit('request-oneof-branch-added', 'widened', `anyOf/oneOf reshaped: now also accepts ${y.label}`, b.pointer, y.view.pointer);
      });
    }
  }

  /** Values that fit one alternative may now fit several of a oneOf: refused. */
  private ambiguous(): void {
    const { b, h } = this;
    const witness = this.request ? this.engine.witnesses.find(b, h, 'request') : this.engine.witnesses.find(h, b, 'response');
    if (witness !== undefined) {
      if (this.request) this.emit('request-oneof-ambiguous', 'narrowed', `a body valid before, ${show(witness)}, now matches more than one oneOf branch (refused)`);
      else this.emit('response-oneof-ambiguous', 'widened', `may now be ${show(witness)}, which matches more than one branch of the base oneOf`);
    } else this.unverified(this.request ? 'a body valid before may now match more than one oneOf branch (refused); none was found' : 'a response may now match more than one branch of the base oneOf; none was found');
  }
}

/** The types a schema's own keywords allow: `type`, and the types of its closed values (`enum: [a, b]` is `string` whether `type` says so or not). */
function ownTypes(view: View): Set<JsonType> | undefined {
  const declared = view.types;
  const values = view.values;
  if (!values) return declared;
  const own = new Set<JsonType>(values.list.map(typeOfValue));
  return declared ? new Set([...declared].filter((t) => own.has(t))) : own;
}

/** The keywords that constrain a schema, for a message: `type, properties, required`. */
function keywordsOf(view: View): string {
  const names = new Set<string>();
  for (const p of view.objects) for (const k of Object.keys(p.raw)) if (!NOT_CONSTRAINTS.has(k) && !k.startsWith('x-')) names.add(k);
  const all = [...names];
  return all.length > 6 ? `${all.slice(0, 6).join(', ')}, …` : all.join(', ') || 'a $ref';
}

const NOT_CONSTRAINTS = new Set(['title', 'description', 'default', 'examples', 'example', 'deprecated', 'readOnly', 'writeOnly', '$comment', '$id', '$schema', '$anchor', '$defs', 'definitions', 'externalDocs', 'xml', 'nullable', 'allOf']);

/** Pairs base and head branches: the same schema (by pointer, or inline and equal), the same discriminator value, then in order among those of overlapping types. */
function matchBranches(gb: Group, gh: Group, bv: View[], hv: View[]): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  const freeB = new Set(bv.keys());
  const freeH = new Set(hv.keys());
  const take = (i: number, j: number) => {
    pairs.push([i, j]);
    freeB.delete(i);
    freeH.delete(j);
  };
  for (const i of [...freeB]) for (const j of freeH) if (bv[i]!.id === hv[j]!.id && !bv[i]!.id.startsWith(`${gb.pointer}/`) && !hv[j]!.id.startsWith(`${gh.pointer}/`)) {
    take(i, j);
    break;
  }
  const text = (node: unknown) => {
    const t = canonicalJson(node);
    return t.length < 4000 ? t : undefined;
  };
  for (const i of [...freeB]) {
    const t = text(gb.branches[i]!.node);
    if (t === undefined) continue;
    for (const j of freeH) if (text(gh.branches[j]!.node) === t) {
      take(i, j);
      break;
    }
  }
  const mb = (gb.discriminator?.mapping ?? {}) as Record<string, unknown>;
  const mh = (gh.discriminator?.mapping ?? {}) as Record<string, unknown>;
  const byRef = (mapping: Record<string, unknown>, views: View[], free: Set<number>) => {
    const out = new Map<string, number>();
    for (const [value, ref] of Object.entries(mapping)) {
      const pointer = typeof ref === 'string' && ref.startsWith('#') ? decodeURIComponent(ref.slice(1)) : `/components/schemas/${String(ref)}`;
      for (const k of free) if (views[k]!.parts[0]?.pointer === pointer) out.set(value, k);
    }
    return out;
  };
  const db = byRef(mb, bv, freeB);
  const dh = byRef(mh, hv, freeH);
  for (const [value, i] of db) {
    const j = dh.get(value);
    if (j !== undefined && freeB.has(i) && freeH.has(j)) take(i, j);
  }
  if (freeB.size === freeH.size) {
    const restB = [...freeB];
    const restH = [...freeH];
    restB.forEach((i, k) => take(i, restH[k]!));
    return pairs;
  }
  for (const i of [...freeB]) {
    const tb = effectiveTypes(bv[i]!);
    for (const j of freeH) {
      const th = effectiveTypes(hv[j]!);
      if (!tb || !th || [...tb].some((t) => th.has(t))) {
        take(i, j);
        break;
      }
    }
  }
  return pairs.sort((x, y) => x[0] - y[0]);
}
