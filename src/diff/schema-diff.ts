import { isRef, type Spec } from '../spec/load-spec.js';
import { appendPointer } from '../spec/pointer.js';
import type { Severity } from './change.js';

export type Direction = 'request' | 'response';

/** A schema change, before it is attached to an operation. */
export interface SchemaChange {
  rule: string;
  severity: Severity;
  message: string;
  basePointer: string;
  headPointer: string;
}

interface Side {
  spec: Spec;
  node: unknown;
  pointer: string;
}

type Schema = Record<string, unknown>;

/** Follows `$ref`s, keeping the pointer of the schema reached (for file:line). */
function resolve(side: Side): { schema: Schema | undefined; pointer: string } {
  let node = side.node;
  let pointer = side.pointer;
  for (let hops = 0; hops < 64 && isRef(node); hops++) {
    const ref = (node as { $ref: string }).$ref;
    if (!ref.startsWith('#')) break;
    pointer = decodeURIComponent(ref.slice(1));
    node = side.spec.get(pointer);
  }
  return { schema: node !== null && typeof node === 'object' && !Array.isArray(node) ? (node as Schema) : undefined, pointer };
}

/** The JSON types a schema allows (3.0 `nullable` as `null`); undefined when unconstrained. */
function typesOf(schema: Schema): Set<string> | undefined {
  const type = schema.type;
  const list = Array.isArray(type) ? (type as string[]) : typeof type === 'string' ? [type] : undefined;
  if (!list) return undefined;
  const out = new Set(list);
  if (schema.nullable === true) out.add('null');
  if (out.has('number')) out.add('integer');
  return out;
}

const UPPER = ['maxLength', 'maximum', 'exclusiveMaximum', 'maxItems', 'maxProperties'] as const;
const LOWER = ['minLength', 'minimum', 'exclusiveMinimum', 'minItems', 'minProperties'] as const;

/**
 * Compares two versions of a schema as one direction sees it, following
 * `$ref`s on both sides (a `$ref` change that resolves to the same schema is
 * no change). Requests break when the schema accepts less; responses break
 * when they may carry what clients did not expect or lose what they relied on.
 */
export function diffSchemas(base: Side, head: Side, direction: Direction, label: string, out: SchemaChange[], seen = new Set<string>()): void {
  const b = resolve(base);
  const h = resolve(head);
  if (!b.schema || !h.schema) return;
  const key = `${b.pointer}\0${h.pointer}`;
  if (seen.has(key)) return; // recursive schemas: each pair once
  seen.add(key);
  const add = (rule: string, severity: Severity, message: string) => out.push({ rule, severity, message: `${label}: ${message}`, basePointer: b.pointer, headPointer: h.pointer });
  const bs = b.schema;
  const hs = h.schema;

  const bt = typesOf(bs);
  const ht = typesOf(hs);
  if (bt && ht) {
    const lost = [...bt].filter((t) => !ht.has(t));
    const gained = [...ht].filter((t) => !bt.has(t));
    if (direction === 'request') {
      if (lost.length > 0) add('request-type-changed', 'breaking', `type ${[...bt].join('|')} became ${[...ht].join('|')} (${lost.join(', ')} no longer accepted)`);
      else if (gained.length > 0) add('request-type-widened', 'safe', `type ${[...bt].join('|')} widened to ${[...ht].join('|')}`);
    } else if (gained.length === 1 && gained[0] === 'null' && lost.length === 0) add('response-property-now-nullable', 'breaking', 'may now be null');
    else if (gained.length > 0) add('response-type-changed', 'breaking', `type ${[...bt].join('|')} became ${[...ht].join('|')}`);
    else if (lost.length > 0) add('response-type-narrowed', 'safe', `type ${[...bt].join('|')} narrowed to ${[...ht].join('|')}`);
  }

  if (Array.isArray(bs.enum) && Array.isArray(hs.enum)) {
    const text = (v: unknown) => JSON.stringify(v);
    const bset = new Set(bs.enum.map(text));
    const hset = new Set(hs.enum.map(text));
    const removed = [...bset].filter((v) => !hset.has(v));
    const added = [...hset].filter((v) => !bset.has(v));
    if (direction === 'request' && removed.length > 0) add('request-enum-value-removed', 'breaking', `no longer accepts ${removed.join(', ')}`);
    if (direction === 'request' && added.length > 0) add('request-enum-value-added', 'safe', `now also accepts ${added.join(', ')}`);
    if (direction === 'response' && added.length > 0) add('response-enum-value-added', 'breaking', `may now be ${added.join(', ')}`);
    if (direction === 'response' && removed.length > 0) add('response-enum-value-removed', 'safe', `is no longer ${removed.join(', ')}`);
  } else if (direction === 'request' && !Array.isArray(bs.enum) && Array.isArray(hs.enum)) add('request-enum-value-removed', 'breaking', `now only accepts ${hs.enum.map((v) => JSON.stringify(v)).join(', ')}`);

  if (direction === 'request') {
    for (const k of UPPER) {
      const was = typeof bs[k] === 'number' ? (bs[k] as number) : Infinity;
      const now = typeof hs[k] === 'number' ? (hs[k] as number) : Infinity;
      if (now < was) add('request-constraint-narrowed', 'breaking', `${k} ${was === Infinity ? 'added' : `lowered from ${was}`} to ${now}`);
      else if (now > was) add('request-constraint-relaxed', 'safe', `${k} ${now === Infinity ? `${was} removed` : `raised from ${was} to ${now}`}`);
    }
    for (const k of LOWER) {
      const was = typeof bs[k] === 'number' ? (bs[k] as number) : -Infinity;
      const now = typeof hs[k] === 'number' ? (hs[k] as number) : -Infinity;
      if (now > was) add('request-constraint-narrowed', 'breaking', `${k} ${was === -Infinity ? 'added' : `raised from ${was}`} to ${now}`);
      else if (now < was) add('request-constraint-relaxed', 'safe', `${k} ${now === -Infinity ? `${was} removed` : `lowered from ${was} to ${now}`}`);
    }
    if (typeof hs.pattern === 'string' && hs.pattern !== bs.pattern) add(bs.pattern === undefined ? 'request-pattern-added' : 'request-pattern-changed', 'breaking', bs.pattern === undefined ? `must now match ${hs.pattern}` : `pattern ${String(bs.pattern)} became ${hs.pattern}`);
    if (hs.additionalProperties === false && bs.additionalProperties !== false) add('request-additional-properties-closed', 'breaking', 'no longer accepts properties it does not declare');
  }

  const bprops = (bs.properties ?? {}) as Record<string, unknown>;
  const hprops = (hs.properties ?? {}) as Record<string, unknown>;
  const breq = new Set(Array.isArray(bs.required) ? (bs.required as string[]) : []);
  const hreq = new Set(Array.isArray(hs.required) ? (hs.required as string[]) : []);
  if (direction === 'request') {
    for (const name of hreq) if (!breq.has(name)) add('request-property-required-added', 'breaking', `property \`${name}\` is now required`);
    for (const name of breq) if (!hreq.has(name)) add('request-property-now-optional', 'safe', `property \`${name}\` is now optional`);
    for (const name of Object.keys(bprops)) if (!(name in hprops)) add('request-property-removed', hs.additionalProperties === false ? 'breaking' : 'warning', `property \`${name}\` is no longer declared${hs.additionalProperties === false ? ' (and undeclared ones are refused)' : ''}`);
  } else {
    for (const name of Object.keys(bprops)) if (!(name in hprops)) add('response-property-removed', 'breaking', `property \`${name}\` was removed`);
    for (const name of breq) if (!hreq.has(name) && name in hprops) add('response-property-now-optional', 'breaking', `property \`${name}\` is no longer always present`);
    for (const name of Object.keys(hprops)) if (!(name in bprops)) add('response-property-added', 'safe', `property \`${name}\` was added`);
  }
  for (const name of Object.keys(bprops)) {
    if (name in hprops) diffSchemas({ spec: base.spec, node: bprops[name], pointer: appendPointer(b.pointer, 'properties', name) }, { spec: head.spec, node: hprops[name], pointer: appendPointer(h.pointer, 'properties', name) }, direction, `${label}.${name}`, out, seen);
  }
  if (bs.items !== undefined && hs.items !== undefined) diffSchemas({ spec: base.spec, node: bs.items, pointer: appendPointer(b.pointer, 'items') }, { spec: head.spec, node: hs.items, pointer: appendPointer(h.pointer, 'items') }, direction, `${label}[]`, out, seen);
  if (typeof bs.additionalProperties === 'object' && typeof hs.additionalProperties === 'object') diffSchemas({ spec: base.spec, node: bs.additionalProperties, pointer: appendPointer(b.pointer, 'additionalProperties') }, { spec: head.spec, node: hs.additionalProperties, pointer: appendPointer(h.pointer, 'additionalProperties') }, direction, `${label}.*`, out, seen);

  for (const keyword of ['oneOf', 'anyOf', 'allOf'] as const) {
    const bl = Array.isArray(bs[keyword]) ? (bs[keyword] as unknown[]) : undefined;
    const hl = Array.isArray(hs[keyword]) ? (hs[keyword] as unknown[]) : undefined;
    if (!bl || !hl) continue;
    if (keyword !== 'allOf' && hl.length < bl.length) add(direction === 'request' ? 'request-oneof-branch-removed' : 'response-oneof-branch-removed', direction === 'request' ? 'breaking' : 'safe', `${keyword} has ${hl.length} branch(es) instead of ${bl.length}`);
    if (keyword !== 'allOf' && hl.length > bl.length) add(direction === 'request' ? 'request-oneof-branch-added' : 'response-oneof-branch-added', direction === 'request' ? 'safe' : 'breaking', `${keyword} has ${hl.length} branch(es) instead of ${bl.length}`);
    const n = Math.min(bl.length, hl.length);
    for (let i = 0; i < n; i++) diffSchemas({ spec: base.spec, node: bl[i], pointer: appendPointer(b.pointer, keyword, i) }, { spec: head.spec, node: hl[i], pointer: appendPointer(h.pointer, keyword, i) }, direction, label, out, seen);
  }
}
