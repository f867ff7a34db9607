import type { ValidateFunction } from 'ajv';
import type { Spec } from '../spec/load-spec.js';
import { SchemaCompiler } from '../validate/schemas.js';
import { canonicalJson } from '../validate/schemas.js';
import { samplePattern } from './schema-pattern.js';
import { effectiveTypes, viewOf, type JsonType, type Side, type View } from './schema-view.js';

export type Direction = 'request' | 'response';

/** A value of each common format, for building sample values. */
const FORMAT_SAMPLES: Record<string, string> = {
  'date-time': '2024-01-01T00:00:00Z', date: '2024-01-01', time: '00:00:00Z', duration: 'P1D',
  email: 'a@example.com', 'idn-email': 'a@example.com', hostname: 'example.com', 'idn-hostname': 'example.com',
  ipv4: '192.0.2.1', ipv6: '2001:db8::1', uri: 'https://example.com/', 'uri-reference': 'https://example.com/', iri: 'https://example.com/', 'iri-reference': 'https://example.com/',
  uuid: '00000000-0000-4000-8000-000000000000', 'uri-template': 'https://example.com/{id}', 'json-pointer': '/a', 'relative-json-pointer': '0', regex: 'a', byte: 'YQ==',
};

/** Budgets, counted per pair of specs, so a diff's run time stays bounded whatever the schemas. */
const MAX_SEARCHES = 200;
const MAX_SAMPLE_NODES = 4000;

/**
 * Proof by example for changes the keywords alone cannot settle (an `anyOf`
 * or `oneOf` reshaped): values built from one version of a schema, checked
 * with sworn's own validators (the request variant refuses readOnly
 * properties, the response one writeOnly ones) against both versions. A
 * value one accepts and the other refuses shows the change; finding none
 * proves nothing.
 */
export class Witnesses {
  private compilers = new Map<Spec, SchemaCompiler>();
  private validators = new Map<string, ValidateFunction | null>();
  private searches = 0;
  private nodes = 0;

  /** A value `from` accepts and `against` refuses, if one is found. */
  find(from: View, against: View, direction: Direction): unknown {
    if (this.searches++ >= MAX_SEARCHES) return undefined;
    return this.examples(from, direction, 12).find((value) => this.valid(against, value, direction) === false);
  }

  /** Up to `limit` values built from a schema that its validators accept. */
  examples(view: View, direction: Direction, limit: number): unknown[] {
    this.nodes = 0;
    return this.samples(view, direction, 0, limit).filter((value) => this.valid(view, value, direction) === true);
  }

  /** Whether every part of the view accepts the value; undefined when a validator cannot be had. */
  valid(view: View, value: unknown, direction: Direction): boolean | undefined {
    if (view.isFalse) return false;
    if (view.opaque.length > 0) return undefined;
    for (const part of view.parts) {
      if (part.raw === true) continue;
      const validate = this.validator(view.spec, part.pointer, direction);
      if (!validate) return undefined;
      if (!validate(value)) return false;
    }
    return true;
  }

  private validator(spec: Spec, pointer: string, direction: Direction): ValidateFunction | undefined {
    let compiler = this.compilers.get(spec);
    if (!compiler) {
      compiler = new SchemaCompiler(spec);
      this.compilers.set(spec, compiler);
    }
    const key = `${spec.file}\0${direction}\0${pointer}`;
    let validate = this.validators.get(key);
    if (validate === undefined) {
      try {
        validate = compiler.validator(direction, pointer, spec.get(pointer));
      } catch {
        validate = null;
      }
      this.validators.set(key, validate);
    }
    return validate ?? undefined;
  }

  /** Up to `limit` plausible values of a schema (checked by the caller): closed values, one per type, each alternative of its `anyOf`/`oneOf`. */
  private samples(view: View, direction: Direction, depth: number, limit: number): unknown[] {
    if (view.isFalse || depth > 8 || this.nodes++ > MAX_SAMPLE_NODES) return [];
    const out = new Map<string, unknown>();
    const push = (v: unknown) => {
      if (v !== undefined && out.size < limit) out.set(canonicalJson(v), v);
    };
    const values = view.values;
    if (values) {
      values.list.slice(0, limit).forEach(push);
      return [...out.values()];
    }
    const groups = view.groups;
    if (groups.length > 0) {
      for (const alternative of alternatives(view, 16) ?? []) for (const v of this.samples(alternative.view, direction, depth + 1, Math.max(1, Math.ceil(limit / 4)))) push(v);
      return [...out.values()];
    }
    for (const type of typeOrder(view)) {
      if (out.size >= limit) break;
      for (const v of this.ofType(view, type, direction, depth, limit)) push(v);
    }
    return [...out.values()];
  }

  private ofType(view: View, type: JsonType, direction: Direction, depth: number, limit: number): unknown[] {
    switch (type) {
      case 'null': return [null];
      case 'boolean': return [true, false];
      case 'integer':
      case 'number': {
        const lo = view.numberBound('min');
        const hi = view.numberBound('max');
        const m = view.multipleOf?.value ?? (type === 'integer' ? 1 : undefined);
        const fit = (x: number, up: boolean) => (m ? (up ? Math.ceil(x / m) : Math.floor(x / m)) * m : x);
        const out: number[] = [];
        let start = lo ? lo.value + (lo.exclusive ? (m ?? 0.5) : 0) : hi && hi.value < 0 ? hi.value - (hi.exclusive ? (m ?? 0.5) : 0) : 0;
        start = fit(start, !(!lo && hi && hi.value < 0));
        out.push(start, start + (m ?? 1));
        if (hi) out.push(fit(hi.value - (hi.exclusive ? (m ?? 0.5) : 0), false));
        if (type === 'number' && !m) out.push(start + 0.5);
        return out;
      }
      case 'string': {
        const min = view.count('minLength')?.value ?? 0;
        const max = view.count('maxLength')?.value ?? Infinity;
        const out: string[] = [];
        const format = view.format?.value;
        if (format && FORMAT_SAMPLES[format]) out.push(FORMAT_SAMPLES[format]!);
        const sampled = samplePattern(view.patterns.map((p) => p.pattern), { min, max });
        if (sampled !== undefined) out.push(sampled);
        if (view.patterns.length === 0) {
          out.push('a'.repeat(Math.max(min, 1)));
          if (max <= 64) out.push('a'.repeat(max));
        }
        return out;
      }
      case 'array': {
        const min = view.count('minItems')?.value ?? 0;
        const length = Math.min(Math.max(min, view.prefixLength, 1), 8);
        const out: unknown[] = [];
        if (min === 0) out.push([]);
        const items: unknown[] = [];
        for (let i = 0; i < length; i++) {
          const choices = this.samples(view.item(i), direction, depth + 1, view.uniqueItems.value ? length : 1);
          const pick = choices[view.uniqueItems.value ? i % Math.max(choices.length, 1) : 0];
          if (pick === undefined) return out;
          items.push(pick);
        }
        out.push(items);
        // As long as allowed, repeating the last item (unless items must be unique).
        const max = view.count('maxItems')?.value;
        if (max !== undefined && max > items.length && max <= 8 && !view.uniqueItems.value) out.push([...items, ...Array.from({ length: max - items.length }, () => items[items.length - 1])]);
        return out.slice(0, limit);
      }
      case 'object': {
        const hidden = (v: View) => (direction === 'request' ? v.readOnly : v.writeOnly);
        const build = (names: string[]): Record<string, unknown> | undefined => {
          const value: Record<string, unknown> = {};
          for (const name of names) {
            const p = view.property(name);
            if (hidden(p.view)) continue;
            const v = this.samples(p.view, direction, depth + 1, 1)[0];
            if (v === undefined) {
              if (view.required.has(name)) return undefined;
              continue;
            }
            value[name] = v;
          }
          return value;
        };
        const required = [...view.required];
        const everything = [...new Set([...required, ...view.declared])];
        return [build(required), build(everything)].filter((v) => v !== undefined);
      }
    }
  }
}

/** Object first when it has properties, and so on: the likeliest types first, then the rest the schema allows. */
function typeOrder(view: View): JsonType[] {
  const allowed = effectiveTypes(view);
  const hinted: JsonType[] = [];
  if (view.declared.length > 0 || view.required.size > 0) hinted.push('object');
  if (view.first('items') || view.first('prefixItems')) hinted.push('array');
  if (view.patterns.length > 0 || view.count('minLength') || view.count('maxLength')) hinted.push('string');
  const all: JsonType[] = [...hinted, 'string', 'integer', 'object', 'array', 'boolean', 'null', 'number'];
  return [...new Set(all)].filter((t) => !allowed || allowed.has(t));
}

/** Each combination of one branch per `anyOf`/`oneOf` group, joined to the schema's own keywords (with a label: `oneOf branch #2`); undefined past `cap` combinations. */
export function alternatives(view: View, cap: number): Array<{ view: View; label: string }> | undefined {
  const groups = view.groups;
  if (groups.length === 0) return [{ view, label: 'the schema' }];
  let combos: Array<{ sides: Side[]; label: string[] }> = [{ sides: [], label: [] }];
  for (const group of groups) {
    if (group.branches.length === 0) return [{ view: viewOf(view.spec, [{ node: false, pointer: group.pointer }], group.pointer), label: `an empty ${group.kind}` }];
    const next: typeof combos = [];
    for (const combo of combos) group.branches.forEach((branch, i) => next.push({ sides: [...combo.sides, branch], label: [...combo.label, `${group.kind} branch ${branchName(branch, i)}`] }));
    if (next.length > cap) return undefined;
    combos = next;
  }
  return combos.map((combo) => ({ view: view.withBranches(combo.sides), label: combo.label.join(' with ') }));
}

/** `\`Cat\`` for a branch that is a components schema (or has a title), else `#2`. */
export function branchName(branch: Side, index: number): string {
  const node = branch.node;
  const ref = node !== null && typeof node === 'object' ? (node as { $ref?: unknown; title?: unknown }) : undefined;
  const m = typeof ref?.$ref === 'string' ? /^#\/components\/schemas\/([^/]+)$/.exec(ref.$ref) : null;
  if (m) return `\`${decodeURIComponent(m[1]!).replace(/~1/g, '/').replace(/~0/g, '~')}\``;
  return typeof ref?.title === 'string' ? `\`${ref.title}\`` : `#${index + 1}`;
}
