import type { Spec } from '../spec/load-spec.js';
import type { Operation } from '../spec/operations.js';

/**
 * How much data (values, items and characters) generating an operation's answers (`--dynamic`,
 * `Prefer: dynamic=true`) may make, at most. prism-http's generator (json-schema-faker, every optional
 * property filled) makes `maxItems` items of an array that declares it (else `minItems`, at least up to
 * five), `minLength` characters and so on, all at once on the event loop: a schema asking for 200,000
 * items freezes the mock for half a minute on each such request, for every client.
 */
export const MAX_GENERATED = 100_000;

/** Arrays without `maxItems` get at most this many items from the generator. */
const DEFAULT_ITEMS = 5;
/** `$ref` hops followed on one branch: the generator stops recursing at depth 3. */
const MAX_DEPTH = 64;

type Schema = Record<string, unknown>;

/**
 * An upper estimate of the size of what generating `schema` makes, counting every value, array item,
 * property and string character; it stops counting once past `limit` (and returns a number over it).
 * A `$ref` reached again on its own branch counts as one value (the generator cuts recursion short).
 */
export function generatedSize(spec: Spec, schema: unknown, limit = MAX_GENERATED): number {
  const onPath = new Set<string>();
  const size = (node: unknown, depth: number): number => {
    if (node === null || typeof node !== 'object' || Array.isArray(node) || depth > MAX_DEPTH) return 1;
    const s = node as Schema;
    if (typeof s.$ref === 'string') {
      const ref = s.$ref;
      if (!ref.startsWith('#') || onPath.has(ref)) return 1;
      let target: unknown;
      try {
        target = spec.get(ref);
      } catch {
        return 1;
      }
      onPath.add(ref);
      try {
        return size(target, depth + 1);
      } finally {
        onPath.delete(ref);
      }
    }
    let total = 1;
    const add = (n: number): boolean => {
      total += n;
      return total > limit;
    };
    for (const key of ['allOf'] as const) if (Array.isArray(s[key])) for (const branch of s[key] as unknown[]) if (add(size(branch, depth + 1))) return total;
    for (const key of ['anyOf', 'oneOf'] as const) if (Array.isArray(s[key])) if (add(Math.max(0, ...(s[key] as unknown[]).map((b) => size(b, depth + 1))))) return total;
    const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0);
    if (s.items !== undefined || s.type === 'array' || (Array.isArray(s.type) && s.type.includes('array'))) {
      const items = count(s.maxItems) || Math.max(count(s.minItems), DEFAULT_ITEMS);
      if (items > limit) return limit + 1;
      if (add(items * (s.items === undefined || typeof s.items === 'boolean' ? 1 : size(s.items, depth + 1)))) return total;
    }
    if (s.properties !== null && typeof s.properties === 'object') {
      for (const property of Object.values(s.properties as Record<string, unknown>)) if (add(size(property, depth + 1))) return total;
    }
    if (add(count(s.minProperties) + count(s.minLength))) return total;
    return total;
  };
  return size(schema, 0);
}

/**
 * The largest `generatedSize` among an operation's response bodies (every status and media type), or
 * undefined when every one stays within `limit`.
 */
export function oversizedGeneration(spec: Spec, operation: Operation, limit = MAX_GENERATED): number | undefined {
  const deref = (value: unknown): unknown => {
    try {
      return spec.deref(value);
    } catch {
      return undefined; // a malformed pointer
    }
  };
  let largest = 0;
  const responses = deref(operation.operation.responses);
  for (const raw of Object.values((responses ?? {}) as Record<string, unknown>)) {
    const content = (deref(raw) as { content?: Record<string, { schema?: unknown }> } | undefined)?.content;
    for (const media of Object.values(content ?? {})) {
      if (media && typeof media === 'object' && media.schema !== undefined) largest = Math.max(largest, generatedSize(spec, media.schema, limit));
    }
  }
  return largest > limit ? largest : undefined;
}
