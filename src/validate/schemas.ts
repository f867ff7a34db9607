import { Ajv2020 } from 'ajv/dist/2020.js';
import AjvImport from 'ajv';
import addFormatsImport from 'ajv-formats';
import type { Ajv, ValidateFunction, ErrorObject, FuncKeywordDefinition, AnySchemaObject, SchemaObjCxt } from 'ajv';
import { fromSchema } from '@openapi-contrib/openapi-schema-to-json-schema';
import type { Spec } from '../spec/load-spec.js';
import { LazyDocument, isTree, navigate, relaxRequired, walkObjects } from './document.js';
import { linearRegExpEngine, type UnsupportedPattern } from './pattern.js';

const AjvDraft07 = AjvImport as unknown as typeof import('ajv').default;
const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv;

const DOC = 'sworn:doc';

/** OpenAPI's own formats, beyond JSON Schema's. */
function addOpenApiFormats(ajv: Ajv): void {
  addFormats(ajv);
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -2_147_483_648 && n <= 2_147_483_647 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('float', { type: 'number', validate: () => true });
  ajv.addFormat('double', { type: 'number', validate: () => true });
  ajv.addFormat('byte', /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/);
  for (const free of ['binary', 'password', 'char', 'decimal', 'html', 'markdown', 'url', 'phone', 'string']) ajv.addFormat(free, () => true);
}

/** How a `SchemaCompiler` compiles. */
export interface SchemaCompilerOptions {
  /** Default true: schemas are copied for ajv as validators first need them. */
  lazy?: boolean;
  /**
   * Report every schema error of a value, not only the first (ajv
   * `allErrors`). Slower per value: for refusals that name every violation
   * (the mock's 422, the proxy's enforce refusals), never for a proxy's
   * checks of each exchange.
   */
  allErrors?: boolean;
  /**
   * For `sworn lint`'s checks of examples: `allErrors`, and code that
   * compiles quickly rather than runs quickly (`optimize: false`,
   * `inlineRefs: false`), since each schema checks a handful of examples.
   */
  lint?: boolean;
}

/** The options of `sworn lint`'s example checks: `new SchemaCompiler(spec, LINT_COMPILER_OPTIONS)`. */
export const LINT_COMPILER_OPTIONS: Readonly<SchemaCompilerOptions> = Object.freeze({ lint: true });

/**
 * Compiles the spec's schemas with ajv, once, in three variants: request
 * bodies (readOnly properties are neither required nor allowed), responses
 * (the same for writeOnly), and parameters/form fields (strings coerced to the
 * declared types, since they arrive as text). Each validator is cached, so a
 * `$ref` used by many operations compiles once. Every `pattern` and
 * `patternProperties` key runs in linear time (RE2, see `pattern.ts`); one
 * RE2 cannot run is not checked and is listed in `unsupportedPatterns`.
 * Only own properties count (`ownProperties`): a body `{}` lacks a required
 * `constructor`. `uniqueItems` runs in one pass (`linearUniqueItems`), not
 * ajv's comparison of every pair.
 *
 * Nothing is compiled at construction: ajv reads the document through
 * `LazyDocument`, which copies and converts a schema only when a validator
 * first reaches it, so constructing costs next to nothing and memory grows
 * with the schemas in use.
 */
export class SchemaCompiler {
  private readonly request: Ajv;
  private readonly response: Ajv;
  private readonly coercing: Ajv;
  private readonly cache = new Map<string, ValidateFunction>();
  private readonly unsupported = new Map<string, string>();
  private readonly spec: Spec;
  /** The documents ajv reads, made as used; undefined once compiling against the eager copies. */
  private lazy: LazyDocument | undefined;

  /**
   * `lazy` (default true): schemas are copied and converted when a
   * validator first needs them (`LazyDocument`), not all at construction;
   * the validators are the same. A document that is not a tree (YAML
   * aliases) is copied whole at once, as with `lazy: false`.
   * `allErrors`, `lint`: see `SchemaCompilerOptions`.
   */
  constructor(spec: Spec, options: SchemaCompilerOptions = {}) {
    this.spec = spec;
    const regExp = linearRegExpEngine(({ pattern, reason }) => this.unsupported.set(pattern, reason));
    const allErrors = options.allErrors === true || options.lint === true;
    // lint: every error, and code that compiles fast (each schema is run once or twice, not per request).
    const code = options.lint ? { regExp, optimize: false } : { regExp };
    const make = (variant: { coerceTypes?: 'array' }) => {
      const common = { strict: false, allErrors, validateFormats: true, ownProperties: true, logger: false as const, code: { ...code }, ...(options.lint ? { inlineRefs: false } : {}), ...variant };
      const ajv = (spec.version === '3.0' ? new AjvDraft07(common) : new Ajv2020(common)) as unknown as Ajv;
      addOpenApiFormats(ajv);
      return ajv;
    };
    this.request = make({});
    this.response = make({});
    this.coercing = make({ coerceTypes: 'array' });
    // readOnly / writeOnly are annotations in JSON Schema; here a property so marked fails when present in the wrong direction.
    const forbid = (ajv: Ajv, keyword: 'readOnly' | 'writeOnly') => {
      ajv.removeKeyword(keyword);
      ajv.addKeyword({ keyword, schemaType: 'boolean', errors: false, validate: (flag: boolean) => !flag });
    };
    for (const ajv of [this.request, this.response, this.coercing]) linearUniqueItems(ajv);
    forbid(this.request, 'readOnly');
    forbid(this.coercing, 'readOnly');
    forbid(this.response, 'writeOnly');
    if (options.lazy !== false && isTree(spec)) {
      const lazy = new LazyDocument(spec.document as unknown as Record<string, unknown>, spec.version === '3.0' ? convertSchema30 : undefined);
      this.addDocuments(lazy.root('request'), lazy.root('response'));
      lazy.reveal();
      this.lazy = lazy;
    } else this.addEagerDocuments();
  }

  /** The whole document copied, converted and relaxed at once, for each direction (the documents the lazy views stand for). */
  private addEagerDocuments(): void {
    const document = this.spec.document as unknown as Record<string, unknown>;
    const base = this.spec.version === '3.0' ? convert30(structuredClone(document)) : structuredClone(document);
    // Requests and parameters read the same readOnly-relaxed copy (ajv does not change the schemas it is given).
    const forRequests = structuredClone(base);
    relaxRequired(forRequests, 'readOnly', (segments) => navigate(forRequests, segments));
    this.addDocuments(forRequests, relaxRequired(base, 'writeOnly', (segments) => navigate(base, segments)));
  }

  private addDocuments(forRequests: Record<string, unknown>, forResponses: Record<string, unknown>): void {
    this.request.addSchema(forRequests, DOC, undefined, false);
    this.coercing.addSchema(forRequests, DOC, undefined, false);
    this.response.addSchema(forResponses, DOC, undefined, false);
  }

  /**
   * The patterns met so far (in the validators compiled) that RE2 cannot
   * run: they are not checked (every value passes them). `sworn lint`
   * reports each as `pattern-unsupported`.
   */
  get unsupportedPatterns(): UnsupportedPattern[] {
    return [...this.unsupported].map(([pattern, reason]) => ({ pattern, reason }));
  }

  /** How many validators have been compiled (each kind and schema once). */
  get compiledCount(): number {
    return this.cache.size;
  }

  /** How many of the document's schemas have been copied for ajv so far (all of them when not lazy). */
  get materializedSchemas(): number | 'all' {
    return this.lazy ? this.lazy.materialized : 'all';
  }

  /** The ajv keywords of a direction's instance (`RULES.all`): what makes a schema more than always valid. */
  keywords(kind: 'request' | 'response' | 'coercing'): Readonly<Record<string, unknown>> {
    return this[kind].RULES.all;
  }

  /**
   * The validator of the schema at `pointer` in the bundled document, for a
   * direction. A schema that is only a `$ref` is keyed by its target, so it
   * compiles once however many operations use it.
   */
  validator(kind: 'request' | 'response' | 'coercing', pointer: string, schema: unknown): ValidateFunction {
    const ref = isPureRef(schema) ? schema.$ref : `#${pointer}`;
    const key = `${kind} ${ref}`;
    let validate = this.cache.get(key);
    if (!validate) {
      validate = this.compile(kind, ref);
      this.cache.set(key, validate);
    }
    return validate;
  }

  private compile(kind: 'request' | 'response' | 'coercing', ref: string): ValidateFunction {
    const ajv = this[kind];
    const target = ref.startsWith('#') ? `${DOC}${ref}` : ref;
    const lazy = this.lazy;
    if (!lazy) return ajv.compile({ $ref: target });
    lazy.reference(ref, 'a validator');
    const known = this.unsupported.size;
    let validate: ValidateFunction | undefined;
    let failure: unknown;
    try {
      validate = ajv.compile({ $ref: target });
    } catch (error) {
      failure = error;
    }
    if (lazy.unsafe === undefined) {
      if (validate) return validate;
      throw failure;
    }
    // The views met what ajv would have registered from the whole document ($id, anchors): from now on, the eager copies.
    for (const pattern of [...this.unsupported.keys()].slice(known)) this.unsupported.delete(pattern);
    this.lazy = undefined;
    for (const instance of [this.request, this.response, this.coercing]) instance.removeSchema(DOC);
    this.addEagerDocuments();
    return ajv.compile({ $ref: target });
  }
}

/**
 * A text that two JSON values share exactly when JSON Schema calls them
 * equal: object keys sorted (`{a:1,b:2}` is `{b:2,a:1}`), arrays in order,
 * numbers by value (`1` is `1.0`, `-0` is `0`), strings quoted (`"1"` is
 * not `1`). Iterative.
 *
 * @example
 * canonicalJson({ b: [1.0, '1'], a: null }); // '{"a":null,"b":[1,"1"]}'
 */
export function canonicalJson(value: unknown): string {
  type Frame = { node: unknown[]; keys: undefined; i: number } | { node: Record<string, unknown>; keys: string[]; i: number };
  const stack: Frame[] = [];
  let out = '';
  let next: unknown = value;
  for (;;) {
    if (typeof next === 'string') out += JSON.stringify(next);
    else if (next === null || typeof next !== 'object') out += String(next); // numbers by value: Infinity and NaN stay apart from null
    else if (Array.isArray(next)) {
      out += '[';
      stack.push({ node: next as unknown[], keys: undefined, i: 0 });
    } else {
      out += '{';
      const keys = Object.keys(next);
      if (keys.length > 1) keys.sort();
      stack.push({ node: next as Record<string, unknown>, keys, i: 0 });
    }
    let frame = stack[stack.length - 1];
    while (frame && frame.i === (frame.keys ?? frame.node as unknown[]).length) {
      out += frame.keys ? '}' : ']';
      stack.pop();
      frame = stack[stack.length - 1];
    }
    if (!frame) return out;
    if (frame.i > 0) out += ',';
    if (frame.keys) {
      const key = frame.keys[frame.i++]!;
      out += `${JSON.stringify(key)}:`;
      next = frame.node[key];
    } else next = frame.node[frame.i++];
  }
}

/** ajv's `getSchemaTypes`: the types a schema declares (`nullable: true` adds `null`). */
function schemaTypes(schema: unknown): string[] {
  if (schema === null || typeof schema !== 'object') return [];
  const s = schema as { type?: unknown; nullable?: unknown };
  const types: unknown[] = Array.isArray(s.type) ? [...(s.type as unknown[])] : s.type ? [s.type] : [];
  if (!types.includes('null') && s.nullable === true) types.push('null');
  return types.filter((t): t is string => typeof t === 'string');
}

/** ajv's type check for one JSON type (`strictNumbers`: no Infinity or NaN). */
function hasType(type: string, value: unknown, strictNumbers: boolean): boolean {
  switch (type) {
    case 'null': return value === null;
    case 'integer': return typeof value === 'number' && !(value % 1) && !Number.isNaN(value) && (!strictNumbers || Number.isFinite(value));
    case 'number': return typeof value === 'number' && (!strictNumbers || Number.isFinite(value));
    default: return typeof value === type;
  }
}

/**
 * Replaces ajv's `uniqueItems`, which compares every pair of items with a
 * deep equality when the items may be objects or arrays or have no declared
 * type (20,000 strings: 2.8 s), by one pass: each item's `canonicalJson`
 * into a map. The verdicts, the order it runs in among the array keywords
 * and the error (keyword `uniqueItems`, params `{i, j}`, ajv's message) are
 * ajv's: when ajv would hash (scalar item types) items of another type are
 * skipped and the last duplicate from the end is reported, otherwise the
 * highest index equal to an earlier item and the nearest such earlier item.
 */
export function linearUniqueItems(ajv: Ajv): void {
  const group = ajv.RULES.rules.find((g) => g.type === 'array');
  const at = group ? group.rules.findIndex((rule) => rule.keyword === 'uniqueItems') : -1;
  const before = at >= 0 ? group!.rules[at + 1]?.keyword : undefined;
  ajv.removeKeyword('uniqueItems');
  const compile = (unique: boolean, parentSchema: AnySchemaObject, it: SchemaObjCxt) => {
    if (!unique) return () => true;
    const itemTypes = schemaTypes(parentSchema.items);
    const hashed = itemTypes.length > 0 && !itemTypes.some((t) => t === 'object' || t === 'array');
    const strictNumbers = it.opts.strictNumbers === true;
    const validate: { (data: unknown[]): boolean; errors?: Array<Partial<ErrorObject>> | null } = (data) => {
      validate.errors = null;
      if (data.length < 2) return true;
      let i = -1;
      let j = -1;
      const seen = new Map<string, number>();
      if (hashed) {
        for (let k = data.length - 1; k >= 0; k--) {
          const item = data[k];
          if (!itemTypes.some((t) => hasType(t, item, strictNumbers))) continue;
          const key = canonicalJson(item);
          const other = seen.get(key);
          if (other !== undefined) {
            [i, j] = [k, other];
            break;
          }
          seen.set(key, k);
        }
      } else {
        for (let k = 0; k < data.length; k++) {
          const key = canonicalJson(data[k]);
          const other = seen.get(key);
          if (other !== undefined) [i, j] = [k, other];
          seen.set(key, k);
        }
      }
      if (i < 0) return true;
      validate.errors = [{ keyword: 'uniqueItems', params: { i, j }, message: `must NOT have duplicate items (items ## ${j} and ${i} are identical)` }];
      return false;
    };
    return validate;
  };
  ajv.addKeyword({ keyword: 'uniqueItems', type: 'array', schemaType: 'boolean', errors: true, ...(before ? { before } : {}), compile: compile as unknown as FuncKeywordDefinition['compile'] });
}

function isPureRef(schema: unknown): schema is { $ref: string } {
  return schema !== null && typeof schema === 'object' && typeof (schema as { $ref?: unknown }).$ref === 'string' && Object.keys(schema).length === 1;
}

/**
 * OpenAPI 3.0 schema objects -> JSON Schema (draft 07), in place wherever a
 * schema can be: `nullable` by the converter, draft-04 boolean
 * `exclusiveMinimum`/`exclusiveMaximum` here.
 */
function convert30(doc: Record<string, unknown>): Record<string, unknown> {
  visitSchemas(doc, (holder, key) => {
    holder[key] = convertSchema30(holder[key]);
  });
  return doc;
}

/** Draft-04 boolean `exclusiveMinimum`/`exclusiveMaximum` -> draft-07 numbers, at any depth. */
function exclusiveBounds(schema: unknown): void {
  const bounds = (node: unknown, seen = new Set<unknown>()): void => {
    if (node === null || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    const s = node as Record<string, unknown>;
    for (const [flag, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
      if (typeof s[flag] === 'boolean') {
        if (s[flag] === true && typeof s[bound] === 'number') {
          s[flag] = s[bound];
          delete s[bound];
        } else delete s[flag];
      }
    }
    for (const [key, value] of Object.entries(s)) if (key !== 'example' && key !== 'enum' && key !== 'default' && key !== 'const') bounds(value, seen);
  };
  bounds(schema);
}

/** One OpenAPI 3.0 Schema Object -> JSON Schema (draft 07), in place (see `convert30`). */
export function convertSchema30(schema: unknown): unknown {
  if (schema === null || typeof schema !== 'object') return schema;
  const converted = fromSchema(schema as never, { cloneSchema: false, supportPatternProperties: true, keepNotSupported: ['readOnly', 'writeOnly', 'discriminator', 'example'] } as never) as Record<string, unknown>;
  delete converted.$schema;
  exclusiveBounds(converted);
  return converted;
}

/**
 * Calls `visit(holder, key)` for every place in an OpenAPI document where a
 * Schema Object can stand: components.schemas, parameter and header schemas,
 * media-type schemas (anywhere: paths, components, callbacks).
 */
function visitSchemas(doc: Record<string, unknown>, visit: (holder: Record<string, unknown>, key: string) => void): void {
  const schemas = (doc.components as Record<string, unknown> | undefined)?.schemas as Record<string, unknown> | undefined;
  if (schemas) for (const name of Object.keys(schemas)) visit(schemas, name);
  walkObjects([doc.paths, doc.components, doc.webhooks], (record) => {
    const children: unknown[] = [];
    for (const [key, value] of Object.entries(record)) {
      if (key === 'schemas' && record === doc.components) continue;
      if (key === 'schema' && value !== null && typeof value === 'object') visit(record, key);
      else if (key !== 'example' && key !== 'examples') children.push(value);
    }
    return children;
  });
}

/** A short, value-free description of the first ajv error. */
export function describeSchemaError(errors: ErrorObject[] | null | undefined, what: string): { pointer: string; keyword: string; message: string } {
  return describeOne(errors?.[0], what);
}

/** At most this many errors of one schema are described by `describeSchemaErrors`; the rest are counted. */
export const EVERY_ERROR_LIMIT = 100;

/**
 * A body larger than this (bytes) is not checked again for every error: ajv `allErrors` over a large
 * array of wrong items makes an error per item (time and memory in proportion); its first error stands.
 */
export const EVERY_ERROR_MAX_BODY = 64 * 1024;

/**
 * Every ajv error (of a validator compiled with `allErrors`), described as
 * `describeSchemaError` describes the first; the same description once; at most
 * `EVERY_ERROR_LIMIT`, then one more saying how many were left out.
 */
export function describeSchemaErrors(errors: ErrorObject[] | null | undefined, what: string): Array<{ pointer: string; keyword: string; message: string }> {
  if (!errors || errors.length === 0) return [describeOne(undefined, what)];
  const seen = new Set<string>();
  const out: Array<{ pointer: string; keyword: string; message: string }> = [];
  for (const [i, error] of errors.entries()) {
    if (out.length === EVERY_ERROR_LIMIT) {
      const more = errors.length - i;
      out.push({ pointer: '', keyword: 'truncated', message: `${what}: ${more} more error${more === 1 ? '' : 's'} not listed` });
      break;
    }
    const described = describeOne(error, what);
    const key = `${described.pointer}\0${described.keyword}\0${described.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(described);
  }
  return out;
}

function describeOne(error: ErrorObject | undefined, what: string): { pointer: string; keyword: string; message: string } {
  if (!error) return { pointer: '', keyword: 'schema', message: `${what} does not match its schema` };
  const params = error.params as Record<string, unknown>;
  const at = error.instancePath === '' ? what : `${what} at ${error.instancePath}`;
  let message: string;
  switch (error.keyword) {
    case 'required': message = `${what} is missing required property \`${String(params.missingProperty)}\`${error.instancePath ? ` at ${error.instancePath}` : ''}`; break;
    case 'additionalProperties': message = `${at} has undeclared property \`${String(params.additionalProperty)}\``; break;
    case 'readOnly': message = `${at} is readOnly: it may appear in responses, not in requests`; break;
    case 'writeOnly': message = `${at} is writeOnly: it may appear in requests, not in responses`; break;
    case 'type': message = `${at} must be ${String(params.type)}`; break;
    case 'enum': message = `${at} must be one of the declared values (${(params.allowedValues as unknown[]).slice(0, 8).map((v) => JSON.stringify(v)).join(', ')})`; break;
    case 'format': message = `${at} must be a valid ${String(params.format)}`; break;
    default: message = `${at} ${error.message ?? 'does not match its schema'}`;
  }
  return { pointer: error.instancePath, keyword: error.keyword, message };
}
