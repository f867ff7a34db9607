import http, { type IncomingMessage, type ServerResponse, type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';

import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Pool, errors as undiciErrors } from 'undici';
import type { Logger } from 'pino';
import { SwornError } from '../errors.js';
import type { Spec } from '../spec/load-spec.js';
import { listOperations, type Operation } from '../spec/operations.js';
import { resolveSlos } from '../slo/resolve.js';
import { compileRouter } from '../router/router.js';
import { compileValidators, validateRequest, validateResponse, type CompiledOperation } from '../validate/index.js';
import type { Violation } from '../validate/violation.js';
import { Store } from '../store/store.js';
import { SloEngine, type EngineEvent } from '../engine/engine.js';
import { buildReport, reportWindow, type ReportOptions } from '../report/report.js';
import { ConsumerIdentifier, type Consumer } from './consumers.js';
import { ConformanceStats } from './stats.js';
import { ProxyMetrics } from './metrics.js';
import { sendProblem, violationList, violationsHeader } from './problem.js';
import { redactBody, redactHeaders, redactQuery } from './redact.js';
import { createLogger, RateLimitedLog } from './log.js';
import { listen, startAdmin } from './admin.js';
import { forward, ForwardError } from './forward.js';

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
  /** Bytes of each body kept for validation (default 1 MiB); larger bodies pass unchecked. */
  maxBody?: number;
  /** No response within this many ms -> 504 (default 30 s). */
  timeoutMs?: number;
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

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect', 'http2-settings']);

interface Exchange {
  started: number;
  /** Epoch ms when the first request byte arrived. */
  at: number;
  requestId: string;
  method: string;
  path: string;
  query: string;
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
  const unknownRouteSecrets: ReadonlySet<string> = new Set(identificationSecrets);
  const clock = options.clock;
  const now = clock ?? Date.now;
  const flushIntervalMs = options.flushIntervalMs ?? 1_000;
  const store = new Store(options.store ?? 'sworn.db', { now: now() });
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
  const pool = new Pool(upstreamUrl.origin, { connections: 128, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const fallbackPool = options.fallback ? new Pool(new URL(options.fallback).origin, { connections: 32, pipelining: 1, headersTimeout: timeoutMs, bodyTimeout: timeoutMs }) : undefined;
  const flushTimer = setInterval(() => {
    try {
      store.saveSlo(engine.takeSnapshot());
      store.flush(now());
      if (now() - lastPrune >= PRUNE_EVERY_MS) prune();
    } catch (error) {
      logger.error({ err: error }, 'store flush failed; counts stay in memory and are retried');
    }
  }, flushIntervalMs);
  flushTimer.unref();

  let inFlight = 0;
  let draining = false;
  const drained: Array<() => void> = [];
  const basePath = upstreamUrl.pathname.replace(/\/+$/, '');

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
      logger.error({ err: error, requestId: ex.requestId }, 'recording failed');
    }
  };

  const report = (ex: Exchange, violations: Violation[], sample: () => unknown) => {
    if (violations.length === 0) return;
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
        path: ex.path,
        query: redactQuery(ex.query, secrets),
        headers: redactHeaders(req.headers, secrets),
        body: ex.requestTooLarge ? '<over --max-body>' : redactBody(ex.requestBody, req.headers['content-type'], secrets),
      },
    };
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const at = now();
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const query = q < 0 ? '' : rawUrl.slice(q + 1);
    const method = req.method ?? 'GET';
    const requestIdHeader = req.headers['x-request-id'];
    const requestId = typeof requestIdHeader === 'string' && requestIdHeader.length <= 200 ? requestIdHeader : '';
    let match: ReturnType<typeof router.match>;
    try {
      match = router.match(method, path);
    } catch {
      match = undefined; // a path find-my-way cannot decode (malformed percent-encoding)
    }
    const operation = match ? compiled.get(match.operation) : undefined;
    const identified = identifier.identify(req, rawUrl);
    const consumer = identified instanceof Promise ? await identified : identified;
    const ex: Exchange = { started, at, requestId, method, path, query, operation, consumer, violations: [], requestBody: undefined, requestTooLarge: false };

    // A CORS preflight the spec does not describe is the browser's, not the consumer's: forwarded, not a violation.
    const preflight = method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
    if (!operation && !preflight) {
      store.countUnknownRoute(method, stats.countUnknownRoute(method, path), at);
      report(ex, [{ code: 'unknown-route', operationId: null, direction: 'request', location: 'route', pointer: path, keyword: null, message: `no operation matches ${method} ${path}; forwarded unchecked` }], () => requestSample(ex, req));
    }

    const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
    const enforce = mode === 'enforce' && operation !== undefined;
    let body: AsyncIterable<Buffer> | Buffer | undefined;
    const requestChunks: Buffer[] = [];
    let requestBytes = 0;
    const keep = (chunk: Buffer) => {
      if (ex.requestTooLarge) return;
      requestBytes += chunk.length;
      if (requestBytes > maxBody) {
        ex.requestTooLarge = true;
        requestChunks.length = 0;
      } else requestChunks.push(chunk);
    };

    const declaredLength = Number(req.headers['content-length'] ?? Number.NaN);
    if (hasBody && req.headers['transfer-encoding'] === undefined && declaredLength <= maxBody) {
      // A body of known length within --max-body is read whole and sent as one buffer (as nginx does):
      // undici writes it at once, and the copy for validation is the same buffer.
      let whole: Buffer;
      try {
        whole = await readWhole(req);
      } catch {
        record(ex, 499, 'client-abort'); // the client went away mid-body
        return;
      }
      requestChunks.push(whole);
      requestBytes = whole.length;
      body = whole;
    } else if (hasBody && enforce) {
      // Enforce, length unknown or over the limit: read up to --max-body before deciding whether to forward.
      const buffered: Buffer[] = [];
      const iterator = req[Symbol.asyncIterator]();
      let overflow: IteratorResult<Buffer> | undefined;
      for (;;) {
        const next = (await iterator.next()) as IteratorResult<Buffer>;
        if (next.done) break;
        buffered.push(next.value);
        keep(next.value);
        if (ex.requestTooLarge) {
          overflow = next;
          break;
        }
      }
      if (overflow) {
        body = (async function* () {
          for (const chunk of buffered) yield chunk;
          for (;;) {
            const next = (await iterator.next()) as IteratorResult<Buffer>;
            if (next.done) return;
            yield next.value;
          }
        })();
      } else body = Buffer.concat(buffered);
    } else if (hasBody) {
      body = (async function* () {
        for await (const chunk of req as AsyncIterable<Buffer>) {
          keep(chunk);
          yield chunk;
        }
      })();
    }

    const requestChecks = async () => {
      if (!operation || !match) return [];
      ex.requestBody = hasBody && !ex.requestTooLarge ? (requestChunks.length === 1 ? requestChunks[0] : Buffer.concat(requestChunks)) : undefined;
      const violations = await validateRequest(operation, { params: match.params, query, headers: req.headers, body: hasBody ? ex.requestBody ?? Buffer.alloc(0) : undefined, bodyTooLarge: ex.requestTooLarge });
      recordParameterUsage(store, consumer.name, operation, query, req.headers);
      return violations;
    };

    if (enforce) {
      const violations = await requestChecks();
      ex.violations = violations;
      report(ex, violations, () => requestSample(ex, req));
      const blocking = violations.filter((v) => v.code !== 'not-validated');
      if (blocking.length > 0) {
        const security = blocking.every((v) => v.code === 'request-security');
        sendProblem(res, security ? 401 : 400, security ? 'Unauthorized' : 'Bad Request', `the request breaks the API contract of ${operation!.operation.id} (${blocking.length} violation${blocking.length === 1 ? '' : 's'})`, { operationId: operation!.operation.id, violations: violationList(blocking), requestId: ex.requestId });
        record(ex, security ? 401 : 400, 'response');
        return;
      }
    }

    const holdResponse = operation !== undefined && (enforce || options.violationsHeader === true);
    const forwardOptions = { path: basePath + rawUrl, method, headers: forwardHeaders(req), body: body ?? null, keep: operation ? maxBody : 0, hold: holdResponse, outgoing: backwardHeaders };
    // The mock fallback can only take requests whose body can be sent again.
    const fallbackable = fallbackPool !== undefined && (body === undefined || Buffer.isBuffer(body));
    const viaFallback = () => forward(fallbackPool!, res, { ...forwardOptions, path: rawUrl });
    let upstream: Awaited<ReturnType<typeof forward>>;
    try {
      upstream = await forward(pool, res, fallbackable ? { ...forwardOptions, divert: (status) => status === 501 } : forwardOptions).catch((error: unknown) => {
        if (fallbackable && unreachable(error)) return viaFallback();
        throw error;
      });
      if (upstream.diverted) upstream = await viaFallback();
    } catch (error) {
      const cause = error instanceof ForwardError ? error.cause : (error as Error & { code?: string });
      if (res.destroyed || (error instanceof ForwardError && error.sent) || /client closed/.test(cause.message)) {
        // The client went away, or the upstream broke off a response already under way.
        if (error instanceof ForwardError && error.sent && !res.destroyed) {
          logger.error({ requestId: ex.requestId || randomUUID(), code: cause.code }, 'the upstream broke off the response body');
          res.destroy();
          record(ex, 502, 'upstream-error');
        } else record(ex, 499, 'client-abort');
        return;
      }
      const timeout = cause instanceof undiciErrors.HeadersTimeoutError || cause.code === 'UND_ERR_HEADERS_TIMEOUT' || cause.code === 'UND_ERR_CONNECT_TIMEOUT';
      const status = timeout ? 504 : 502;
      const detail = timeout ? `the upstream sent no response within ${timeoutMs} ms` : `the upstream could not be reached or reset the connection (${cause.code ?? cause.message})`;
      if (ex.requestId === '') ex.requestId = randomUUID();
      logger.error({ requestId: ex.requestId, upstream: upstreamUrl.origin, code: cause.code, status }, detail);
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

    if (holdResponse && !upstream.written) {
      // The whole response is held: check it, then announce, replace or pass it.
      if (!enforce) ex.violations = await requestChecks();
      const responseViolations = await validateResponse(operation!, { status, headers: upstream.headers, body: concat(upstream.chunks), bodyTooLarge: false, bodyless });
      report(ex, [...(enforce ? [] : ex.violations), ...responseViolations], responseSample);
      if (enforce && options.enforceResponses && responseViolations.length > 0) {
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
      const responseViolations = await validateResponse(operation, { status, headers: upstream.headers, body: concat(upstream.chunks), bodyTooLarge: upstream.tooLarge, bodyless });
      report(ex, [...requestViolations, ...responseViolations], responseSample);
    }
  }

  const server = http.createServer({ requestTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 65_000 }, (req, res) => {
    inFlight++;
    handle(req, res)
      .catch((error: unknown) => {
        // A bug in one exchange never takes the process down, nor leaves the client hanging.
        logger.error({ err: error, url: req.url }, 'request handling failed');
        sendProblem(res, 502, 'Bad Gateway', 'the proxy failed while handling this request; the failure is logged');
      })
      .finally(() => {
        inFlight--;
        if (inFlight === 0) for (const done of drained.splice(0)) done();
      });
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    logger.warn({ code: error.code }, 'malformed request from a client');
    if ((socket as Socket).writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  server.on('upgrade', (req, socket, head) => tunnelUpgrade(req, socket as Socket, head, upstreamUrl, basePath, logger));

  const saveAndClose = () => {
    store.saveSlo(engine.takeSnapshot({ force: true }));
    store.close(now());
  };
  const sloReport = (reportOptions: ReportOptions = {}) => {
    // A window reads the store's hourly counts: what is still in memory goes there first.
    if (reportOptions.since !== undefined) store.flush(now());
    return buildReport({ spec: { title: spec.title, version: spec.apiVersion }, operations, engine, conformance: reportOptions.since === undefined ? stats.report(new Date(now())) : undefined, store, now: now() }, reportOptions);
  };
  const cleanUp = async () => {
    clearInterval(flushTimer);
    saveAndClose();
    await pool.close().catch(() => undefined);
    await fallbackPool?.close().catch(() => undefined);
  };
  try {
    await listen(server, options.port ?? 8000, options.host ?? '127.0.0.1', '--port');
  } catch (error) {
    await cleanUp();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const url = `http://${formatHost(address.address)}:${address.port}`;

  const admin = options.adminPort === null ? undefined : await startAdmin({
    port: options.adminPort ?? 9464,
    host: options.adminHost ?? '127.0.0.1',
    ...(options.adminToken ? { token: options.adminToken } : {}),
    ready: () => !draining,
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
        logger.warn({ inFlight }, 'drain deadline reached; closing the remaining connections');
        server.closeAllConnections();
        for (const done of drained.splice(0)) done();
      }, options.drainTimeoutMs ?? 10_000);
      await new Promise<void>((resolve) => drained.push(resolve));
      clearTimeout(deadline);
    }
    server.closeAllConnections();
    clearInterval(flushTimer);
    saveAndClose();
    await pool.close().catch(() => undefined);
    await fallbackPool?.close().catch(() => undefined);
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

/** Reads a whole request body with plain events (cheaper than async iteration); rejects if the client goes away. */
function readWhole(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let done = false;
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => {
      done = true;
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    });
    req.once('error', reject);
    req.once('close', () => {
      if (!done) reject(new Error('client closed the request before its body ended'));
    });
  });
}

function formatHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

function headerString(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Request headers for the upstream: hop-by-hop removed (also those named in Connection), X-Forwarded-* added, repeats kept. */
function forwardHeaders(req: IncomingMessage): Record<string, string | string[]> {
  const connection = new Set((headerString(req.headers.connection) ?? '').toLowerCase().split(',').map((s) => s.trim()).filter(Boolean));
  const out: Record<string, string | string[]> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    if (HOP_BY_HOP.has(name) || connection.has(name)) continue;
    const value = raw[i + 1] as string;
    const known = out[name];
    out[name] = known === undefined ? value : Array.isArray(known) ? [...known, value] : [known, value];
  }
  const client = req.socket.remoteAddress ?? '';
  const prior = headerString(req.headers['x-forwarded-for']);
  out['x-forwarded-for'] = prior ? `${prior}, ${client}` : client;
  out['x-forwarded-proto'] = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  if (req.headers.host && !req.headers['x-forwarded-host']) out['x-forwarded-host'] = req.headers.host;
  return out;
}

/** Response headers for the client: hop-by-hop removed, everything else (repeated Set-Cookie included) as received. */
function backwardHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const connection = new Set((headerString(headers.connection) ?? '').toLowerCase().split(',').map((s) => s.trim()).filter(Boolean));
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || connection.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/** Connection upgrades (WebSocket) pass through as a raw tunnel. */
function tunnelUpgrade(req: IncomingMessage, socket: Socket, head: Buffer, upstream: URL, basePath: string, logger: Logger): void {
  const secure = upstream.protocol === 'https:';
  const upstreamReq = (secure ? https : http).request({
    host: upstream.hostname,
    port: upstream.port || (secure ? 443 : 80),
    method: req.method,
    path: basePath + (req.url ?? '/'),
    headers: { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '' },
  });
  upstreamReq.on('upgrade', (res, upstreamSocket, upstreamHead) => {
    const lines = [`HTTP/1.1 ${res.statusCode ?? 101} ${res.statusMessage ?? 'Switching Protocols'}`];
    for (let i = 0; i < res.rawHeaders.length; i += 2) lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
    socket.write(lines.join('\r\n') + '\r\n\r\n');
    if (upstreamHead.length > 0) socket.write(upstreamHead);
    if (head.length > 0) upstreamSocket.write(head);
    upstreamSocket.pipe(socket).pipe(upstreamSocket);
    const end = () => {
      socket.destroy();
      upstreamSocket.destroy();
    };
    socket.on('error', end);
    upstreamSocket.on('error', end);
    socket.on('close', end);
    upstreamSocket.on('close', end);
  });
  upstreamReq.on('response', (res) => {
    // The upstream refused the upgrade: relay its answer.
    const lines = [`HTTP/1.1 ${res.statusCode} ${res.statusMessage}`];
    for (let i = 0; i < res.rawHeaders.length; i += 2) lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
    socket.write(lines.join('\r\n') + '\r\n\r\n');
    res.pipe(socket);
  });
  upstreamReq.on('error', (error: NodeJS.ErrnoException) => {
    logger.error({ code: error.code }, 'upgrade to the upstream failed');
    socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Type: application/problem+json\r\nConnection: close\r\n\r\n' + JSON.stringify({ title: 'Bad Gateway', status: 502, detail: 'the upstream refused the connection upgrade' }));
  });
  upstreamReq.end();
}
