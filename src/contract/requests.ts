import { generateSync } from 'json-schema-faker';
import type { OpenAPIV3 } from 'openapi-types';
import { isRef, type Spec } from '../spec/load-spec.js';
import type { Operation } from '../spec/operations.js';

/** One request `sworn test` sends. */
export interface PlannedRequest {
  operation: Operation;
  kind: 'example' | 'generated' | 'negative';
  /** What it is, for reports: `example "two"`, `generated #3`, `negative: query parameter limit is not an integer`. */
  name: string;
  method: string;
  /** Path with parameters filled in and the query string (without the server base). */
  path: string;
  headers: Record<string, string>;
  body?: { contentType: string; text: string };
}

type Schema = Record<string, unknown>;

/** A schema with its internal `$ref`s inlined (recursion cut at `depth`), as a generator needs it. */
export function inline(spec: Spec, node: unknown, depth = 0): unknown {
  if (Array.isArray(node)) return node.map((n) => inline(spec, n, depth));
  if (node === null || typeof node !== 'object') return node;
  if (isRef(node)) return depth > 4 ? {} : inline(spec, spec.deref(node), depth + 1);
  const out: Schema = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'example' || k === 'examples' || k === 'default' || k === 'const' || k === 'enum') out[k] = v;
    else out[k] = inline(spec, v, depth);
  }
  // OpenAPI 3.0's nullable, as JSON Schema.
  if (out.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  delete out.nullable;
  return out;
}

interface ParamPlan {
  p: OpenAPIV3.ParameterObject;
  schema: Schema;
}

function paramsOf(spec: Spec, op: Operation): ParamPlan[] {
  const byKey = new Map<string, OpenAPIV3.ParameterObject>();
  for (const raw of [...(op.pathItem.parameters ?? []), ...(op.operation.parameters ?? [])]) {
    const p = spec.deref(raw) as OpenAPIV3.ParameterObject;
    if (p?.name && p.in) byKey.set(`${p.in}:${p.name}`, p);
  }
  return [...byKey.values()].map((p) => ({ p, schema: (inline(spec, p.schema ?? {}) as Schema) ?? {} }));
}

const scalar = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** An example value of a parameter: its `example`, its first `examples` entry, the schema's example or default. */
function exampleOf(spec: Spec, p: OpenAPIV3.ParameterObject, schema: Schema): unknown {
  if (p.example !== undefined) return p.example;
  const first = Object.values(p.examples ?? {})[0];
  if (first) return (spec.deref(first) as OpenAPIV3.ExampleObject).value;
  if (schema.example !== undefined) return schema.example;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if (schema.default !== undefined) return schema.default;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  return undefined;
}

function build(op: Operation, kind: PlannedRequest['kind'], name: string, values: Map<string, unknown>, params: ParamPlan[], headers: Record<string, string>, body: PlannedRequest['body']): PlannedRequest {
  let path = op.path;
  const query = new URLSearchParams();
  const outHeaders: Record<string, string> = { ...headers };
  const cookies: string[] = [];
  for (const { p } of params) {
    const key = `${p.in}:${p.name}`;
    if (!values.has(key)) continue;
    const v = values.get(key);
    if (p.in === 'path') path = path.replace(`{${p.name}}`, encodeURIComponent(scalar(v)));
    else if (p.in === 'query') {
      if (Array.isArray(v) && p.explode !== false) for (const item of v) query.append(p.name, scalar(item));
      else query.append(p.name, Array.isArray(v) ? v.map(scalar).join(',') : scalar(v));
    } else if (p.in === 'header') outHeaders[p.name.toLowerCase()] = Array.isArray(v) ? v.map(scalar).join(',') : scalar(v);
    else cookies.push(`${p.name}=${encodeURIComponent(scalar(v))}`);
  }
  if (cookies.length > 0) outHeaders.cookie = cookies.join('; ');
  const qs = query.toString();
  if (body) outHeaders['content-type'] = body.contentType;
  return { operation: op, kind, name, method: op.method.toUpperCase(), path: path + (qs ? `?${qs}` : ''), headers: outHeaders, ...(body ? { body } : {}) };
}

const JSON_TYPE = /^application\/([\w.+-]*\+)?json$/i;

/**
 * The requests for one operation: those its examples describe, `generate`
 * schema-generated valid ones (seeded: the same seed gives the same
 * requests), and negative ones that break the request schema on purpose.
 */
export function planRequests(spec: Spec, op: Operation, options: { examples: boolean; generate: number; seed: number; negative: boolean; headers: Record<string, string> }): PlannedRequest[] {
  const params = paramsOf(spec, op);
  const requestBody = op.operation.requestBody ? (spec.deref(op.operation.requestBody) as OpenAPIV3.RequestBodyObject) : undefined;
  const [contentType, media] = Object.entries(requestBody?.content ?? {}).find(([t]) => JSON_TYPE.test(t)) ?? Object.entries(requestBody?.content ?? {})[0] ?? [];
  const bodySchema = media?.schema ? (inline(spec, media.schema) as Schema) : undefined;
  const out: PlannedRequest[] = [];
  const generated = (schema: Schema, seed: number) => {
    try {
      return generateSync(schema as never, { seed, optionalsProbability: 0.5, maxDepth: 4, refDepthMax: 2 });
    } catch {
      return undefined;
    }
  };
  const serialize = (value: unknown) => (contentType && JSON_TYPE.test(contentType) ? JSON.stringify(value) : scalar(value));

  if (options.examples) {
    const values = new Map<string, unknown>();
    let complete = true;
    params.forEach(({ p, schema }, i) => {
      const v = exampleOf(spec, p, schema) ?? (p.required ? generated(schema, options.seed + i) : undefined);
      if (v !== undefined) values.set(`${p.in}:${p.name}`, v);
      else if (p.required) complete = false;
    });
    const bodyExamples: Array<[string, unknown]> = [];
    if (media) {
      if (media.example !== undefined) bodyExamples.push(['example', media.example]);
      for (const [name, ex] of Object.entries(media.examples ?? {})) bodyExamples.push([`example "${name}"`, (spec.deref(ex) as OpenAPIV3.ExampleObject).value]);
      if (bodyExamples.length === 0 && bodySchema?.example !== undefined) bodyExamples.push(['schema example', bodySchema.example]);
    }
    if (complete) {
      if (bodyExamples.length > 0 && contentType) for (const [name, value] of bodyExamples) out.push(build(op, 'example', name, values, params, options.headers, { contentType, text: serialize(value) }));
      else if (!requestBody?.required) out.push(build(op, 'example', 'examples', values, params, options.headers, undefined));
    }
  }

  for (let n = 0; n < options.generate; n++) {
    const seed = options.seed * 1_000 + n;
    const values = new Map<string, unknown>();
    params.forEach(({ p, schema }, i) => {
      if (!p.required && (seed + i) % 2 === 1) return; // optional parameters half the time
      const v = generated(schema, seed + i);
      if (v !== undefined) values.set(`${p.in}:${p.name}`, v);
    });
    const body = bodySchema && contentType ? generated(bodySchema, seed + 500) : undefined;
    if (requestBody?.required && body === undefined) continue;
    out.push(build(op, 'generated', `generated #${n + 1} (seed ${seed})`, values, params, options.headers, body !== undefined && contentType ? { contentType, text: serialize(body) } : undefined));
  }

  if (options.negative) {
    const base = new Map<string, unknown>();
    params.forEach(({ p, schema }, i) => {
      if (p.required) base.set(`${p.in}:${p.name}`, exampleOf(spec, p, schema) ?? generated(schema, options.seed + i));
    });
    const validBody = bodySchema && contentType ? (media?.example ?? generated(bodySchema, options.seed + 500)) : undefined;
    const bodyOf = (value: unknown) => (contentType && value !== undefined ? { contentType, text: serialize(value) } : undefined);
    for (const { p, schema } of params) {
      const key = `${p.in}:${p.name}`;
      const type = Array.isArray(schema.type) ? undefined : schema.type;
      if (p.in !== 'path' && p.required) {
        const values = new Map(base);
        values.delete(key);
        out.push(build(op, 'negative', `negative: required ${p.in} parameter ${p.name} missing`, values, params, options.headers, bodyOf(validBody)));
      }
      if (type === 'integer' || type === 'number' || type === 'boolean') {
        const values = new Map(base);
        values.set(key, type === 'integer' ? 'not-an-integer' : `not-a-${type}`);
        out.push(build(op, 'negative', `negative: ${p.in} parameter ${p.name} is not ${type === 'integer' ? 'an' : 'a'} ${type}`, values, params, options.headers, bodyOf(validBody)));
      }
    }
    if (bodySchema && contentType && JSON_TYPE.test(contentType)) {
      const required = Array.isArray(bodySchema.required) ? (bodySchema.required as string[]) : [];
      if (required.length > 0 && validBody && typeof validBody === 'object') {
        const broken = { ...(validBody as Record<string, unknown>) };
        delete broken[required[0]!];
        out.push(build(op, 'negative', `negative: body property ${required[0]} missing`, base, params, options.headers, bodyOf(broken)));
      }
      if (bodySchema.type === 'object') out.push(build(op, 'negative', 'negative: body is not an object', base, params, options.headers, { contentType, text: '"not an object"' }));
    }
  }
  return out;
}
