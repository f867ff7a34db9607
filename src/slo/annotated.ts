import { appendPointer } from '../spec/pointer.js';

/**
 * x-slo values as a tree whose every node remembers the JSON pointer it was
 * written at, so that a merged promise can still say where each of its values
 * came from (for `sworn explain` and for findings).
 */
export type Annotated =
  | { kind: 'value'; pointer: string; value: string | number | boolean | null }
  | { kind: 'list'; pointer: string; items: Annotated[] }
  | { kind: 'map'; pointer: string; fields: Map<string, Annotated> };

export type AnnotatedMap = Extract<Annotated, { kind: 'map' }>;
export type AnnotatedList = Extract<Annotated, { kind: 'list' }>;

export function annotate(value: unknown, pointer: string): Annotated {
  if (Array.isArray(value)) return { kind: 'list', pointer, items: value.map((v, i) => annotate(v, `${pointer}/${i}`)) };
  if (value !== null && typeof value === 'object') {
    const fields = new Map<string, Annotated>();
    for (const [k, v] of Object.entries(value)) fields.set(k, annotate(v, appendPointer(pointer, k)));
    return { kind: 'map', pointer, fields };
  }
  return { kind: 'value', pointer, value: value as string | number | boolean | null };
}

/** The plain value of an annotated node. */
export function plain(node: Annotated | undefined): unknown {
  if (!node) return undefined;
  if (node.kind === 'value') return node.value;
  if (node.kind === 'list') return node.items.map(plain);
  return Object.fromEntries([...node.fields].map(([k, v]) => [k, plain(v)]));
}

export function field(node: Annotated | undefined, ...path: string[]): Annotated | undefined {
  let current = node;
  for (const key of path) current = current?.kind === 'map' ? current.fields.get(key) : undefined;
  return current;
}

export function mapOf(pointer: string, entries: Array<[string, Annotated]>): AnnotatedMap {
  return { kind: 'map', pointer, fields: new Map(entries) };
}

/** Lists whose items carry a `name` and merge by it. */
const NAMED_LISTS = new Set(['latency', 'maintenance']);
/** Values replaced whole, never merged key by key. */
const ATOMIC = new Set(['window', 'effect', 'status', 'burnRates', 'identify']);

/**
 * Deep-merges `over` onto `base`: maps key by key, named lists by name, the
 * rest replaced. Neither input is changed; unchanged subtrees are shared.
 */
export function merge(base: Annotated | undefined, over: Annotated | undefined, key = ''): Annotated | undefined {
  if (!over) return base;
  if (!base || ATOMIC.has(key)) return over;
  if (base.kind === 'map' && over.kind === 'map') {
    const fields = new Map(base.fields);
    for (const [k, v] of over.fields) fields.set(k, merge(base.fields.get(k), v, k) as Annotated);
    return { kind: 'map', pointer: over.pointer, fields };
  }
  if (base.kind === 'list' && over.kind === 'list' && NAMED_LISTS.has(key)) {
    const items = [...base.items];
    for (const item of over.items) {
      const name = nameOf(item);
      const index = name === undefined ? -1 : items.findIndex((b) => nameOf(b) === name);
      if (index >= 0) items[index] = merge(items[index], item, '') as Annotated;
      else items.push(item);
    }
    return { kind: 'list', pointer: over.pointer, items };
  }
  return over;
}

export function nameOf(node: Annotated | undefined): string | undefined {
  const name = field(node, 'name');
  return name?.kind === 'value' && typeof name.value === 'string' ? name.value : undefined;
}

/**
 * Where each leaf came from: `availability.target` -> pointer; items of named
 * lists are keyed by name (`latency[fast].threshold`); other lists are leaves.
 */
export function originsOf(node: Annotated, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (node.kind === 'map') {
    for (const [k, v] of node.fields) originsOf(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (node.kind === 'list' && NAMED_LISTS.has(prefix.split('.').pop() ?? '')) {
    for (const item of node.items) originsOf(item, `${prefix}[${nameOf(item) ?? '?'}]`, out);
  } else {
    out[prefix] = node.pointer;
  }
  return out;
}
