import type { ValidateFunction } from 'ajv';
import type { OpenAPIV3 } from 'openapi-types';
import type { Spec } from '../spec/load-spec.js';
import type { Operation } from '../spec/operations.js';
import { appendPointer } from '../spec/pointer.js';
import { SchemaCompiler } from './schemas.js';
import { defaultStyle, type ParamIn, type ParamShape, type ValueShape } from './params.js';
import { kindOf, type BodyKind } from './media.js';
import { collectSecretFields, isSecretSchema, looksLikeCredential } from './secrets.js';
import type { UnsupportedPattern } from './pattern.js';

export { looksLikeCredential, CREDENTIAL_WORDS, CREDENTIAL_SUFFIXES } from './secrets.js';

export interface CompiledParam extends ParamShape {
  required: boolean;
  validate: ValidateFunction | undefined;
  /** Never echo its value: a password-format, writeOnly or credential-like parameter (`isSecretSchema`, `looksLikeCredential`). */
  secret: boolean;
}

export interface CompiledMedia {
  mediaType: string;
  kind: BodyKind;
  validate: ValidateFunction | undefined;
}

export interface CompiledResponse {
  headers: CompiledParam[];
  media: Map<string, CompiledMedia>;
}

/** One way to satisfy the security requirement: every listed credential present. */
export type SecurityAlternative = Array<{ scheme: string; type: 'apiKey' | 'bearer' | 'basic' | 'other'; in?: 'header' | 'query' | 'cookie'; name?: string }>;

export interface CompiledOperation {
  operation: Operation;
  params: CompiledParam[];
  body: { required: boolean; media: Map<string, CompiledMedia> } | undefined;
  /** By status code (`200`), range (`2XX`) or `default`. */
  responses: Map<string, CompiledResponse>;
  /** Empty: no security. An empty alternative means anonymous access is allowed. */
  security: SecurityAlternative[];
  /**
   * Names of parameters, headers and fields whose values must never appear
   * anywhere: every apiKey security scheme's name, parameters, headers and
   * properties (at any depth) with `format: password` or `writeOnly`, and
   * credential-like names (`looksLikeCredential`, which redaction applies to
   * every name besides). Header names lower-cased.
   */
  secretNames: Set<string>;
}

const compilers = new WeakMap<Map<Operation, CompiledOperation>, SchemaCompiler>();

/**
 * The patterns of the compiled validators that RE2 cannot run (lookahead,
 * lookbehind, backreferences…): they are not checked, every value passes
 * them. Log them at start; `sworn lint` reports each as `pattern-unsupported`.
 *
 * @example
 * const compiled = compileValidators(spec, operations);
 * for (const { pattern, reason } of unsupportedPatterns(compiled)) log.warn(`pattern ${pattern} not checked: ${reason}`);
 */
export function unsupportedPatterns(compiled: Map<Operation, CompiledOperation>): UnsupportedPattern[] {
  return compilers.get(compiled)?.unsupportedPatterns ?? [];
}

/**
 * Every secret name of every operation (apiKey names, password/writeOnly
 * fields and parameters): for redacting what matched no operation
 * (`unknown-route` samples, log lines), which has no `secretNames` of its own.
 */
export function allSecretNames(compiled: Map<Operation, CompiledOperation>): Set<string> {
  const names = new Set<string>();
  for (const op of compiled.values()) for (const name of op.secretNames) names.add(name);
  return names;
}

/**
 * Compiles every operation's validators once, at start. Schemas shared
 * through `$ref` compile once for all operations.
 *
 * @example
 * const compiled = compileValidators(spec, listOperations(spec));
 * compiled.get(operation)!.params.map((p) => p.name); // ['limit', 'tags']
 */
export function compileValidators(spec: Spec, operations: Operation[], compiler = new SchemaCompiler(spec)): Map<Operation, CompiledOperation> {
  const compiled = new Map<Operation, CompiledOperation>();
  const schemes = (spec.document.components?.securitySchemes ?? {}) as Record<string, OpenAPIV3.SecuritySchemeObject | OpenAPIV3.ReferenceObject>;
  for (const operation of operations) compiled.set(operation, compileOperation(spec, operation, compiler, schemes));
  compilers.set(compiled, compiler);
  return compiled;
}

function shapeOf(spec: Spec, schema: unknown): { shape: ValueShape; properties: string[]; secret: boolean } {
  const s = spec.deref(schema) as { type?: string | string[]; properties?: Record<string, unknown>; format?: string; items?: unknown } | undefined;
  const type = Array.isArray(s?.type) ? s?.type.find((t) => t !== 'null') : s?.type;
  const shape: ValueShape = type === 'array' || (!type && s?.items) ? 'array' : type === 'object' || (!type && s?.properties) ? 'object' : 'primitive';
  return { shape, properties: Object.keys(s?.properties ?? {}), secret: isSecretSchema(spec, schema) };
}

function compileParams(spec: Spec, operation: Operation, compiler: SchemaCompiler, secretNames: Set<string>): CompiledParam[] {
  const byKey = new Map<string, CompiledParam>();
  const add = (list: unknown, pointer: string) => {
    if (!Array.isArray(list)) return;
    list.forEach((raw, i) => {
      const p = spec.deref(raw) as OpenAPIV3.ParameterObject | undefined;
      if (!p || typeof p.name !== 'string' || !['path', 'query', 'header', 'cookie'].includes(p.in)) return;
      const where = p.in as ParamIn;
      const at = appendPointer(pointer, i);
      let schemaPointer = `${isRefObject(raw) ? raw.$ref.slice(1) : at}/schema`;
      let schema: unknown = p.schema;
      if (!schema && p.content) {
        const [mediaType] = Object.keys(p.content);
        schema = mediaType ? p.content[mediaType]?.schema : undefined;
        schemaPointer = appendPointer(isRefObject(raw) ? raw.$ref.slice(1) : at, 'content', mediaType ?? '', 'schema');
      }
      const name = where === 'header' ? p.name.toLowerCase() : p.name;
      if (where === 'header' && ['accept', 'content-type', 'authorization'].includes(name)) return; // OpenAPI: ignored, described elsewhere
      const { shape, properties, secret } = shapeOf(spec, schema);
      const isSecret = secret || looksLikeCredential(p.name);
      if (isSecret) secretNames.add(name);
      collectSecretFields(spec, schema, secretNames); // object parameters (deepObject, form) have fields
      byKey.set(`${where} ${name}`, {
        name,
        in: where,
        style: p.style ?? defaultStyle(where),
        explode: p.explode ?? (p.style ?? defaultStyle(where)) === 'form',
        shape,
        properties,
        required: p.required === true || where === 'path',
        validate: schema ? compiler.validator('coercing', schemaPointer, schema) : undefined,
        secret: isSecret,
      });
    });
  };
  add(operation.pathItem.parameters, `${operation.pathItemPointer}/parameters`);
  add(operation.operation.parameters, `${operation.pointer}/parameters`); // operation-level overrides path-level (same name and in)
  return [...byKey.values()];
}

function isRefObject(value: unknown): value is { $ref: string } {
  return value !== null && typeof value === 'object' && typeof (value as { $ref?: unknown }).$ref === 'string' && (value as { $ref: string }).$ref.startsWith('#');
}

function compileContent(spec: Spec, content: Record<string, OpenAPIV3.MediaTypeObject> | undefined, pointer: string, compiler: SchemaCompiler, direction: 'request' | 'response', secretNames: Set<string>): Map<string, CompiledMedia> {
  const media = new Map<string, CompiledMedia>();
  for (const [key, value] of Object.entries(content ?? {})) {
    const mediaType = key.split(';')[0]!.trim().toLowerCase();
    const kind = kindOf(mediaType);
    const at = appendPointer(pointer, key, 'schema');
    const schema = value?.schema;
    collectSecretFields(spec, schema, secretNames);
    const validate = schema === undefined || kind === 'other' ? undefined : compiler.validator(kind === 'form' || kind === 'multipart' ? 'coercing' : direction, at, schema);
    media.set(mediaType, { mediaType, kind, validate });
  }
  return media;
}

function compileOperation(spec: Spec, operation: Operation, compiler: SchemaCompiler, schemes: Record<string, OpenAPIV3.SecuritySchemeObject | OpenAPIV3.ReferenceObject>): CompiledOperation {
  const secretNames = new Set<string>(); // credential-like names are secret anyway (looksLikeCredential)
  for (const raw of Object.values(schemes)) {
    const scheme = spec.deref(raw) as OpenAPIV3.SecuritySchemeObject | undefined;
    if (scheme?.type === 'apiKey' && typeof scheme.name === 'string') secretNames.add(scheme.in === 'header' ? scheme.name.toLowerCase() : scheme.name); // an API key is secret wherever it is sent
  }
  const params = compileParams(spec, operation, compiler, secretNames);
  const rawBody = operation.operation.requestBody;
  const requestBody = spec.deref(rawBody) as OpenAPIV3.RequestBodyObject | undefined;
  const bodyPointer = isRefObject(rawBody) ? rawBody.$ref.slice(1) : `${operation.pointer}/requestBody`;
  const body = requestBody
    ? { required: requestBody.required === true, media: compileContent(spec, requestBody.content, `${bodyPointer}/content`, compiler, 'request', secretNames) }
    : undefined;

  const responses = new Map<string, CompiledResponse>();
  for (const [code, raw] of Object.entries(operation.operation.responses ?? {})) {
    const response = spec.deref(raw) as OpenAPIV3.ResponseObject | undefined;
    if (!response) continue;
    const pointer = isRefObject(raw) ? raw.$ref.slice(1) : appendPointer(`${operation.pointer}/responses`, code);
    const headers: CompiledParam[] = [];
    for (const [name, rawHeader] of Object.entries(response.headers ?? {})) {
      const header = spec.deref(rawHeader) as OpenAPIV3.HeaderObject | undefined;
      if (!header || name.toLowerCase() === 'content-type') continue;
      const headerPointer = isRefObject(rawHeader) ? rawHeader.$ref.slice(1) : appendPointer(`${pointer}/headers`, name);
      const { shape, properties, secret } = shapeOf(spec, header.schema);
      const isSecret = secret || looksLikeCredential(name);
      if (isSecret) secretNames.add(name.toLowerCase());
      headers.push({
        name: name.toLowerCase(), in: 'header', style: 'simple', explode: header.explode ?? false, shape, properties,
        required: header.required === true,
        validate: header.schema ? compiler.validator('coercing', `${headerPointer}/schema`, header.schema) : undefined,
        secret: isSecret,
      });
    }
    responses.set(code.toUpperCase(), { headers, media: compileContent(spec, response.content as Record<string, OpenAPIV3.MediaTypeObject> | undefined, `${pointer}/content`, compiler, 'response', secretNames) });
  }

  const requirements = operation.operation.security ?? spec.document.security ?? [];
  const security: SecurityAlternative[] = requirements.map((requirement) =>
    Object.keys(requirement).map((name) => {
      const scheme = spec.deref(schemes[name]) as OpenAPIV3.SecuritySchemeObject | undefined;
      if (scheme?.type === 'apiKey') {
        secretNames.add(scheme.in === 'header' ? scheme.name.toLowerCase() : scheme.name);
        return { scheme: name, type: 'apiKey' as const, in: scheme.in as 'header' | 'query' | 'cookie', name: scheme.in === 'header' ? scheme.name.toLowerCase() : scheme.name };
      }
      if (scheme?.type === 'http') return { scheme: name, type: scheme.scheme.toLowerCase() === 'basic' ? ('basic' as const) : scheme.scheme.toLowerCase() === 'bearer' ? ('bearer' as const) : ('other' as const) };
      if (scheme?.type === 'oauth2' || scheme?.type === 'openIdConnect') return { scheme: name, type: 'bearer' as const };
      return { scheme: name, type: 'other' as const };
    }),
  );
  return { operation, params, body, responses, security, secretNames };
}
