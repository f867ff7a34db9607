import { SwornError } from '../errors.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIPv4 } from 'node:net';
import type { Logger } from 'pino';
import { loadSpec, type Spec } from '../spec/load-spec.js';
import type { Operation } from '../spec/operations.js';
import type { SloEngine } from '../engine/engine.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Store } from '../store/store.js';
import type { buildReport, ReportOptions } from '../report/report.js';
import { ProxyMetrics } from './metrics.js';
import { createLogger, RateLimitedLog } from './log.js';
import { startAdmin } from './admin.js';
import { handleExchange, type PipelineSettings } from './exchange.js';
import { FaultRegistry } from '../faults/registry.js';
import { admitUpgrade } from './upgrade.js';
import { startServer } from './server.js';
import { Service } from './service.js';
import { reloadServices, serviceDefinitions, serviceFor, type ReloadResult, type ServiceDefinition, type SpecLoader } from './services.js';
import { adminEndpoints } from './endpoints.js';

export type { ReloadResult, ServiceDefinition, SpecLoader } from './services.js';

export interface ProxyOptions {
  /** One spec (with `upstream`), or `services` for several. */
  spec?: Spec;
  /** The service behind the proxy, e.g. `http://127.0.0.1:8080`. */
  upstream?: string;
  /** Several specs behind one proxy, routed by Host or path prefix. */
  services?: ServiceDefinition[];
  port?: number;
  host?: string;
  /** Admin server (health, metrics, report); `null` for none. */
  adminPort?: number | null;
  adminHost?: string;
  /** The dashboard (`GET /` on the admin port): how often the page refreshes itself (default 5 s), and how long a built page is served again (default 2 s). */
  dashboardRefreshSeconds?: number;
  dashboardCacheMs?: number;
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
  /** Consumers that get a `consumer` label of their own on /metrics (default 10); the rest are summed as `other`. */
  metricsConsumers?: number;
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
  /** The first service's operations (the only one's, with one spec). */
  operations: Operation[];
  /** The first service's ledger (`stats.report()`: the live conformance report). */
  stats: Ledger;
  metrics: ProxyMetrics;
  store: Store;
  engine: SloEngine;
  services: readonly Service[];
  /** The faults in force (`POST /faults` on the admin port adds to them). */
  faults: FaultRegistry;
  /** The report `GET /report` serves (conformance and SLO figures) of the first service, or the one named. */
  report(options?: ReportOptions & { service?: string }): ReturnType<typeof buildReport>;
  /**
   * Loads every service's spec (and consumer key maps) again and puts them
   * in force; a service whose spec fails to load or compile keeps the one it
   * has, and says why (log, `/readyz`, `sworn_reload_last_successful`).
   * `load` gives a service's new spec (default: its spec file read again);
   * `undefined` leaves the service as it is. Reloads never overlap.
   */
  reload(load?: SpecLoader): Promise<ReloadResult>;
  /** Stop accepting, wait for in-flight requests (up to the drain deadline), flush the store, close. */
  close(): Promise<void>;
  /** Requests being handled now. */
  inFlight(): number;
}

/**
 * Starts the conformance proxy: every exchange is forwarded to the upstream
 * of its spec and checked against it; what it came to is recorded in that
 * spec's ledger, from which the report, the metrics and the store are fed.
 *
 * @example
 * const proxy = await startProxy({ spec, upstream: 'http://127.0.0.1:8080', port: 0 });
 * // ... traffic ...
 * await proxy.close();
 */
export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const logger = options.logger ?? createLogger({ level: options.logLevel ?? 'info' });
  const violationLog = new RateLimitedLog(logger, options.violationLogsPerSecond ?? 20);
  const failureLog = new RateLimitedLog(logger, options.violationLogsPerSecond ?? 20, Date.now, 'failure');
  const now = options.clock ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const flushIntervalMs = options.flushIntervalMs ?? 1_000;
  const definitions = serviceDefinitions(options);
  const several = definitions.length > 1;
  const settings: PipelineSettings = {
    mode: options.mode ?? 'observe',
    enforceResponses: options.enforceResponses === true,
    violationsHeader: options.violationsHeader === true,
    maxBody: options.maxBody ?? 1_048_576,
    bodyTimeoutMs: options.bodyTimeoutMs ?? 30_000,
    now,
    faults: new FaultRegistry(now),
  };

  const services: Service[] = [];
  const closeServices = () => Promise.all(services.map((s) => s.close()));
  try {
    for (const d of definitions) {
      services.push(new Service({
        name: d.name,
        spec: d.spec,
        upstream: { url: d.upstream, connections: options.upstreamConnections ?? 128, timeoutMs, ...(d.fallback ? { fallback: d.fallback } : {}) },
        hosts: d.hosts ?? [],
        store: d.store,
        storeRequired: options.storeRequired === true,
        flushIntervalMs,
        now,
        clock: options.clock,
        contract: options.jwtUnverified ? { jwtUnverified: true } : {},
        logger: several ? logger.child({ service: d.name }) : logger,
        violationLog,
        failureLog,
      }));
    }
    // Two services exposing one `service` label would expose the same series twice: Prometheus keeps one and drops counts.
    const labels = new Map<string, string>();
    for (const s of services) {
      const other = labels.get(s.metricName);
      if (other !== undefined) throw new SwornError('SWORN_ERR_CONFIG', `services ${other} and ${s.name} would both expose their metrics as service="${s.metricName}" (their specs' x-slo service)`, { hint: 'Give each spec its own x-slo service, or run them in proxies of their own.' });
      labels.set(s.metricName, s.name);
    }
  } catch (error) {
    await closeServices();
    throw error;
  }
  const metrics = new ProxyMetrics(options.metricsConsumers);
  metrics.watchFaults(settings.faults!, () => services[0]!.metricName);
  for (const s of services) metrics.watchLedger({ ledger: s.ledger, service: () => s.metricName, defaultTier: () => s.defaultTier(), store: () => s.storeHealth(), reload: () => s.reloads });
  const flushTimer = setInterval(() => {
    for (const s of services) s.upkeep();
  }, flushIntervalMs);
  flushTimer.unref();

  const pick = (req: IncomingMessage) => serviceFor(services, req.headers.host, req.url ?? '/');
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({
      port: options.port ?? 8000,
      host: options.host ?? '127.0.0.1',
      headerTimeoutMs: options.headerTimeoutMs ?? 10_000,
      drainTimeoutMs: options.drainTimeoutMs ?? 10_000,
      logger,
      failureLog,
      handle: (req: IncomingMessage, res: ServerResponse) => handleExchange(settings, pick(req), req, res),
      tunnelFor: (req) => {
        const service = pick(req);
        return { upstream: service.upstream.url, agent: service.upstream.upgradeAgent, timeoutMs, admit: (r) => admitUpgrade(settings, service, r), onError: (message, code) => failureLog.error({ code }, message) };
      },
      // Before routing there is no service to blame: counted by the first.
      refused: (reason) => services[0]!.ledger.refused(reason),
    });
  } catch (error) {
    clearInterval(flushTimer);
    await closeServices();
    throw error;
  }

  const endpoints = adminEndpoints(services, { several, now, storeRequired: options.storeRequired === true, accepting: () => server.accepting(), ...(options.dashboardCacheMs === undefined ? {} : { pageCacheMs: options.dashboardCacheMs }) });
  const report = endpoints.report;

  if (options.adminPort !== null && !options.adminToken && !isLoopbackHost(options.adminHost ?? '127.0.0.1')) {
    logger.warn({ adminHost: options.adminHost }, 'the admin server listens beyond loopback without a token: anyone who can reach it reads /report and /metrics; set --admin-token');
  }
  const admin = options.adminPort === null ? undefined : await startAdmin({
    port: options.adminPort ?? 9464,
    host: options.adminHost ?? '127.0.0.1',
    ...(options.adminToken ? { token: options.adminToken } : {}),
    ready: endpoints.ready,
    metrics: () => metrics.registry,
    report: endpoints.fromQuery,
    page: (query) => endpoints.page(query, { live: { refreshSeconds: options.dashboardRefreshSeconds ?? 5 }, faults: settings.faults!.list().map((f) => ({ id: f.id, text: f.description, operations: f.scope.operations ?? null, expiresAt: f.expiresAt })) }),
    tallies: endpoints.tallies,
    faults: {
      registry: settings.faults!,
      names: {
        operations: () => [...new Set(services.flatMap((s) => s.contract.operations.map((o) => o.id)))],
        tiers: () => [...new Set(services.flatMap((s) => [...s.contract.slo.consumers.tiers, s.defaultTier()]))],
        identifiesConsumers: true,
      },
    },
  }).catch(async (error: unknown) => {
    await server.drain();
    clearInterval(flushTimer);
    await closeServices();
    throw error;
  });

  let reloading: Promise<ReloadResult> = Promise.resolve({ ok: true, services: [] });
  const reload = (load?: SpecLoader) => (reloading = reloading.then(() => reloadServices(services, logger, load ?? ((s) => loadSpec(s.file)))));

  let closing: Promise<void> | undefined;
  const close = () => (closing ??= (async () => {
    await server.drain();
    clearInterval(flushTimer);
    await closeServices();
    await admin?.close();
  })());

  const first = services[0]!;
  return {
    url: server.url,
    adminUrl: admin?.url,
    get operations() {
      return first.contract.operations;
    },
    stats: first.ledger,
    metrics,
    store: first.store,
    get engine() {
      return first.engine;
    },
    services,
    report,
    faults: settings.faults!,
    reload,
    close,
    inFlight: () => server.inFlight(),
  };
}

/** Whether an address (or `localhost`) is loopback: 127.0.0.0/8, ::1, ::ffff:127.x. A host name other than localhost is not. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIPv4(v4) && v4.startsWith('127.');
}
