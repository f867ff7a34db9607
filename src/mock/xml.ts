/**
 * XML answer bodies: the JSON value of an answer (an example, or data generated from the schema) written as
 * XML the way the OpenAPI XML Object describes it (`name`, `attribute`, `wrapped`, `namespace`, `prefix`).
 * We build the element tree; fast-xml-parser's XMLBuilder writes it (escaping, name checks).
 */
import { XMLBuilder, XMLValidator, type XmlBuilderOptions } from 'fast-xml-parser';
import { isRef, type Spec } from '../spec/load-spec.js';
import { MAX_JSON_DEPTH } from '../validate/media.js';

/** The OpenAPI XML Object, as far as a value's serialisation needs it. */
interface XmlObject {
  name?: string;
  namespace?: string;
  prefix?: string;
  attribute?: boolean;
  wrapped?: boolean;
}

type Schema = Record<string, unknown>;

/** A schema with its `$ref`s followed: the schema reached, the XML Object in force, the component it is. */
interface Resolved {
  schema: Schema | undefined;
  xml: XmlObject;
  /** `Pet` for a schema reached through `#/components/schemas/Pet` (the outermost such reference). */
  component: string | undefined;
}

/** fast-xml-parser's ordered tree: `{ tag: children, ':@': { '@_attr': value } }` or `{ '#text': value }`. */
type XmlNode = Record<string, unknown>;

const TEXT = '#text';
const ATTRIBUTES = ':@';
const ATTRIBUTE_PREFIX = '@_';
/** What an answer body is called when neither its schema nor a component names it: Prism's root element. */
export const DEFAULT_ROOT = 'xml';
/** Every level of a value adds at most two elements (a wrapper and an item). */
const MAX_ELEMENT_DEPTH = 2 * MAX_JSON_DEPTH + 2;
/** Characters XML 1.0 does not allow at all (not even as character references); written as U+FFFD. */
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const clean = (_name: string, value: unknown): unknown => (typeof value === 'string' ? value.replace(NOT_XML_CHAR, '\uFFFD') : value);

/**
 * fast-xml-parser 5's XMLBuilder is fast-xml-builder's (re-exported), which checks names when given
 * `sanitizeName`; fast-xml-parser's own typings predate that option.
 */
type BuilderOptions = XmlBuilderOptions & { sanitizeName?: (name: string, context: unknown) => string };

/** Built once: the builder holds no per-document state. */
const builderOptions: BuilderOptions = {
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: ATTRIBUTE_PREFIX,
  textNodeName: TEXT,
  suppressEmptyNode: true,
  suppressBooleanAttributes: false,
  maxNestedTags: MAX_ELEMENT_DEPTH + 2,
  tagValueProcessor: clean,
  attributeValueProcessor: clean,
  // Called only for a name the builder found not to be an XML name (`first name`, `1st`, `a/b`):
  // each character that may not be in a name becomes `_`, and a name that may not start as it does gets a leading `_`.
  sanitizeName: (name) => name.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^(?=[^A-Za-z_])/, '_') || '_',
};
const builder = new XMLBuilder(builderOptions);

class TooDeep extends Error {}

export type XmlResult = { text: string } | { error: string; hint: string };

/**
 * The XML text of an answer body. `schema` is the response's schema as written (a `$ref` names the root
 * element after its component); `undefined` when none is known. A string that already is XML text is
 * answered as it is (as Prism does); any other value becomes one root element.
 *
 * @example
 * toXml({ id: 1, name: 'Rex' }, { $ref: '#/components/schemas/Pet' }, spec); // { text: '<Pet><id>1</id><name>Rex</name></Pet>' }
 */
export function toXml(value: unknown, schema: unknown, spec: Spec): XmlResult {
  if (typeof value === 'string' && XMLValidator.validate(value) === true) return { text: value };
  const root = resolve(schema, spec);
  const name = root.xml.name ?? root.component ?? DEFAULT_ROOT;
  try {
    const node = element(name, root, value, spec, 0, NO_SCOPE, true);
    return { text: builder.build([node]) };
  } catch (error) {
    if (error instanceof TooDeep || (error instanceof Error && /nested tags/i.test(error.message))) {
      return { error: `the body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels, too deep to write as XML`, hint: 'Give a shallower example (or schema) for this XML response.' };
    }
    throw error;
  }
}

/** Namespace prefixes declared by the enclosing elements (`''` for the default namespace). */
type Scope = ReadonlyMap<string, string>;
const NO_SCOPE: Scope = new Map();

/**
 * One element named `name` (before its prefix) holding `value`. `rootItems`: at the root, an array's items
 * default to their component's name (there is no property to name them).
 */
function element(name: string, at: Resolved, value: unknown, spec: Spec, depth: number, outer: Scope, rootItems = false): XmlNode {
  if (depth > MAX_ELEMENT_DEPTH) throw new TooDeep();
  let attributes: Record<string, unknown> | undefined;
  let scope = outer;
  if (at.xml.namespace !== undefined) ({ attributes, scope } = declare(at.xml.prefix ?? '', at.xml.namespace, attributes, scope));
  const children: XmlNode[] = [];
  if (Array.isArray(value)) {
    // An array that is an element's whole content (the root, an item of an array): the element wraps its items.
    for (let index = 0; index < value.length; index++) {
      const itemAt = itemAtIndex(at.schema, index, spec);
      children.push(element(itemAt.xml.name ?? (rootItems ? itemAt.component : undefined) ?? name, itemAt, value[index], spec, depth + 1, scope));
    }
  } else if (value !== null && typeof value === 'object') {
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      const property = (value as Record<string, unknown>)[key];
      const entry = propertyAtKey(at.schema, key, spec);
      const propertyAt = entry.at;
      if (propertyAt.xml.attribute === true && isPrimitive(property)) {
        if (property === null) continue; // an absent attribute
        const attributeName = `${ATTRIBUTE_PREFIX}${qualified(entry.name, propertyAt.xml.prefix)}`;
        if (propertyAt.xml.prefix !== undefined && propertyAt.xml.namespace !== undefined) ({ attributes, scope } = declare(propertyAt.xml.prefix, propertyAt.xml.namespace, attributes, scope));
        attributes ??= {};
        if (!(attributeName in attributes)) attributes[attributeName] = property;
      } else {
        propertyElements(children, entry, property, spec, depth + 1, scope);
      }
    }
  } else if (value !== null && value !== undefined) {
    children.push({ [TEXT]: value });
  }
  const tag = qualified(name, at.xml.prefix);
  return attributes === undefined ? { [tag]: children } : { [tag]: children, [ATTRIBUTES]: attributes };
}

/**
 * The elements of one property, added to `out`: one element, or for an array its items, inside a wrapper
 * only with `wrapped: true`. The property's `xml.name` (else its key) names the element or the wrapper,
 * and a wrapper's items when they have no name of their own; unwrapped, nameless items take the key.
 */
function propertyElements(out: XmlNode[], entry: PropertyEntry, value: unknown, spec: Spec, depth: number, scope: Scope): void {
  const { at } = entry;
  if (!Array.isArray(value) || at.xml.wrapped === true) {
    out.push(element(entry.name, at, value, spec, depth, scope));
    return;
  }
  if (depth > MAX_ELEMENT_DEPTH) throw new TooDeep();
  for (let index = 0; index < value.length; index++) {
    const itemAt = itemAtIndex(at.schema, index, spec);
    out.push(element(itemAt.xml.name ?? entry.key, itemAt, value[index], spec, depth, scope));
  }
}

/** Declares a namespace on the element (`xmlns` or `xmlns:prefix`) unless an enclosing element already did. */
function declare(prefix: string, namespace: string, attributes: Record<string, unknown> | undefined, scope: Scope): { attributes: Record<string, unknown> | undefined; scope: Scope } {
  if (scope.get(prefix) === namespace) return { attributes, scope };
  const declared = attributes ?? {};
  declared[`${ATTRIBUTE_PREFIX}${prefix === '' ? 'xmlns' : `xmlns:${prefix}`}`] = namespace;
  const next = new Map(scope);
  next.set(prefix, namespace);
  return { attributes: declared, scope: next };
}

function qualified(name: string, prefix: string | undefined): string {
  return prefix === undefined || prefix === '' ? name : `${prefix.replace(/:/g, '_')}:${name}`;
}

/**
 * A JSON property name as an element name. The builder checks names and rewrites invalid ones; first,
 * what it would read as something else: a colon (a prefix nobody declared) and the names it reserves
 * (`#text`, `?pi`, `!…`, the empty name).
 */
function localName(key: string): string {
  const name = key.replace(/:/g, '_');
  return name === '' || /^[#?!@]/.test(name) ? `_${name}` : name;
}

function isPrimitive(value: unknown): value is string | number | boolean | null {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/**
 * What a spec's schemas resolve to, remembered per schema object (a generated list of a thousand pets
 * resolves `Pet` once): `$ref`s followed, property schemas by name, item schemas.
 */
interface Memo {
  resolved: WeakMap<object, Resolved>;
  properties: WeakMap<Schema, Map<string, PropertyEntry>>;
  items: WeakMap<Schema, ItemPlan>;
}

/** A property of an object schema: its schema resolved, its key as an element name, and the name its element takes. */
interface PropertyEntry {
  at: Resolved;
  key: string;
  name: string;
}

/** The item schemas of an array schema: by position (`prefixItems`), then the rest (`items`). */
interface ItemPlan {
  prefix: readonly unknown[];
  rest: unknown;
  resolved: Map<number, Resolved>;
}

const NOTHING: Resolved = { schema: undefined, xml: {}, component: undefined };
/** Property names remembered per schema: a map of generated keys (`additionalProperties`) must not grow without end. */
const MAX_REMEMBERED_KEYS = 256;
const memos = new WeakMap<Spec, Memo>();

function memoOf(spec: Spec): Memo {
  let memo = memos.get(spec);
  if (!memo) {
    memo = { resolved: new WeakMap(), properties: new WeakMap(), items: new WeakMap() };
    memos.set(spec, memo);
  }
  return memo;
}

function resolve(node: unknown, spec: Spec): Resolved {
  if (node === null || typeof node !== 'object') return NOTHING;
  const memo = memoOf(spec);
  let resolved = memo.resolved.get(node);
  if (!resolved) {
    resolved = resolveNow(node, spec);
    memo.resolved.set(node, resolved);
  }
  return resolved;
}

function propertyAtKey(schema: Schema | undefined, key: string, spec: Spec): PropertyEntry {
  const byKey = schema === undefined ? undefined : (memoOf(spec).properties.get(schema) ?? new Map<string, PropertyEntry>());
  let entry = byKey?.get(key);
  if (!entry) {
    const at = schema === undefined ? NOTHING : resolve(propertySchema(schema, key, spec), spec);
    const local = localName(key);
    entry = { at, key: local, name: at.xml.name ?? local };
    if (byKey && byKey.size < MAX_REMEMBERED_KEYS) {
      if (byKey.size === 0) memoOf(spec).properties.set(schema as Schema, byKey);
      byKey.set(key, entry);
    }
  }
  return entry;
}

function itemAtIndex(schema: Schema | undefined, index: number, spec: Spec): Resolved {
  if (schema === undefined) return NOTHING;
  const memo = memoOf(spec);
  let plan = memo.items.get(schema);
  if (!plan) memo.items.set(schema, (plan = itemPlan(schema, spec)));
  const slot = index < plan.prefix.length ? index : -1;
  let resolved = plan.resolved.get(slot);
  if (!resolved) {
    resolved = resolve(slot < 0 ? plan.rest : plan.prefix[slot], spec);
    plan.resolved.set(slot, resolved);
  }
  return resolved;
}

/** Follows `$ref`s (at most 64 hops); the XML Object written next to a `$ref` (3.1) wins over the target's. */
function resolveNow(node: unknown, spec: Spec): Resolved {
  let xml: XmlObject = {};
  let component: string | undefined;
  let current = node;
  for (let hops = 0; hops < 64 && isRef(current); hops++) {
    xml = { ...xmlOf(current), ...xml };
    const ref = current.$ref;
    component ??= /^#\/components\/schemas\/([^/]+)$/.exec(ref)?.[1];
    try {
      current = spec.get(ref);
    } catch {
      current = undefined; // a malformed pointer: no schema
    }
  }
  if (current === null || typeof current !== 'object' || Array.isArray(current) || isRef(current)) return { schema: undefined, xml, component: component === undefined ? undefined : decodeSegment(component) };
  return { schema: current as Schema, xml: { ...xmlOf(current), ...xml }, component: component === undefined ? undefined : decodeSegment(component) };
}

function decodeSegment(segment: string): string {
  let text = segment;
  try {
    text = decodeURIComponent(segment);
  } catch {
    // kept as written
  }
  return text.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** The XML Object's fields that are of the right type (anything else in a spec is ignored). */
function xmlOf(schema: unknown): XmlObject {
  const xml = (schema as { xml?: unknown }).xml;
  if (xml === null || typeof xml !== 'object') return {};
  const { name, namespace, prefix, attribute, wrapped } = xml as Record<string, unknown>;
  const out: XmlObject = {};
  if (typeof name === 'string' && name !== '') out.name = name;
  if (typeof namespace === 'string') out.namespace = namespace;
  if (typeof prefix === 'string' && prefix !== '') out.prefix = prefix;
  if (typeof attribute === 'boolean') out.attribute = attribute;
  if (typeof wrapped === 'boolean') out.wrapped = wrapped;
  return out;
}

/** The schema of property `key`: `properties`, then `allOf`/`anyOf`/`oneOf` members, then `additionalProperties`. */
function propertySchema(schema: Schema, key: string, spec: Spec): unknown {
  return findIn(schema, spec, (s) => {
    const properties = s.properties;
    if (properties !== null && typeof properties === 'object' && Object.hasOwn(properties, key)) return (properties as Record<string, unknown>)[key];
    return undefined;
  }) ?? findIn(schema, spec, (s) => (s.additionalProperties !== null && typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined));
}

/** The item schemas: `prefixItems` (or a draft-04 `items` array), then `items`, of the schema or its first `allOf`/`anyOf`/`oneOf` member that has them. */
function itemPlan(schema: Schema, spec: Spec): ItemPlan {
  const found = findIn(schema, spec, (s) => {
    const prefix = Array.isArray(s.prefixItems) ? s.prefixItems : Array.isArray(s.items) ? s.items : undefined;
    const rest = s.items !== null && typeof s.items === 'object' && !Array.isArray(s.items) ? s.items : undefined;
    return prefix !== undefined || rest !== undefined ? { prefix: prefix ?? [], rest } : undefined;
  }) as { prefix: unknown[]; rest: unknown } | undefined;
  return { prefix: found?.prefix ?? [], rest: found?.rest, resolved: new Map() };
}

/** The first thing `pick` finds in the schema or, depth first, its composition members; each schema visited once (recursive schemas end). */
function findIn(schema: Schema | undefined, spec: Spec, pick: (schema: Schema) => unknown): unknown {
  const seen = new Set<Schema>();
  const visit = (s: Schema | undefined): unknown => {
    if (s === undefined || seen.has(s) || seen.size > 1000) return undefined;
    seen.add(s);
    const found = pick(s);
    if (found !== undefined) return found;
    for (const keyword of ['allOf', 'anyOf', 'oneOf'] as const) {
      const members = s[keyword];
      if (!Array.isArray(members)) continue;
      for (const member of members) {
        const inner = visit(resolve(member, spec).schema);
        if (inner !== undefined) return inner;
      }
    }
    return undefined;
  };
  return visit(schema);
}
