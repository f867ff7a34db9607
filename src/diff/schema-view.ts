import { isRef, type Spec } from '../spec/load-spec.js';
import { appendPointer } from '../spec/pointer.js';
import { canonicalJson } from '../validate/schemas.js';
import { patternMatches } from './schema-pattern.js';

/** Where a schema is read: a node of a spec and its pointer (for file:line). `node` undefined: no schema (anything goes). */
export interface Side {
  spec: Spec;
  node: unknown;
  pointer: string;
}

export type Raw = Record<string, unknown>;

/** One schema of a conjunction: `$ref`s followed, `allOf` branches flattened. */
export interface Part {
  raw: Raw | boolean;
  pointer: string;
  /** Unique in its spec: the pointer (a 3.1 `$ref`'s siblings: the pointer and `~s`; a `$ref` that does not resolve: `?` and the reference). */
  id: string;
  /** A `$ref` that does not resolve: compared by its text only. */
  opaque?: string;
}

/** Keywords that never change which values a schema accepts. */
const ANNOTATIONS = new Set(['title', 'description', 'default', 'examples', 'example', 'deprecated', 'readOnly', 'writeOnly', '$comment', '$id', '$schema', '$anchor', '$dynamicAnchor', '$defs', 'definitions', '$vocabulary', 'externalDocs', 'xml', 'discriminator', 'nullable', 'x-extensible-enum']);

const isObject = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A JSON type as compared: `number` stands for non-integer numbers (`type: number` is `integer` and `number`). */
export type JsonType = 'null' | 'boolean' | 'object' | 'array' | 'string' | 'integer' | 'number';
export const ALL_TYPES: readonly JsonType[] = ['null', 'boolean', 'object', 'array', 'string', 'integer', 'number'];

export function typeOfValue(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value as JsonType;
}

/** `integer|number` reads `number`; the rest as they are. */
export function describeTypes(types: ReadonlySet<JsonType> | undefined): string {
  if (!types) return 'any';
  if (types.size === 0) return 'nothing';
  const order: JsonType[] = ['string', 'integer', 'number', 'boolean', 'object', 'array', 'null'];
  const names = order.filter((t) => types.has(t) && !(t === 'integer' && types.has('number')));
  return names.join('|');
}

export interface Bound {
  value: number;
  exclusive: boolean;
  keyword: string;
  pointer: string;
}

export interface Group {
  kind: 'anyOf' | 'oneOf';
  branches: Side[];
  pointer: string;
  /** Branches told apart by a discriminator property: never two at once. */
  discriminated: boolean;
  discriminator: Raw | undefined;
}

/** What a property name meets in an object schema. */
export interface PropertySchema {
  view: View;
  /** Named in some `properties`. */
  declared: boolean;
  /** Not declared, but an explicit `additionalProperties`/`patternProperties`/`unevaluatedProperties` says what it may be. */
  explicit: boolean;
}

/**
 * A schema as a conjunction of parts: `$ref`s followed on the way (cycles
 * stop), `allOf` branches flattened, and in OpenAPI 3.1 a `$ref`'s sibling
 * keywords kept as a part of their own. No parts: anything goes. Every
 * keyword is read across the parts (types intersected, bounds the tightest,
 * `required` united, …).
 */
export class View {
  private key: string | undefined;
  private memo: Map<string, unknown> | undefined;

  constructor(readonly spec: Spec, readonly parts: readonly Part[], readonly at: string) {}

  /** The same for the same parts, in any order: what a comparison is remembered by. */
  get id(): string {
    if (this.key === undefined) this.key = this.parts.length === 0 ? 'true' : this.parts.length === 1 ? this.parts[0]!.id : this.parts.map((p) => p.id).sort().join('&');
    return this.key;
  }

  /** The pointer to report: the first part's, or where the schema would stand. */
  get pointer(): string {
    return this.parts[0]?.pointer ?? this.at;
  }

  private once<T>(key: string, make: () => T): T {
    this.memo ??= new Map();
    if (this.memo.has(key)) return this.memo.get(key) as T;
    const value = make();
    this.memo.set(key, value);
    return value;
  }

  get objects(): Array<{ raw: Raw; pointer: string; id: string }> {
    return this.once('objects', () => this.parts.filter((p): p is Part & { raw: Raw } => isObject(p.raw) && !p.opaque));
  }

  /** The part that holds a keyword first, and its value. */
  first(keyword: string): { value: unknown; pointer: string } | undefined {
    for (const p of this.objects) if (keyword in p.raw) return { value: p.raw[keyword], pointer: p.pointer };
    return undefined;
  }

  all(keyword: string): Array<{ value: unknown; pointer: string }> {
    return this.objects.filter((p) => keyword in p.raw).map((p) => ({ value: p.raw[keyword], pointer: p.pointer }));
  }

  get opaque(): string[] {
    return this.parts.filter((p) => p.opaque).map((p) => p.opaque!);
  }

  /** Accepts nothing. */
  get isFalse(): boolean {
    return this.parts.some((p) => p.raw === false);
  }

  /** Accepts anything: no part says more than annotations. */
  get isTrue(): boolean {
    return this.once('isTrue', () => this.parts.every((p) => !p.opaque && (p.raw === true || (isObject(p.raw) && Object.keys(p.raw).every((k) => ANNOTATIONS.has(k) || k.startsWith('x-'))))));
  }

  get readOnly(): boolean {
    return this.objects.some((p) => p.raw.readOnly === true);
  }

  get writeOnly(): boolean {
    return this.objects.some((p) => p.raw.writeOnly === true);
  }

  /** The types allowed (3.0 `nullable` adds `null`); undefined when no part says. */
  get types(): Set<JsonType> | undefined {
    return this.once('types', () => {
      let out: Set<JsonType> | undefined;
      for (const p of this.objects) {
        const type = p.raw.type;
        const list = Array.isArray(type) ? type : typeof type === 'string' ? [type] : undefined;
        if (!list) continue;
        const set = new Set<JsonType>();
        for (const t of list) {
          if (t === 'number') set.add('number').add('integer');
          else if (typeof t === 'string' && (ALL_TYPES as readonly string[]).includes(t)) set.add(t as JsonType);
        }
        if (this.spec.version === '3.0' && p.raw.nullable === true) set.add('null');
        out = out ? new Set([...out].filter((t) => set.has(t))) : set;
      }
      return out;
    });
  }

  /** Where the types are declared. */
  get typePointer(): string {
    return this.first('type')?.pointer ?? this.pointer;
  }

  /** Whether values of a type may pass (types and closed value sets agree). */
  allows(type: JsonType): boolean {
    const types = this.types;
    if (types && !types.has(type)) return false;
    const values = this.values;
    return !values || values.list.some((v) => typeOfValue(v) === type || (type === 'number' && typeOfValue(v) === 'integer'));
  }

  /** The closed set of values (`enum`, `const`, intersected across parts, kept to the types allowed); undefined when open. */
  get values(): { list: unknown[]; keys: Set<string>; viaConst: boolean; pointer: string } | undefined {
    return this.once('values', () => {
      let found: Map<string, unknown> | undefined;
      let viaConst = true;
      let pointer = this.pointer;
      for (const p of this.objects) {
        const sets: unknown[][] = [];
        if ('const' in p.raw) sets.push([p.raw.const]);
        if (Array.isArray(p.raw.enum)) {
          const list = [...p.raw.enum];
          if (this.spec.version === '3.0' && p.raw.nullable === true && p.raw.type !== undefined && !list.includes(null)) list.push(null);
          sets.push(list);
          viaConst = false;
        }
        for (const set of sets) {
          if (!found) pointer = p.pointer;
          const map = new Map(set.map((v) => [canonicalJson(v), v] as const));
          found = found ? new Map([...found].filter(([k]) => map.has(k))) : map;
        }
      }
      if (!found) return undefined;
      const types = this.types;
      const list = [...found.values()].filter((v) => !types || types.has(typeOfValue(v)));
      return { list, keys: new Set(list.map((v) => canonicalJson(v))), viaConst, pointer };
    });
  }

  get extensibleEnum(): { list: unknown[]; pointer: string } | undefined {
    const found = this.all('x-extensible-enum').find((e) => Array.isArray(e.value));
    return found ? { list: found.value as unknown[], pointer: found.pointer } : undefined;
  }

  /** The tightest lower (`min`) or upper bound of a numeric keyword pair, exclusive forms included (3.0 booleans, 3.1 numbers). */
  numberBound(side: 'min' | 'max'): Bound | undefined {
    return this.once(`bound:${side}`, () => {
      const [plain, exclusive] = side === 'min' ? ['minimum', 'exclusiveMinimum'] : ['maximum', 'exclusiveMaximum'];
      let best: Bound | undefined;
      const better = (b: Bound) => {
        if (!best) return true;
        if (side === 'min') return b.value > best.value || (b.value === best.value && b.exclusive && !best.exclusive);
        return b.value < best.value || (b.value === best.value && b.exclusive && !best.exclusive);
      };
      for (const p of this.objects) {
        const n = p.raw[plain];
        const e = p.raw[exclusive];
        const candidates: Bound[] = [];
        if (typeof n === 'number') candidates.push({ value: n, exclusive: e === true, keyword: e === true ? `${exclusive} ${plain}` : plain, pointer: p.pointer });
        if (typeof e === 'number') candidates.push({ value: e, exclusive: true, keyword: exclusive, pointer: p.pointer });
        for (const c of candidates) if (better(c)) best = c;
      }
      // Integers only: an exclusive bound is the next integer, inclusive.
      const types = this.types;
      if (best && types && !types.has('number') && types.has('integer')) {
        const v = side === 'min' ? (best.exclusive ? Math.floor(best.value) + 1 : Math.ceil(best.value)) : best.exclusive ? Math.ceil(best.value) - 1 : Math.floor(best.value);
        best = { ...best, value: v, exclusive: false };
      }
      return best;
    });
  }

  /** The tightest of a count keyword (`minLength`, `maxItems`, …). */
  count(keyword: string): { value: number; pointer: string } | undefined {
    return this.once(`count:${keyword}`, () => {
      let best: { value: number; pointer: string } | undefined;
      const lower = keyword.startsWith('min');
      for (const p of this.objects) {
        const v = p.raw[keyword];
        if (typeof v !== 'number') continue;
        if (!best || (lower ? v > best.value : v < best.value)) best = { value: v, pointer: p.pointer };
      }
      return best;
    });
  }

  get multipleOf(): { value: number; pointer: string } | undefined {
    const all = this.all('multipleOf').filter((m) => typeof m.value === 'number' && (m.value as number) > 0);
    if (all.length === 0) return undefined;
    // Several: their least common multiple when they are integers, else the largest.
    const values = all.map((m) => m.value as number);
    const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
    const value = values.every(Number.isInteger) ? values.reduce((a, b) => (a / gcd(a, b)) * b) : Math.max(...values);
    return { value, pointer: all[0]!.pointer };
  }

  get uniqueItems(): { value: boolean; pointer: string } {
    const found = this.all('uniqueItems').find((u) => u.value === true);
    return found ? { value: true, pointer: found.pointer } : { value: false, pointer: this.pointer };
  }

  get patterns(): Array<{ pattern: string; pointer: string }> {
    return this.once('patterns', () => {
      const seen = new Set<string>();
      const out: Array<{ pattern: string; pointer: string }> = [];
      for (const p of this.all('pattern')) if (typeof p.value === 'string' && !seen.has(p.value)) {
        seen.add(p.value);
        out.push({ pattern: p.value, pointer: p.pointer });
      }
      return out;
    });
  }

  get format(): { value: string; pointer: string } | undefined {
    const found = this.all('format').find((f) => typeof f.value === 'string');
    return found ? { value: found.value as string, pointer: found.pointer } : undefined;
  }

  get required(): Set<string> {
    return this.once('required', () => new Set(this.objects.flatMap((p) => (Array.isArray(p.raw.required) ? (p.raw.required as unknown[]).filter((r): r is string => typeof r === 'string') : []))));
  }

  /** Where `required` lists a name (else the schema). */
  requiredPointer(name: string): string {
    return this.objects.find((p) => Array.isArray(p.raw.required) && (p.raw.required as unknown[]).includes(name))?.pointer ?? this.pointer;
  }

  /** Names under any part's `properties`. */
  get declared(): string[] {
    return this.once('declared', () => {
      const names = new Set<string>();
      for (const p of this.objects) if (isObject(p.raw.properties)) for (const name of Object.keys(p.raw.properties)) names.add(name);
      return [...names];
    });
  }

  /** The schema a property meets: each part's `properties` entry, else its matching `patternProperties`, else its `additionalProperties` (then `unevaluatedProperties`). */
  property(name: string): PropertySchema {
    const sides: Array<{ node: unknown; pointer: string }> = [];
    let declared = false;
    let explicit = false;
    let evaluated = false;
    for (const p of this.objects) {
      const props = p.raw.properties;
      let matched = false;
      if (isObject(props) && Object.hasOwn(props, name)) {
        sides.push({ node: props[name], pointer: appendPointer(p.pointer, 'properties', name) });
        declared = evaluated = matched = true;
      }
      if (isObject(p.raw.patternProperties)) {
        for (const [re, schema] of Object.entries(p.raw.patternProperties)) if (patternMatches(re, name)) {
          sides.push({ node: schema, pointer: appendPointer(p.pointer, 'patternProperties', re) });
          if (!matched) explicit = true;
          matched = evaluated = true;
        }
      }
      if (!matched && p.raw.additionalProperties !== undefined) {
        sides.push({ node: p.raw.additionalProperties, pointer: appendPointer(p.pointer, 'additionalProperties') });
        explicit = evaluated = true;
      }
    }
    if (!evaluated) {
      for (const p of this.objects) if (p.raw.unevaluatedProperties !== undefined) {
        sides.push({ node: p.raw.unevaluatedProperties, pointer: appendPointer(p.pointer, 'unevaluatedProperties') });
        explicit = true;
      }
    }
    const at = appendPointer(this.objects[0]?.pointer ?? this.pointer, 'properties', name);
    return { view: viewOf(this.spec, sides, sides[0]?.pointer ?? at), declared, explicit };
  }

  /** Undeclared properties are refused (`additionalProperties: false`, or `unevaluatedProperties: false` without one). */
  get closed(): { pointer: string } | undefined {
    for (const p of this.objects) {
      if (p.raw.additionalProperties === false) return { pointer: p.pointer };
      if (p.raw.additionalProperties === undefined && p.raw.unevaluatedProperties === false) return { pointer: p.pointer };
    }
    return undefined;
  }

  /** The explicit `additionalProperties` (then `unevaluatedProperties`) schemas that are not `false`. */
  get additional(): View | undefined {
    const sides: Array<{ node: unknown; pointer: string }> = [];
    for (const p of this.objects) {
      const ap = p.raw.additionalProperties ?? p.raw.unevaluatedProperties;
      const key = p.raw.additionalProperties !== undefined ? 'additionalProperties' : 'unevaluatedProperties';
      if (ap !== undefined && ap !== false) sides.push({ node: ap, pointer: appendPointer(p.pointer, key) });
    }
    return sides.length > 0 ? viewOf(this.spec, sides, sides[0]!.pointer) : undefined;
  }

  get patternProperties(): Map<string, View> {
    return this.once('patternProperties', () => {
      const sides = new Map<string, Array<{ node: unknown; pointer: string }>>();
      for (const p of this.objects) if (isObject(p.raw.patternProperties)) for (const [re, schema] of Object.entries(p.raw.patternProperties)) {
        if (!sides.has(re)) sides.set(re, []);
        sides.get(re)!.push({ node: schema, pointer: appendPointer(p.pointer, 'patternProperties', re) });
      }
      return new Map([...sides].map(([re, list]) => [re, viewOf(this.spec, list, list[0]!.pointer)]));
    });
  }

  /** A keyword whose value is one subschema, across parts (`propertyNames`, `contentSchema`, `not` taken one by one elsewhere). */
  sub(keyword: string): View | undefined {
    const sides = this.objects.filter((p) => p.raw[keyword] !== undefined).map((p) => ({ node: p.raw[keyword], pointer: appendPointer(p.pointer, keyword) }));
    return sides.length > 0 ? viewOf(this.spec, sides, sides[0]!.pointer) : undefined;
  }

  /** `not` subschemas, one per part that has one. */
  get nots(): View[] {
    return this.objects.filter((p) => p.raw.not !== undefined).map((p) => viewOf(this.spec, [{ node: p.raw.not, pointer: appendPointer(p.pointer, 'not') }], appendPointer(p.pointer, 'not')));
  }

  get conditionals(): Array<{ if: View; then: View; else: View; pointer: string }> {
    return this.objects.filter((p) => p.raw.if !== undefined).map((p) => {
      const sub = (k: string) => viewOf(this.spec, p.raw[k] === undefined ? [] : [{ node: p.raw[k], pointer: appendPointer(p.pointer, k) }], appendPointer(p.pointer, k));
      return { if: sub('if'), then: sub('then'), else: sub('else'), pointer: appendPointer(p.pointer, 'if') };
    });
  }

  /** `dependentRequired` (and `dependencies` lists): property -> the names it brings along. */
  get dependentRequired(): Map<string, { names: Set<string>; pointer: string }> {
    return this.once('dependentRequired', () => {
      const out = new Map<string, { names: Set<string>; pointer: string }>();
      for (const p of this.objects) for (const key of ['dependentRequired', 'dependencies']) {
        const map = p.raw[key];
        if (!isObject(map)) continue;
        for (const [name, list] of Object.entries(map)) if (Array.isArray(list)) {
          const entry = out.get(name) ?? { names: new Set<string>(), pointer: appendPointer(p.pointer, key, name) };
          for (const n of list) if (typeof n === 'string') entry.names.add(n);
          out.set(name, entry);
        }
      }
      return out;
    });
  }

  /** `dependentSchemas` (and `dependencies` schemas): property -> the schema the object must then match. */
  get dependentSchemas(): Map<string, View> {
    return this.once('dependentSchemas', () => {
      const sides = new Map<string, Array<{ node: unknown; pointer: string }>>();
      for (const p of this.objects) for (const key of ['dependentSchemas', 'dependencies']) {
        const map = p.raw[key];
        if (!isObject(map)) continue;
        for (const [name, schema] of Object.entries(map)) if (!Array.isArray(schema)) {
          if (!sides.has(name)) sides.set(name, []);
          sides.get(name)!.push({ node: schema, pointer: appendPointer(p.pointer, key, name) });
        }
      }
      return new Map([...sides].map(([name, list]) => [name, viewOf(this.spec, list, list[0]!.pointer)]));
    });
  }

  /** How many leading positions some part gives a schema of their own (`prefixItems`, or `items` as a list). */
  get prefixLength(): number {
    let n = 0;
    for (const p of this.objects) {
      const prefix = Array.isArray(p.raw.prefixItems) ? p.raw.prefixItems : Array.isArray(p.raw.items) ? p.raw.items : undefined;
      if (prefix) n = Math.max(n, prefix.length);
    }
    return n;
  }

  /** The schema an array item at a position meets (`prefixItems`/list `items`, then `items`/`additionalItems`, then `unevaluatedItems`); `index` past the prefixes: the rest. */
  item(index: number): View {
    const sides: Array<{ node: unknown; pointer: string }> = [];
    for (const p of this.objects) {
      const tuple = Array.isArray(p.raw.prefixItems) ? 'prefixItems' : Array.isArray(p.raw.items) ? 'items' : undefined;
      const prefix = tuple ? (p.raw[tuple] as unknown[]) : [];
      if (index < prefix.length) {
        sides.push({ node: prefix[index], pointer: appendPointer(p.pointer, tuple!, index) });
        continue;
      }
      const restKey = tuple === 'items' ? 'additionalItems' : 'items';
      if (p.raw[restKey] !== undefined) sides.push({ node: p.raw[restKey], pointer: appendPointer(p.pointer, restKey) });
      else if (p.raw.unevaluatedItems !== undefined) sides.push({ node: p.raw.unevaluatedItems, pointer: appendPointer(p.pointer, 'unevaluatedItems') });
    }
    return viewOf(this.spec, sides, sides[0]?.pointer ?? appendPointer(this.pointer, 'items'));
  }

  get contains(): { view: View; min: number; max: number | undefined; pointer: string } | undefined {
    const p = this.objects.find((o) => o.raw.contains !== undefined);
    if (!p) return undefined;
    const min = typeof p.raw.minContains === 'number' ? p.raw.minContains : 1;
    const max = typeof p.raw.maxContains === 'number' ? p.raw.maxContains : undefined;
    return { view: viewOf(this.spec, [{ node: p.raw.contains, pointer: appendPointer(p.pointer, 'contains') }], appendPointer(p.pointer, 'contains')), min, max, pointer: p.pointer };
  }

  get groups(): Group[] {
    return this.once('groups', () => {
      const out: Group[] = [];
      for (const p of this.objects) for (const kind of ['anyOf', 'oneOf'] as const) {
        const list = p.raw[kind];
        if (!Array.isArray(list)) continue;
        const discriminator = isObject(p.raw.discriminator) ? p.raw.discriminator : undefined;
        out.push({ kind, branches: list.map((node, i) => ({ spec: this.spec, node, pointer: appendPointer(p.pointer, kind, i) })), pointer: appendPointer(p.pointer, kind), discriminated: typeof discriminator?.propertyName === 'string', discriminator });
      }
      return out;
    });
  }

  /** This schema without its `anyOf`/`oneOf` (those of every part), and with one branch of each group added. */
  withBranches(branches: Side[]): View {
    const own = this.parts.map((p) => (isObject(p.raw) && !p.opaque && (Array.isArray(p.raw.anyOf) || Array.isArray(p.raw.oneOf)) ? { ...p, raw: withoutGroups(p.raw), id: `${p.id}~own` } : p));
    const extra = viewOf(this.spec, branches, this.pointer).parts;
    return new View(this.spec, [...own, ...extra], this.at);
  }
}

function withoutGroups(raw: Raw): Raw {
  const { anyOf: _a, oneOf: _o, discriminator: _d, ...rest } = raw;
  return rest;
}

/** JSON Schema keywords newer than OpenAPI 3.0's dialect (draft 07 as sworn validates it): in a 3.0 document they say nothing. */
const LATER_KEYWORDS = ['prefixItems', 'dependentRequired', 'dependentSchemas', 'unevaluatedProperties', 'unevaluatedItems', 'minContains', 'maxContains', 'contentSchema'];

function only30(raw: Raw): Raw {
  if (!LATER_KEYWORDS.some((k) => k in raw)) return raw;
  const copy = { ...raw };
  for (const k of LATER_KEYWORDS) delete copy[k];
  return copy;
}

/** The view of a conjunction of schemas. */
export function viewOf(spec: Spec, sides: ReadonlyArray<{ node: unknown; pointer: string }>, at: string): View {
  const parts: Part[] = [];
  const visited = new Set<string>();
  const add = (start: unknown, startPointer: string, depth: number) => {
    let node = start;
    let pointer = startPointer;
    for (let hops = 0; hops < 64 && isRef(node); hops++) {
      const ref = node.$ref;
      if (spec.version === '3.1' && Object.keys(node).length > 1) {
        const { $ref: _ref, ...siblings } = node as Raw;
        if (!visited.has(`${pointer}~s`)) {
          visited.add(`${pointer}~s`);
          parts.push({ raw: siblings, pointer, id: `${pointer}~s` });
        }
      }
      if (!ref.startsWith('#')) {
        parts.push({ raw: {}, pointer, id: `?${ref}`, opaque: ref });
        return;
      }
      pointer = decodeURIComponent(ref.slice(1));
      node = spec.get(pointer);
      if (node === undefined) {
        parts.push({ raw: {}, pointer, id: `?${ref}`, opaque: ref });
        return;
      }
    }
    if (node === undefined || node === true) return;
    if (visited.has(pointer)) return;
    visited.add(pointer);
    if (node === false) {
      parts.push({ raw: false, pointer, id: pointer });
      return;
    }
    if (!isObject(node)) return;
    parts.push({ raw: spec.version === '3.0' ? only30(node) : node, pointer, id: pointer });
    if (Array.isArray(node.allOf) && depth < 32) node.allOf.forEach((branch, i) => add(branch, appendPointer(pointer, 'allOf', i), depth + 1));
  };
  for (const s of sides) add(s.node, s.pointer, 0);
  return new View(spec, parts, at);
}

/** Two schemas no value can match both of, as far as can be shown (types, closed values, numeric ranges, a required property that differs). */
export function disjoint(a: View, b: View, depth = 0): boolean {
  if (a.isFalse || b.isFalse) return true;
  const ta = effectiveTypes(a);
  const tb = effectiveTypes(b);
  if (ta && tb && ![...ta].some((t) => tb.has(t))) return true;
  const va = a.values;
  const vb = b.values;
  if (va && vb && ![...va.keys].some((k) => vb.keys.has(k))) return true;
  if (va && !va.list.some((v) => typeof v === 'object' || mayAccept(b, v))) return true;
  if (vb && !vb.list.some((v) => typeof v === 'object' || mayAccept(a, v))) return true;
  const numeric = (t: Set<JsonType> | undefined) => t && [...t].every((x) => x === 'integer' || x === 'number');
  if (numeric(ta) && numeric(tb)) {
    const below = (lo: Bound | undefined, hi: Bound | undefined) => lo && hi && (lo.value > hi.value || (lo.value === hi.value && (lo.exclusive || hi.exclusive)));
    if (below(a.numberBound('min'), b.numberBound('max')) || below(b.numberBound('min'), a.numberBound('max'))) return true;
  }
  if (depth >= 3) return false;
  const objectsOnly = (t: Set<JsonType> | undefined) => t && t.size === 1 && t.has('object');
  if (!objectsOnly(ta) && !objectsOnly(tb)) return false;
  for (const name of a.required) {
    const pb = b.property(name);
    if (b.required.has(name) ? disjoint(a.property(name).view, pb.view, depth + 1) : pb.view.isFalse) return true;
  }
  for (const name of b.required) if (!a.required.has(name) && a.property(name).view.isFalse) return true;
  return false;
}

/** The types a schema's values may have, through its `anyOf`/`oneOf` branches; undefined: any. */
export function effectiveTypes(view: View, depth = 0): Set<JsonType> | undefined {
  let out = view.types ? new Set(view.types) : undefined;
  const values = view.values;
  if (values) {
    const own = new Set<JsonType>(values.list.map(typeOfValue));
    out = out ? new Set([...out].filter((t) => own.has(t) || (t === 'number' && own.has('integer')))) : own;
  }
  if (depth < 4) for (const group of view.groups) {
    let union: Set<JsonType> | undefined = new Set();
    for (const branch of group.branches) {
      const t = effectiveTypes(viewOf(view.spec, [branch], branch.pointer), depth + 1);
      if (!t) {
        union = undefined;
        break;
      }
      for (const x of t) union.add(x);
    }
    if (union) out = out ? new Set([...out].filter((t) => union!.has(t))) : union;
  }
  return out;
}

/** A quick check of a scalar value against a schema's own scalar keywords: false when it surely fails, true when nothing here refuses it. */
export function mayAccept(view: View, value: unknown): boolean {
  return scalarVerdict(view, value) !== false;
}

/**
 * Whether a scalar value passes a schema, from its own keywords: types,
 * closed values, numeric bounds, `multipleOf`, lengths, patterns. Undefined
 * when the schema holds something this cannot judge (formats, composition,
 * a pattern that cannot run).
 */
export function scalarVerdict(view: View, value: unknown): boolean | undefined {
  if (view.isFalse) return false;
  const type = typeOfValue(value);
  if (type === 'object' || type === 'array') return undefined;
  const types = view.types;
  if (types && !types.has(type)) return false;
  const values = view.values;
  if (values && !values.keys.has(canonicalJson(value))) return false;
  let unsure = view.opaque.length > 0 || view.groups.length > 0 || view.nots.length > 0 || view.conditionals.length > 0;
  if (typeof value === 'number') {
    const lo = view.numberBound('min');
    const hi = view.numberBound('max');
    if (lo && (value < lo.value || (lo.exclusive && value === lo.value))) return false;
    if (hi && (value > hi.value || (hi.exclusive && value === hi.value))) return false;
    const m = view.multipleOf;
    if (m && Math.abs(value / m.value - Math.round(value / m.value)) > 1e-9) return false;
    if (view.format) unsure = true;
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    const min = view.count('minLength');
    const max = view.count('maxLength');
    if (min && length < min.value) return false;
    if (max && length > max.value) return false;
    for (const { pattern } of view.patterns) {
      const ok = patternMatches(pattern, value);
      if (ok === false) return false;
      if (ok === undefined) unsure = true;
    }
    if (view.format || view.first('contentEncoding') || view.first('contentSchema')) unsure = true;
  }
  return unsure ? undefined : true;
}
