import FindMyWay from 'find-my-way';
import type { HTTPMethod } from 'find-my-way';
import type { Operation } from '../spec/operations.js';
import { alternativeReadings, needsNormalising, normalisePath, type Reading } from './target.js';

/** What a request path matched. */
export interface RouteMatch {
  operation: Operation;
  /** Path parameters by their OpenAPI name, percent-decoded. */
  params: Record<string, string>;
}

/** A path template the router could not take, for reporting (e.g. `/a/{x}` next to `/a/{y}`). */
export interface RouteConflict {
  operation: Operation;
  message: string;
}

/** A path resolved the way the upstream will read it. */
export interface Resolution {
  match: RouteMatch | undefined;
  /**
   * Readings servers disagree on that the match needed (matrix parameters
   * dropped, `%2F` or `\\` read as `/`, letter case ignored). Empty when
   * the path matched as sent, or after RFC 3986 normalisation only.
   */
  readings: Reading[];
}

export interface Router {
  /** Matches a method and a path (without the query string) as sent. `undefined` when no operation matches. */
  match(method: string, path: string): RouteMatch | undefined;
  /**
   * Matches a path the way an upstream reads it: dot segments removed and
   * unreserved characters decoded first (RFC 3986), then, only when nothing
   * matches, the readings some servers apply (see `Resolution.readings`).
   * Never throws (a path find-my-way cannot decode matches nothing).
   */
  resolve(method: string, path: string): Resolution;
  conflicts: RouteConflict[];
}

interface RouteStore {
  operation: Operation;
  names: string[];
}

/**
 * Compiles every operation into one radix-tree router (find-my-way): static
 * segments beat templates (`/pets/mine` before `/pets/{id}`), each operation
 * is mounted under each of its `servers` base paths, trailing and duplicate
 * slashes are ignored, parameters are percent-decoded, and HEAD falls back to
 * the path's GET operation.
 *
 * @example
 * const router = compileRouter(listOperations(spec));
 * router.match('GET', '/v1/pets/42'); // { operation: showPetById, params: { petId: '42' } }
 */
export function compileRouter(operations: Operation[]): Router {
  const exact = new MethodRouters(operations, true);
  let caseless: MethodRouters | undefined;
  const find = (routers: MethodRouters, method: string, path: string): RouteMatch | undefined => {
    let found: FindMyWay.FindResult<FindMyWay.HTTPVersion.V1> | null;
    try {
      // HEAD is GET without the body (RFC 9110 §9.3.2): a path that declares GET answers HEAD too.
      found = routers.find(method, path) ?? (method === 'HEAD' ? routers.find('GET', path) : null);
    } catch {
      return undefined; // a path find-my-way cannot decode (malformed percent-encoding)
    }
    if (!found) return undefined;
    const store = found.store as RouteStore;
    const params: Record<string, string> = {};
    store.names.forEach((name, i) => {
      const value = found.params[`p${i}`];
      if (value !== undefined) params[name] = value;
    });
    return { operation: store.operation, params };
  };
  const match = (method: string, path: string) => find(exact, method, path);
  return {
    /** Mounts every method's routes, to know (the first time it is read). */
    get conflicts() {
      return exact.conflicts();
    },
    match,
    resolve(method, path) {
      const normalised = needsNormalising(path) ? normalisePath(path) : path;
      const direct = match(method, normalised);
      if (direct) return { match: direct, readings: [] };
      const alternatives = alternativeReadings(normalised);
      for (const a of alternatives) {
        const m = match(method, a.path);
        if (m) return { match: m, readings: a.readings };
      }
      caseless ??= new MethodRouters(operations, false);
      for (const a of [{ path: normalised, readings: [] as Reading[] }, ...alternatives]) {
        const m = find(caseless, method, a.path);
        // The caseless router lower-cases parameter values too: read them again from the path as sent.
        if (m) return { match: { operation: m.operation, params: paramsAsSent(m.operation, a.path) ?? m.params }, readings: [...a.readings, 'letter-case'] };
      }
      return { match: undefined, readings: [] };
    },
  };
}

/** Whole-segment parameters of a path matched without regard to case, with their case kept; undefined when the template is not of whole segments. */
function paramsAsSent(operation: Operation, path: string): Record<string, string> | undefined {
  const sent = path.split('/').filter(Boolean);
  for (const base of operation.basePaths) {
    const template = `${base}${operation.path}`.split('/').filter(Boolean);
    if (template.length !== sent.length) continue;
    const params: Record<string, string> = {};
    let fits = true;
    for (let i = 0; i < template.length && fits; i++) {
      const t = template[i] as string;
      const whole = /^\{([^}]+)\}$/.exec(t);
      if (whole) {
        try {
          params[whole[1] as string] = decodeURIComponent(sent[i] as string);
        } catch {
          fits = false;
        }
      } else if (t.includes('{')) return undefined;
      else fits = t.toLowerCase() === (sent[i] as string).toLowerCase();
    }
    if (fits) return params;
  }
  return undefined;
}

/**
 * One find-my-way router per method, each mounted at the first request with
 * that method: find-my-way keeps a tree per method anyway, so a method's
 * routes match the same alone as among all (GitHub's 1,223 operations take
 * ~150 ms to mount; a proxy's first GET mounts only the GETs).
 */
class MethodRouters {
  private readonly routers = new Map<string, FindMyWay.Instance<FindMyWay.HTTPVersion.V1>>();
  private readonly found = new Map<string, Array<RouteConflict & { order: number }>>();
  private readonly byMethod = new Map<string, Array<{ operation: Operation; order: number }>>();

  constructor(operations: Operation[], private readonly caseSensitive: boolean) {
    operations.forEach((operation, order) => {
      const method = operation.method.toUpperCase();
      let list = this.byMethod.get(method);
      if (!list) this.byMethod.set(method, (list = []));
      list.push({ operation, order });
    });
  }

  /** find-my-way's `find`; null for a method no operation has (no router made for it). */
  find(method: string, path: string): FindMyWay.FindResult<FindMyWay.HTTPVersion.V1> | null {
    const router = this.router(method);
    return router ? router.find(method as HTTPMethod, path) : null;
  }

  /** The routes find-my-way refused, in the operations' order (every method mounted). */
  conflicts(): RouteConflict[] {
    for (const method of this.byMethod.keys()) this.router(method);
    return [...this.found.values()].flat().sort((a, b) => a.order - b.order).map(({ operation, message }) => ({ operation, message }));
  }

  private router(method: string): FindMyWay.Instance<FindMyWay.HTTPVersion.V1> | undefined {
    let router = this.routers.get(method);
    if (router) return router;
    const operations = this.byMethod.get(method);
    if (!operations) return undefined;
    router = FindMyWay({ ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, caseSensitive: this.caseSensitive, maxParamLength: 2048 });
    const conflicts: Array<RouteConflict & { order: number }> = [];
    for (const { operation, order } of operations) {
      const { pattern, names } = toPattern(operation.path);
      const store: RouteStore = { operation, names };
      for (const base of operation.basePaths) {
        const full = (base + pattern).replace(/^(?!\/)/, '/');
        try {
          router.on(method as HTTPMethod, full, () => undefined, store);
        } catch (error) {
          conflicts.push({ operation, order, message: `${method} ${base}${operation.path}: ${(error as Error).message}` });
        }
      }
    }
    this.routers.set(method, router);
    this.found.set(method, conflicts);
    return router;
  }
}

/** `/files/{name}.{ext}` -> `/files/:p0.:p1` (names kept aside so any OpenAPI name works). */
function toPattern(template: string): { pattern: string; names: string[] } {
  const names: string[] = [];
  let pattern = '';
  let last = 0;
  for (const match of template.matchAll(/\{([^}]+)\}/g)) {
    pattern += escapeStatic(template.slice(last, match.index));
    const end = (match.index ?? 0) + match[0].length;
    // find-my-way ends a parameter name at '-', '.' or '/'; before other static text (`{id}:cancel`) it needs a regex to stop.
    const next = template[end];
    pattern += next === undefined || next === '/' || next === '-' || next === '.' ? `:p${names.length}` : `:p${names.length}(^[^/]+?)`;
    names.push(match[1] as string);
    last = end;
  }
  pattern += escapeStatic(template.slice(last));
  return { pattern, names };
}

/** find-my-way reads `:` as a parameter and `*` as a wildcard; in static text they are literal. */
function escapeStatic(text: string): string {
  return text.replace(/:/g, '::').replace(/\*/g, '%2A');
}
