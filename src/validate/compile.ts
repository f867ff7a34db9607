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
import { surveyPatterns, type ValidatorRoot } from './survey.js';

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
  /**
   * Form fields (`application/x-www-form-urlencoded` request bodies) whose
   * `encoding` entry does not set `allowReserved: true`: their values must
   * percent-encode reserved characters. Checked only when asked
   * (`RequestCheckOptions.reservedCharacters`, the mock's).
   */
  reserved?: string[];
}

export interface CompiledResponse {
  headers: CompiledParam[];
  media: Map<string, CompiledMedia>;
}

/**
 * One credential of a security requirement: an API key (`in`, `name`), HTTP
 * Basic, Bearer (HTTP bearer, OAuth 2, OpenID Connect) or Digest; `other`
 * (mutual TLS, other HTTP schemes) cannot be judged from a request.
 */
export interface SecurityCredential {
  scheme: string;
  type: 'apiKey' | 'bearer' | 'basic' | 'digest' | 'other';
  in?: 'header' | 'query' | 'cookie';
  name?: string;
}

/** One way to satisfy the security requirement: every listed credential present. */
export type SecurityAlternative = SecurityCredential[];

export interface CompiledOperation {
  operation: Operation;
  params: CompiledParam[];
  body: { required: boolean; media: Map<string, CompiledMedia> } | undefined;
  /** By status code (`200`), range (`2XX`) or `default`. */
  responses: Map<string, CompiledResponse>;
  /** Empty: no security. An empty alternative means anonymous access is allowed. */
  security: SecurityAlternative[];
  /** The realm of `WWW-Authenticate` challenges: the spec's title. */
  realm?: string;
  /**
   * Names of parameters, headers and fields whose values must never appear
   * anywhere: every apiKey security scheme's name, parameters, headers and
   * properties (at any depth) with `format: password` or `writeOnly`, and
   * credential-like names (`looksLikeCredential`, which redaction applies to
   * every name besides). Header names lower-cased.
   */
  secretNames: Set<string>;
  /** Why this operation's validators could not be built (a `$ref` that does not resolve, a schema ajv refuses): nothing is checked, and enforce mode refuses. */
  broken?: string;
}

type Schemes = Record<string, OpenAPIV3.SecuritySchemeObject | OpenAPIV3.ReferenceObject>;
export type ValidatorKind = 'request' | 'response' | 'coercing';

/** Compiles one validator when called. */
type Deferred = () => ValidateFunction;

/**
 * How `compileOperation` makes validators and finds secret fields: for real
 * (a `SchemaCompiler`, each validator compiled at its first use), or only
 * noting what it would compile (`survey`).
 */
interface Build {
  validator(kind: ValidatorKind, pointer: string, schema: unknown): Deferred | undefined;
  secretFields(schema: unknown, names: Set<string>): void;
}

/**
 * Makes `target.validate` compile on its first read (then it is a plain
 * property holding the validator): an operation's validators compile as
 * they are used — its request parameters at the first request, each
 * response's schema at the first response with that status.
 */
function deferValidate<T extends { validate: ValidateFunction | undefined }>(target: T, make: Deferred | undefined): T {
  if (!make) return target;
  const settle = (validate: ValidateFunction | undefined) => {
    Object.defineProperty(target, 'validate', { value: validate, enumerable: true, configurable: true, writable: true });
    return validate;
  };
  Object.defineProperty(target, 'validate', { enumerable: true, configurable: true, get: () => settle(make()), set: settle });
  return target;
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
 * Compiles every operation's validators at once. Schemas shared through
 * `$ref` compile once for all operations. For a server, prefer
 * `lazyValidators`, which compiles each operation at its first use.
 *
 * @example
 * const compiled = compileValidators(spec, listOperations(spec));
 * compiled.get(operation)!.params.map((p) => p.name); // ['limit', 'tags']
 */
export function compileValidators(spec: Spec, operations: Operation[], compiler = new SchemaCompiler(spec)): Map<Operation, CompiledOperation> {
  const validators = new OperationValidators(spec, operations, { compiler });
  eager.add(validators);
  const compiled = new Map<Operation, CompiledOperation>();
  for (const operation of operations) compiled.set(operation, validators.get(operation));
  compilers.set(compiled, compiler);
  return compiled;
}

export interface LazyValidatorsOptions {
  /** The schema compiler to use (default: a new `SchemaCompiler` for the spec). */
  compiler?: SchemaCompiler;
  /**
   * Names added to every compiled operation's `secretNames`, e.g. the
   * headers, query parameters and cookies consumers are identified by. Not
   * part of `allSecretNames()`, which is the spec's own.
   */
  secretNames?: Iterable<string>;
}

/** Validators that compile all of an operation's validators in `get` (`compileValidators`), in the order they are met. */
const eager = new WeakSet<OperationValidators>();

/** What the cheap walk over every operation finds, once (`OperationValidators.survey`). */
interface Survey {
  secretNames: Set<string>;
  secretPathOperations: Operation[];
  roots: ValidatorRoot[];
}

/**
 * The validators of a spec's operations, each operation compiled on first
 * use: constructing costs nothing, `get` compiles an operation the first
 * time and is a map lookup afterwards. `get` builds the operation's
 * `CompiledOperation` (parameters, media types, responses, security, secret
 * names); each of its `validate` functions is compiled by ajv at its first
 * read — the request's at the first request, a response's at the first
 * response with that status — and the schemas it shares with validators
 * compiled before are not compiled again. What a server needs of
 * every operation at start — `allSecretNames()`, `unsupportedPatterns()`,
 * `secretPathOperations()` — comes from a walk over the spec's schemas, not
 * from compiling, and equals what the compiled validators say.
 *
 * A schema ajv cannot compile (an unresolvable `$ref`, a keyword of the wrong
 * type) throws where its validator is first read (`validateRequest` /
 * `validateResponse` reject), each time (`compileValidators`, which
 * compiles all, throws at once).
 *
 * @example
 * const validators = lazyValidators(spec, listOperations(spec));
 * const unknownRouteSecrets = validators.allSecretNames();     // no compiling
 * const compiled = validators.get(router.resolve('GET', '/pets').match!.operation); // compiles listPets
 * validators.get(compiled.operation) === compiled;             // true
 */
export class OperationValidators {
  readonly spec: Spec;
  readonly operations: readonly Operation[];
  readonly compiler: SchemaCompiler;
  private readonly known: ReadonlySet<Operation>;
  private readonly compiled = new Map<Operation, CompiledOperation>();
  private readonly schemes: Schemes;
  private readonly extraSecrets: readonly string[];
  private readonly build: Build;
  private surveyed: Survey | undefined;
  /** The validators `compileOperation` is making, in order (when compiling eagerly). */
  private made: Deferred[] | undefined;
  private patterns: UnsupportedPattern[] | undefined;

  constructor(spec: Spec, operations: readonly Operation[], options: LazyValidatorsOptions = {}) {
    this.spec = spec;
    this.operations = operations;
    this.known = new Set(operations);
    const compiler = options.compiler ?? new SchemaCompiler(spec);
    this.compiler = compiler;
    this.schemes = (spec.document.components?.securitySchemes ?? {}) as Schemes;
    this.extraSecrets = [...(options.secretNames ?? [])];
    this.build = {
      validator: (kind, pointer, schema) => {
        const make = () => compiler.validator(kind, pointer, schema);
        this.made?.push(make);
        return make;
      },
      secretFields: (schema, names) => collectSecretFields(spec, schema, names),
    };
  }

  /**
   * The operation's validators, made on the first call and the same object
   * on every later one (each `validate` compiles at its first read). Throws
   * for an operation not given to the constructor.
   */
  get(operation: Operation): CompiledOperation {
    let compiled = this.compiled.get(operation);
    if (compiled) return compiled;
    if (!this.known.has(operation)) throw new Error(`operation ${operation.id} is not one of the operations these validators were made for`);
    const compileNow = eager.has(this);
    if (compileNow) this.made = [];
    try {
      compiled = compileOperation(this.spec, operation, this.build, this.schemes);
      if (compileNow) {
        for (const make of this.made!) make(); // in the order met, as ajv always did (unsupportedPatterns lists them so)
        compileEvery(compiled);
      }
    } finally {
      this.made = undefined;
    }
    for (const name of this.extraSecrets) compiled.secretNames.add(name);
    this.compiled.set(operation, compiled);
    return compiled;
  }

  /** True once `get(operation)` has made it. */
  isCompiled(operation: Operation): boolean {
    return this.compiled.has(operation);
  }

  /** How many operations `get` has made so far. */
  compiledCount(): number {
    return this.compiled.size;
  }

  /**
   * Every secret name of every operation: the same set as
   * `allSecretNames(compileValidators(spec, operations))`, found by walking
   * parameters, schemas and security schemes once, without compiling.
   * A new set on each call.
   */
  allSecretNames(): Set<string> {
    return new Set(this.survey().secretNames);
  }

  /**
   * The operations with a secret path parameter (`CompiledParam.secret`),
   * in order: those whose values must be masked in paths no operation
   * matches. Without compiling.
   */
  secretPathOperations(): Operation[] {
    return [...this.survey().secretPathOperations];
  }

  /**
   * The patterns RE2 cannot run among those the operations' validators use:
   * the same list, in the same order, as
   * `unsupportedPatterns(compileValidators(spec, operations))`, found by
   * walking the schemas the way ajv compiles them (`surveyPatterns`),
   * without compiling. Computed once.
   */
  unsupportedPatterns(): UnsupportedPattern[] {
    this.patterns ??= surveyPatterns(this.spec, this.survey().roots, (kind) => this.compiler.keywords(kind));
    return this.patterns.map((p) => ({ ...p }));
  }

  /**
   * Every operation made (`get`) and each validator compiled, as
   * `compileValidators` returns them (`unsupportedPatterns(map)` lists
   * what this compiler met, in the order it compiled).
   */
  compileAll(): Map<Operation, CompiledOperation> {
    const all = new Map<Operation, CompiledOperation>();
    for (const operation of this.operations) all.set(operation, compileEvery(this.get(operation)));
    compilers.set(all, this.compiler);
    return all;
  }

  /**
   * One pass of `compileOperation` over every operation that compiles
   * nothing: it notes each validator it would make (`roots`, in the order
   * they would compile) and collects secret fields with one `seen` for all
   * (each schema walked once: the union is the same).
   */
  private survey(): Survey {
    if (this.surveyed) return this.surveyed;
    const roots: ValidatorRoot[] = [];
    const seen = new Set<unknown>();
    const dry: Build = {
      validator: (kind, pointer, schema) => {
        roots.push({ kind, pointer, schema });
        return undefined;
      },
      secretFields: (schema, names) => collectSecretFields(this.spec, schema, names, seen),
    };
    const secretNames = new Set<string>();
    const secretPathOperations: Operation[] = [];
    for (const operation of new Set(this.operations)) {
      const compiled = compileOperation(this.spec, operation, dry, this.schemes);
      for (const name of compiled.secretNames) secretNames.add(name);
      if (compiled.params.some((p) => p.in === 'path' && p.secret)) secretPathOperations.push(operation);
    }
    this.surveyed = { secretNames, secretPathOperations, roots };
    return this.surveyed;
  }
}

/** Reads every `validate` of an operation (compiling those not compiled yet); returns it. */
function compileEvery(compiled: CompiledOperation): CompiledOperation {
  const parts: Array<{ validate: ValidateFunction | undefined }> = [...compiled.params, ...(compiled.body ? compiled.body.media.values() : [])];
  for (const response of compiled.responses.values()) parts.push(...response.headers, ...response.media.values());
  for (const part of parts) void part.validate;
  return compiled;
}

/**
 * Validators compiled per operation on first use (`OperationValidators`).
 *
 * @example
 * const validators = lazyValidators(spec, listOperations(spec), { secretNames: ['x-consumer-key'] });
 * validators.get(operation).params;
 */
export function lazyValidators(spec: Spec, operations: readonly Operation[], options: LazyValidatorsOptions = {}): OperationValidators {
  return new OperationValidators(spec, operations, options);
}

function shapeOf(spec: Spec, schema: unknown): { shape: ValueShape; properties: string[]; secret: boolean } {
  const s = spec.deref(schema) as { type?: string | string[]; properties?: Record<string, unknown>; format?: string; items?: unknown } | undefined;
  const type = Array.isArray(s?.type) ? s?.type.find((t) => t !== 'null') : s?.type;
  const shape: ValueShape = type === 'array' || (!type && s?.items) ? 'array' : type === 'object' || (!type && s?.properties) ? 'object' : 'primitive';
  return { shape, properties: Object.keys(s?.properties ?? {}), secret: isSecretSchema(spec, schema) };
}

function compileParams(spec: Spec, operation: Operation, build: Build, secretNames: Set<string>): CompiledParam[] {
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
      build.secretFields(schema, secretNames); // object parameters (deepObject, form) have fields
      const param: CompiledParam = {
        name,
        in: where,
        style: p.style ?? defaultStyle(where),
        explode: p.explode ?? (p.style ?? defaultStyle(where)) === 'form',
        shape,
        properties,
        required: p.required === true || where === 'path',
        validate: undefined,
        secret: isSecret,
      };
      byKey.set(`${where} ${name}`, deferValidate(param, schema ? build.validator('coercing', schemaPointer, schema) : undefined));
    });
  };
  add(operation.pathItem.parameters, `${operation.pathItemPointer}/parameters`);
  add(operation.operation.parameters, `${operation.pointer}/parameters`); // operation-level overrides path-level (same name and in)
  return [...byKey.values()];
}

function isRefObject(value: unknown): value is { $ref: string } {
  return value !== null && typeof value === 'object' && typeof (value as { $ref?: unknown }).$ref === 'string' && (value as { $ref: string }).$ref.startsWith('#');
}

function compileContent(content: Record<string, OpenAPIV3.MediaTypeObject> | undefined, pointer: string, build: Build, direction: 'request' | 'response', secretNames: Set<string>, spec: Spec): Map<string, CompiledMedia> {
  const media = new Map<string, CompiledMedia>();
  for (const [key, value] of Object.entries(content ?? {})) {
    const mediaType = key.split(';')[0]!.trim().toLowerCase();
    const kind = kindOf(mediaType);
    const at = appendPointer(pointer, key, 'schema');
    const schema = value?.schema;
    build.secretFields(schema, secretNames);
    const validate = schema === undefined || kind === 'other' ? undefined : build.validator(kind === 'form' || kind === 'multipart' ? 'coercing' : direction, at, schema);
    const compiled: CompiledMedia = { mediaType, kind, validate: undefined };
    if (direction === 'request' && kind === 'form') {
      const encoding = value?.encoding;
      const reserved = encoding !== null && typeof encoding === 'object' ? Object.keys(encoding).filter((field) => (spec.deref(encoding[field]) as OpenAPIV3.EncodingObject | undefined)?.allowReserved !== true) : [];
      if (reserved.length > 0) compiled.reserved = reserved;
    }
    media.set(mediaType, deferValidate(compiled, validate));
  }
  return media;
}

function compileOperation(spec: Spec, operation: Operation, build: Build, schemes: Schemes): CompiledOperation {
  const secretNames = new Set<string>(); // credential-like names are secret anyway (looksLikeCredential)
  for (const raw of Object.values(schemes)) {
    const scheme = spec.deref(raw) as OpenAPIV3.SecuritySchemeObject | undefined;
    if (scheme?.type === 'apiKey' && typeof scheme.name === 'string') secretNames.add(scheme.in === 'header' ? scheme.name.toLowerCase() : scheme.name); // an API key is secret wherever it is sent
  }
  const params = compileParams(spec, operation, build, secretNames);
  const rawBody = operation.operation.requestBody;
  const requestBody = spec.deref(rawBody) as OpenAPIV3.RequestBodyObject | undefined;
  const bodyPointer = isRefObject(rawBody) ? rawBody.$ref.slice(1) : `${operation.pointer}/requestBody`;
  const body = requestBody
    ? { required: requestBody.required === true, media: compileContent(requestBody.content, `${bodyPointer}/content`, build, 'request', secretNames, spec) }
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
      const compiledHeader: CompiledParam = {
        name: name.toLowerCase(), in: 'header', style: 'simple', explode: header.explode ?? false, shape, properties,
        required: header.required === true,
        validate: undefined,
        secret: isSecret,
      };
      headers.push(deferValidate(compiledHeader, header.schema ? build.validator('coercing', `${headerPointer}/schema`, header.schema) : undefined));
    }
    responses.set(code.toUpperCase(), { headers, media: compileContent(response.content as Record<string, OpenAPIV3.MediaTypeObject> | undefined, `${pointer}/content`, build, 'response', secretNames, spec) });
  }

  const requirements = operation.operation.security ?? spec.document.security ?? [];
  const security: SecurityAlternative[] = requirements.map((requirement) =>
    Object.keys(requirement).map((name) => {
      const scheme = spec.deref(schemes[name]) as OpenAPIV3.SecuritySchemeObject | undefined;
      if (scheme?.type === 'apiKey') {
        secretNames.add(scheme.in === 'header' ? scheme.name.toLowerCase() : scheme.name);
        return { scheme: name, type: 'apiKey' as const, in: scheme.in as 'header' | 'query' | 'cookie', name: scheme.in === 'header' ? scheme.name.toLowerCase() : scheme.name };
      }
      if (scheme?.type === 'http') {
        const kind = typeof scheme.scheme === 'string' ? scheme.scheme.toLowerCase() : '';
        return { scheme: name, type: kind === 'basic' || kind === 'bearer' || kind === 'digest' ? kind : ('other' as const) };
      }
      if (scheme?.type === 'oauth2' || scheme?.type === 'openIdConnect') return { scheme: name, type: 'bearer' as const };
      return { scheme: name, type: 'other' as const };
    }),
  );
  return { operation, params, body, responses, security, secretNames, ...(security.length > 0 ? { realm: spec.title } : {}) };
}
