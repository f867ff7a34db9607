import { readFile } from 'node:fs/promises';
import { resolve as resolvePath, relative, isAbsolute, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OpenAPIV3, OpenAPIV3_1 } from 'openapi-types';
import { SwornError, type SourceLocation } from '../errors.js';
import { SourceFile } from './source-file.js';
import { parsePointer, toPointer, appendPointer } from './pointer.js';
import { FORMAT_NAMES, type Conversion, type ConversionNote, type ConvertedFrom } from './conversion.js';
import { convertSwagger2 } from './convert-swagger2.js';
import { convertPostman, postmanVersion } from './convert-postman.js';

export type OpenApiDocument = OpenAPIV3.Document | OpenAPIV3_1.Document;

export interface LoadSpecOptions {
  /** Follow `http(s)://` references (default true). */
  remoteRefs?: boolean;
  /** Working directory used to shorten file names in messages (default `process.cwd()`). */
  cwd?: string;
}

/**
 * A loaded, bundled OpenAPI 3.0/3.1 document. External `$ref`s are bundled
 * into the document (internal `$ref`s stay, so circular schemas are fine);
 * every pointer of the bundled document can be located in the file and line
 * it was written in. A Swagger 2.0 document or a Postman collection is
 * converted to OpenAPI 3.0 on loading (`convertedFrom` says which); its
 * pointers are located in the file the user wrote.
 */
export class Spec {
  readonly file: string;
  readonly displayPath: string;
  readonly document: OpenApiDocument;
  readonly openapi: string;
  readonly version: '3.0' | '3.1';
  /** Every file read, by absolute path; the root first. */
  readonly sources: ReadonlyMap<string, SourceFile>;
  /** The format the document was converted from; undefined when it was OpenAPI 3 already. */
  readonly convertedFrom: ConvertedFrom | undefined;
  /** What the converter went past (a multiple request body, a lost property), each at a pointer into `document`. */
  readonly conversionNotes: readonly ConversionNote[];
  private readonly origins: WeakMap<object, { source: SourceFile; pointer: string }>;
  private readonly conversion: Conversion | undefined;

  constructor(root: SourceFile, document: OpenApiDocument, sources: Map<string, SourceFile>, origins: WeakMap<object, { source: SourceFile; pointer: string }>, conversion?: Conversion) {
    this.file = root.path;
    this.displayPath = root.displayPath;
    this.document = document;
    this.openapi = String((document as { openapi: string }).openapi);
    this.version = this.openapi.startsWith('3.1') ? '3.1' : '3.0';
    this.sources = sources;
    this.origins = origins;
    this.conversion = conversion;
    this.convertedFrom = conversion?.from;
    this.conversionNotes = conversion?.notes ?? [];
  }

  get title(): string {
    return this.document.info?.title ?? '(untitled)';
  }

  get apiVersion(): string {
    return this.document.info?.version ?? '';
  }

  /** The source file, line and column of a pointer into the bundled document. */
  locate(pointer: string): SourceLocation {
    const root = this.sources.get(this.file) as SourceFile;
    if (this.conversion) return locateIn(root, this.conversion.original, this.conversion.translate(parsePointer(pointer)), this.origins, this.sources);
    return locateIn(root, this.document, parsePointer(pointer), this.origins, this.sources);
  }

  /** Follows an internal `$ref` (`#/components/...`) chain; returns other values unchanged. */
  deref<T>(value: T | { $ref: string }): T {
    let current: unknown = value;
    for (let hops = 0; hops < 64 && isRef(current); hops++) {
      current = this.get(current.$ref);
      if (current === undefined) return undefined as T;
    }
    return current as T;
  }

  /** The value at a pointer (`#/components/schemas/Pet` or `/components/...`), following `$ref`s on the way. */
  get(pointer: string): unknown {
    let node: unknown = this.document;
    for (const segment of this.segments(pointer)) {
      node = this.deref(node);
      if (node === null || typeof node !== 'object') return undefined;
      node = (node as Record<string, unknown>)[segment];
    }
    return node;
  }

  private readonly pointers = new Map<string, readonly string[]>();

  /** `parsePointer`, remembered (the document's pointers are bounded; a map past the limit is emptied). */
  private segments(pointer: string): readonly string[] {
    let segments = this.pointers.get(pointer);
    if (!segments) {
      segments = parsePointer(pointer);
      if (this.pointers.size >= POINTER_CACHE_SIZE) this.pointers.clear();
      this.pointers.set(pointer, segments);
    }
    return segments;
  }
}

/** Parsed pointers, by text: a spec's `$ref`s are few and followed very often (every schema walk derefs). */
const POINTER_CACHE_SIZE = 50_000;

export function isRef(value: unknown): value is { $ref: string } {
  return value !== null && typeof value === 'object' && typeof (value as { $ref?: unknown }).$ref === 'string';
}

function displayPathOf(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : path;
}

async function readSource(path: string, cwd: string): Promise<SourceFile> {
  let text: Buffer;
  try {
    text = await readFile(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new SwornError('SWORN_ERR_SPEC_NOT_FOUND', code === 'ENOENT' ? `no such file: ${displayPathOf(path, cwd)}` : `cannot read ${displayPathOf(path, cwd)} (${code ?? 'error'})`, {
      cause,
      hint: 'Check the path; it is resolved against the current directory.',
    });
  }
  return SourceFile.parse(path, displayPathOf(path, cwd), text);
}

/**
 * Loads an OpenAPI 3.0.x or 3.1.x document (YAML or JSON, possibly spread
 * over several files) and bundles its external references. A Swagger 2.0
 * document (its external references bundled first) and a Postman collection
 * (v2.0, v2.1) are converted to OpenAPI 3.0 in memory; the file is never
 * written.
 *
 * @example
 * const spec = await loadSpec('specs/petstore.yaml');
 * spec.locate('/paths/~1pets/get'); // { file: 'specs/petstore.yaml', line: 40, column: 5, pointer: '/paths/~1pets/get' }
 */
export async function loadSpec(path: string, options: LoadSpecOptions = {}): Promise<Spec> {
  const cwd = options.cwd ?? process.cwd();
  const absolute = resolvePath(cwd, path);
  const root = await readSource(absolute, cwd);
  const format = checkVersion(root);
  const document = format.document;
  const sources = new Map<string, SourceFile>([[absolute, root]]);
  const origins = new WeakMap<object, { source: SourceFile; pointer: string }>();

  if (format.kind !== 'postman' && root.mayReferElsewhere() && hasExternalRef(document)) {
    await bundle(root, document, sources, options, cwd);
    for (const source of sources.values()) {
      if (source !== root) recordOrigins(source, source.value, '', origins);
    }
  }
  if (format.kind === 'openapi') return new Spec(root, document as OpenApiDocument, sources, origins);
  // The converters themselves are loaded on first use.
  const conversion = format.kind === 'swagger' ? await convertSwagger2(root, document as Record<string, unknown>) : await convertPostman(root, document as Record<string, unknown>, format.version);
  return new Spec(root, conversion.document as unknown as OpenApiDocument, sources, origins, conversion);
}

type Format = { kind: 'openapi'; document: OpenApiDocument } | { kind: 'swagger'; document: object } | { kind: 'postman'; document: object; version: '2.0' | '2.1' };

/** What the root document is: OpenAPI 3.0/3.1, Swagger 2.0 or a Postman collection (by content); anything else is refused. */
function checkVersion(root: SourceFile): Format {
  const doc = root.value as Record<string, unknown> | null;
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new SwornError('SWORN_ERR_SPEC_VERSION', 'the document is not an object, so it is not an OpenAPI document', {
      location: root.locate(''),
      hint: 'An OpenAPI document starts with `openapi: 3.1.0` (or 3.0.x), `info` and `paths`.',
    });
  }
  if (doc.swagger !== undefined || doc.swaggerVersion !== undefined) {
    // YAML reads an unquoted `swagger: 2.0` as the number 2.
    if (doc.swagger === '2.0' || doc.swagger === 2) return { kind: 'swagger', document: doc };
    const version = doc.swagger ?? doc.swaggerVersion;
    throw new SwornError('SWORN_ERR_SWAGGER2', `this is a Swagger ${typeof version === 'string' || typeof version === 'number' ? version : JSON.stringify(version)} document; sworn reads OpenAPI 3.0 and 3.1, and converts Swagger 2.0 only`, {
      location: root.locate(doc.swagger !== undefined ? '/swagger' : '/swaggerVersion'),
      hint: 'Swagger 1.x has no converter here: rewrite it as Swagger 2.0 or OpenAPI 3 (swagger-converter and API-Transformer convert 1.2 to 2.0), then point sworn at the result.',
    });
  }
  const version = doc.openapi;
  if (typeof version !== 'string' || !/^3\.[01]\.\d+/.test(version)) {
    if (version === undefined) {
      const postman = postmanVersion(doc);
      if (postman === '2.0' || postman === '2.1') return { kind: 'postman', document: doc, version: postman };
      if (postman === '1') {
        throw new SwornError('SWORN_ERR_SPEC_VERSION', 'this is a Postman collection in the v1 format; sworn converts Postman collections v2.0 and v2.1', {
          location: root.locate(''),
          hint: 'Open it in Postman and export it again (Export → Collection v2.1), then point sworn at the export.',
        });
      }
    }
    throw new SwornError('SWORN_ERR_SPEC_VERSION', version === undefined ? 'the document has no `openapi` field' : `unsupported openapi version ${JSON.stringify(version)}`, {
      location: root.locate(version === undefined ? '' : '/openapi'),
      hint: 'sworn reads OpenAPI 3.0.x and 3.1.x (`openapi: 3.1.0` at the top), Swagger 2.0 (`swagger: "2.0"`) and Postman collections v2.0/v2.1 (exported from Postman).',
    });
  }
  return { kind: 'openapi', document: doc as unknown as OpenApiDocument };
}

/** The name of a format a spec was converted from, for messages: `Swagger 2.0`. */
export function formatName(from: ConvertedFrom): string {
  return FORMAT_NAMES[from];
}

/** Keys whose values are literal data, where a `$ref` key is not a reference (OpenAPI examples, schema defaults). */
const LITERAL_KEYS = new Set(['example', 'default', 'const', 'enum']);

/**
 * The literal values directly under `node`: `example`, `default`, `const`,
 * `enum` items, and `examples` (a JSON Schema array, or an OpenAPI map whose
 * entries' `value` is literal; an entry that is itself a `$ref` is a reference).
 */
function literalChildren(node: Record<string, unknown>, key: string, value: unknown): unknown[] | undefined {
  if (LITERAL_KEYS.has(key)) return [value];
  if (key !== 'examples' || value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) return value;
  return Object.values(value as Record<string, unknown>)
    .filter((entry): entry is Record<string, unknown> => entry !== null && typeof entry === 'object' && 'value' in entry)
    .map((entry) => entry.value);
}

/** Walks every object that is not literal data. Iterative: real specs are deep. */
function walkNonLiteral(root: unknown, visit: (node: Record<string, unknown>) => boolean | void): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      for (const item of node) if (item !== null && typeof item === 'object') stack.push(item);
      continue;
    }
    const record = node as Record<string, unknown>;
    if (visit(record) === true) return;
    for (const key in record) {
      const value = record[key];
      if (value === null || typeof value !== 'object') continue;
      const literal = literalChildren(record, key, value);
      if (literal) {
        if (key === 'examples' && !Array.isArray(value)) stack.push(...Object.values(value as object).filter((e) => e && typeof e === 'object' && !('value' in (e as object))));
        continue;
      }
      stack.push(value);
    }
  }
}

/** True when any `$ref` outside literal data points outside the document. */
function hasExternalRef(root: unknown): boolean {
  let found = false;
  walkNonLiteral(root, (node) => {
    const ref = node.$ref;
    if (typeof ref === 'string' && !ref.startsWith('#')) found = true;
    return found;
  });
  return found;
}

const SHIELDED = '$ref\u0000literal';

/**
 * Renames `$ref` keys inside literal data so the bundler, which follows every
 * `$ref`, leaves them alone; returns what to rename back afterwards.
 */
function shieldLiteralRefs(root: unknown, shielded: Array<Record<string, unknown>>): void {
  const shieldValue = (value: unknown) => {
    const stack = [value];
    while (stack.length > 0) {
      const node = stack.pop();
      if (node === null || typeof node !== 'object') continue;
      if (Array.isArray(node)) stack.push(...node);
      else {
        const record = node as Record<string, unknown>;
        if ('$ref' in record) {
          record[SHIELDED] = record.$ref;
          delete record.$ref;
          shielded.push(record);
        }
        stack.push(...Object.values(record));
      }
    }
  };
  walkNonLiteral(root, (node) => {
    for (const key in node) {
      const literal = literalChildren(node, key, node[key]);
      if (literal) for (const value of literal) shieldValue(value);
    }
  });
}

function unshield(shielded: Array<Record<string, unknown>>): void {
  for (const record of shielded) {
    record.$ref = record[SHIELDED];
    delete record[SHIELDED];
  }
}

async function bundle(root: SourceFile, document: unknown, sources: Map<string, SourceFile>, options: LoadSpecOptions, cwd: string): Promise<void> {
  const shielded: Array<Record<string, unknown>> = [];
  shieldLiteralRefs(document, shielded);
  try {
    await bundleShielded(root, document, sources, options, cwd, shielded);
  } finally {
    unshield(shielded);
  }
}

async function bundleShielded(root: SourceFile, document: unknown, sources: Map<string, SourceFile>, options: LoadSpecOptions, cwd: string, shielded: Array<Record<string, unknown>>): Promise<void> {
  const parser = {
    order: 1,
    allowEmpty: false,
    canParse: true,
    parse: (file: { url: string; data: Buffer | string }) => {
      const path = file.url.startsWith('file:') ? fileURLToPath(file.url) : file.url;
      const known = sources.get(path);
      if (known) return known.value;
      const source = SourceFile.parse(path, /^https?:/.test(path) ? path : displayPathOf(path, cwd), file.data);
      sources.set(path, source);
      shieldLiteralRefs(source.value, shielded);
      return source.value;
    },
  };
  // Loaded only for documents that refer to other files: most are one file.
  const { default: $RefParser } = await import('@apidevtools/json-schema-ref-parser');
  try {
    await $RefParser.bundle(root.path, document as object, {
      continueOnError: true,
      parse: { json: false, yaml: false, text: false, binary: false, sworn: parser } as never,
      resolve: { http: options.remoteRefs === false ? false : { timeout: 10_000 } } as never,
    });
  } catch (error) {
    if (error instanceof SwornError) throw error;
    const group = (error as { errors?: Array<{ message: string; path?: Array<string | number> | null; source?: string; code?: string }> }).errors;
    const problems = (group ?? [error as { message: string; path?: null }]).map((e) => {
      const cause = (e as { originalError?: unknown }).originalError ?? (e as { ioErrorCode?: unknown }).ioErrorCode;
      if (cause instanceof SwornError) throw cause;
      const site = e.path ? locateRefSite(root, e.path.map(String), sources) : undefined;
      const message = (site?.ref ? `$ref "${site.ref}": ` : '') + refMessage(e.message, cwd);
      return { message, ...(site ? { location: site.location } : {}) };
    });
    const first = problems[0] ?? { message: String(error) };
    throw new SwornError('SWORN_ERR_SPEC_REF', first.message, {
      ...(first.location ? { location: first.location } : {}),
      details: problems.slice(1),
      hint: 'Each $ref must name an existing file (relative to the file that contains the $ref) and an existing JSON pointer in it, e.g. `./schemas.yaml#/Pet`.',
      cause: error,
    });
  }
}

function refMessage(message: string, cwd: string): string {
  return message.replace(/^Error opening file (\S+?):.*$/s, (_m, file: string) => `file not found: ${displayPathOf(file, cwd)}`)
    .replace(/^Missing \$ref pointer "([^"]*)"\. Token "([^"]*)" does not exist\.$/, 'pointer "$1" does not exist (there is no "$2")');
}

/**
 * Locates a `$ref` by its path from the root document. The path may pass
 * through `$ref`s into other files; those are followed through the files
 * read so far.
 */
function locateRefSite(root: SourceFile, path: string[], sources: ReadonlyMap<string, SourceFile>): { location: SourceLocation; ref: string | undefined } {
  let source = root;
  let node: unknown = root.value;
  let pointer: string[] = [];
  for (const segment of path) {
    if (node !== null && typeof node === 'object' && !(segment in (node as object)) && isRef(node)) {
      const target = followRef(source, node.$ref, sources);
      if (!target) break;
      ({ source, node } = target);
      pointer = [...target.pointer];
    }
    if (node === null || typeof node !== 'object' || !(segment in (node as object))) break;
    node = (node as Record<string, unknown>)[segment];
    pointer.push(segment);
  }
  const at = isRef(node) ? [...pointer, '$ref'] : pointer;
  return { location: source.locate(toPointer(at)), ref: isRef(node) ? node.$ref : undefined };
}

function followRef(from: SourceFile, ref: string, sources: ReadonlyMap<string, SourceFile>): { source: SourceFile; node: unknown; pointer: string[] } | undefined {
  const [file = '', hash = ''] = ref.split('#', 2);
  const source = file === '' ? from : sources.get(resolvePath(from.path, '..', file));
  if (!source) return undefined;
  let node: unknown = source.value;
  const pointer = parsePointer(hash === '' ? '' : '#' + hash);
  for (const segment of pointer) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return { source, node, pointer };
}

function recordOrigins(source: SourceFile, value: unknown, pointer: string, origins: WeakMap<object, { source: SourceFile; pointer: string }>): void {
  const stack: Array<[unknown, string]> = [[value, pointer]];
  while (stack.length > 0) {
    const [node, at] = stack.pop() as [unknown, string];
    if (node === null || typeof node !== 'object' || origins.has(node)) continue;
    origins.set(node, { source, pointer: at });
    for (const key of Object.keys(node)) stack.push([(node as Record<string, unknown>)[key], appendPointer(at, key)]);
  }
}

function locateIn(root: SourceFile, document: unknown, segments: string[], origins: WeakMap<object, { source: SourceFile; pointer: string }>, sources: ReadonlyMap<string, SourceFile>): SourceLocation {
  let source = root;
  let base: string[] = [];
  let node: unknown = document;
  for (const segment of segments) {
    if (node !== null && typeof node === 'object' && !(segment in (node as object)) && isRef(node)) {
      const ref = node.$ref;
      if (ref.startsWith('#')) {
        node = document;
        source = root;
        base = [];
        for (const s of parsePointer(ref)) {
          node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[s] : undefined;
          const origin = node !== null && typeof node === 'object' ? origins.get(node) : undefined;
          if (origin) ({ source, base } = { source: origin.source, base: parsePointer(origin.pointer) });
          else base.push(s);
        }
      } else {
        const target = followRef(source, ref, sources);
        if (!target) break;
        ({ source, node } = target);
        base = [...target.pointer];
      }
    }
    if (node === null || typeof node !== 'object' || !(segment in (node as object))) break;
    node = (node as Record<string, unknown>)[segment];
    const origin = node !== null && typeof node === 'object' ? origins.get(node) : undefined;
    if (origin) {
      source = origin.source;
      base = parsePointer(origin.pointer);
    } else base.push(segment);
  }
  return source.locate(toPointer(base));
}

/** Reads a file next to the spec (API-key maps, policies); a helper for the sync checks in lint. */
