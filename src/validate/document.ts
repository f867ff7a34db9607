import type { Spec } from '../spec/load-spec.js';
import { appendPointer, parsePointer } from '../spec/pointer.js';

/**
 * The documents the validators compile against, made only as far as they
 * are used. The eager way (`SchemaCompiler` before) deep-copied the whole
 * bundled document twice at start, converted every schema (3.0) and relaxed
 * every `required`, then handed ajv the copies: ~1.5 s and two more copies
 * of a 13 MB description in memory, for schemas most of which no request
 * would ever reach. Here each direction (requests, responses) gets a root
 * that reads through to the spec's own document: the parts of the document
 * around schemas (paths, operations, components…) are light read-only views
 * made when ajv first walks through them, and a schema, at the first use of
 * anything in it, is copied, converted and relaxed exactly as the eager copy
 * was — so ajv compiles the same schemas to the same validators.
 */

type Node = Record<string, unknown> | unknown[];
export type Variant = 'request' | 'response';

const isNode = (value: unknown): value is Node => value !== null && typeof value === 'object';

/**
 * Where a node stands in the document, for the rules of the eager
 * conversion (`visitSchemas`): schemas are `components.schemas` entries and
 * every object under a `schema` key below `paths`, `components` and
 * `webhooks` (examples aside). `outside` is the rest: never converted.
 */
export type Place = 'root' | 'components' | 'schemas' | 'region' | 'outside';

/** The place of `parent[key]` (`value`), or `slot` when it is a schema the eager conversion converts. */
export function placeOf(parent: Place, key: string, value: unknown): Place | 'slot' {
  switch (parent) {
    case 'root':
      if (key === 'paths' || key === 'webhooks') return 'region';
      if (key === 'components') return Array.isArray(value) ? 'region' : 'components';
      return 'outside';
    case 'schemas':
      return 'slot';
    case 'components':
      if (key === 'schemas') return 'schemas';
      return regionPlace(key, value);
    case 'region':
      return regionPlace(key, value);
    default:
      return 'outside';
  }
}

function regionPlace(key: string, value: unknown): Place | 'slot' {
  if (key === 'schema' && isNode(value)) return 'slot';
  return key === 'example' || key === 'examples' ? 'outside' : 'region';
}

/**
 * Walks every object (not array) reachable from `roots` once, iteratively
 * (real documents are deep). `visit` returns the children to descend into.
 */
export function walkObjects(roots: unknown[], visit: (node: Record<string, unknown>) => Iterable<unknown>): void {
  const stack: unknown[] = [...roots];
  const seen = new Set<unknown>();
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object' || seen.has(node)) continue;
    seen.add(node);
    if (Array.isArray(node)) stack.push(...node);
    else for (const child of visit(node as Record<string, unknown>)) stack.push(child);
  }
}

/** A `$ref` chain followed by JSON pointer from the document's root (`#/…` only; at most 16 hops), or undefined. */
export type Lookup = (segments: string[]) => unknown;

/** The `required` of an object schema without the properties marked `flag` (directly or through `$ref`s). */
export function relaxedRequired(record: Record<string, unknown>, flag: 'readOnly' | 'writeOnly', lookup: Lookup): unknown[] {
  const properties = record.properties as Record<string, unknown>;
  return (record.required as unknown[]).filter((name) => resolveFlagged(properties[name as string], lookup)?.[flag] !== true);
}

/** True when relaxing applies to this record: a `required` list next to `properties`. */
export function relaxes(record: Record<string, unknown>): boolean {
  return Array.isArray(record.required) && !!record.properties && typeof record.properties === 'object';
}

function resolveFlagged(value: unknown, lookup: Lookup): Record<string, unknown> | undefined {
  let current = value;
  for (let hops = 0; hops < 16 && current && typeof current === 'object' && typeof (current as { $ref?: unknown }).$ref === 'string'; hops++) {
    const ref = (current as { $ref: string }).$ref;
    if (!ref.startsWith('#/')) return undefined;
    current = lookup(parsePointer(ref));
  }
  return current && typeof current === 'object' ? (current as Record<string, unknown>) : undefined;
}

/**
 * In every object schema under `root`, drops from `required` the properties
 * marked readOnly (for requests) or writeOnly (for responses): OpenAPI says
 * they apply to one direction only. In place; `$ref`s are followed with
 * `lookup`.
 */
export function relaxRequired<T>(root: T, flag: 'readOnly' | 'writeOnly', lookup: Lookup): T {
  walkObjects([root], (record) => {
    if (relaxes(record)) record.required = relaxedRequired(record, flag, lookup);
    return Object.values(record);
  });
  return root;
}

/** The value at `segments` under `root`, by plain property access (no `$ref` followed on the way). */
export function navigate(root: unknown, segments: string[]): unknown {
  let node = root;
  for (const segment of segments) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
  return node;
}

const ID_KEYS = ['$id', '$anchor', '$dynamicAnchor'] as const;
const REF_KEYS = ['$ref', '$dynamicRef', '$recursiveRef'] as const;

/**
 * Visits every object (not array) under `root`, depth first, without
 * recursion (deep documents cannot overflow the stack); `visit` returning
 * true stops the walk, and `eachObject` then returns true.
 */
export function eachObject(root: unknown, visit: (record: Record<string, unknown>) => boolean | void): boolean {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      for (const item of node) if (isNode(item)) stack.push(item);
      continue;
    }
    if (!isNode(node)) continue;
    const record = node as Record<string, unknown>;
    if (visit(record) === true) return true;
    for (const key in record) {
      const value = record[key];
      if (isNode(value)) stack.push(value);
    }
  }
  return false;
}

/** True when some object under `root` (literal values included) names itself: `$id`, `$anchor`, `$dynamicAnchor`. */
function namesSchemas(root: unknown): boolean {
  return eachObject(root, (record) => ID_KEYS.some((key) => typeof record[key] === 'string'));
}

/**
 * True when every object of the document is reachable one way only (a
 * tree), which the lazy views need: each schema is copied on its own, where
 * the eager copy kept shared nodes shared. JSON is always a tree; YAML is
 * unless it has aliases; a bundled document (several files) is checked.
 */
export function isTree(spec: Spec): boolean {
  const sources = [...spec.sources.values()];
  if (sources.length === 1 && !sources[0]!.hasAliases()) return true;
  if (sources.some((s) => s.hasAliases())) return false;
  const stack: unknown[] = [spec.document];
  const seen = new Set<unknown>();
  while (stack.length > 0) {
    const node = stack.pop();
    if (!isNode(node)) continue;
    if (seen.has(node)) return false;
    seen.add(node);
    if (Array.isArray(node)) stack.push(...node);
    else for (const key in node) stack.push(node[key]);
  }
  return true;
}

interface Slot {
  /** Copied and converted; once `relaxed`, relaxed for responses (in place). */
  tree: unknown;
  /** The copy relaxed for requests (and parameters). */
  request?: unknown;
  relaxed: boolean;
}

/**
 * The lazily made documents ajv compiles against. `root(variant)` is the
 * document for one direction: its own properties are hidden (not enumerable)
 * until `reveal()`, so that ajv, which walks a schema it is given whole to
 * collect `$id`s, does not make it all at once; after `reveal()` every node
 * is what the eager copy had there, for ajv to read.
 *
 * ajv collects `$id`s and anchors from the whole document when it is added;
 * the views cannot. So `unsafe` says why the views may mislead ajv: an `$id`
 * or anchor met (or a reference that is not a JSON pointer, in a document
 * that has one somewhere). `SchemaCompiler` then compiles against the eager
 * copies instead.
 */
export class LazyDocument {
  unsafe: string | undefined;
  private readonly raw: Record<string, unknown>;
  private readonly convert: ((schema: unknown) => unknown) | undefined;
  private readonly slots = new Map<string, Slot>();
  private readonly roots = new Map<Variant, Record<string, unknown>>();
  private hidden = true;
  private namesSchemas: boolean | undefined;
  /** Follows pointers through the converted schemas (relaxing reads only readOnly/writeOnly and `$ref`, the same in every variant). */
  readonly lookup: Lookup = (segments) => this.nodeAt(segments);

  /** `convert`: the 3.0 schema conversion, applied to each schema's copy (none for 3.1). */
  constructor(document: Record<string, unknown>, convert: ((schema: unknown) => unknown) | undefined) {
    this.raw = document;
    this.convert = convert;
  }

  /** The document for one direction (requests and parameters share one). */
  root(variant: Variant): Record<string, unknown> {
    let root = this.roots.get(variant);
    if (!root) {
      root = this.view(this.raw, '', 'root', variant) as Record<string, unknown>;
      this.roots.set(variant, root);
    }
    return root;
  }

  /** Makes the roots' own properties enumerable: call once ajv has been given them. */
  reveal(): void {
    if (!this.hidden) return;
    this.hidden = false;
    for (const root of this.roots.values()) for (const key of Object.getOwnPropertyNames(root)) Object.defineProperty(root, key, { enumerable: true });
  }

  /** How many schemas have been copied so far (for tests and diagnostics). */
  get materialized(): number {
    return this.slots.size;
  }

  private view(raw: Node, pointer: string, place: Place, variant: Variant): Node {
    const out: Node = Array.isArray(raw) ? new Array<unknown>(raw.length) : {};
    const enumerable = !(this.hidden && pointer === '');
    if (!Array.isArray(raw)) {
      for (const key of ID_KEYS) if (typeof raw[key] === 'string') this.unsafe ??= `${key} at ${pointer || '/'}`;
      for (const key of REF_KEYS) if (typeof raw[key] === 'string') this.reference(raw[key] as string, pointer || '/');
    }
    const relax = !Array.isArray(raw) && relaxes(raw);
    for (const key of Object.keys(raw)) {
      const value = (raw as Record<string, unknown>)[key];
      if (relax && key === 'required') {
        let relaxed: unknown[] | undefined;
        const flag = variant === 'request' ? 'readOnly' : 'writeOnly';
        Object.defineProperty(out, key, { enumerable, configurable: true, get: () => (relaxed ??= relaxedRequired(raw as Record<string, unknown>, flag, this.lookup)) });
      } else if (!isNode(value)) {
        Object.defineProperty(out, key, { value, enumerable, configurable: true, writable: true });
      } else {
        let made = false;
        let child: unknown;
        Object.defineProperty(out, key, {
          enumerable,
          configurable: true,
          get: () => {
            if (!made) {
              child = this.child(value, appendPointer(pointer, key), placeOf(place, key, value), variant);
              made = true;
            }
            return child;
          },
        });
      }
    }
    return out;
  }

  private child(value: Node, pointer: string, place: Place | 'slot', variant: Variant): unknown {
    if (place !== 'slot') return this.view(value, pointer, place, variant);
    const slot = this.slot(pointer, value);
    if (!slot.relaxed) {
      slot.request = relaxRequired(structuredClone(slot.tree), 'readOnly', this.lookup);
      relaxRequired(slot.tree, 'writeOnly', this.lookup);
      slot.relaxed = true;
    }
    return variant === 'request' ? slot.request : slot.tree;
  }

  /** The schema at `pointer`, copied and converted (not yet relaxed) on first use. */
  private slot(pointer: string, raw: Node): Slot {
    let slot = this.slots.get(pointer);
    if (!slot) {
      this.check(raw, pointer);
      const copy = structuredClone(raw);
      slot = { tree: this.convert ? this.convert(copy) : copy, relaxed: false };
      this.slots.set(pointer, slot);
    }
    return slot;
  }

  /** Marks the views unsafe when a schema names itself, or refers by something else than a pointer where schemas are named. */
  private check(raw: Node, pointer: string): void {
    if (this.unsafe !== undefined) return;
    let foreign = false;
    const named = eachObject(raw, (record) => {
      const id = ID_KEYS.find((key) => typeof record[key] === 'string');
      if (id) {
        this.unsafe = `${id} in the schema at ${pointer}`;
        return true;
      }
      for (const key of REF_KEYS) {
        const ref = record[key];
        if (typeof ref === 'string' && ref !== '#' && !ref.startsWith('#/')) foreign = true;
      }
      return false;
    });
    if (!named && foreign) this.reference('', pointer);
  }

  /**
   * Notes a reference ajv will resolve: one that is not a JSON pointer into
   * the document (`#/…`) may name an `$id` or anchor, which ajv would have
   * registered from the whole document: unsafe when the document has any.
   */
  reference(ref: string, at: string): void {
    if (this.unsafe !== undefined || ref === '#' || ref.startsWith('#/')) return;
    if ((this.namesSchemas ??= namesSchemas(this.raw))) this.unsafe = `a reference that is not a JSON pointer (at ${at}), in a document with $id or anchors`;
  }

  /**
   * The node at a pointer as the eager copy had it (converted within
   * schemas, not relaxed): what relaxing resolves `$ref`s with.
   */
  private nodeAt(segments: string[]): unknown {
    let node: unknown = this.raw;
    let place: Place = 'root';
    let pointer = '';
    for (let i = 0; i < segments.length; i++) {
      if (!node || typeof node !== 'object') return undefined;
      const segment = segments[i]!;
      const value = (node as Record<string, unknown>)[segment];
      pointer = appendPointer(pointer, segment);
      const next = placeOf(place, segment, value);
      if (next === 'slot') {
        const tree = isNode(value) ? this.slot(pointer, value).tree : value;
        return navigate(tree, segments.slice(i + 1));
      }
      place = next;
      node = value;
    }
    return node;
  }
}
