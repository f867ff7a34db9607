import { createRequire } from 'node:module';
import { SwornError } from '../errors.js';
import type { SourceFile } from './source-file.js';
import { parsePointer, toPointer } from './pointer.js';
import { stripMarkers, type Conversion, type ConversionNote } from './conversion.js';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The value at `segments` under `node`, `$ref`s not followed. */
function at(node: unknown, segments: readonly string[]): unknown {
  let current = node;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Json)[segment];
  }
  return current;
}

/** Follows internal `$ref`s (`#/...`) inside `document`, a bounded number of hops. */
function deref(document: unknown, value: unknown): unknown {
  let current = value;
  for (let hops = 0; hops < 16 && isObject(current) && typeof current.$ref === 'string' && current.$ref.startsWith('#'); hops++) {
    try {
      current = at(document, parsePointer(current.$ref));
    } catch {
      return undefined;
    }
  }
  return current;
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace', 'x-amazon-apigateway-any-method']);

/**
 * Converts a Swagger 2.0 document (its external `$ref`s already bundled) to
 * OpenAPI 3.0 with swagger2openapi, in memory and without the network, and
 * answers the way back from the converted document's pointers to the
 * Swagger document's (see {@link Conversion.translate}).
 */
export async function convertSwagger2(root: SourceFile, swagger: Json): Promise<Conversion> {
  // Loaded on first use: most specs are OpenAPI 3 already.
  const s2o = createRequire(import.meta.url)('swagger2openapi') as typeof import('swagger2openapi');
  const options: import('swagger2openapi').ConvertOptions = {
    patch: true,
    warnOnly: true,
    anchors: true,
    resolve: false,
    // Without `text` it stringifies the whole document to YAML, and never reads it.
    text: '(read by sworn)',
  };
  let document: Json;
  try {
    const result = await withoutConverterWarnings(() => s2o.convertObj(swagger, options));
    document = result.openapi;
  } catch (error) {
    const message = error instanceof s2o.S2OError ? error.message : `it failed on this document (${error instanceof Error ? `${error.name}: ${error.message}` : String(error)})`;
    throw new SwornError('SWORN_ERR_CONVERT', `swagger2openapi cannot convert this Swagger 2.0 document: ${message}`, {
      location: root.locate(error instanceof s2o.S2OError ? errorPointer(error.message, swagger) : ''),
      cause: error,
      hint: `The usual cause is a value of the wrong kind (\`info\` or a parameter that is not an object, a \`consumes\` that is not a list); fix it, then \`sworn convert ${root.displayPath}\` prints the OpenAPI 3 document sworn reads.`,
    });
  }
  if (!isObject(document)) {
    throw new SwornError('SWORN_ERR_CONVERT', 'swagger2openapi returned no document', { location: root.locate(''), hint: `Check the document; \`sworn convert ${root.displayPath}\` shows the result.` });
  }
  const warnings = stripMarkers(document, 'x-s2o-', 'x-s2o-warning');
  const notes = [...warnings, ...droppedParameters(swagger), ...mixedBodies(swagger).filter((n) => !warnings.some((w) => w.pointer === n.pointer && w.message.includes('multiple requestBodies')))];
  return { from: 'swagger-2.0', document, original: swagger, translate: swaggerTranslator(document, swagger, options.refmap ?? {}), notes };
}

/**
 * Where in the Swagger document the problem an S2OError names is: its
 * messages name the construct (`info must be an object`, `Duplicate
 * sanitised parameter name x`) but carry no pointer.
 */
function errorPointer(message: string, swagger: Json): string {
  const info = /\binfo(?:\.(title|version|termsOfService))?\b/.exec(message);
  if (info) return info[1] !== undefined && isObject(swagger.info) && swagger.info[info[1]] !== undefined ? `/info/${info[1]}` : swagger.info !== undefined ? '/info' : '';
  const duplicate = /^Duplicate sanitised (securityScheme|parameter|response) name /.exec(message);
  if (duplicate) return { securityScheme: '/securityDefinitions', parameter: '/parameters', response: '/responses' }[duplicate[1] as 'securityScheme' | 'parameter' | 'response'];
  return '';
}

/**
 * A parameter `$ref` (`#/parameters/...`) that resolves to nothing is
 * dropped by swagger2openapi without a warning: each is noted, at the
 * parameter list it was in.
 */
function droppedParameters(swagger: Json): ConversionNote[] {
  const notes: ConversionNote[] = [];
  const check = (list: unknown, pointer: string[]): void => {
    if (!Array.isArray(list)) return;
    for (const item of list) {
      if (!isObject(item) || typeof item.$ref !== 'string' || !item.$ref.startsWith('#')) continue;
      let target: unknown;
      try {
        target = at(swagger, parsePointer(item.$ref));
      } catch {
        target = undefined;
      }
      if (target === undefined) notes.push({ message: `the parameter $ref ${JSON.stringify(item.$ref)} resolves to nothing, so the converted operation lacks that parameter`, pointer: toPointer(pointer) });
    }
  };
  for (const container of ['paths', 'x-ms-paths']) {
    const paths = swagger[container];
    if (!isObject(paths)) continue;
    for (const [p, item] of Object.entries(paths)) {
      if (!isObject(item)) continue;
      check(item.parameters, [container, p, 'parameters']);
      for (const [m, op] of Object.entries(item)) if (HTTP_METHODS.has(m) && isObject(op)) check(op.parameters, [container, p, m, 'parameters']);
    }
  }
  return notes;
}

/**
 * An operation with both an `in: body` parameter and `in: formData` ones
 * (its own or its path item's; Swagger 2.0 forbids the mix) keeps one of
 * them as its request body, without a warning when the body comes first:
 * each is noted, at the operation.
 */
function mixedBodies(swagger: Json): ConversionNote[] {
  const notes: ConversionNote[] = [];
  const places = (list: unknown): string[] => (Array.isArray(list) ? list.map((p) => deref(swagger, p)).filter(isObject).map((p) => String(p.in)) : []);
  for (const container of ['paths', 'x-ms-paths']) {
    const paths = swagger[container];
    if (!isObject(paths)) continue;
    for (const [p, item] of Object.entries(paths)) {
      if (!isObject(item)) continue;
      const shared = places(item.parameters);
      for (const [m, op] of Object.entries(item)) {
        if (!HTTP_METHODS.has(m) || !isObject(op)) continue;
        const all = [...shared, ...places(op.parameters)];
        if (all.includes('body') && all.includes('formData')) notes.push({ message: 'the operation has both a body parameter and formData parameters (Swagger 2.0 allows one or the other); the converted request body keeps only one of them', pointer: toPointer([container, p, m]) });
      }
    }
  }
  return notes;
}

let converting = 0;
let consoleWarn: typeof console.warn | undefined;

/**
 * Runs conversions while swagger2openapi's `console.warn(error)` is held
 * back: it prints the error it rejects with (or, after rejecting, the one
 * it then crashed with), and that reaches the user as a SwornError instead.
 * Other warnings are printed as usual. The conversion runs on microtasks
 * only (no I/O: `resolve` is off), so the window is short.
 */
async function withoutConverterWarnings<T>(convert: () => Promise<T>): Promise<T> {
  if (converting++ === 0) {
    const original = console.warn;
    consoleWarn = original;
    console.warn = (...args: unknown[]) => {
      if (!(args.length === 1 && args[0] instanceof Error)) original(...args);
    };
  }
  try {
    return await convert();
  } finally {
    if (--converting === 0 && consoleWarn) {
      console.warn = consoleWarn;
      consoleWarn = undefined;
    }
  }
}

/**
 * The way back from a pointer into swagger2openapi's result to the Swagger
 * 2.0 construct it was made from. swagger2openapi copies the document (no
 * object is shared with its input), so the moves it makes are undone by
 * rule: `components/schemas` ← `definitions`, `components/parameters` ←
 * `parameters`, `components/responses` ← `responses`,
 * `components/securitySchemes` ← `securityDefinitions`, `servers` ← `host`,
 * an operation's `requestBody` ← its `in: body` (or `in: formData`)
 * parameter, `content/<type>/schema` ← a response's `schema`, a parameter's
 * `schema` ← the parameter's own `type`, `items`…, parameters by name and
 * place (their indexes shift when body parameters leave the list), and the
 * components it created for direct `$ref`s ← the place they came from. The
 * rest is where it was.
 */
function swaggerTranslator(converted: Json, swagger: Json, refmap: Record<string, string>): (segments: readonly string[]) => string[] {
  /** Components swagger2openapi made from a direct `$ref` (`#/paths/...`), by type and name: the old ref's pointer. */
  let created: Map<string, string[]> | undefined;
  const createdFrom = (type: string, name: string): string[] | undefined => {
    if (!created) {
      created = new Map();
      for (const [oldRef, newRef] of Object.entries(refmap)) {
        try {
          const target = parsePointer(newRef);
          if (target[0] === 'components' && target[1] !== undefined && target[2] !== undefined) created.set(`${target[1]}\u0000${target[2]}`, parsePointer(oldRef));
        } catch {
          // not a pointer: nothing to map
        }
      }
    }
    return created.get(`${type}\u0000${name}`);
  };

  /** Component names as converted to their Swagger names; swagger2openapi renames only names that are not URL-safe, moving them to the end in order. */
  const names = new Map<string, Map<string, string>>();
  const originalName = (type: string, swaggerKey: string, name: string): string => {
    let map = names.get(type);
    if (!map) {
      map = new Map();
      const convertedNames = Object.keys((at(converted, ['components', type]) as Json | undefined) ?? {}).filter((n) => !createdFrom(type, n));
      let originals = Object.keys(isObject(swagger[swaggerKey]) ? (swagger[swaggerKey] as Json) : {});
      if (type === 'parameters') originals = originals.filter((n) => !isBodyParameter(deref(swagger, (swagger[swaggerKey] as Json)[n])));
      const left = new Set(originals);
      const unmatched: string[] = [];
      for (const n of convertedNames) {
        if (left.delete(n)) map.set(n, n);
        else unmatched.push(n);
      }
      const rest = [...left];
      unmatched.forEach((n, i) => {
        const original = rest[i];
        if (original !== undefined) map!.set(n, original);
      });
      names.set(type, map);
    }
    return map.get(name) ?? name;
  };

  const translate = (segments: readonly string[]): string[] => {
    const [top, ...rest] = segments;
    switch (top) {
      case undefined:
        return [];
      case 'openapi':
        return ['swagger'];
      case 'servers':
        return swagger.host !== undefined ? ['host'] : swagger.basePath !== undefined ? ['basePath'] : Array.isArray(swagger['x-servers']) ? ['x-servers', ...rest] : [];
      case 'components':
        return component(rest);
      case 'paths':
      case 'x-ms-paths':
        return path(top, rest);
      default:
        return [...segments];
    }
  };

  const component = ([type, name, ...inner]: string[]): string[] => {
    if (type === undefined) return [];
    if (name === undefined) {
      const key = ({ schemas: 'definitions', parameters: 'parameters', responses: 'responses', securitySchemes: 'securityDefinitions' } as Record<string, string>)[type];
      return key !== undefined && swagger[key] !== undefined ? [key] : [];
    }
    const made = createdFrom(type, name);
    if (made) return translateSwaggerSpace(made, type, type === 'examples' && inner[0] === 'value' ? inner.slice(1) : inner);
    switch (type) {
      case 'schemas':
        return ['definitions', originalName(type, 'definitions', name), ...inner];
      case 'parameters':
        return ['parameters', originalName(type, 'parameters', name), ...parameterInner(inner)];
      case 'responses':
        return ['responses', originalName(type, 'responses', name), ...responseInner(inner)];
      case 'securitySchemes':
        return ['securityDefinitions', originalName(type, 'securityDefinitions', name), ...securityInner(inner)];
      case 'requestBodies':
        return requestBodyComponent(name, inner);
      case 'callbacks':
        return ['x-callbacks', name, ...inner];
      case 'links':
        return ['x-links', name, ...inner];
      default:
        return [];
    }
  };

  /** A pointer that is already in the Swagger document (where a created component came from), continued by a converted tail of a `type` component. */
  const translateSwaggerSpace = (base: string[], type: string, inner: string[]): string[] => [...base, ...(type === 'parameters' || type === 'headers' ? parameterInner(inner) : inner)];

  /** A shared request body swagger2openapi made: where the first operation that uses it has its body parameter. */
  const requestBodyComponent = (name: string, inner: string[]): string[] => {
    const ref = `#/components/requestBodies/${name}`;
    for (const container of ['paths', 'x-ms-paths']) {
      const paths = converted[container];
      if (!isObject(paths)) continue;
      for (const [p, item] of Object.entries(paths)) {
        if (!isObject(item)) continue;
        for (const [m, op] of Object.entries(item)) {
          if (!HTTP_METHODS.has(m) || !isObject(op) || !isObject(op.requestBody)) continue;
          const bodyRef = op.requestBody.$ref;
          if (typeof bodyRef === 'string' && (bodyRef === ref || decodeURIComponent(bodyRef) === ref)) return requestBody(container, p, m, inner);
        }
      }
    }
    return isObject(swagger.parameters) && swagger.parameters[name] !== undefined ? ['parameters', name, ...bodyInner(inner)] : [];
  };

  const path = (container: string, [p, key, ...inner]: string[]): string[] => {
    if (p === undefined) return [container];
    if (key === undefined) return [container, p];
    if (key === 'parameters') return parameterList(at(converted, [container, p, 'parameters']), at(swagger, [container, p, 'parameters']), [container, p, 'parameters'], inner);
    if (!HTTP_METHODS.has(key)) {
      const moved: Record<string, string> = { summary: 'x-summary', description: 'x-description', servers: 'x-servers', trace: 'x-trace' };
      return [container, p, moved[key] ?? key, ...inner];
    }
    const op = [container, p, key];
    const [field, ...tail] = inner;
    switch (field) {
      case undefined:
        return op;
      case 'parameters':
        return parameterList(at(converted, [...op, 'parameters']), at(swagger, [...op, 'parameters']), [...op, 'parameters'], tail);
      case 'requestBody':
        return requestBody(container, p, key, tail);
      case 'responses': {
        const [code, ...responseTail] = tail;
        return code === undefined ? [...op, 'responses'] : [...op, 'responses', code, ...responseInner(responseTail)];
      }
      case 'servers':
        return isObject(at(swagger, op)) && (at(swagger, [...op, 'x-servers']) !== undefined) ? [...op, 'x-servers', ...tail] : [...op, 'schemes'];
      default:
        return [...op, ...inner];
    }
  };

  /** A converted parameter list item, found in the Swagger list by name and place (`in`). */
  const parameterList = (convertedList: unknown, swaggerList: unknown, prefix: string[], [index, ...inner]: string[]): string[] => {
    if (index === undefined || !Array.isArray(convertedList) || !Array.isArray(swaggerList)) return prefix;
    const item = convertedList[Number(index)];
    // Not a parameter (a `5` in the list): it stays where it was, less the body parameters before it.
    if (!isObject(item)) return [...prefix, String(nonBodyIndex(swaggerList, Number(index)))];
    const wanted = parameterKey(deref(converted, item));
    const found = wanted === undefined ? -1 : swaggerList.findIndex((p) => parameterKey(deref(swagger, p)) === wanted);
    return found < 0 ? prefix : [...prefix, String(found), ...parameterInner(inner)];
  };

  /** An operation's request body: its `in: body` parameter, else the `in: formData` ones (the operation's, then the path item's). */
  const requestBody = (container: string, p: string, m: string, inner: string[]): string[] => {
    const candidates: Array<{ at: string[]; parameter: Json }> = [];
    for (const prefix of [[container, p, m, 'parameters'], [container, p, 'parameters']]) {
      const list = at(swagger, prefix);
      if (!Array.isArray(list)) continue;
      list.forEach((item, i) => {
        const parameter = deref(swagger, item);
        if (isObject(parameter)) candidates.push({ at: [...prefix, String(i)], parameter });
      });
    }
    const body = candidates.find((c) => c.parameter.in === 'body');
    if (body) return [...body.at, ...bodyInner(inner)];
    const form = candidates.filter((c) => c.parameter.in === 'formData' || c.parameter.type === 'file');
    if (form.length === 0) return [container, p, m];
    const [content, , schema, properties, name, ...tail] = inner;
    if (content === 'content' && schema === 'schema' && properties === 'properties' && name !== undefined) {
      const named = form.find((c) => c.parameter.name === name);
      if (named) return [...named.at, ...tail];
    }
    return (form[0] as { at: string[] }).at;
  };

  /** The index in the Swagger list of the `index`th entry that is not a body (or form) parameter. */
  const nonBodyIndex = (swaggerList: unknown[], index: number): number => {
    let seen = -1;
    for (let i = 0; i < swaggerList.length; i++) if (!isBodyParameter(deref(swagger, swaggerList[i])) && ++seen === index) return i;
    return index;
  };

  return translate;
}

function isBodyParameter(parameter: unknown): boolean {
  return isObject(parameter) && (parameter.in === 'body' || parameter.in === 'formData');
}

function parameterKey(parameter: unknown): string | undefined {
  return isObject(parameter) && typeof parameter.name === 'string' ? `${String(parameter.in)}\u0000${parameter.name}` : undefined;
}

/** Inside a non-body parameter (or a header): its `schema` is the parameter's own `type`, `items`, `format`…. */
function parameterInner(inner: string[]): string[] {
  const [key, ...tail] = inner;
  switch (key) {
    case 'schema':
      return tail;
    case 'example':
      return ['x-example', ...tail];
    case 'deprecated':
      return ['x-deprecated'];
    case 'style':
    case 'explode':
      return ['collectionFormat'];
    default:
      return inner;
  }
}

/** Inside a body parameter, from inside the request body made of it. */
function bodyInner([key, , field, ...tail]: string[]): string[] {
  if (key === 'content') return field === 'schema' ? ['schema', ...tail] : ['schema'];
  if (key === 'description' || key === 'required' || key?.startsWith('x-')) return [key];
  return [];
}

/** Inside a response: `content/<type>/schema` is its `schema`, `content/<type>/examples` its `examples/<type>`, a header's `schema` the header itself. */
function responseInner(inner: string[]): string[] {
  const [key, name, field, ...tail] = inner;
  if (key === 'content') {
    if (name === undefined) return ['schema'];
    if (field === 'schema') return ['schema', ...tail];
    if (field === 'examples') return ['examples', name, ...(tail[1] === 'value' ? tail.slice(2) : [])];
    if (field === 'example') return ['examples', name, ...tail];
    return ['schema'];
  }
  if (key === 'headers' && name !== undefined) return ['headers', name, ...(field === 'schema' ? tail : field === undefined ? [] : [field, ...tail])];
  return inner;
}

/** Inside a security scheme: OAuth2 `flows/<flow>/<url|scopes>` are the scheme's own `flow`, `authorizationUrl`, `tokenUrl`, `scopes`; `scheme: basic` is `type: basic`. */
function securityInner(inner: string[]): string[] {
  const [key, , field, ...tail] = inner;
  if (key === 'flows') return field === 'authorizationUrl' || field === 'tokenUrl' || field === 'scopes' ? [field, ...tail] : ['flow'];
  if (key === 'scheme') return ['type'];
  return inner;
}
