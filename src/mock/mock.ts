// Before prism-http: its faker, English only (see faker.ts).
import './faker.js';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import prismHttp from '@stoplight/prism-http';
import type { IHttpOperation } from '@stoplight/types';
import pino, { type Logger } from 'pino';
import { SwornError } from '../errors.js';
import type { Spec } from '../spec/load-spec.js';
import { listOperations, type Operation } from '../spec/operations.js';
import { resolveSlos } from '../slo/resolve.js';
import { compileRouter } from '../router/router.js';
import { EVERY_ERROR_MAX_BODY, lazyValidators, looksLikeCredential, SchemaCompiler, validateRequest, wwwAuthenticate, type OperationValidators, type RequestCheckOptions, type RequestInput, type Violation } from '../validate/index.js';
import { listen } from '../http/listen.js';
import { bearerAuthorizer } from '../http/bearer.js';
import { serveFaults, type FaultNames } from '../faults/admin.js';
import { FaultRegistry } from '../faults/registry.js';
import { exampleFor } from '../faults/examples.js';
import { answerFault, FAULT_HEADER, faultIds, writeFaulted } from '../faults/apply.js';
import { sendProblem } from '../http/problem.js';
import { NO_CHAOS, OperationBehaviour, type Chaos, type Verdict } from './behaviour.js';
import { formatChaos, parseChaos } from './chaos.js';
import { parsePrefer, requestPreferences } from './prefer.js';
import { fromPrismValidation, refuse } from './refuse.js';
import { answerSchema, parseBody, problemFor, serializeAnswer } from './serialize.js';
import { answerProblem, answerViolations, formatAnswerViolations } from './examples.js';
import { prismOperationsOf } from './operations.js';
import { MAX_GENERATED, oversizedGeneration } from './generation.js';

const { createInstance, ProblemJsonError } = prismHttp;

export interface MockOptions {
  spec: Spec;
  port?: number;
  host?: string;
  /** Admin server (health, settings, POST /chaos, /faults); `null` for none. */
  adminPort?: number | null;
  adminHost?: string;
  /** When set, every admin endpoint but /healthz requires `Authorization: Bearer <token>`. */
  adminToken?: string;
  /**
   * With `behave: 'slo'`, the share of each promise the mock uses: 1 (the
   * default) fails at the error budget's rate and places the tightest
   * latency objective exactly at its limit; 0.8 stays inside every objective
   * with room to spare (game days' steady state, the demo).
   */
  headroom?: number;
  /** Generate bodies from the schemas instead of answering with examples. */
  dynamic?: boolean;
  /**
   * `--errors`: an answer of the mock's own that breaks the spec (an example against its schema, a
   * required header missing) is answered 500 naming the violations, as Prism's `--errors`; without it,
   * such an answer is served with `Sworn-Violations` and `sl-violations` headers naming them.
   */
  errors?: boolean;
  /** Seed of generated bodies and of `--behave slo` (default 1): the same seed gives the same answers. */
  seed?: number;
  /** `slo`: delays, errors and maintenance the way each operation's promise says. */
  behave?: 'none' | 'slo';
  chaos?: Chaos;
  logger?: Logger;
  /** The clock for maintenance windows (epoch ms). */
  clock?: () => number;
  /** How a delay is waited for; tests inject one that advances their clock. */
  sleep?: (ms: number) => Promise<void>;
  /** Called once per exchange, when its answer is sent (or the connection closed): the request log. */
  onExchange?: (record: MockExchange) => void;
}

/** One exchange as the request log shows it. Values of credential-like query parameters are redacted. */
export interface MockExchange {
  /** ISO time the answer ended. */
  at: string;
  method: string;
  /** Path and query as requested, credential values replaced by `REDACTED`. */
  url: string;
  /** The operation our router matched, if any. */
  operation: string | undefined;
  status: number;
  /** False when the connection closed before the answer was complete (a reset or truncate fault, or the client left). */
  complete: boolean;
  /** The request's contract violations (what a 422/401 named). */
  violations: Array<Pick<Violation, 'code' | 'location' | 'pointer' | 'message'>>;
  /** With `--behave slo`: the delay and the fault drawn for this request. */
  behaviour: { delayMs: number; fault: string } | undefined;
  /** Kinds of the faults injected into this exchange (`POST /faults`). */
  faults?: string[];
  /** Time from request to answer, in ms (delays included). */
  durationMs: number;
}

interface ExchangeNote {
  operation: string | undefined;
  /** Names whose values are secrets (the spec's API keys, and the operation's), redacted in the log. */
  secretNames: ReadonlyArray<ReadonlySet<string>>;
  violations: Violation[];
  verdict: { delayMs: number; fault: string } | undefined;
  /** Kinds of the faults injected (POST /faults). */
  faults?: string[];
}

export interface MockSettings {
  spec: { title: string; version: string };
  dynamic: boolean;
  seed: number;
  behave: 'none' | 'slo';
  chaos: string;
  operations: Array<{ operationId: string; errorRate: number; latency: { mu: number; sigma: number; p50: number; p99: number } | null }>;
}

export interface MockRoute {
  method: string;
  /** The path as clients call it: under the operation's first `servers` base path. */
  path: string;
  operationId: string;
}

export interface RunningMock {
  url: string;
  /** Every operation served, in the spec's order. */
  routes: MockRoute[];
  adminUrl: string | undefined;
  settings(): MockSettings;
  setChaos(chaos: Chaos): void;
  /** The faults in force (`POST /faults` on the admin port adds to them). */
  faults: FaultRegistry;
  close(): Promise<void>;
}

/** Who a fault sees on the mock, which identifies no consumer. */
const MOCK_CONSUMER = '-';

const MAX_BODY = 10 * 1024 * 1024;

/**
 * Serves an API from its spec with @stoplight/prism-http (examples, or
 * generated data with `dynamic`; `Prefer: code=…, example=…, dynamic=…`;
 * request validation -> 422, security -> 401; content negotiation) and, with
 * `behave: 'slo'`, behaves the way each operation's x-slo promises: log-normal
 * delays fitted to its latency objectives, failures at its error budget's
 * rate, its maintenance windows. Game-day chaos multiplies both.
 *
 * @example
 * const mock = await startMock({ spec, port: 0, behave: 'slo', seed: 7 });
 * await fetch(`${mock.url}/v1/pets`); // delayed and failing as promised
 */
/** The answers from examples kept in memory, at most (entries, and bytes of body and key). */
const MAX_CACHED_ANSWERS = 10_000;
const MAX_CACHED_BYTES = 64 * 1024 * 1024;

export async function startMock(options: MockOptions): Promise<RunningMock> {
  const { spec } = options;
  const seed = options.seed ?? 1;
  const behave = options.behave ?? 'none';
  const dynamic = options.dynamic ?? false;
  const clock = options.clock ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let chaos: Chaos = options.chaos ?? NO_CHAOS;
  const logger = options.logger ?? pino({ level: 'silent' });
  // prism-http logs with a custom `success` level; on stderr, as the mock's own errors: stdout is the request log.
  const prismLogger = pino({ level: logger.level === 'silent' ? 'silent' : 'warn', customLevels: { success: 31 } }, pino.destination(2));

  const operations = listOperations(spec);
  const faults = new FaultRegistry(clock);
  const router = compileRouter(operations);
  const apiKeyNames = apiKeyNamesOf(spec);
  const slo = resolveSlos(spec, operations);
  const prismOperations = await prismOperationsOf(spec);
  const operationsFor = async (operation: Operation | undefined, method: string, path: string): Promise<IHttpOperation[]> => {
    const one = operation ? await prismOperations.of(operation) : undefined;
    return one ? [one] : prismOperations.unmatched(method, path);
  };
  const bases = [...new Set(operations.flatMap((o) => o.basePaths))].filter((b) => b !== '').sort((a, b) => b.length - a.length);
  const behaviours = new Map(slo.operations.filter((o) => o.enabled).map((o) => [o.id, new OperationBehaviour(o.promise, seed, o.id, Object.values(o.tiers), options.headroom ?? 1)]));
  const failureStatus = new Map(operations.map((o) => [o.id, declaredFailure(o)]));
  // Requests are checked with the proxy's own compiled validators (the mock and the proxy agree on what is
  // valid, and it is far cheaper than prism-http's per-request validation); prism-http picks and builds answers.
  // Compiled on first use (as in the proxy): a spec of a thousand operations starts at once.
  const validators = lazyValidators(spec, operations);
  // A refusal names every violation: the validators that report every schema error (ajv `allErrors`,
  // slower) are made at the first request that breaks a schema, and run only for such requests.
  let thorough: OperationValidators | undefined;
  const thoroughValidators = () => (thorough ??= lazyValidators(spec, operations, { compiler: new SchemaCompiler(spec, { allErrors: true }) }));
  const checks: RequestCheckOptions = { reservedCharacters: true };
  const requestViolations = async (operation: Operation, input: RequestInput): Promise<Violation[]> => {
    const found = (await validateRequest(validators.get(operation), input, checks)).filter((v) => v.code !== 'not-validated');
    if (!found.some(breaksSchema) || (input.body !== undefined && input.body.length > EVERY_ERROR_MAX_BODY)) return found;
    try {
      // The thorough validators report every error of a schema; everyError names each.
      return (await validateRequest(thoroughValidators().get(operation), input, { ...checks, everyError: true })).filter((v) => v.code !== 'not-validated');
    } catch {
      return found; // the lean validators compiled; the thorough ones failed: the first violations still stand
    }
  };
  const prism = createInstance({ mock: { dynamic }, checkSecurity: false, validateRequest: false, validateResponse: false, errors: false, upstreamProxy: undefined, isProxy: false }, { logger: prismLogger as never });
  /** Answers from examples depend only on the operation, the status and example asked for, and Accept: built once. */
  let cachedBytes = 0;
  /** Per operation, whether generating its answers would make too much (`oversizedGeneration`), judged once. */
  const generationSizes = new Map<string, boolean>();
  const cache = new Map<string, { status: number; headers: Record<string, string>; body: Buffer | undefined; violations: Violation[]; violationHeaders: Record<string, string> }>();

  async function handle(req: IncomingMessage, res: ServerResponse, note: ExchangeNote): Promise<void> {
    const body = await readBody(req);
    if (body === 'too-large') return sendProblem(res, 413, 'Content Too Large', `request bodies over ${MAX_BODY} bytes are not mocked`);
    setCorsHeaders(req, res);
    const method = (req.method ?? 'GET').toUpperCase();
    if (method === 'OPTIONS' && req.headers.origin && req.headers['access-control-request-method']) {
      res.writeHead(204, { 'access-control-allow-methods': String(req.headers['access-control-request-method']), vary: 'origin', 'content-length': '0' });
      return void res.end();
    }
    const url = new URL(req.url ?? '/', 'http://mock.invalid');
    let match: ReturnType<typeof router.match>;
    try {
      match = router.match(method, url.pathname);
    } catch {
      match = undefined;
    }
    const base = (match ? match.operation.basePaths : bases).filter((b) => b !== '' && (url.pathname === b || url.pathname.startsWith(`${b}/`))).sort((a, b) => b.length - a.length)[0] ?? '';
    const path = url.pathname.slice(base.length) || '/';
    note.operation = match?.operation.id;
    if (match && onExchange) {
      try {
        note.secretNames = [apiKeyNames, validators.get(match.operation).secretNames];
      } catch {
        // validators that cannot be compiled: the spec's API key names and the credential-looking names still apply
      }
    }

    let preferences: ReturnType<typeof parsePrefer>;
    let query = url.searchParams;
    let requestChaos = chaos;
    try {
      ({ preferences, query } = requestPreferences(req.headers.prefer, url.searchParams));
      const header = req.headers['sworn-chaos'];
      if (typeof header === 'string') requestChaos = parseChaos(header, chaos, 'Sworn-Chaos');
    } catch (error) {
      return sendProblem(res, 422, 'Unprocessable Entity', (error as Error).message, error instanceof SwornError && error.hint ? { hint: error.hint } : {});
    }

    const behaviour = behave === 'slo' && match ? behaviours.get(match.operation.id) : undefined;
    const now = clock();
    const closed = behaviour?.maintenance(now);
    if (closed !== undefined) {
      note.verdict = { delayMs: 0, fault: 'maintenance' };
      res.setHeader('sworn-mock', 'delay=0.0ms; fault=maintenance');
      res.setHeader('retry-after', String(closed));
      return sendProblem(res, 503, 'Service Unavailable', `${match!.operation.id} is in a maintenance window (effect: exclude) for ${closed} more second(s)`);
    }
    // Checked first, as Prism does (a `Prefer: code=` included): an invalid request is answered at once and
    // takes no share of the promised delays and failures, which are the valid requests'.
    if (match) {
      const input: RequestInput = { params: match.params, query: query === url.searchParams ? url.search.slice(1) : query.toString(), headers: req.headers, body: body.length > 0 || req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined ? body : undefined, bodyTooLarge: false };
      const violations = await requestViolations(match.operation, input);
      note.violations = violations;
      if (violations.length > 0) {
        const challenge = violations.some((v) => v.code === 'request-security') ? wwwAuthenticate(validators.get(match.operation), input) : undefined;
        return refuse(res, match.operation.id, violations, challenge);
      }
    }
    const verdict: Verdict = behaviour?.decide(now, requestChaos) ?? { delayMs: 0, fault: 'none' };
    note.verdict = behaviour ? verdict : undefined;
    if (behave === 'slo') res.setHeader('sworn-mock', `delay=${verdict.delayMs.toFixed(1)}ms; fault=${verdict.fault}`);
    // Injected faults (POST /faults): the mock identifies no consumer, so faults here are scoped by operation and share only.
    const injection = match ? faults.decide(match.operation.id, MOCK_CONSUMER, MOCK_CONSUMER) : undefined;
    if (injection) {
      note.faults = injection.faults.map((f) => f.kind);
      res.setHeader(FAULT_HEADER, faultIds(injection));
    }
    const delayMs = verdict.delayMs * (injection?.factor ?? 1) + (injection?.addMs ?? 0);
    if (delayMs > 0) await sleep(delayMs);
    if (verdict.fault === 'reset') return void req.socket.destroy();
    let code = preferences.code;
    if (injection?.answer) {
      const a = injection.answer;
      // An error the operation declares is answered as the spec describes it (generated from its schema too);
      // one under its class (`5XX`) or `default`, with that response's example; anything else as a gateway would.
      if (a.kind === 'error' && a.body === undefined && declaresStatus(match!.operation, a.status)) code = a.status;
      else return void (await answerFault(req, res, injection, a.kind === 'error' ? exampleFor(spec, match!.operation, a.status) : undefined));
    }
    if (verdict.fault === 'error') {
      const declared = failureStatus.get(match!.operation.id);
      if (declared === undefined) {
        return sendProblem(res, 503, 'Service Unavailable', `a failure within ${match!.operation.id}'s promised error budget (sworn mock --behave slo)`);
      }
      code = declared;
    }
    const generated = preferences.dynamic ?? dynamic;
    if (generated && match) {
      if (!generationSizes.has(match.operation.id)) generationSizes.set(match.operation.id, oversizedGeneration(spec, match.operation) !== undefined);
      if (generationSizes.get(match.operation.id) === true) {
        return sendProblem(res, 500, 'Internal Server Error', `${match.operation.id}: generating its answer would make more than ${MAX_GENERATED.toLocaleString('en-US')} values, items and characters; the mock generates no more, so that one request cannot hold up the others`, {
          hint: 'Give the response an example (served without generating), or lower the schema\'s maxItems / minItems / minLength.',
        });
      }
    }
    const key = match && !generated ? `${match.operation.id}\0${code ?? ''}\0${preferences.example ?? ''}\0${req.headers.accept ?? ''}` : undefined;
    let answer = key === undefined ? undefined : cache.get(key);
    if (!answer) {
      const input = {
        method: method.toLowerCase() as never,
        url: { path, query: queryOf(query) },
        headers: Object.fromEntries(Object.entries(req.headers).filter(([, v]) => v !== undefined).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)])),
        body: parseBody(body, req.headers['content-type']),
      };
      const config = {
        mock: { dynamic: generated, ...(code !== undefined ? { code } : {}), ...(preferences.example !== undefined ? { exampleKey: preferences.example } : {}), ...(generated ? { seed: preferences.seed ?? String(seed) } : {}) },
        checkSecurity: !match, validateRequest: !match, validateResponse: false, errors: false, upstreamProxy: undefined, isProxy: false as const,
      };
      const candidates = await operationsFor(match?.operation, method.toLowerCase(), path);
      const result = await prism.request(input, candidates, config)();
      // A request our router does not route (`/things/` for `/things/{id}`) may still be prism-http's: named by that operation.
      const routed = match?.operation ?? (candidates.length === 1 ? operations.find((o) => o.path === candidates[0]!.path && o.method === candidates[0]!.method.toLowerCase()) : undefined);
      const where = routed ? routed.id : `${method} ${url.pathname}`;
      if (result._tag === 'Left') {
        const left = result.left as Error & { status?: number; additional?: { headers?: Record<string, string>; validation?: Array<{ location?: string[]; code?: unknown; message: string }> } };
        for (const [name, value] of Object.entries(left.additional?.headers ?? {})) res.setHeader(name, value);
        const validation = left.additional?.validation;
        if (left.status === 422 && Array.isArray(validation)) {
          note.violations = fromPrismValidation(validation, routed?.id ?? null);
          return refuse(res, where, note.violations);
        }
        if (left.status === 401) {
          note.violations = [{ code: 'request-security', operationId: routed?.id ?? null, direction: 'request', location: 'security', pointer: '', keyword: 'security', message: 'the request carries none of the declared credentials' }];
          const challenge = routed ? wwwAuthenticate(validators.get(routed), { headers: req.headers, query: url.search.slice(1) }) : undefined;
          return refuse(res, where, note.violations, challenge ?? (res.getHeader('www-authenticate') as string | undefined));
        }
        const problem = ProblemJsonError.toProblemJson(left);
        const text = JSON.stringify(problem);
        res.writeHead(problem.status || 500, { 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(text) });
        return void res.end(text);
      }
      const { output } = result.right;
      const headers = Object.fromEntries(Object.entries(output.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
      const contentType = headers['content-type'];
      const written = serializeAnswer(problemFor(output.body, output.statusCode, contentType), contentType, answerSchema(spec, match?.operation, output.statusCode, contentType), spec);
      if ('error' in written) {
        // As Prism: a body its media type cannot carry is the spec's fault, answered 500 and never cached.
        return sendProblem(res, 500, 'Internal Server Error', `${where}: ${written.error}`, { hint: written.hint });
      }
      const bytes = written.text === undefined ? undefined : Buffer.from(written.text);
      let violations = match ? await answerViolations(validators.get(match.operation), output.statusCode, headers, bytes) : [];
      if (match && (bytes === undefined || bytes.length <= EVERY_ERROR_MAX_BODY) && violations.some((v) => v.code === 'response-body-invalid' || v.code === 'response-header-invalid')) {
        // An answer breaking a schema names each error, as a refused request does: checked again by the thorough validators.
        const first = violations;
        violations = await answerViolations(thoroughValidators().get(match.operation), output.statusCode, headers, bytes, { everyError: true }).catch(() => first);
      }
      answer = { status: output.statusCode, headers, body: bytes, violations, violationHeaders: formatAnswerViolations(violations) };
      // Bounded in entries and in bytes: the key holds the client's Accept header as sent, which a client can vary at will.
      const size = (bytes?.length ?? 0) + (key?.length ?? 0);
      if (key !== undefined && cache.size < MAX_CACHED_ANSWERS && cachedBytes + size <= MAX_CACHED_BYTES) {
        cache.set(key, answer);
        cachedBytes += size;
      }
    }
    for (const [name, value] of Object.entries(answer.violationHeaders)) res.setHeader(name, value);
    if (options.errors && match && answer.violations.length > 0) {
      const problem = answerProblem(match.operation.id, answer.status, answer.violations, generated);
      return sendProblem(res, problem.status, problem.title, problem.detail, problem.extra);
    }
    for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
    const bytes = answer.body;
    if (bytes) res.setHeader('content-length', bytes.length);
    if (injection && (injection.truncate !== undefined || injection.bytesPerSecond !== undefined) && bytes && method !== 'HEAD') return void (await writeFaulted(res, answer.status, {}, [bytes], injection));
    res.writeHead(answer.status);
    if (verdict.fault === 'truncate' && bytes && bytes.length > 1) {
      res.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
      return void setImmediate(() => req.socket.destroy());
    }
    res.end(method === 'HEAD' ? undefined : bytes);
  }

  const onExchange = options.onExchange;
  const server = http.createServer((req, res) => {
    const note: ExchangeNote = { operation: undefined, secretNames: [apiKeyNames], violations: [], verdict: undefined };
    if (onExchange) {
      const started = performance.now();
      res.once('close', () => {
        try {
          onExchange(exchangeRecord(req, res, note, performance.now() - started));
        } catch (error) {
          logger.error({ err: error }, 'the exchange log failed');
        }
      });
    }
    handle(req, res, note).catch((error: unknown) => {
      logger.error({ err: error, url: req.url }, 'mock failed');
      sendProblem(res, 500, 'Internal Server Error', `the mock failed: ${(error as Error).message}`);
    });
  });
  await listen(server, options.port ?? 4010, options.host ?? '127.0.0.1', '--port');
  const address = server.address() as AddressInfo;
  const url = `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`;

  const settings = (): MockSettings => ({
    spec: { title: spec.title, version: spec.apiVersion },
    dynamic,
    seed,
    behave,
    chaos: formatChaos(chaos),
    operations: [...behaviours].map(([operationId, b]) => ({
      operationId,
      errorRate: Math.round(b.errorRate * 1e12) / 1e12,
      latency: b.latency ? { ...b.latency, p50: Math.exp(b.latency.mu), p99: Math.exp(b.latency.mu + b.latency.sigma * 2.3263478740408408) } : null,
    })),
  });
  const admin = options.adminPort === null || options.adminPort === undefined ? undefined : await startMockAdmin(options.adminPort, options.adminHost ?? '127.0.0.1', settings, (text) => {
    chaos = parseChaos(text, chaos, 'POST /chaos');
    return formatChaos(chaos);
  }, { registry: faults, names: { operations: () => operations.map((o) => o.id), tiers: () => [], identifiesConsumers: false } }, options.adminToken);
  return {
    url,
    routes: operations.map((o) => ({ method: o.method.toUpperCase(), path: `${o.basePaths.find((b) => b !== '') ?? ''}${o.path}`, operationId: o.id })),
    adminUrl: admin?.url,
    settings,
    setChaos: (next) => {
      chaos = next;
    },
    faults,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await admin?.close();
    },
  };
}


/** A violation a schema reports: with `allErrors`, the schema may report more. */
function breaksSchema(v: Violation): boolean {
  return (v.code === 'request-parameter-invalid' || v.code === 'request-body-invalid') && v.keyword !== 'allowReserved';
}

function exchangeRecord(req: IncomingMessage, res: ServerResponse, note: ExchangeNote, durationMs: number): MockExchange {
  return {
    at: new Date().toISOString(),
    method: (req.method ?? 'GET').toUpperCase(),
    url: redactedUrl(req.url ?? '/', note.secretNames),
    operation: note.operation,
    status: res.statusCode,
    complete: res.writableFinished,
    violations: note.violations.map(({ code, location, pointer, message }) => ({ code, location, pointer, message })),
    behaviour: note.verdict ? { delayMs: Math.round(note.verdict.delayMs * 10) / 10, fault: note.verdict.fault } : undefined,
    ...(note.faults ? { faults: note.faults } : {}),
    durationMs: Math.round(durationMs * 10) / 10,
  };
}

/** The request's path and query, with the values of credential-like parameters (`api_key`, `token`, …) redacted. */
export function redactedUrl(url: string, secretNames: ReadonlyArray<ReadonlySet<string>> = []): string {
  // An absolute-form target (`GET http://user:password@host/…`): its userinfo is a credential.
  const raw = url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i, '$1REDACTED@');
  const at = raw.indexOf('?');
  if (at < 0) return raw;
  const parts = raw.slice(at + 1).split('&').map((part) => {
    const equals = part.indexOf('=');
    const name = equals < 0 ? part : part.slice(0, equals);
    let decoded = name;
    try {
      decoded = decodeURIComponent(name.replace(/\+/g, ' '));
    } catch {
      // a malformed escape: judged as written
    }
    const lower = decoded.toLowerCase();
    return secretNames.some((names) => names.has(decoded) || names.has(lower)) || looksLikeCredential(decoded) ? `${name}=REDACTED` : part;
  });
  return `${raw.slice(0, at)}?${parts.join('&')}`;
}

/** The names of the spec's API keys (`in: query`, `header` or `cookie`), as written and lower case: their values are secrets. */
function apiKeyNamesOf(spec: Spec): ReadonlySet<string> {
  const names = new Set<string>();
  const schemes = (spec.document.components as { securitySchemes?: Record<string, unknown> } | undefined)?.securitySchemes;
  for (const scheme of Object.values(schemes ?? {})) {
    const name = scheme !== null && typeof scheme === 'object' ? (scheme as { type?: unknown; name?: unknown }) : undefined;
    if (name?.type === 'apiKey' && typeof name.name === 'string') {
      names.add(name.name);
      names.add(name.name.toLowerCase());
    }
  }
  return names;
}

/** The status a failure answers with: a declared 5xx (503 first), else none (503 problem+json). */
function declaredFailure(operation: Operation): number | undefined {
  const codes = Object.keys(operation.operation.responses ?? {});
  const numeric = codes.filter((c) => /^5\d\d$/.test(c)).map(Number).sort((a, b) => (a === 503 ? -1 : b === 503 ? 1 : a - b));
  return numeric[0];
}

/** Whether the operation declares exactly this status (an injected error is then answered as the spec describes it). */
function declaresStatus(operation: Operation, status: number): boolean {
  return Object.prototype.hasOwnProperty.call(operation.operation.responses ?? {}, String(status));
}

function setCorsHeaders(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('access-control-allow-origin', req.headers.origin ?? '*');
  res.setHeader('access-control-allow-headers', req.headers['access-control-request-headers'] ?? '*');
  res.setHeader('access-control-allow-credentials', 'true');
  res.setHeader('access-control-expose-headers', '*');
}

function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.once('end', () => resolve(size > MAX_BODY ? 'too-large' : Buffer.concat(chunks)));
    req.once('error', reject);
  });
}


function queryOf(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    out[key] = values.length === 1 ? (values[0] as string) : values;
  }
  return out;
}


/** The mock's admin port: `/healthz`, `GET /` and `GET /chaos` (settings), `POST /chaos` (change the game-day settings). */
async function startMockAdmin(port: number, host: string, settings: () => MockSettings, setChaos: (text: string) => string, faults: { registry: FaultRegistry; names: FaultNames }, token: string | undefined): Promise<{ url: string; close(): Promise<void> }> {
  const authorized = bearerAuthorizer(token);
  const json = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body, null, 2);
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(text);
  };
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') return json(res, 200, { status: 'ok' });
    if (!authorized(req.headers.authorization)) {
      res.setHeader('www-authenticate', 'Bearer realm="sworn admin"');
      return json(res, 401, { title: 'Unauthorized', status: 401, detail: 'send Authorization: Bearer <admin token>' });
    }
    if (serveFaults(faults.registry, faults.names, req, res, path ?? '/')) return;
    if (req.method === 'GET' && (path === '/' || path === '/chaos')) return json(res, 200, settings());
    if (req.method === 'POST' && path === '/chaos') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8').trim();
        let text = raw;
        if (raw.startsWith('{')) {
          try {
            text = Object.entries(JSON.parse(raw) as Record<string, unknown>).map(([k, v]) => `${k}=${String(v)}`).join(',');
          } catch {
            return json(res, 400, { title: 'Bad Request', status: 400, detail: 'the body is neither JSON nor error=2x,latency=3x,…' });
          }
        }
        try {
          json(res, 200, { chaos: setChaos(text) });
        } catch (error) {
          json(res, 400, { title: 'Bad Request', status: 400, detail: (error as Error).message, hint: error instanceof SwornError ? error.hint : undefined });
        }
      });
      return;
    }
    json(res, 404, { title: 'Not Found', status: 404, detail: 'mock admin endpoints: GET /healthz, GET /chaos, POST /chaos, GET/POST/DELETE /faults' });
  });
  await listen(server, port, host, '--admin-port');
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
