import { STATUS_CODES } from 'node:http';
import { parse as parseJsonc, type ParseError } from 'jsonc-parser';
import { createRequire } from 'node:module';
import { SwornError } from '../errors.js';
import type { SourceFile } from './source-file.js';
import { toPointer, appendPointer } from './pointer.js';
import type { Conversion, ConversionNote } from './conversion.js';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Items (requests and folders) read from one collection at most: the converter's work grows with their number times the folders'. */
export const MAX_POSTMAN_ITEMS = 10_000;
/** Folders inside folders, at most. */
export const MAX_POSTMAN_DEPTH = 32;

/** The collection object of a Postman export: the document, or its `collection` (the Postman API's wrapping). */
function collectionOf(document: Json): { collection: Json; prefix: string[] } {
  return isObject(document.collection) && isObject(document.collection.info) ? { collection: document.collection, prefix: ['collection'] } : { collection: document, prefix: [] };
}

/**
 * The Postman collection format of a document, by its content (`info.schema`
 * naming schema.getpostman.com, or `info._postman_id`, or else an
 * `info.name` beside an `item` list), not its file name:
 * `'2.0'`, `'2.1'`, `'1'` for the old format (refused), undefined when it is
 * not a Postman collection.
 */
export function postmanVersion(document: Json): '2.0' | '2.1' | '1' | undefined {
  const { collection } = collectionOf(document);
  const info = collection.info;
  if (!isObject(info)) return Array.isArray(document.requests) && Array.isArray(document.order) ? '1' : undefined;
  const schema = typeof info.schema === 'string' ? info.schema : '';
  // Without `info.schema` or `_postman_id` (as collections written by hand, and Prism's tests, are): an `info.name` and an `item` list.
  if (!/schema\.(get)?postman\.com/.test(schema) && info._postman_id === undefined) return typeof info.name === 'string' && Array.isArray(collection.item) ? '2.1' : undefined;
  if (/\/v1\.\d/.test(schema)) return '1';
  return /\/v2\.0\./.test(schema) ? '2.0' : '2.1';
}

interface RequestItem {
  /** Pointer segments of the item in the file. */
  pointer: string[];
  name: string;
  method: string;
  url: string;
  /** The auth the request uses (its own, else its nearest folder's) and where it is; undefined when it inherits the collection's. */
  auth: { value: Json; pointer: string[] } | undefined;
  /** The item's saved responses, as written. */
  responses: unknown[];
}

/** A value rewritten into the form the converter reads (a request, see {@link normalisedRequest}; an item's missing name), at its pointer. */
interface Rewrite {
  pointer: string[];
  value: unknown;
}

/**
 * Converts a Postman collection (v2.0 or v2.1) to OpenAPI 3.0 with
 * @readme/postman-to-openapi, in memory (its output never touches a file).
 * The collection's variables are substituted (`{{baseUrl}}` → its value),
 * so a base URL with a path gives the operations' real paths; `:id` and
 * `{{id}}` path segments become `{id}` parameters. What the converter
 * skips or gets wrong is mended around it: requests are put in the form it
 * reads first ({@link normalisedRequest}), and its body schemas, media
 * types, headers and security are redone from the collection after. Each
 * operation is located at the request item it came from.
 */
export async function convertPostman(root: SourceFile, document: Json, version: '2.0' | '2.1'): Promise<Conversion> {
  const { collection, prefix } = collectionOf(document);
  const rewrites: Rewrite[] = [];
  const requests = requestItems(root, collection, prefix, rewrites);
  const convert = createRequire(import.meta.url)('@readme/postman-to-openapi') as (input: string, output?: string, options?: Json) => Promise<string>;
  // The converter reads a JSON string (a string starting with `{`, or it reads a file of that name).
  const text = rewrites.length > 0 ? JSON.stringify(rewritten(document, rewrites)) : root.format === 'json' && root.text.trimStart().startsWith('{') ? root.text : JSON.stringify(document);
  const options = { outputFormat: 'json', operationId: 'off' };
  let output: string;
  try {
    try {
      output = await convert(text, undefined, { ...options, replaceVars: true, additionalVars: escapedVariables(collection.variable) });
    } catch {
      // Substitution is a template pass over the whole text (a `{{#…}}` there is a template section): without it, variables stay as written.
      output = await convert(text, undefined, options);
    }
  } catch (error) {
    const badExample = brokenJsonExample(requests);
    if (badExample && /^Error parsing response example/.test((error as Error).message ?? '')) {
      throw new SwornError('SWORN_ERR_CONVERT', 'a saved response marked as JSON has a body that is not JSON, so postman-to-openapi cannot convert the collection', {
        location: root.locate(toPointer(badExample)),
        cause: error,
        hint: 'Fix the saved body, or set the response\'s language (`_postman_previewlanguage`) to text.',
      });
    }
    throw new SwornError('SWORN_ERR_CONVERT', `postman-to-openapi cannot convert this Postman collection: ${(error as Error).message ?? String(error)}`, {
      location: root.locate(''),
      cause: error,
      hint: `Check the collection (export it again from Postman as v2.1); \`sworn convert ${root.displayPath}\` prints the OpenAPI 3 result once it converts.`,
    });
  }
  const converted = JSON.parse(output) as Json;
  typeParameterExamples(converted);
  const operations = matchOperations(converted, requests);
  typeBodies(converted, operations);
  dropIgnoredHeaders(converted);
  const notes: ConversionNote[] = [];
  const schemePointers = rebuildSecurity(converted, collection, prefix, operations, notes);
  return {
    from: version === '2.0' ? 'postman-2.0' : 'postman-2.1',
    document: converted,
    original: document,
    translate: postmanTranslator(converted, collection, prefix, operations, schemePointers),
    notes: notes.sort((a, b) => (a.pointer < b.pointer ? -1 : a.pointer > b.pointer ? 1 : 0)),
  };
}

/** Where the first saved response marked `json` whose body is not JSON is (the converter refuses the whole collection for one). */
function brokenJsonExample(requests: RequestItem[]): string[] | undefined {
  for (const request of requests) {
    for (const [index, response] of request.responses.entries()) {
      if (!isObject(response) || response._postman_previewlanguage !== 'json' || typeof response.body !== 'string' || response.body.trim() === '') continue;
      const errors: ParseError[] = [];
      parseJsonc(response.body, errors);
      if (errors.length > 0) return [...request.pointer, 'response', String(index), 'body'];
    }
  }
  return undefined;
}

/** The document with each rewritten value in place (a copy: the document as read stays as written, for locating). */
function rewritten(document: Json, rewrites: Rewrite[]): Json {
  const copy = structuredClone(document);
  for (const { pointer, value } of rewrites) {
    const parent = pointer.slice(0, -1).reduce<unknown>((node, segment) => (node as Json)[segment], copy) as Json;
    parent[pointer[pointer.length - 1] as string] = value;
  }
  return copy;
}

/**
 * A request in the form the converter reads, or undefined when it reads it
 * as it is. The converter skips a request given as a bare URL string (a GET
 * in Postman), reads query parameters only from `url.query` (a v2.0 URL is
 * often a string, its query in it), and fails on a URL without `raw` (given
 * by its parts) and on a `header` given as a string (`Name: value` lines,
 * allowed in v2.0).
 */
function normalisedRequest(request: unknown): Json | undefined {
  let changed = false;
  let result: Json;
  if (typeof request === 'string') {
    result = { method: 'GET', url: request };
    changed = true;
  } else if (isObject(request)) result = { ...request };
  else return undefined;
  let url = result.url;
  if (isObject(url) && typeof url.raw !== 'string') {
    // A URL given by its parts only: the converter reads `raw`.
    url = result.url = { ...url, raw: rawUrl(url) };
    changed = true;
  }
  const raw = typeof url === 'string' ? url : isObject(url) && typeof url.raw === 'string' ? url.raw : undefined;
  if (raw !== undefined && raw.includes('?') && !(isObject(url) && Array.isArray(url.query))) {
    result.url = { ...(isObject(url) ? url : {}), raw, query: queryOf(raw) };
    changed = true;
  }
  if (typeof result.header === 'string') {
    result.header = result.header
      .split(/\r?\n/)
      .map((line) => /^\s*([^:\s][^:]*?)\s*:\s*(.*?)\s*$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ key: m[1], value: m[2] }));
    changed = true;
  }
  return changed ? result : undefined;
}

/** The text of a URL given by its parts (`protocol`, `host`, `port`, `path`, `query`), as Postman writes `raw`. */
function rawUrl(url: Json): string {
  const part = (value: unknown): string => (typeof value === 'string' ? value : isObject(value) && typeof value.value === 'string' ? value.value : '');
  const join = (value: unknown, separator: string): string => (Array.isArray(value) ? value.slice(0, MAX_POSTMAN_ITEMS).map(part).join(separator) : part(value));
  const host = join(url.host, '.') || 'localhost';
  const port = typeof url.port === 'string' || typeof url.port === 'number' ? `:${url.port}` : '';
  const path = join(url.path, '/').replace(/^\/+/, '');
  const query = Array.isArray(url.query) ? url.query.slice(0, MAX_POSTMAN_ITEMS).filter(isObject).filter((q) => q.disabled !== true).map((q) => `${part(q.key)}${q.value === null || q.value === undefined ? '' : `=${part(q.value)}`}`).join('&') : '';
  return `${typeof url.protocol === 'string' ? url.protocol : 'http'}://${host}${port}/${path}${query ? `?${query}` : ''}`;
}

/** The query of a raw Postman URL as Postman lists it: `key`, `value` (as written, variables and escapes kept). */
function queryOf(raw: string): Array<{ key: string; value: string | null }> {
  const query = raw.slice(raw.indexOf('?') + 1).replace(/#.*$/s, '');
  return query
    .split('&')
    .slice(0, MAX_POSTMAN_ITEMS)
    .filter((pair) => pair !== '')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq < 0 ? { key: pair, value: null } : { key: pair.slice(0, eq), value: pair.slice(eq + 1) };
    })
    .filter((entry) => entry.key !== '');
}

/**
 * The converter gives a parameter the type its Postman value reads as
 * (`"10"` → `integer`) but keeps the value, a string, as the example, which
 * then contradicts its own schema: the example is given that type too.
 */
function typeParameterExamples(converted: Json): void {
  const paths = isObject(converted.paths) ? converted.paths : {};
  for (const item of Object.values(paths)) {
    if (!isObject(item)) continue;
    for (const op of Object.values(item)) {
      if (!isObject(op) || !Array.isArray(op.parameters)) continue;
      for (const parameter of op.parameters) {
        if (!isObject(parameter) || typeof parameter.example !== 'string' || !isObject(parameter.schema)) continue;
        const type = parameter.schema.type;
        if (type === 'integer' || type === 'number') {
          const value = Number(parameter.example);
          if (Number.isFinite(value)) parameter.example = value;
        } else if (type === 'boolean' && (parameter.example === 'true' || parameter.example === 'false')) parameter.example = parameter.example === 'true';
      }
    }
  }
}

/** The JSON type of a value, as a schema's `type` says it. */
function jsonType(value: unknown): string | undefined {
  if (Array.isArray(value)) return 'array';
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value === 'object' ? 'object' : typeof value === 'string' || typeof value === 'boolean' ? typeof value : undefined;
}

/** The one type all `values` share (`integer` within `number`), or undefined. */
function sharedType(values: unknown[]): string | undefined {
  const types = new Set(values.map(jsonType));
  if (types.size === 2 && types.has('integer') && types.has('number')) return 'number';
  return types.size === 1 ? [...types][0] : undefined;
}

/** Nesting followed when a schema is inferred from an example; deeper values are left untyped. */
const MAX_INFERRED_DEPTH = 32;

/**
 * A schema for the values a body was seen with: each value's type, an
 * object's properties (none required: a recorded request shows what was
 * sent, not what must be), an array's items (the schema of all of them). A
 * value of no single type (null, or mixed) is left untyped.
 */
function inferSchema(values: unknown[], depth = 0): Json {
  const type = sharedType(values);
  if (type === undefined || depth >= MAX_INFERRED_DEPTH) return {};
  if (type === 'array') {
    const items = (values as unknown[][]).flat().slice(0, MAX_POSTMAN_ITEMS);
    return items.length === 0 ? { type } : { type, items: inferSchema(items, depth + 1) };
  }
  if (type !== 'object') return { type };
  const byKey = new Map<string, unknown[]>();
  for (const value of values as Json[]) {
    for (const [key, inner] of Object.entries(value)) {
      if (byKey.size >= MAX_POSTMAN_ITEMS && !byKey.has(key)) break;
      byKey.set(key, [...(byKey.get(key) ?? []), inner]);
    }
  }
  return byKey.size === 0 ? { type } : { type, properties: Object.fromEntries([...byKey].map(([key, inner]) => [key, inferSchema(inner, depth + 1)])) };
}

const isJsonMedia = (mediaType: string): boolean => /^application\/(?:[\w.-]+\+)?json$/.test(mediaType);

/** The media type of a `Content-Type` value (parameters cut, lower case), or undefined when it is not one. */
function mediaTypeOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const type = value.split(';')[0]!.trim().toLowerCase();
  return /^[\w.+-]+\/[\w.+-]+$/.test(type) && type !== '*/*' ? type : undefined;
}

/** A text parsed as JSON, else the text. */
function parsedJson(text: unknown): unknown {
  if (typeof text !== 'string') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Bodies as the converter leaves them, made true to what the collection
 * shows. It types every JSON body a bare `object`: the schema is inferred
 * from the examples instead (types and properties, as Prism does). It
 * writes a raw body it cannot name (no `language`, as in v2.0) as `*\/*`
 * with the text JSON-encoded a second time: such a body takes the request's
 * `Content-Type` header (JSON parsed when it says JSON), else stays `*\/*`
 * with its text as written. It serves a saved response without
 * `_postman_previewlanguage` as `text/plain`: it takes the `Content-Type`
 * the response was saved with. A saved response without a `status` has its
 * code, a number, as its description: it gets the status's reason phrase.
 */
function typeBodies(converted: Json, operations: Map<string, RequestItem>): void {
  const fixSchema = (media: Json, mediaType: string): void => {
    const holder = 'example' in media || 'examples' in media ? media : isObject(media.schema) ? media.schema : media;
    const examples = 'example' in holder ? [holder.example] : isObject(holder.examples) ? Object.values(holder.examples).map((e) => (isObject(e) ? e.value : undefined)) : [];
    if (examples.length === 0 || !isObject(media.schema)) return;
    const inferred = isJsonMedia(mediaType) ? inferSchema(examples) : { type: sharedType(examples) };
    const { example } = media.schema;
    media.schema = { ...(inferred.type === undefined ? {} : inferred), ...('example' in media.schema ? { example } : {}) };
  };
  for (const [p, m, op] of operationsOf(converted)) {
    const body = op.requestBody;
    if (isObject(body) && isObject(body.content)) {
      const content = body.content;
      const any = content['*/*'];
      if (isObject(any) && isObject(any.schema) && typeof any.schema.example === 'string') {
        const text = parsedJson(any.schema.example);
        const header = Array.isArray(op.parameters) ? op.parameters.find((h) => isObject(h) && h.in === 'header' && typeof h.name === 'string' && h.name.toLowerCase() === 'content-type') : undefined;
        const mediaType = isObject(header) ? mediaTypeOf(header.example) : undefined;
        if (mediaType !== undefined) {
          const example = isJsonMedia(mediaType) ? parsedJson(text) : text;
          delete content['*/*'];
          content[mediaType] = { schema: { type: jsonType(example), example } };
        } else any.schema.example = text;
      }
      for (const [mediaType, media] of Object.entries(content)) if (isObject(media)) fixSchema(media, mediaType);
    }
    const saved = operations.get(`${m} ${p}`)?.responses ?? [];
    const responses = isObject(op.responses) ? op.responses : {};
    for (const [code, response] of Object.entries(responses)) {
      if (!isObject(response)) continue;
      // A saved response without `status` gets its code, a number, as its description.
      if (typeof response.description !== 'string') response.description = STATUS_CODES[code] ?? (code === 'default' ? 'Any other response' : String(response.description ?? code));
      if (!isObject(response.content)) continue;
      const content = response.content;
      const plain = content['text/plain'];
      const savedTypes = new Set(saved.filter((r) => isObject(r) && String(r.code ?? 'default') === code && r._postman_previewlanguage === undefined).map((r) => mediaTypeOf((Array.isArray((r as Json).header) ? ((r as Json).header as unknown[]) : []).filter(isObject).find((h) => typeof h.key === 'string' && h.key.toLowerCase() === 'content-type')?.value)));
      const savedType = savedTypes.size === 1 ? [...savedTypes][0] : undefined;
      if (isObject(plain) && savedType !== undefined && savedType !== 'text/plain' && !(savedType in content)) {
        if (isJsonMedia(savedType)) {
          if ('example' in plain) plain.example = parsedJson(plain.example);
          if (isObject(plain.examples)) for (const e of Object.values(plain.examples)) if (isObject(e)) e.value = parsedJson(e.value);
          plain.schema = { type: 'object' };
        }
        delete content['text/plain'];
        content[savedType] = plain;
      }
      for (const [mediaType, media] of Object.entries(content)) if (isObject(media)) fixSchema(media, mediaType);
    }
  }
}

/**
 * Header parameters named `Accept`, `Content-Type` or `Authorization`, and
 * response headers named `Content-Type`, which OpenAPI says are ignored
 * (media types and security say those), are left out: the converter makes
 * one of every header a request was sent with, and an `Authorization`
 * one would carry the credential it was sent with into the document.
 */
function dropIgnoredHeaders(converted: Json): void {
  const ignored = new Set(['accept', 'content-type', 'authorization']);
  for (const [, , op] of operationsOf(converted)) {
    if (Array.isArray(op.parameters)) {
      op.parameters = op.parameters.filter((p) => !(isObject(p) && p.in === 'header' && typeof p.name === 'string' && ignored.has(p.name.toLowerCase())));
      if ((op.parameters as unknown[]).length === 0) delete op.parameters;
    }
    for (const response of Object.values(isObject(op.responses) ? op.responses : {})) {
      if (!isObject(response) || !isObject(response.headers)) continue;
      for (const name of Object.keys(response.headers)) if (name.toLowerCase() === 'content-type') delete response.headers[name];
      if (Object.keys(response.headers).length === 0) delete response.headers;
    }
  }
}

/** The parameters of a Postman auth (`basic`, `apikey`…): a v2.1 list of `{key, value}`, or a v2.0 object. */
function authParameters(auth: Json): Record<string, unknown> {
  const raw = auth[auth.type as string];
  if (Array.isArray(raw)) return Object.fromEntries(raw.filter(isObject).map((p) => [String(p.key), p.value]));
  return isObject(raw) ? raw : {};
}

/**
 * The security the converter writes is rebuilt from the collection: it
 * makes every Postman auth an HTTP scheme named after it (`apikey`,
 * `noauth`, `oauth2` become HTTP schemes of those names, which no client
 * sends) and ignores folders' auth. Here a request uses its own auth, else
 * its nearest folder's, else the collection's; `noauth` is no security;
 * `basic`, `bearer`, `digest` are HTTP schemes, `apikey` an API key (its
 * `key` and `in`), `oauth2` a Bearer token; any other type cannot be
 * checked, and is noted. Returns where each scheme was first written.
 */
function rebuildSecurity(converted: Json, collection: Json, prefix: string[], operations: Map<string, RequestItem>, notes: ConversionNote[]): Map<string, string[]> {
  const schemes: Json = {};
  const pointers = new Map<string, string[]>();
  const apiKeys = new Map<string, string>();
  /** The requirement list an auth makes; `note` is where a note about it goes in the converted document. */
  const requirement = (auth: Json, pointer: string[], note: string): Array<Record<string, string[]>> => {
    const type = String(auth.type);
    let name: string;
    let scheme: Json;
    if (type === 'noauth') return [];
    if (type === 'basic' || type === 'bearer' || type === 'digest') {
      name = `${type}Auth`;
      scheme = { type: 'http', scheme: type };
    } else if (type === 'oauth2') {
      name = 'oauth2Auth';
      scheme = { type: 'http', scheme: 'bearer', description: 'Postman OAuth 2.0: checked as the Bearer token it yields (the collection does not describe the OAuth 2.0 flow).' };
    } else if (type === 'apikey') {
      const parameters = authParameters(auth);
      const key = typeof parameters.key === 'string' && parameters.key !== '' ? parameters.key : undefined;
      if (key === undefined) {
        notes.push({ message: 'the API key auth names no `key` (the header or query parameter), so it is not checked', pointer: note });
        return [];
      }
      const place = parameters.in === 'query' ? 'query' : 'header';
      const id = `${place}\u0000${key.toLowerCase()}`;
      name = apiKeys.get(id) ?? (apiKeys.size === 0 ? 'apikeyAuth' : `apikeyAuth${apiKeys.size + 1}`);
      apiKeys.set(id, name);
      scheme = { type: 'apiKey', in: place, name: key };
    } else {
      notes.push({ message: `Postman's ${JSON.stringify(type)} auth has no OpenAPI security scheme, so requests are not checked for it`, pointer: note });
      return [];
    }
    if (!(name in schemes)) {
      schemes[name] = scheme;
      pointers.set(name, pointer);
    }
    return [{ [name]: [] }];
  };

  delete converted.security;
  const components = isObject(converted.components) ? converted.components : undefined;
  if (components) delete components.securitySchemes;
  const root = isObject(collection.auth) && typeof collection.auth.type === 'string' && collection.auth.type !== 'inherit' ? requirement(collection.auth, [...prefix, 'auth'], '/security') : [];
  if (root.length > 0) converted.security = root;
  for (const [p, m, op] of operationsOf(converted)) {
    delete op.security;
    const auth = operations.get(`${m} ${p}`)?.auth;
    // Without an auth of its own (or its folder's) an operation has the collection's, the document's `security`.
    if (auth) {
      const own = requirement(auth.value, auth.pointer, appendPointer('/paths', p, m, 'security'));
      if (root.length > 0 || own.length > 0) op.security = own;
    }
  }
  if (Object.keys(schemes).length > 0) {
    const target = components ?? (converted.components = {});
    (target as Json).securitySchemes = schemes;
  } else if (components && Object.keys(components).length === 0) delete converted.components;
  // Back in the converter's order: `security` before `tags` and `paths`.
  for (const key of ['tags', 'paths', 'x-slo']) {
    if (!(key in converted)) continue;
    const value = converted[key];
    delete converted[key];
    converted[key] = value;
  }
  return pointers;
}

/**
 * The collection's variables with their values escaped for the inside of a
 * JSON string: the converter substitutes them into the collection's JSON
 * text, so a value with a quote would otherwise break it.
 */
function escapedVariables(variables: unknown): Record<string, string> {
  const values: Record<string, string> = {};
  if (!Array.isArray(variables)) return values;
  for (const variable of variables.slice(0, MAX_POSTMAN_ITEMS)) {
    if (!isObject(variable) || typeof variable.key !== 'string' || variable.value === undefined || variable.value === null || variable.value === '') continue;
    values[variable.key] = JSON.stringify(String(variable.value)).slice(1, -1);
  }
  return values;
}

/** Every request item, depth first (the converter's order), checked for what the converter needs; bounded in number and depth. */
function requestItems(root: SourceFile, collection: Json, prefix: string[], rewrites: Rewrite[]): RequestItem[] {
  const refuse = (message: string, at: string[], hint: string): never => {
    throw new SwornError('SWORN_ERR_CONVERT', message, { location: root.locate(toPointer(at)), hint });
  };
  if (!Array.isArray(collection.item)) refuse('the Postman collection has no `item` list, so no requests to convert', prefix, 'A collection lists its requests under `item`; export it again from Postman (Export → Collection v2.1).');
  const requests: RequestItem[] = [];
  let count = 0;
  const walk = (items: unknown[], at: string[], depth: number, folderAuth: RequestItem['auth']): void => {
    if (depth > MAX_POSTMAN_DEPTH) refuse(`folders are nested more than ${MAX_POSTMAN_DEPTH} deep`, at, 'Flatten the folders of the collection.');
    items.forEach((entry, index) => {
      const pointer = [...at, String(index)];
      if (++count > MAX_POSTMAN_ITEMS) refuse(`the collection has more than ${MAX_POSTMAN_ITEMS} items (requests and folders); sworn converts at most that many`, pointer, 'Split the collection into several (one per service or folder), and convert each.');
      if (!isObject(entry)) return refuse('an item of the collection is not an object', pointer, 'Each item is a request (`name`, `request`) or a folder (`name`, `item`).');
      if (Array.isArray(entry.item)) return walk(entry.item, [...pointer, 'item'], depth + 1, ownAuth(entry.auth, [...pointer, 'auth']) ?? folderAuth);
      if (entry.request === undefined || entry.request === null) return refuse(`item ${JSON.stringify(entry.name ?? index)} has neither \`request\` nor \`item\``, pointer, 'Each item is a request (`name`, `request`) or a folder (`name`, `item`).');
      const normalised = normalisedRequest(entry.request);
      if (normalised) rewrites.push({ pointer: [...pointer, 'request'], value: normalised });
      const request = normalised ?? entry.request;
      const label = JSON.stringify(entry.name ?? index);
      if (!isObject(request)) return refuse(`request ${label} is neither a URL nor an object`, [...pointer, 'request'], 'Give the request a `method` and a `url`.');
      if (typeof request.method !== 'string') return refuse(`request ${label} has no \`method\``, [...pointer, 'request'], 'Set `method` (GET, POST…) on the request.');
      const url = typeof request.url === 'string' ? request.url : isObject(request.url) && typeof request.url.raw === 'string' ? request.url.raw : '';
      // The name is optional in a collection; the converter needs one (it is the operation's summary).
      let name = entry.name;
      if (typeof name !== 'string') {
        name = `${request.method.toUpperCase()} ${templatePath(url.replace(/^[a-z][\w+.-]*:\/\/[^/]*/i, '')) || '/'}`;
        rewrites.push({ pointer: [...pointer, 'name'], value: name });
      }
      requests.push({ pointer, name: name as string, method: request.method.toLowerCase(), url, auth: ownAuth(request.auth, [...pointer, 'request', 'auth']) ?? folderAuth, responses: Array.isArray(entry.response) ? entry.response : [] });
    });
  };
  walk(collection.item as unknown[], [...prefix, 'item'], 0, undefined);
  if (requests.length === 0) refuse('the Postman collection has no requests (its items are empty folders)', [...prefix, 'item'], 'Add requests to the collection, or convert another one.');
  return requests;
}

/** An `auth` object that says something (not absent, not `inherit`, which is what absent means). */
function ownAuth(auth: unknown, pointer: string[]): RequestItem['auth'] {
  return isObject(auth) && typeof auth.type === 'string' && auth.type !== 'inherit' ? { value: auth, pointer } : undefined;
}

/** `{{id}}` and `:id` path segments as OpenAPI writes them (`{id}`), query and fragment left out: to tell requests of the same name apart. */
function templatePath(url: string): string {
  return url.replace(/[?#].*$/s, '').replace(/\{\{\s*([^{}]+?)\s*\}\}/g, '{$1}').replace(/\/:([^/]+)/g, '/{$1}');
}

/**
 * Each converted operation's request item, by `method path`: the
 * operation's summary is the item's name (less a `[operationId]` in
 * brackets) and its method the request's; among items of the same name and
 * method, the one whose URL ends with the operation's path, else the last
 * (the converter keeps the last).
 */
function matchOperations(converted: Json, requests: RequestItem[]): Map<string, RequestItem> {
  const byOperation = new Map<string, RequestItem>();
  const byName = new Map<string, RequestItem[]>();
  for (const request of requests) {
    const key = `${request.method} ${request.name.replace(/ \[([^[\]]*)\]/g, '')}`;
    byName.set(key, [...(byName.get(key) ?? []), request]);
  }
  for (const [p, m, op] of operationsOf(converted)) {
    const candidates = byName.get(`${m} ${String(op.summary)}`) ?? [];
    const found = candidates.length > 1 ? (candidates.filter((c) => templatePath(c.url).endsWith(p)).pop() ?? candidates[candidates.length - 1]) : candidates[0];
    if (found) byOperation.set(`${m} ${p}`, found);
  }
  return byOperation;
}

/** Every operation of the converted document: path, method, operation. */
function operationsOf(converted: Json): Array<[string, string, Json]> {
  const found: Array<[string, string, Json]> = [];
  const paths = isObject(converted.paths) ? converted.paths : {};
  for (const [p, item] of Object.entries(paths)) {
    if (!isObject(item)) continue;
    for (const [m, op] of Object.entries(item)) if (isObject(op)) found.push([p, m, op]);
  }
  return found;
}

/**
 * The way back from a converted pointer to the collection: an operation is
 * at its request item, its `security` at the auth it uses (the request's or
 * its folder's), a security scheme at the first auth that made it. What has
 * no item is at the top.
 */
function postmanTranslator(converted: Json, collection: Json, prefix: string[], operations: Map<string, RequestItem>, schemePointers: Map<string, string[]>): (segments: readonly string[]) => string[] {
  return (segments) => {
    const [top, a, b, ...inner] = segments;
    if (top === 'paths' && a !== undefined && b !== undefined) {
      const request = operations.get(`${b} ${a}`);
      if (!request) return [];
      if (inner[0] === 'security') return request.auth?.pointer ?? [...request.pointer, 'request'];
      const operation = (converted.paths as Json)[a] as Json;
      return [...request.pointer, ...requestInner(operation[b] as Json, inner)];
    }
    if (top === 'info') return [...prefix, 'info', ...(a === 'title' ? ['name'] : a === 'description' ? ['description'] : [])];
    if (top === 'components' && a === 'securitySchemes' && b !== undefined && schemePointers.has(b)) return schemePointers.get(b) as string[];
    if ((top === 'security' || (top === 'components' && a === 'securitySchemes')) && collection.auth !== undefined) return [...prefix, 'auth'];
    return [];
  };
}

/** Inside an operation, where the request item has it. */
function requestInner(operation: Json, [field, index]: string[]): string[] {
  switch (field) {
    case 'summary':
      return ['name'];
    case 'description':
      return ['request', 'description'];
    case 'requestBody':
      return ['request', 'body'];
    case 'responses':
      return ['response'];
    case 'parameters': {
      const list = operation.parameters;
      const parameter = index === undefined || !Array.isArray(list) ? undefined : list[Number(index)];
      return ['request', isObject(parameter) && parameter.in === 'header' ? 'header' : 'url'];
    }
    default:
      return [];
  }
}
