import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIPv4 } from 'node:net';
import type { Logger } from 'pino';
import { closest } from 'fastest-levenshtein';
import { SwornError } from '../errors.js';
import { loadSpec, type Spec } from '../spec/load-spec.js';
import type { Operation } from '../spec/operations.js';
import type { SloEngine } from '../engine/engine.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Store } from '../store/store.js';
import { reportWindow, type buildReport, type ReportOptions } from '../report/report.js';
import { ProxyMetrics } from './metrics.js';
import { createLogger, RateLimitedLog } from './log.js';
import { startAdmin } from './admin.js';
import { handleExchange, type PipelineSettings } from './exchange.js';
import { admitUpgrade } from './upgrade.js';
import { startServer } from './server.js';
import { Service, serviceFor } from './service.js';
import { parseUpstream } from './upstream.js';

/** One spec behind the proxy, with its own upstream, ledger and store. */
export interface ServiceDefinition {
  /** The ledger namespace: `service` label, `/report?service=`, store file. Default: from the spec file's name. */
  name?: string;
  spec: Spec;
  upstream: string;
  /** Requests whose Host is one of these go to this service (else: by the longest base path of its servers). */
  hosts?: string[];
  /** Where to send what the upstream answers 501 for or cannot be reached for (a running `sworn mock`). */
  fallback?: string;
  /** This service's store file (default: --store, or `<store>.<name>.db` beside it when several specs share the proxy). */
  store?: string;
}

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

/** A service's new spec at a reload; `undefined` leaves the service as it is. */
export type SpecLoader = (service: { name: string; file: string }) => Promise<Spec | undefined>;

/** What a reload did, per service. */
export interface ReloadResult {
  ok: boolean;
  services: Array<{ service: string; ok: boolean; operations?: number; error?: string }>;
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
  } catch (error) {
    await closeServices();
    throw error;
  }
  const metrics = new ProxyMetrics(several);
  for (const s of services) metrics.watchLedger({ ledger: s.ledger, store: () => s.storeHealth(), reload: () => s.reloads, ...(several ? { service: s.name } : {}) });
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

  const named = (name: string | undefined): Service => {
    if (name === undefined) return services[0]!;
    const found = services.find((s) => s.name === name);
    if (found) return found;
    const guess = closest(name, services.map((s) => s.name));
    throw new SwornError('SWORN_ERR_USAGE', `no service ${JSON.stringify(name)} behind this proxy`, { hint: `Did you mean service=${guess}? Services: ${services.map((s) => s.name).join(', ')}.` });
  };
  const report = (reportOptions: ReportOptions & { service?: string } = {}) => {
    const { service, ...rest } = reportOptions;
    return named(service).report(rest);
  };

  if (options.adminPort !== null && !options.adminToken && !isLoopbackHost(options.adminHost ?? '127.0.0.1')) {
    logger.warn({ adminHost: options.adminHost }, 'the admin server listens beyond loopback without a token: anyone who can reach it reads /report and /metrics; set --admin-token');
  }
  const storeOk = (s: Service) => ['ok', 'recreated'].includes(s.storeHealth().state);
  const admin = options.adminPort === null ? undefined : await startAdmin({
    port: options.adminPort ?? 9464,
    host: options.adminHost ?? '127.0.0.1',
    ...(options.adminToken ? { token: options.adminToken } : {}),
    ready: () => {
      const draining = !server.accepting();
      const allStored = services.every(storeOk);
      // The store's trouble is reported, not made the pod's: traffic flows on unless --store-required.
      const ready = !draining && (allStored || options.storeRequired !== true);
      const status = draining ? 'draining' : allStored ? 'ready' : 'degraded';
      const one = (s: Service) => ({ store: s.storeHealth(), reload: s.reloads });
      return { ready, body: several ? { status, services: Object.fromEntries(services.map((s) => [s.name, one(s)])) } : { status, ...one(services[0]!) } };
    },
    metrics: () => metrics.registry,
    report: (query) => {
      const get = (name: string) => query.get(name) ?? undefined;
      const window = reportWindow({ window: get('window'), since: get('since'), until: get('until') }, now());
      const filters = { ...window, ...(query.has('consumer') ? { consumer: get('consumer') } : {}), ...(query.has('operation') ? { operation: get('operation') } : {}) };
      if (several && !query.has('service')) return { services: Object.fromEntries(services.map((s) => [s.name, s.report(filters)])) };
      return report({ ...filters, ...(query.has('service') ? { service: get('service') } : {}) });
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
    reload,
    close,
    inFlight: () => server.inFlight(),
  };
}

/** One reload: every service's spec loaded anew (or given), compiled, put in force; failures keep the old contract. */
async function reloadServices(services: Service[], logger: Logger, load: SpecLoader): Promise<ReloadResult> {
  const results: ReloadResult['services'] = [];
  for (const s of services) {
    const at = new Date().toISOString();
    try {
      const spec = await load({ name: s.name, file: s.contract.spec.file });
      if (!spec) continue;
      s.reload(spec);
      s.reloads.succeeded++;
      s.reloads.lastAt = at;
      delete s.reloads.lastError;
      results.push({ service: s.name, ok: true, operations: s.contract.operations.length });
      logger.info({ service: s.name, operations: s.contract.operations.length, spec: spec.file }, 'reloaded the spec');
    } catch (error) {
      const message = error instanceof SwornError ? `${error.code}: ${error.message}` : (error as Error).message;
      s.reloads.failed++;
      s.reloads.lastAt = at;
      s.reloads.lastError = message;
      results.push({ service: s.name, ok: false, error: message });
      logger.error({ service: s.name, err: error }, 'the spec could not be reloaded; the one in force stays');
    }
  }
  return { ok: results.every((r) => r.ok), services: results };
}

/** The services the options describe, with names and store files settled; several must have distinct names. */
function serviceDefinitions(options: ProxyOptions): Array<Required<Pick<ServiceDefinition, 'name' | 'spec' | 'upstream' | 'store'>> & ServiceDefinition> {
  const store = options.store ?? 'sworn.db';
  const given: ServiceDefinition[] = options.services ?? (options.spec ? [{ spec: options.spec, upstream: options.upstream ?? '', ...(options.fallback ? { fallback: options.fallback } : {}) }] : []);
  if (given.length === 0) throw new SwornError('SWORN_ERR_USAGE', 'no spec given', { hint: 'Run `sworn proxy specs/petstore.yaml --upstream http://127.0.0.1:8080`.' });
  const names = new Set<string>();
  return given.map((d, i) => {
    parseUpstream(d.upstream);
    const name = d.name ?? (given.length === 1 ? 'default' : serviceName(d.spec, i));
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(name)) throw new SwornError('SWORN_ERR_CONFIG', `service name ${JSON.stringify(name)} is not a name`, { hint: 'Use letters, digits, `-`, `_` and `.`, e.g. `orders`.' });
    if (names.has(name)) throw new SwornError('SWORN_ERR_CONFIG', `two services are named ${JSON.stringify(name)}`, { hint: 'Give each spec its own name (`name:` in the config file\'s services).' });
    names.add(name);
    const file = d.store ?? (given.length === 1 || store === ':memory:' ? store : store.replace(/(\.db)?$/, `.${name}.db`));
    return { ...d, name, store: file };
  });
}

/** `specs/orders.yaml` -> `orders`. */
function serviceName(spec: Spec, index: number): string {
  const base = (spec.file.split(/[\\/]/).pop() ?? '').replace(/\.(ya?ml|json)$/i, '').replace(/[^A-Za-z0-9_.-]/g, '-');
  return /^[A-Za-z0-9]/.test(base) ? base : `service-${index + 1}`;
}

/** Whether an address (or `localhost`) is loopback: 127.0.0.0/8, ::1, ::ffff:127.x. A host name other than localhost is not. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIPv4(v4) && v4.startsWith('127.');
}
