import http, { type IncomingMessage, type ServerResponse, type IncomingHttpHeaders } from 'node:http';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';

import { isIPv4, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Pool, errors as undiciErrors } from 'undici';
import type { Logger } from 'pino';
import { SwornError } from '../errors.js';
import type { Spec } from '../spec/load-spec.js';
import { listOperations, type Operation } from '../spec/operations.js';
import { resolveSlos } from '../slo/resolve.js';
import { compileRouter, parseTarget, type Reading, type RequestTarget } from '../router/index.js';
import { allSecretNames, compileValidators, unsupportedPatterns, validateRequest, validateResponse, type CompiledOperation } from '../validate/index.js';
import type { Violation } from '../validate/violation.js';
import { Store } from '../store/store.js';
import { SloEngine, type EngineEvent } from '../engine/engine.js';
import { buildReport, reportWindow, type ReportOptions } from '../report/report.js';
import { ConsumerIdentifier, type Consumer } from './consumers.js';
import { ConformanceStats } from './stats.js';
import { ProxyMetrics } from './metrics.js';
import { problemBody, sendProblem, violationList, violationsHeader } from './problem.js';
import { redactBody, redactHeaders, redactPath, redactQuery } from './redact.js';
import { createLogger, RateLimitedLog } from './log.js';
import { listen, startAdmin } from './admin.js';
import { ClientGoneError, DeadlineError, forward, ForwardError, InvalidStatusError } from './forward.js';
import { hasBody, readBody, type BodyRead } from './body.js';
import { backwardHeaders, forwardHeaders, headerCount, headerString, headerTokens } from './headers.js';
import { tunnelUpgrade, type UpgradeVerdict } from './tunnel.js';

export interface ProxyOptions {
  spec: Spec;
  /** The service behind the proxy, e.g. `http://127.0.0.1:8080`. */
  upstream: string;
  port?: number;
  host?: string;
  /** Admin server (health, metrics, report); `null` for none. */
  adminPort?: number | null;
  adminHost?: string;
  /** Bearer token the admin server requires, when set. */
  adminToken?: string;
  mode?: 'observe' | 'enforce';
  /** Replace responses that break the contract with 502 (enforce mode). */
  enforceResponses?: boolean;
  /** Add a `Sworn-Violations` header to responses in observe mode too. */
  violationsHeader?: boolean;
  /** SQLite file; `':memory:'` keeps nothing; default `sworn.db`. */
  store?: string;
  /**
   * Refuse to start when the store cannot be opened (SWORN_ERR_STORE). By
   * default the proxy starts anyway, counts in memory, and opens the store
   * as soon as it can.
   */
  storeRequired?: boolean;
  /** Bytes of each body kept for validation (default 1 MiB); larger bodies pass unchecked. */
  maxBody?: number;
  /** No response headers within this many ms of the request's arrival (waiting for a socket included) -> 504 (default 30 s). */
  timeoutMs?: number;
  /** The request headers must arrive within this (default 10 s); slower -> 408. */
  headerTimeoutMs?: number;
  /**
   * The request body (up to --max-body) must arrive within this after the
   * headers (default 30 s); slower -> 408. A body over --max-body streams on,
   * and may then not stay idle longer than this between chunks.
   */
  bodyTimeoutMs?: number;
  /** Upstream sockets (default 128); at most a quarter of them carry streamed uploads (bodies over --max-body). */
  upstreamConnections?: number;
  /** How long SIGTERM waits for in-flight requests (default 10 s). */
  drainTimeoutMs?: number;
  /** Store flush interval (default 1 s): what a crash can lose at most. */
  flushIntervalMs?: number;
  jwtUnverified?: boolean;
  logger?: Logger;
  logLevel?: string;
  /** Violation log lines per second at most (default 20); the rest are counted in one summary line. */
  violationLogsPerSecond?: number;
  /**
   * The clock (epoch ms, fractions allowed). Default: the system clock, with
   * durations from the monotonic clock. Tests inject one to replay days of
   * traffic in seconds; durations are then measured on it too.
   */
  clock?: () => number;
  /**
   * Where to send what the upstream cannot serve (a running `sworn mock`):
   * requests the upstream answers 501 or cannot be reached for (connection
   * refused or reset before an answer) are served from there instead.
   */
  fallback?: string;
}

export interface RunningProxy {
  url: string;
  adminUrl: string | undefined;
  operations: Operation[];
  stats: ConformanceStats;
  metrics: ProxyMetrics;
  store: Store;
  engine: SloEngine;
  /** The report `GET /report` serves (conformance and SLO figures). */
  report(options?: ReportOptions): ReturnType<typeof buildReport>;
  /** Stop accepting, wait for in-flight requests (up to the drain deadline), flush the store, close. */
  close(): Promise<void>;
  /** Requests being handled now. */
  inFlight(): number;
}

interface Exchange {
  started: number;
  /** Epoch ms when the first request byte arrived. */
  at: number;
  requestId: string;
  method: string;
  path: string;
  query: string;
  /** Path parameters (percent-decoded), when an operation matched. */
  params: Record<string, string>;
  operation: CompiledOperation | undefined;
  consumer: Consumer;
  violations: Violation[];
  requestBody: Buffer | undefined;
  requestTooLarge: boolean;
}

/**
 * Starts the conformance proxy: every exchange is forwarded to the upstream
 * and checked against the spec; violations are counted per operation and
 * consumer, sampled (redacted) into the store, logged and exported.
 *
 * @example
 * const proxy = await startProxy({ spec, upstream: 'http://127.0.0.1:8080', port: 0 });
 * // ... traffic ...
 * await proxy.close();
 */
export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const spec = options.spec;
  const mode = options.mode ?? 'observe';
  const maxBody = options.maxBody ?? 1_048_576;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const logger = options.logger ?? createLogger({ level: options.logLevel ?? 'info' });
  const violationLog = new RateLimitedLog(logger, options.violationLogsPerSecond ?? 20);
  let upstreamUrl: URL;
  try {
    upstreamUrl = new URL(options.upstream);
    if (!/^https?:$/.test(upstreamUrl.protocol)) throw new Error('not http');
  } catch {
    throw new SwornError('SWORN_ERR_USAGE', `--upstream ${JSON.stringify(options.upstream)} is not an http(s) URL`, { hint: 'Write e.g. --upstream http://127.0.0.1:8080' });
  }

  const operations = listOperations(spec);
  const slo = resolveSlos(spec, operations);
  const router = compileRouter(operations);
  const compiled = compileValidators(spec, operations);
  const identifier = new ConsumerIdentifier(
    slo.consumers.identify.length > 0 ? slo.consumers : { ...slo.consumers, identify: [{ clientAddress: true }] },
    { baseDir: dirname(spec.file), ...(options.jwtUnverified ? { jwtUnverified: true } : {}) },
  );
  // Headers, query parameters and cookies that identify consumers are credentials too: never stored.
  const identificationSecrets = slo.consumers.identify.flatMap((m) => [m.apiKey?.header?.toLowerCase(), m.apiKey?.query, m.apiKey?.cookie, m.jwt?.header?.toLowerCase()]).filter((n): n is string => n !== undefined);
  for (const op of compiled.values()) for (const name of identificationSecrets) op.secretNames.add(name);
  // A request no operation matches is redacted with every secret name the spec knows.
  const unknownRouteSecrets: ReadonlySet<string> = new Set([...allSecretNames(compiled), ...identificationSecrets]);
  const unsupported = unsupportedPatterns(compiled);
  if (unsupported.length > 0) logger.warn({ patterns: unsupported.slice(0, 20), count: unsupported.length }, `${unsupported.length} schema pattern(s) cannot run in linear time and are not checked; \`sworn lint\` lists them (pattern-unsupported)`);
  const clock = options.clock;
  const now = clock ?? Date.now;
  const flushIntervalMs = options.flushIntervalMs ?? 1_000;
  // A store that cannot be written never stops traffic: counts wait in memory (bounded, drops counted) and every flush retries.
  const store = new Store(options.store ?? 'sworn.db', {
    now: now(),
    required: options.storeRequired === true,
    onEvent: (event) => {
      if (event.kind === 'recreated') {
        logger.warn({ cause: event.cause, store: store.path }, 'the store file was deleted or replaced; writing the whole state to a new one');
        store.addCounts(stats.totals(), now());
      } else {
        logger.info({ store: store.path }, 'the store opened; merging what it holds with what was counted meanwhile');
        engine.restore(store.loadSlo(), { merge: true });
        stats.restore(store.load());
      }
      store.saveSlo(engine.takeSnapshot({ all: true }));
    },
  });
  if (store.health().state === 'unavailable') logger.error({ store: store.path, cause: store.health().cause }, 'the store cannot be opened; traffic is forwarded and counted in memory, and opening is retried at every flush (--store-required refuses to start instead)');
  // Latency histograms go to the store with every flush too, so a crash loses at most one interval of anything.
  const engine = new SloEngine(slo, { now, latencyIntervalMs: flushIntervalMs });
  engine.restore(store.loadSlo());
  if (spec.file) store.setMeta('spec', spec.file);
  let lastPrune = 0;
  const prune = () => {
    lastPrune = now();
    engine.prune();
    store.prune(lastPrune - engine.retentionMs);
  };
  prune();
  const stats = new ConformanceStats(operations, { title: spec.title, version: spec.apiVersion });
  stats.restore(store.load());
  identifier.remember(stats.consumers());
  const metrics = new ProxyMetrics();
  metrics.watchSlo(engine, operations.map((o) => o.id));
  metrics.watchStore(() => store.health());
  const connections = options.upstreamConnections ?? 128;
  const headerTimeoutMs = options.headerTimeoutMs ?? 10_000;
  const bodyTimeoutMs = options.bodyTimeoutMs ?? 30_000;
  const poolOptions = { pipelining: 1, keepAliveTimeout: 4_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs };
  // Requests with no body or a body read whole take the main pool. Uploads that stream (over --max-body)
  // take a pool of their own, a quarter the size, so slow uploaders cannot pin every upstream socket.
  const pool = new Pool(upstreamUrl.origin, { ...poolOptions, connections });
  const uploadPool = new Pool(upstreamUrl.origin, { ...poolOptions, connections: Math.max(1, Math.floor(connections / 4)) });
  // A request repeated after a stale keep-alive socket failed goes on a connection of its own.
  const retryPool = new Pool(upstreamUrl.origin, { ...poolOptions, connections: Math.max(1, Math.floor(connections / 8)) });
  const fallbackPool = options.fallback ? new Pool(new URL(options.fallback).origin, { connections: 32, pipelining: 1, headersTimeout: timeoutMs, bodyTimeout: timeoutMs }) : undefined;
  const pools = [pool, uploadPool, retryPool, ...(fallbackPool ? [fallbackPool] : [])];
  const failureLog = new RateLimitedLog(logger, options.violationLogsPerSecond ?? 20, Date.now, 'failure');
  const flushTimer = setInterval(() => {
    try {
      store.saveSlo(engine.takeSnapshot());
      const flushed = store.flush(now());
      if (!flushed.ok) failureLog.error({ err: flushed.error, store: store.health() }, 'store flush failed; counts stay in memory and are retried');
      if (now() - lastPrune >= PRUNE_EVERY_MS) prune();
    } catch (error) {
      failureLog.error({ err: error }, 'store upkeep failed');
    }
  }, flushIntervalMs);
  flushTimer.unref();

  let inFlight = 0;
  let draining = false;
  const drained: Array<() => void> = [];
  const basePath = upstreamUrl.pathname.replace(/\/+$/, '');
  const declaredMethods = [...new Set(operations.map((o) => o.method.toUpperCase()))].sort().join(', ');

  const record = (ex: Exchange, status: number, outcome: EngineEvent['outcome']) => {
    const operationId = ex.operation?.operation.id ?? '(unknown)';
    const statusClass = outcome === 'client-abort' ? 'aborted' : `${String(status)[0]}xx`;
    try {
      const durationMs = clock ? clock() - ex.at : performance.now() - ex.started;
      metrics.observe(operationId, statusClass, ex.consumer.name, durationMs / 1_000);
      stats.countRequest(operationId, ex.consumer.name, ex.consumer.tier);
      store.countRequest(operationId, ex.consumer.name, ex.consumer.tier, ex.at);
      if (ex.operation) {
        store.countUsage(ex.consumer.name, operationId, 'status', statusText(status));
        engine.record({ at: ex.at, operationId, consumer: ex.consumer.name, tier: ex.consumer.tier, status, durationMs, outcome });
      }
    } catch (error) {
      failureLog.error({ err: error, requestId: ex.requestId }, 'recording failed');
    }
  };

  /** A request the proxy answers itself before routing (malformed framing, `OPTIONS *`): counted by reason, never an operation's. */
  const countRefused = (reason: string) => {
    stats.countRefused(reason);
    metrics.refused.inc({ reason });
  };
  const refuse = (res: ServerResponse, reason: string, status: number, title: string, detail: string, headers: Record<string, string> = {}) => {
    countRefused(reason);
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    if (status >= 400) res.setHeader('connection', 'close');
    if (status < 400) {
      res.writeHead(status, { 'content-length': 0 });
      res.end();
    } else sendProblem(res, status, title, detail);
  };

  const report = (ex: Exchange, violations: Violation[], buildSample: () => unknown) => {
    if (violations.length === 0) return;
    let built: unknown;
    const sample = () => (built ??= buildSample()); // one excerpt per exchange, however many violations
    if (ex.requestId === '') ex.requestId = randomUUID(); // made only when something refers to it
    const at = new Date(ex.at).toISOString();
    for (const v of violations) {
      v.consumer = ex.consumer.name;
      v.requestId = ex.requestId;
      v.at = at;
      stats.countViolation(v, ex.consumer.name);
      store.countViolation(v, ex.consumer.name, ex.at);
      metrics.violations.inc({ operation: v.operationId ?? '(unknown)', consumer: ex.consumer.name, direction: v.direction, code: v.code });
      store.addSample({ operation: v.operationId ?? '(unknown)', consumer: ex.consumer.name, code: v.code, direction: v.direction, at, requestId: ex.requestId, sample: { violation: v, ...(sample() as object) } });
      violationLog.warn({ requestId: ex.requestId, operationId: v.operationId, consumer: ex.consumer.name, direction: v.direction, code: v.code, location: v.location, pointer: v.pointer }, `${v.direction === 'request' ? 'consumer' : 'provider'} broke the contract: ${v.message}`);
    }
  };

  const requestSample = (ex: Exchange, req: IncomingMessage) => {
    const secrets = ex.operation?.secretNames ?? unknownRouteSecrets;
    return {
      request: {
        method: ex.method,
        path: ex.operation ? redactPath(ex.path, ex.params, ex.operation) : ex.path,
        query: redactQuery(ex.query, secrets),
        headers: redactHeaders(req.headers, secrets),
        body: ex.requestTooLarge ? '<over --max-body>' : redactBody(ex.requestBody, req.headers['content-type'], secrets),
      },
    };
  };

  /** Why a request cannot be forwarded as framed, answered before routing (RFC 9112 §3.2, §6.1). */
  const framingProblem = (req: IncomingMessage, target: RequestTarget): { reason: string; status: number; title: string; detail: string } | undefined => {
    if (target.form === 'invalid') return { reason: 'request-target', status: 400, title: 'Bad Request', detail: 'the request target is neither a path nor an absolute URL' };
    if (headerCount(req.rawHeaders, 'host') > 1) return { reason: 'duplicate-host', status: 400, title: 'Bad Request', detail: 'the request has more than one Host header (RFC 9112 §3.2)' };
    // Singletons sent twice would be checked on one value and read by the upstream on another.
    for (const name of ['content-type', 'authorization']) {
      if (req.headers[name] !== undefined && headerCount(req.rawHeaders, name) > 1) return { reason: 'duplicate-header', status: 400, title: 'Bad Request', detail: `the request has more than one ${name} header` };
    }
    const te = req.headers['transfer-encoding'];
    if (te !== undefined) {
      const codings = [...headerTokens(te)];
      if (codings.length !== 1 || codings[0] !== 'chunked') return { reason: 'transfer-coding', status: 501, title: 'Not Implemented', detail: `the transfer coding ${JSON.stringify(headerString(te))} is not supported: only chunked (send Content-Encoding for compressed bodies)` };
    }
    return undefined;
  };

  /** Routing, identification and the exchange record, shared by requests and upgrades. */
  const begin = (req: IncomingMessage, target: RequestTarget): Begun | Promise<Begun> => {
    const started = performance.now();
    const at = now();
    const method = req.method ?? 'GET';
    const requestIdHeader = req.headers['x-request-id'];
    const requestId = typeof requestIdHeader === 'string' && requestIdHeader.length <= 200 ? requestIdHeader : '';
    const resolution = router.resolve(method, target.path);
    const match = resolution.match;
    const operation = match ? compiled.get(match.operation) : undefined;
    // A path no operation matches may still carry a secret where another method or a longer path would: it is kept redacted.
    const path = operation ? target.path : redactUnknownPath(target.path);
    const made = (consumer: Consumer): Begun => ({ ex: { started, at, requestId, method, path, query: target.query, params: match?.params ?? {}, operation, consumer, violations: [], requestBody: undefined, requestTooLarge: false }, readings: resolution.readings });
    const identified = identifier.identify(req, target.originForm);
    return identified instanceof Promise ? identified.then(made) : made(identified); // JWT verification is the only asynchronous way
  };

  const secretPathOperations = [...compiled.values()].filter((op) => op.params.some((p) => p.in === 'path' && p.secret));
  const anyMethod = [...new Set(operations.map((o) => o.method.toUpperCase()))];
  /** An unknown path with the values of secret path parameters masked wherever a prefix of it matches such an operation (any method). */
  const redactUnknownPath = (path: string): string => {
    if (secretPathOperations.length === 0) return path;
    const segments = path.split('/');
    for (let n = Math.min(segments.length, 32); n >= 2; n--) {
      const prefix = segments.slice(0, n).join('/');
      for (const method of anyMethod) {
        const m = router.resolve(method, prefix).match;
        const op = m ? compiled.get(m.operation) : undefined;
        if (m && op && secretPathOperations.includes(op)) return redactPath(prefix, m.params, op) + path.slice(prefix.length);
      }
    }
    return path;
  };

  /** How a request safe to repeat is repeated, one object per operation (none made per request). */
  const retries = new Map<string, NonNullable<Parameters<typeof forward>[2]['retry']>>();
  const retryFor = (operation: CompiledOperation | undefined) => {
    const id = operation?.operation.id ?? '(unknown)';
    let retry = retries.get(id);
    if (!retry) retries.set(id, (retry = { dispatcher: retryPool, onRetry: () => metrics.retries.inc({ operation: id }) }));
    return retry;
  };

  /** The finding for a path that only matches under a reading servers disagree on. */
  const ambiguity = (ex: Exchange, readings: Reading[]): Violation => ({
    code: 'request-path-ambiguous',
    operationId: ex.operation!.operation.id,
    direction: 'request',
    location: 'path',
    pointer: ex.operation!.operation.path, // the template, not the path as sent (it may carry secret values)
    keyword: null,
    message: `the path matches ${ex.operation!.operation.id} only if the server reads it with ${readings.join(', ')}; servers disagree on that (see docs/proxy.md#paths)`,
  });

  const unknownRoute = (ex: Exchange, req: IncomingMessage) => {
    store.countUnknownRoute(ex.method, stats.countUnknownRoute(ex.method, ex.path), ex.at);
    report(ex, [{ code: 'unknown-route', operationId: null, direction: 'request', location: 'route', pointer: ex.path, keyword: null, message: `no operation matches ${ex.method} ${ex.path}; forwarded unchecked` }], () => requestSample(ex, req));
  };

  const refuseRequest = (res: ServerResponse, ex: Exchange, violations: Violation[]) => {
    const { status, title } = refusalStatus(violations);
    sendProblem(res, status, title, `the request breaks the API contract of ${ex.operation!.operation.id} (${violations.length} violation${violations.length === 1 ? '' : 's'})`, { operationId: ex.operation!.operation.id, violations: violationList(violations), requestId: ex.requestId });
    return status;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = parseTarget(req.url ?? '/');
    const method = req.method ?? 'GET';
    if (target.form === 'asterisk') {
      // `OPTIONS *` asks about the server, not a resource (RFC 9110 §9.3.7): answered here, for the methods the spec declares.
      if (method === 'OPTIONS') refuse(res, 'options-asterisk', 200, 'OK', '', { allow: declaredMethods });
      else refuse(res, 'request-target', 400, 'Bad Request', `the request target * is only for OPTIONS, not ${method}`);
      return;
    }
    const framing = framingProblem(req, target);
    if (framing) {
      refuse(res, framing.reason, framing.status, framing.title, framing.detail);
      return;
    }
    const begun = begin(req, target);
    const { ex, readings } = begun instanceof Promise ? await begun : begun;
    const operation = ex.operation;
    const enforce = mode === 'enforce' && operation !== undefined;

    // A CORS preflight the spec does not describe is the browser's, not the consumer's: forwarded, not a violation.
    const preflight = method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
    if (!operation && !preflight) unknownRoute(ex, req);
    const pathViolations = operation && readings.length > 0 ? [ambiguity(ex, readings)] : [];
    if (enforce && pathViolations.length > 0) {
      report(ex, pathViolations, () => requestSample(ex, req));
      record(ex, refuseRequest(res, ex, pathViolations), 'response');
      return;
    }

    // The body (up to --max-body) is read before anything goes upstream: a slow client holds no upstream socket.
    const read: BodyRead = hasBody(req) ? await readBody(req, maxBody, bodyTimeoutMs) : NO_BODY;
    if (read.kind === 'aborted') {
      record(ex, 499, 'client-abort'); // the client went away mid-body
      return;
    }
    if (read.kind === 'timeout') {
      res.setHeader('connection', 'close');
      sendProblem(res, 408, 'Request Timeout', `the request body did not arrive within ${bodyTimeoutMs} ms`);
      res.once('finish', () => req.destroy());
      record(ex, 408, 'response');
      return;
    }
    const body = read.kind === 'whole' ? read.body : read.kind === 'over' ? read.stream : undefined;
    ex.requestTooLarge = read.kind === 'over';
    ex.requestBody = read.kind === 'whole' ? read.body : undefined;

    const requestChecks = async () => {
      if (!operation) return [];
      const violations = await validateRequest(operation, { params: ex.params, query: ex.query, headers: req.headers, body: read.kind === 'none' ? undefined : ex.requestBody ?? Buffer.alloc(0), bodyTooLarge: ex.requestTooLarge, maxDecoded: maxBody });
      recordParameterUsage(store, ex.consumer.name, operation, ex.query, req.headers);
      return [...pathViolations, ...violations];
    };

    if (enforce) {
      const violations = await requestChecks();
      ex.violations = violations;
      report(ex, violations, () => requestSample(ex, req));
      const blocking = violations.filter(blocks);
      if (blocking.length > 0) {
        record(ex, refuseRequest(res, ex, blocking), 'response');
        return;
      }
    }

    const holdResponse = operation !== undefined && (enforce || options.violationsHeader === true);
    const forwardOptions = { path: basePath + target.originForm, method, headers: forwardHeaders(req, target.host, () => checkedHeaders(ex.operation)), body: body ?? null, keep: operation ? maxBody : 0, hold: holdResponse, outgoing: backwardHeaders, deadlineMs: timeoutMs };
    const replayable = body === undefined || Buffer.isBuffer(body);
    const retry = replayable && SAFE_TO_REPEAT.has(method) ? retryFor(operation) : undefined;
    // The mock fallback can only take requests whose body can be sent again.
    const fallbackable = fallbackPool !== undefined && replayable;
    const viaFallback = () => forward(fallbackPool!, res, { ...forwardOptions, path: target.originForm });
    let upstream: Awaited<ReturnType<typeof forward>>;
    try {
      upstream = await forward(replayable ? pool : uploadPool, res, { ...forwardOptions, ...(retry ? { retry } : {}), ...(fallbackable ? { divert: (status: number) => status === 501 } : {}) }).catch((error: unknown) => {
        if (fallbackable && unreachable(error)) return viaFallback();
        throw error;
      });
      if (upstream.diverted) upstream = await viaFallback();
    } catch (error) {
      const cause = error instanceof ForwardError ? error.cause : (error as Error & { code?: string });
      if (cause instanceof ClientGoneError || res.destroyed || (error instanceof ForwardError && error.sent)) {
        // The client went away, or the upstream broke off a response already under way.
        if (error instanceof ForwardError && error.sent && !res.destroyed) {
          failureLog.error({ requestId: ex.requestId || randomUUID(), code: cause.code }, 'the upstream broke off the response body');
          res.destroy();
          record(ex, 502, 'upstream-error');
        } else record(ex, 499, 'client-abort');
        return;
      }
      if (cause.code === 'UND_ERR_INVALID_ARG' || cause.name === 'InvalidArgumentError') {
        // The request cannot be written as HTTP (e.g. a header value undici refuses): the client's fault, not the upstream's.
        const detail = `the request cannot be forwarded: ${cause.message}`;
        if (operation) report(ex, [{ code: 'request-parameter-invalid', operationId: operation.operation.id, direction: 'request', location: 'header', pointer: '', keyword: null, message: detail }], () => requestSample(ex, req));
        sendProblem(res, 400, 'Bad Request', detail);
        record(ex, 400, 'response');
        return;
      }
      const timeout = cause instanceof DeadlineError || cause instanceof undiciErrors.HeadersTimeoutError || cause.code === 'UND_ERR_HEADERS_TIMEOUT' || cause.code === 'UND_ERR_CONNECT_TIMEOUT';
      const status = timeout ? 504 : 502;
      const detail = timeout ? `the upstream sent no response within ${timeoutMs} ms` : cause instanceof InvalidStatusError ? cause.message : `the upstream could not be reached or reset the connection (${cause.code ?? cause.message})`;
      if (ex.requestId === '') ex.requestId = randomUUID();
      failureLog.error({ requestId: ex.requestId, upstream: upstreamUrl.origin, code: cause.code, status }, detail);
      if (!enforce) {
        ex.violations = await requestChecks().catch(() => []);
        report(ex, ex.violations, () => requestSample(ex, req));
      }
      sendProblem(res, status, timeout ? 'Gateway Timeout' : 'Bad Gateway', detail, { requestId: ex.requestId });
      record(ex, status, timeout ? 'timeout' : 'upstream-error');
      return;
    }

    const status = upstream.status;
    const bodyless = method === 'HEAD' || status === 204 || status === 304;
    const responseSample = () => ({
      ...requestSample(ex, req),
      response: { status, headers: redactHeaders(upstream.headers, operation!.secretNames), body: upstream.tooLarge ? '<over --max-body>' : redactBody(concat(upstream.chunks), headerString(upstream.headers['content-type']), operation!.secretNames) },
    });
    const responseChecks = () => validateResponse(operation!, { status, headers: upstream.headers, body: concat(upstream.chunks), bodyTooLarge: upstream.tooLarge, bodyless, maxDecoded: maxBody });

    if (holdResponse && !upstream.written) {
      // The whole response is held: check it, then announce, replace or pass it.
      if (!enforce) ex.violations = await requestChecks();
      const responseViolations = await responseChecks();
      report(ex, [...(enforce ? [] : ex.violations), ...responseViolations], responseSample);
      if (enforce && options.enforceResponses && responseViolations.some((v) => v.code !== 'not-validated')) { // a response too large or compressed past the limit passes unchecked
        sendProblem(res, 502, 'Bad Gateway', `the upstream's response breaks the API contract of ${operation!.operation.id}`, { operationId: operation!.operation.id, violations: violationList(responseViolations), requestId: ex.requestId });
        record(ex, 502, 'response');
        return;
      }
      const outgoing = backwardHeaders(upstream.headers);
      const announced = [...ex.violations, ...responseViolations];
      if (announced.length > 0) outgoing['sworn-violations'] = violationsHeader(announced);
      res.writeHead(status, outgoing);
      for (const chunk of upstream.chunks) res.write(chunk);
      res.end();
      record(ex, status, 'response');
      return;
    }

    record(ex, status, 'response');
    // The exchange is over for the client; check it now, off its critical path.
    if (operation) {
      const requestViolations = enforce ? [] : await requestChecks();
      report(ex, [...requestViolations, ...(await responseChecks())], responseSample);
    }
  }

  /** An upgrade is a request like any other: routed, identified, checked (refused in enforce mode when invalid) and counted. */
  const admitUpgrade = async (req: IncomingMessage): Promise<UpgradeVerdict> => {
    const target = parseTarget(req.url ?? '/');
    const framing = target.form === 'asterisk' ? { reason: 'request-target', status: 400, title: 'Bad Request', detail: 'the request target * cannot be upgraded' } : framingProblem(req, target);
    if (framing) {
      countRefused(framing.reason);
      return { refuse: { status: framing.status, body: problemBody(framing.status, framing.title, framing.detail) } };
    }
    const { ex, readings } = await begin(req, target);
    const operation = ex.operation;
    if (!operation) unknownRoute(ex, req);
    const violations = operation ? [...(readings.length > 0 ? [ambiguity(ex, readings)] : []), ...(await validateRequest(operation, { params: ex.params, query: ex.query, headers: req.headers, body: undefined, bodyTooLarge: false, maxDecoded: maxBody }))] : [];
    if (operation && hasBody(req)) violations.push({ code: 'not-validated', operationId: operation.operation.id, direction: 'request', location: 'body', pointer: '', keyword: null, message: 'not-validated: upgrade-body (a body sent with an upgrade request goes into the tunnel unchecked)' });
    report(ex, violations, () => requestSample(ex, req));
    const blocking = violations.filter((v) => blocks(v) || hasBody(req));
    if (mode === 'enforce' && operation && blocking.length > 0) {
      const { status, title } = refusalStatus(blocking);
      record(ex, status, 'response');
      return { refuse: { status, body: problemBody(status, title, `the upgrade request breaks the API contract of ${operation.operation.id}`, { operationId: operation.operation.id, violations: violationList(blocking), requestId: ex.requestId }) } };
    }
    return {
      path: basePath + target.originForm,
      headers: forwardHeaders(req, target.host, () => checkedHeaders(ex.operation)),
      done: (status, outcome, headers) => {
        record(ex, status, outcome);
        if (operation && outcome === 'response') {
          validateResponse(operation, { status, headers: headers ?? {}, body: undefined, bodyTooLarge: false, bodyless: true, maxDecoded: maxBody }).then((v) => report(ex, v, () => requestSample(ex, req)), () => undefined);
        }
      },
    };
  };

  const server = http.createServer({ requestTimeout: 0, headersTimeout: headerTimeoutMs, keepAliveTimeout: 65_000, connectionsCheckingInterval: Math.min(1_000, headerTimeoutMs) }, (req, res) => {
    inFlight++;
    handle(req, res)
      .catch((error: unknown) => {
        // A bug in one exchange never takes the process down, nor leaves the client hanging. No query string in the log: it may hold a secret.
        failureLog.error({ err: error, method: req.method, path: (req.url ?? '').split('?')[0] }, 'request handling failed');
        sendProblem(res, 502, 'Bad Gateway', 'the proxy failed while handling this request; the failure is logged');
      })
      .finally(() => {
        inFlight--;
        if (inFlight === 0) for (const done of drained.splice(0)) done();
      });
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // Malformed HTTP never reaches an operation; it is counted by reason (and what the parser said), and answered.
    const timeout = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const reason = timeout ? 'header-timeout' : tooLarge ? 'header-too-large' : 'malformed';
    countRefused(reason);
    failureLog.warn({ code: error.code }, timeout ? `a client sent no complete request headers within ${headerTimeoutMs} ms` : 'malformed request from a client');
    const status = timeout ? '408 Request Timeout' : tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
    if ((socket as Socket).writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    else socket.destroy();
  });
  const tunnels = new Set<Socket>();
  // Upgrades hold their upstream socket for the tunnel's life: as many at most as the main pool has.
  const upgradeAgent = new http.Agent({ keepAlive: false, maxSockets: connections });
  const tunnelOptions = { upstream: upstreamUrl, agent: upgradeAgent, timeoutMs, admit: admitUpgrade, tunnels, onError: (message: string, code: string | undefined) => failureLog.error({ code }, message) };
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    inFlight++;
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      inFlight--;
      if (inFlight === 0) for (const done of drained.splice(0)) done();
    };
    socket.once('close', leave);
    tunnelUpgrade(req, socket as Socket, head, tunnelOptions);
  });

  const saveAndClose = () => {
    store.saveSlo(engine.takeSnapshot({ force: true }));
    const closed = store.close(now());
    if (!closed.ok) logger.error({ err: closed.error, unwritten: closed.unwritten, store: store.path }, 'the store could not be written at shutdown; the counts not written are lost');
  };
  const sloReport = (reportOptions: ReportOptions = {}) => {
    // A window reads the store's hourly counts: what is still in memory goes there first.
    if (reportOptions.since !== undefined) {
      const flushed = store.flush(now());
      if (!flushed.ok) throw new SwornError('SWORN_ERR_STORE', `a report over a window reads the store, which cannot be written now: ${flushed.error?.message ?? 'unknown'}`, { hint: 'GET /readyz says why; the live report (no window) is served from memory.' });
    }
    return buildReport({ spec: { title: spec.title, version: spec.apiVersion }, operations, engine, conformance: reportOptions.since === undefined ? stats.report(new Date(now())) : undefined, store, now: now() }, reportOptions);
  };
  const closePools = () => Promise.all(pools.map((p) => p.close().catch(() => undefined)));
  const cleanUp = async () => {
    clearInterval(flushTimer);
    saveAndClose();
    await closePools();
  };
  try {
    await listen(server, options.port ?? 8000, options.host ?? '127.0.0.1', '--port');
  } catch (error) {
    await cleanUp();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const url = `http://${formatHost(address.address)}:${address.port}`;

  if (options.adminPort !== null && !options.adminToken && !isLoopbackHost(options.adminHost ?? '127.0.0.1')) {
    logger.warn({ adminHost: options.adminHost }, 'the admin server listens beyond loopback without a token: anyone who can reach it reads /report and /metrics; set --admin-token');
  }
  const admin = options.adminPort === null ? undefined : await startAdmin({
    port: options.adminPort ?? 9464,
    host: options.adminHost ?? '127.0.0.1',
    ...(options.adminToken ? { token: options.adminToken } : {}),
    ready: () => {
      const health = store.health();
      const storeOk = health.state === 'ok' || health.state === 'recreated';
      // The store's trouble is reported, not made the pod's: traffic flows on unless --store-required.
      const ready = !draining && (storeOk || options.storeRequired !== true);
      return { ready, body: { status: draining ? 'draining' : storeOk ? 'ready' : 'degraded', store: health } };
    },
    metrics: () => metrics.registry,
    report: (query) => {
      const get = (name: string) => query.get(name) ?? undefined;
      const window = reportWindow({ window: get('window'), since: get('since'), until: get('until') }, now());
      return sloReport({ ...window, ...(query.has('consumer') ? { consumer: get('consumer') } : {}), ...(query.has('operation') ? { operation: get('operation') } : {}) });
    },
  }).catch(async (error: unknown) => {
    server.close();
    await cleanUp();
    throw error;
  });

  let closing: Promise<void> | undefined;
  const close = () => (closing ??= (async () => {
    draining = true;
    server.close();
    server.closeIdleConnections();
    if (inFlight > 0) {
      const deadline = setTimeout(() => {
        logger.warn({ inFlight, tunnels: tunnels.size }, 'drain deadline reached; closing the remaining connections');
        server.closeAllConnections();
        for (const socket of tunnels) socket.destroy(); // upgraded sockets are no longer the server's to close
        for (const done of drained.splice(0)) done();
      }, options.drainTimeoutMs ?? 10_000);
      await new Promise<void>((resolve) => drained.push(resolve));
      clearTimeout(deadline);
    }
    server.closeAllConnections();
    for (const socket of tunnels) socket.destroy();
    upgradeAgent.destroy();
    clearInterval(flushTimer);
    saveAndClose();
    await closePools();
    await admin?.close();
  })());

  return { url, adminUrl: admin?.url, operations, stats, metrics, store, engine, report: sloReport, close, inFlight: () => inFlight };
}

/**
 * Which of the operation's optional inputs a consumer sent (query, header and
 * cookie parameters; path parameters are always sent), for usage-aware diffs.
 * Runs after the response, off the client's path.
 */
function recordParameterUsage(store: Store, consumer: string, operation: CompiledOperation, query: string, headers: IncomingHttpHeaders): void {
  let queryKeys: Set<string> | undefined;
  let cookieNames: Set<string> | undefined;
  for (const p of operation.params) {
    let sent = false;
    if (p.in === 'query') {
      queryKeys ??= new Set([...new URLSearchParams(query).keys()].map((k) => k.replace(/\[.*$/, '')));
      sent = queryKeys.has(p.name);
    } else if (p.in === 'header') sent = headers[p.name.toLowerCase()] !== undefined;
    else if (p.in === 'cookie') {
      cookieNames ??= new Set(String(headers.cookie ?? '').split(';').map((c) => c.split('=')[0]!.trim()).filter(Boolean));
      sent = cookieNames.has(p.name);
    }
    if (sent) store.countUsage(consumer, operation.operation.id, 'parameter', `${p.in}:${p.in === 'header' ? p.name.toLowerCase() : p.name}`);
  }
}

/** The upstream could not take the request at all (nothing was sent back): the mock fallback may serve it. */
function unreachable(error: unknown): boolean {
  if (!(error instanceof ForwardError) || error.sent) return false;
  const code = error.cause.code ?? '';
  return ['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT'].includes(code);
}

/** Retention is enforced (memory and store) at most this often. */
const PRUNE_EVERY_MS = 3_600_000;

const STATUS_TEXT = Array.from({ length: 600 }, (_v, i) => String(i));
const statusText = (status: number) => STATUS_TEXT[status] ?? String(status);

function concat(chunks: Buffer[]): Buffer {
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}

function formatHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/**
 * In enforce mode, what refuses a request: every finding but a body too
 * large to keep (forwarded unchecked, as documented); a body that cannot be
 * decoded, or decodes past --max-body, is refused too (it would reach the
 * upstream unchecked).
 */
function blocks(v: Violation): boolean {
  return v.code !== 'not-validated' || v.keyword === 'contentEncoding' || v.keyword === 'maxDecodedLength';
}

/** 401 when only credentials are missing, 415 / 413 when only the body's coding or decoded size stands in the way, else 400. */
function refusalStatus(violations: Violation[]): { status: number; title: string } {
  if (violations.every((v) => v.code === 'request-security')) return { status: 401, title: 'Unauthorized' };
  if (violations.every((v) => v.keyword === 'contentEncoding')) return { status: 415, title: 'Unsupported Media Type' };
  if (violations.every((v) => v.keyword === 'maxDecodedLength')) return { status: 413, title: 'Content Too Large' };
  return { status: 400, title: 'Bad Request' };
}

/** Headers the checks read, which a client's `Connection` header may not strip on the way upstream. */
const CHECKED_ALWAYS = ['host', 'content-type', 'content-length', 'content-encoding', 'authorization', 'cookie'];
const checkedByOperation = new WeakMap<CompiledOperation, ReadonlySet<string>>();
function checkedHeaders(op: CompiledOperation | undefined): ReadonlySet<string> {
  if (!op) return CHECKED_DEFAULT;
  let set = checkedByOperation.get(op);
  if (!set) {
    const names = [...CHECKED_ALWAYS, ...op.params.filter((p) => p.in === 'header').map((p) => p.name)];
    for (const alternative of op.security) for (const c of alternative) if (c.type === 'apiKey' && c.in === 'header' && c.name) names.push(c.name);
    checkedByOperation.set(op, (set = new Set(names)));
  }
  return set;
}
const CHECKED_DEFAULT: ReadonlySet<string> = new Set(CHECKED_ALWAYS);

/** Whether an address (or `localhost`) is loopback: 127.0.0.0/8, ::1, ::ffff:127.x. A host name other than localhost is not. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIPv4(v4) && v4.startsWith('127.');
}

interface Begun {
  ex: Exchange;
  readings: Reading[];
}

const NO_BODY: BodyRead = { kind: 'none' };

/** Methods whose requests may be sent twice (RFC 9110 §9.2.2), when the body can be replayed. */
const SAFE_TO_REPEAT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
