import type { Spec } from '../spec/load-spec.js';
import { parsePointer } from '../spec/pointer.js';
import { eachObject, placeOf, type Place } from './document.js';
import { compilePattern, type UnsupportedPattern } from './pattern.js';
import { convertSchema30 } from './schemas.js';

/** A validator `compileOperation` makes: the kind and the schema (at `pointer`, or the target of its `$ref`). */
export interface ValidatorRoot {
  kind: 'request' | 'response' | 'coercing';
  pointer: string;
  schema: unknown;
}

/**
 * What the 3.0 conversion (`convertSchema30`, openapi-schema-to-json-schema)
 * does, read without converting: a node is `conv` where the converter
 * reaches (a schema's root, its `allOf`/`anyOf`/`oneOf`/`not`/`items`/
 * `additionalProperties` and its `properties`, recursively), `convList` /
 * `convProps` for those lists and maps, `plain` where it does not (3.1: all
 * of a schema), a `Place` around schemas.
 */
type Mode = Place | 'conv' | 'convList' | 'convProps' | 'plain';
interface Pos {
  node: unknown;
  mode: Mode;
  /** A schema's root: its `$schema` is deleted by the conversion. */
  top?: boolean;
}

const STRUCTS = new Set(['allOf', 'anyOf', 'oneOf', 'not', 'items', 'additionalProperties']);
/** Deleted by the converter (`NOT_SUPPORTED` minus what `convertSchema30` keeps). */
const DELETED = new Set(['nullable', 'xml', 'externalDocs', 'deprecated']);
/** The converter's `format: byte` pattern. */
const BYTE_PATTERN = '^[\\w\\d+\\/=]*$';

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object';
const EMPTY: Record<string, unknown> = {};

/** True when the converter keeps `properties` (some property is an object). */
function keepsProperty(node: Record<string, unknown>): boolean {
  const properties = node.properties;
  if (isObject(properties)) for (const key in properties) if (isObject(properties[key])) return true;
  return false;
}

/** True when the converter keeps `name` in `required`: a property it kept, as its new `properties` object (a plain `{}`) reads it. */
function keptProperty(node: Record<string, unknown>, name: unknown): boolean {
  const properties = node.properties;
  const key = name as string;
  return (isObject(properties) && Object.hasOwn(properties, key) && isObject(properties[key])) || EMPTY[key] !== undefined;
}

/** True when converting a schema (`convertSchema30`) deletes this key of it. */
function deletedByConversion(node: Record<string, unknown>, key: string, top: boolean): boolean {
  if (STRUCTS.has(key)) return node[key] === null || node[key] === undefined;
  if (key === 'properties') return !keepsProperty(node);
  if (key === 'required') return 'properties' in node && Array.isArray(node.required) && !node.required.some((name) => keptProperty(node, name));
  return DELETED.has(key) || (top && key === '$schema');
}

/**
 * True when some pattern anywhere in the document (every `pattern` string
 * and `patternProperties`/`x-patternProperties` key, the 3.0 conversion's
 * `format: byte` pattern) is one RE2 cannot run: a quick superset of what
 * the validators could meet.
 */
function anyUnsupported(spec: Spec): boolean {
  const candidates = new Set<string>();
  if (spec.version === '3.0') candidates.add(BYTE_PATTERN);
  eachObject(spec.document, (record) => {
    if (typeof record.pattern === 'string') candidates.add(record.pattern);
    for (const key of ['patternProperties', 'x-patternProperties']) {
      const value = record[key];
      if (isObject(value) && !Array.isArray(value)) for (const pattern in value) candidates.add(pattern);
    }
  });
  for (const pattern of candidates) if (!compilePattern(pattern).ok) return true;
  return false;
}

/**
 * The patterns RE2 cannot run that compiling `roots` in order would meet,
 * in the order ajv meets them (its `unsupportedPatterns`), without
 * compiling: the schemas are walked the way ajv generates code for them —
 * keywords in ajv's rule order, `$ref` targets at the reference, every
 * `pattern` and the `patternProperties` keys where ajv uses them — on the
 * document as ajv sees it (3.0 schemas as converted, readOnly/writeOnly
 * keywords per direction). Each schema is walked once per direction.
 * References are followed as JSON pointers from the document's root (no
 * `$id` base, no dynamic anchors: documents with those compile against
 * the eager copies, see `LazyDocument.unsafe`). Documents with no pattern
 * RE2 cannot run anywhere (most) are answered by one look at every pattern.
 *
 * @param keywords the ajv keywords of a kind's instance (`SchemaCompiler.keywords`)
 */
export function surveyPatterns(spec: Spec, roots: ValidatorRoot[], keywords: (kind: ValidatorRoot['kind']) => Readonly<Record<string, unknown>>): UnsupportedPattern[] {
  if (!anyUnsupported(spec)) return []; // most documents: no pattern anywhere that RE2 cannot run, no walk needed
  const v30 = spec.version === '3.0';
  const draft2020 = !v30;
  const document = spec.document as unknown;
  const found = new Map<string, string>();
  const clones = new WeakMap<object, unknown>();
  const visited = new Map<string, Set<object>>();

  /** The converted copy of a node whose conversion moves things around (`x-patternProperties`): read as is. */
  const converted = (node: Record<string, unknown>): unknown => {
    let clone = clones.get(node);
    if (clone === undefined) {
      clone = convertSchema30(structuredClone(node));
      clones.set(node, clone);
    }
    return clone;
  };


  const child = (pos: Pos, key: string): Pos | undefined => {
    const node = pos.node;
    if (!isObject(node)) return undefined;
    switch (pos.mode) {
      case 'plain': {
        const value = node[key];
        return value === undefined ? undefined : { node: value, mode: 'plain' };
      }
      case 'convList': {
        const value = (node as unknown as unknown[]).filter(isObject)[key as unknown as number];
        return value === undefined ? undefined : { node: value, mode: 'conv' };
      }
      case 'convProps': {
        const value = node[key];
        return isObject(value) && Object.hasOwn(node, key) ? { node: value, mode: 'conv' } : undefined;
      }
      case 'conv': {
        if (Array.isArray(node)) return child({ node, mode: 'plain' }, key);
        if ('x-patternProperties' in node) return child({ node: converted(node), mode: 'plain' }, key);
        const value = node[key];
        if (STRUCTS.has(key)) {
          if (Array.isArray(value)) return { node: value, mode: 'convList' };
          if (value === null || value === undefined) return undefined;
          return { node: value, mode: typeof value === 'object' ? 'conv' : 'plain' };
        }
        if (key === 'properties') return 'properties' in node && keepsProperty(node) ? { node: value, mode: 'convProps' } : undefined;
        if (key === 'required' && 'properties' in node && Array.isArray(value)) {
          const required = value.filter((name) => keptProperty(node, name));
          return required.length > 0 ? { node: required, mode: 'plain' } : undefined;
        }
        if (key === 'pattern' && node.format === 'byte') return { node: BYTE_PATTERN, mode: 'plain' };
        if (DELETED.has(key) || (pos.top && key === '$schema')) return undefined;
        return value === undefined ? undefined : { node: value, mode: 'plain' };
      }
      default: {
        const value = node[key];
        if (value === undefined) return undefined;
        const place = placeOf(pos.mode, key, value);
        if (place === 'slot') return { node: value, mode: v30 && isObject(value) ? 'conv' : 'plain', top: true };
        return { node: value, mode: place };
      }
    }
  };

  const keywordSets = new Map<object, Set<string>>();
  /**
   * The keys of a node as ajv sees them (`for…in` of the converted schema:
   * without what the converter deletes, with the `pattern` of
   * `format: byte`); made once per node (a schema is walked for each kind
   * that uses it).
   */
  const keywordsOf = (pos: Pos): Set<string> => {
    const node = pos.node;
    if (!isObject(node)) return new Set();
    let keys = keywordSets.get(node);
    if (keys) return keys;
    keys = new Set();
    if (pos.mode === 'conv' && !Array.isArray(node) && 'x-patternProperties' in node) keys = keywordsOf({ node: converted(node), mode: 'plain' });
    else if (pos.mode === 'conv' && !Array.isArray(node)) {
      for (const key in node) if (!deletedByConversion(node, key, pos.top === true)) keys.add(key);
      if (node.format === 'byte') keys.add('pattern');
    } else if (pos.mode === 'convList') {
      let n = 0;
      for (const item of node as unknown as unknown[]) if (isObject(item)) keys.add(String(n++));
    } else if (pos.mode === 'convProps') {
      for (const key in node) if (isObject(node[key]) && Object.hasOwn(node, key)) keys.add(key);
    } else for (const key in node) keys.add(key);
    keywordSets.set(node, keys);
    return keys;
  };

  /** The keyword's value as ajv sees it, when the schema has it. */
  const keyword = (pos: Pos, key: string): Pos | undefined => (keywordsOf(pos).has(key) ? child(pos, key) : undefined);

  /** ajv's `alwaysValidSchema`: true, `{}`, or no keyword it knows. */
  const alwaysValid = (pos: Pos | undefined, rules: Readonly<Record<string, unknown>>): boolean => {
    if (!pos) return true;
    if (typeof pos.node === 'boolean') return pos.node;
    if (!isObject(pos.node)) return true;
    for (const key of keywordsOf(pos)) if (rules[key]) return false;
    return true;
  };

  /** The items of a list of schemas (the converter drops those that are not objects). */
  const items = (pos: Pos | undefined): Pos[] => {
    if (!pos || !Array.isArray(pos.node)) return [];
    const out: Pos[] = [];
    for (const key of keywordsOf(pos)) out.push(child(pos, key)!);
    return out;
  };

  const targets = new Map<string, Pos | undefined>();
  /** The position a `$ref` (a JSON pointer in the document) names; remembered by reference. */
  const resolve = (ref: string): Pos | undefined => {
    if (targets.has(ref)) return targets.get(ref);
    let pos: Pos | undefined;
    if (ref === '#' || ref.startsWith('#/')) {
      try {
        pos = { node: document, mode: 'root' };
        for (const segment of parsePointer(ref)) {
          pos = child(pos, segment);
          if (!pos) break;
        }
      } catch {
        pos = undefined; // not a pointer ajv could follow either
      }
    }
    targets.set(ref, pos);
    return pos;
  };

  /** ajv's `!schemaHasRulesButRef`: nothing but `$ref` that ajv compiles. */
  const onlyRef = (keys: Iterable<string>, rules: Readonly<Record<string, unknown>>): boolean => {
    for (const key of keys) if (key !== '$ref' && rules[key]) return false;
    return true;
  };

  type Step = { visit: Pos } | { pattern: string };
  const note = (pattern: string) => {
    if (found.has(pattern)) return;
    const result = compilePattern(pattern);
    if (!result.ok) found.set(pattern, result.reason);
  };

  /** What ajv does with a schema, in order: the patterns it uses and the subschemas it compiles. */
  const steps = (pos: Pos, rules: Readonly<Record<string, unknown>>): Step[] => {
    const out: Step[] = [];
    const visit = (p: Pos | undefined) => {
      if (p && isObject(p.node)) out.push({ visit: p });
    };
    const follow = (p: Pos | undefined) => {
      if (p && typeof p.node === 'string') visit(resolve(p.node));
    };
    const keys = keywordsOf(pos);
    const at = (key: string): Pos | undefined => keyword(pos, key);
    const ref = at('$ref');
    if (ref && typeof ref.node === 'string' && onlyRef(keys, rules)) {
      follow(ref);
      return out;
    }
    // ajv's rule groups: keywords of any type, then string, array and object keywords.
    if (draft2020) {
      follow(at('$dynamicRef'));
      follow(at('$recursiveRef'));
    }
    follow(ref);
    visit(at('not'));
    const anyOf = items(at('anyOf'));
    if (draft2020 || !anyOf.some((p) => alwaysValid(p, rules))) anyOf.forEach(visit);
    items(at('oneOf')).forEach(visit);
    items(at('allOf')).forEach(visit);
    if (at('if') !== undefined) {
      const then = at('then');
      const otherwise = at('else');
      const hasThen = then !== undefined && !alwaysValid(then, rules);
      const hasElse = otherwise !== undefined && !alwaysValid(otherwise, rules);
      if (hasThen || hasElse) {
        visit(at('if'));
        if (hasThen) visit(then);
        if (hasElse) visit(otherwise);
      }
    }
    const pattern = at('pattern');
    if (pattern && typeof pattern.node === 'string') out.push({ pattern: pattern.node });
    const itemsPos = at('items');
    if (draft2020) {
      items(at('prefixItems')).forEach(visit);
      if (itemsPos && !Array.isArray(itemsPos.node)) visit(itemsPos);
      visit(at('contains'));
      visit(at('unevaluatedItems'));
    } else {
      if (itemsPos && Array.isArray(itemsPos.node)) visit(at('additionalItems'));
      if (itemsPos && Array.isArray(itemsPos.node)) items(itemsPos).forEach(visit);
      else visit(itemsPos);
      visit(at('contains'));
    }
    visit(at('propertyNames'));
    const patternProperties = at('patternProperties');
    const patterns = patternProperties && isObject(patternProperties.node) ? [...keywordsOf(patternProperties)].filter((key) => key !== '__proto__') : [];
    const additional = at('additionalProperties');
    if (additional && !alwaysValid(additional, rules)) {
      for (const key of patterns) out.push({ pattern: key });
      visit(additional);
    }
    const dependencies = at('dependencies');
    if (dependencies && isObject(dependencies.node)) {
      for (const key of keywordsOf(dependencies)) {
        const dependency = child(dependencies, key);
        if (key !== '__proto__' && dependency && !Array.isArray(dependency.node)) visit(dependency);
      }
    }
    const properties = at('properties');
    if (properties && isObject(properties.node)) for (const key of keywordsOf(properties)) if (key !== '__proto__') visit(child(properties, key));
    if (patterns.length > 0) {
      const subschemas = patterns.map((key) => keyword(patternProperties!, key));
      // ajv skips patternProperties whose schemas are all always valid, unless (2020) it still tracks evaluated properties:
      // not once additionalProperties (compiled before it) has marked them all (taken as: additionalProperties is there).
      const skip = subschemas.every((p) => alwaysValid(p, rules)) && (!draft2020 || additional !== undefined);
      if (!skip) {
        patterns.forEach((key, i) => {
          out.push({ pattern: key });
          if (!alwaysValid(subschemas[i], rules)) visit(subschemas[i]);
        });
      }
    }
    if (draft2020) {
      const dependentSchemas = at('dependentSchemas');
      if (dependentSchemas && isObject(dependentSchemas.node)) for (const key of keywordsOf(dependentSchemas)) if (key !== '__proto__') visit(child(dependentSchemas, key));
      visit(at('unevaluatedProperties'));
    }
    return out;
  };

  for (const root of roots) {
    const rules = keywords(root.kind);
    // Parameters and request bodies compile with the same keywords (readOnly forbidden): what one met, the other meets the same way.
    const kind = root.kind === 'coercing' ? 'request' : root.kind;
    let seen = visited.get(kind);
    if (!seen) visited.set(kind, (seen = new Set()));
    const start = isObject(root.schema) && typeof root.schema.$ref === 'string' && Object.keys(root.schema).length === 1 ? resolve(root.schema.$ref) : resolve(`#${root.pointer}`);
    if (!start) continue;
    const stack: Step[] = [{ visit: start }];
    while (stack.length > 0) {
      const step = stack.pop()!;
      if ('pattern' in step) {
        note(step.pattern);
        continue;
      }
      const node = step.visit.node as object;
      if (seen.has(node)) continue;
      seen.add(node);
      const next = steps(step.visit, rules);
      for (let i = next.length - 1; i >= 0; i--) stack.push(next[i]!);
    }
  }
  return [...found].map(([pattern, reason]) => ({ pattern, reason }));
}
