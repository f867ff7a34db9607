import { createRequire } from 'node:module';
import os from 'node:os';
import type { IHttpOperation } from '@stoplight/types';
import { SwornError, type SourceLocation } from '../errors.js';
import type { Spec } from '../spec/load-spec.js';
import type { Operation } from '../spec/operations.js';

/** prism-http's reading of the spec's operations (what it picks answers from), made per operation on first use. */
export interface PrismOperations {
  /**
   * prism-http's reading of one of our operations; `undefined` when the document has no such operation.
   * Converted on first use and kept; concurrent first calls share one conversion. Rejects with a
   * `SWORN_ERR_SPEC_STRUCTURE` SwornError naming the operation when prism-http cannot read it (every
   * later call rejects alike); the other operations are unaffected.
   */
  of(operation: Operation): Promise<IHttpOperation | undefined>;
  /**
   * Every operation prism-http reads in the document, in its order (for a request no operation of ours
   * matches); operations it cannot read are left out. Converted on first call, one operation at a time.
   */
  all(): Promise<IHttpOperation[]>;
  /**
   * What prism-http needs to answer a request no operation of ours matched (`method` lower case, `path`
   * as given to prism-http, without base path), without converting every operation: prism-http's own
   * router runs over the operations' paths and methods (all it reads when the request has no base URL).
   * Routed nowhere: those stubs, from which prism-http answers exactly as from all() (404 "Route not
   * resolved, no path matched", 405 "Route resolved, but no method matched"). Routed to an operation our
   * router did not match: that one operation, converted (rejects as `of` does).
   */
  unmatched(method: string, path: string): Promise<IHttpOperation[]>;
}

// prism-http's own copies of the libraries it reads a spec with (resolved from prism-http, as it resolves
// them): the same versions, so the same reading. Loaded with prism-http anyway.
const prismRequire = createRequire(createRequire(import.meta.url).resolve('@stoplight/prism-http'));
const RefParser = prismRequire('@stoplight/json-schema-ref-parser') as new () => { dereference(schema: object, options: object): Promise<object> };
const stoplightJson = prismRequire('@stoplight/json') as {
  decycle(value: unknown): Record<string, unknown>;
  bundleTarget(options: { document: object; path: string; cloneDocument: boolean }): unknown;
};
const { transformOas3Operation } = prismRequire('@stoplight/http-spec/oas3/operation') as {
  transformOas3Operation(options: { document: object; name: string; method: string; config: object }): IHttpOperation;
};
const { OPERATION_CONFIG } = prismRequire('@stoplight/http-spec/oas') as { OPERATION_CONFIG: object };
type Routed = { _tag: 'Left' } | { _tag: 'Right'; right: { path: string; method: string } };
const route = (prismRequire('@stoplight/prism-http/dist/router/index.js') as { default: (options: { resources: IHttpOperation[]; input: { method: string; url: { path: string } } }) => Routed }).default;
const prismVersion = (prismRequire('@stoplight/prism-http/package.json') as { version: string }).version;
/** What prism-http's getHttpOperationsFromSpec asks its $ref parser for (the User-Agent of remote $refs). */
const dereferenceOptions = { resolve: { http: { headers: { 'User-Agent': `PrismMockServer/${prismVersion} (${os.type()} ${os.arch()} ${os.release()})` } } } };
/** The methods prism-http reads in a path item (http-spec's DEFAULT_METHODS), in which order it lists them. */
const PRISM_METHODS = ['get', 'post', 'put', 'delete', 'options', 'head', 'patch', 'trace'];
/** Top-level members http-spec's operation transformer reads besides `paths` and `components.securitySchemes`. */
const ROOT_MEMBERS = ['swagger', 'openapi', 'info', 'jsonSchemaDialect', 'servers', 'security', 'x-stoplight'];

/**
 * prism-http's operations, each made on first use. prism-http's getHttpOperationsFromSpec dereferences
 * the whole document ($refs resolved, cycles turned back into $refs), transforms every operation with
 * @stoplight/http-spec and bundles each: seconds and hundreds of MB on a description of a thousand
 * operations. Here the same steps run on a sub-document holding one operation at its own pointer, what
 * the transformer reads (info, servers, security, the security schemes) and what the operation's $refs
 * reach (whole components), in the document's order: the same reading, for a fraction of the work.
 * Each conversion works on a copy: prism-http resolves $refs in place, and our document stays as loaded.
 */
export async function prismOperationsOf(spec: Spec): Promise<PrismOperations> {
  const document = spec.document as unknown as Record<string, unknown>;
  const cache = new Map<string, Promise<IHttpOperation | undefined>>();
  const convert = (path: string, method: string, id: string, pointer: string): Promise<IHttpOperation | undefined> => {
    const key = `${method} ${path}`;
    let converted = cache.get(key);
    if (converted === undefined) {
      converted = prismOperation(document, path, method).catch((cause: unknown) => {
        throw new SwornError('SWORN_ERR_SPEC_STRUCTURE', `the mock cannot read ${id} in ${spec.displayPath}: ${cause instanceof Error ? cause.message : String(cause)}`, {
          cause,
          location: locate(spec, pointer),
          hint: 'Run `sworn lint` on the spec; it names the problem with file and line.',
        });
      });
      converted.catch(() => undefined); // reported to whoever asks; not an unhandled rejection meanwhile
      cache.set(key, converted);
    }
    return converted;
  };
  const convertListed = (path: string, method: string) => convert(path, method, `${method.toUpperCase()} ${path}`, `/paths/${escapeToken(path)}/${method}`);
  let every: Promise<IHttpOperation[]> | undefined;
  let stubs: IHttpOperation[] | undefined;
  return {
    of: (operation) => convert(operation.path, operation.method.toLowerCase(), operation.id, operation.pointer),
    unmatched: async (method, path) => {
      stubs ??= Array.from(prismMethods(document), ({ path, method }) => ({ id: `${method} ${path}`, method, path, request: {}, responses: [], servers: [], security: [] }) as unknown as IHttpOperation);
      const routed = route({ resources: stubs, input: { method, url: { path } } });
      if (routed._tag === 'Left') return stubs;
      const one = await convertListed(routed.right.path, routed.right.method);
      return one ? [one] : stubs;
    },
    all: () => {
      every ??= (async () => {
        const operations: IHttpOperation[] = [];
        for (const { path, method } of prismMethods(document)) {
          try {
            const one = await convertListed(path, method);
            if (one) operations.push(one);
          } catch {
            // left out: a request routed to it gets that operation's own error from `of`
          }
        }
        return operations;
      })();
      return every;
    },
  };
}

function locate(spec: Spec, pointer: string): SourceLocation | undefined {
  try {
    return spec.locate(pointer);
  } catch {
    return undefined;
  }
}

/** The path and method of every operation prism-http lists: path items in order, then their method keys in order. */
function* prismMethods(document: Record<string, unknown>): Generator<{ path: string; method: string }> {
  const paths = document.paths;
  if (!isObject(paths)) return;
  for (const [path, raw] of Object.entries(paths)) {
    const item = followRefs(document, raw);
    if (!isObject(item)) continue;
    for (const method of Object.keys(item)) if (PRISM_METHODS.includes(method)) yield { path, method };
  }
}

/** What getHttpOperationsFromSpec makes of one operation, from a sub-document holding what it reaches. */
async function prismOperation(document: Record<string, unknown>, path: string, method: string): Promise<IHttpOperation | undefined> {
  const paths = document.paths;
  if (!isObject(paths) || !Object.hasOwn(paths, path)) return undefined;
  const item = followRefs(document, paths[path]);
  if (!isObject(item) || !Object.hasOwn(item, method)) return undefined;
  const sub = structuredClone(subDocument(document, path, method));
  // As prism-http's getHttpOperationsFromSpec, step by step, for this operation.
  const result = stoplightJson.decycle(await new RefParser().dereference(sub, dereferenceOptions));
  if (result.swagger !== undefined || result.openapi === undefined) throw new Error('Unsupported document format');
  const operation = transformOas3Operation({ document: result, name: path, method, config: OPERATION_CONFIG });
  return stoplightJson.bundleTarget({ document: { ...result, __target__: operation }, path: '#/__target__', cloneDocument: false }) as IHttpOperation;
}

/** Which parts of the document a sub-document holds: all of a member (`whole`) or some of its members. */
interface Mask {
  whole: boolean;
  members: Map<string, Mask>;
}

/**
 * The sub-document one operation needs: the root members the transformer reads, the security schemes,
 * the operation's path item without its other methods, and everything their local $refs reach (a
 * component whole, anything else at the pointer), in the document's order. References the document's
 * own objects: the caller copies it.
 */
function subDocument(document: Record<string, unknown>, path: string, method: string): Record<string, unknown> {
  const root: Mask = { whole: false, members: new Map() };
  const pending: string[][] = [];
  const walked = new WeakSet<object>();
  const include = (tokens: string[]): void => {
    const extent = tokens[0] === 'components' && tokens.length > 3 ? tokens.slice(0, 3) : tokens;
    let mask = root;
    let value: unknown = document;
    for (let i = 0; i <= extent.length; i++) {
      if (mask.whole) return;
      if (i < extent.length && isRef(value)) {
        // The pointer goes through a $ref, which the parser follows: keep the $ref, and what it points at.
        mask.whole = true;
        mask.members.clear();
        collectRefs(value, pending, walked);
        const target = refTokens(value.$ref);
        if (target) pending.push([...target, ...tokens.slice(i)]);
        return;
      }
      if (i === extent.length) break;
      const token = extent[i] as string;
      if (!isObject(value) || !Object.hasOwn(value, token)) return; // a missing pointer: the parser says so
      let next = mask.members.get(token);
      if (next === undefined) mask.members.set(token, (next = { whole: false, members: new Map() }));
      mask = next;
      value = (value as Record<string, unknown>)[token];
    }
    mask.whole = true;
    mask.members.clear();
    collectRefs(value, pending, walked);
  };

  for (const member of ROOT_MEMBERS) include([member]);
  include(['components', 'securitySchemes']);
  const raw = (document.paths as Record<string, unknown>)[path];
  if (isRef(raw) || !isObject(raw)) include(['paths', path]);
  else for (const key of Object.keys(raw)) if (key === method || !PRISM_METHODS.includes(key)) include(['paths', path, key]);
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) include(next);
  return materialize(document, root) as Record<string, unknown>;
}

/** The masked parts of a value, in its own order; arrays keep their indices (holes elsewhere). */
function materialize(value: unknown, mask: Mask): unknown {
  if (mask.whole) return value;
  if (Array.isArray(value)) {
    const out: unknown[] = new Array(value.length);
    for (const [key, member] of mask.members) out[Number(key)] = materialize(value[Number(key)], member);
    return out;
  }
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    const member = mask.members.get(key);
    if (member) out[key] = materialize(source[key], member);
  }
  return out;
}

/** Queues the target of every local $ref in a value (the parser's: any object with a string `$ref`). */
function collectRefs(value: unknown, pending: string[][], walked: WeakSet<object>): void {
  const stack: unknown[] = [value];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    if (next === null || typeof next !== 'object' || walked.has(next)) continue;
    walked.add(next);
    if (isRef(next)) {
      const tokens = refTokens(next.$ref);
      if (tokens) pending.push(tokens);
    }
    for (const member of Object.values(next)) if (member !== null && typeof member === 'object') stack.push(member);
  }
}

/** The tokens of a local `#/...` pointer (`#` is the root); undefined for other references. */
function refTokens(ref: string): string[] | undefined {
  if (ref === '#') return [];
  if (!ref.startsWith('#/')) return undefined;
  return ref.slice(2).split('/').map((token) => {
    const unescaped = token.replace(/~1/g, '/').replace(/~0/g, '~');
    try {
      return decodeURIComponent(unescaped);
    } catch {
      return unescaped;
    }
  });
}

/** A path item as the parser reads it: local $refs followed (bounded: a chain of $refs may loop). */
function followRefs(document: Record<string, unknown>, value: unknown): unknown {
  let current = value;
  for (let hops = 0; hops < 32 && isRef(current); hops++) {
    const tokens = refTokens(current.$ref);
    if (!tokens) return undefined;
    let target: unknown = document;
    for (const token of tokens) target = isObject(target) ? (target as Record<string, unknown>)[token] : undefined;
    current = target;
  }
  return current;
}

function escapeToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

function isRef(value: unknown): value is { $ref: string } {
  return isObject(value) && typeof (value as { $ref?: unknown }).$ref === 'string' && (value as { $ref: string }).$ref.length > 0;
}
