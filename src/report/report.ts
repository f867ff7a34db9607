import { SwornError } from '../errors.js';
import type { SloEngine, SloFigures } from '../engine/engine.js';
import { Ledger, type ConformanceReport } from '../ledger/ledger.js';
import { parseDuration } from '../slo/duration.js';
import type { Operation } from '../spec/operations.js';
import type { Store } from '../store/store.js';
import { closest } from 'fastest-levenshtein';

/** What a report covers: an explicit window (epoch ms), one consumer, one operation. */
export interface ReportOptions {
  since?: number;
  until?: number;
  consumer?: string;
  operation?: string;
}

type ConformanceOperation = ConformanceReport['operations'][number];
type ConformanceConsumer = ConformanceReport['consumers'][number];

/** One objective an operation (or a consumer of it) missed. */
export interface Miss {
  operationId: string;
  consumer?: string;
  objective: string;
  target: number;
  achieved: number | null;
}

/**
 * The report of `GET /report` and `sworn report`: the proxy's conformance
 * counts, with each operation's and each consumer × operation's SLO figures
 * (null where the operation promises nothing). Field names are stable and
 * documented in docs/report.md.
 */
export interface Report extends Omit<ConformanceReport, 'operations' | 'consumers'> {
  /** `promise`: each figure over its promise's own window ending now; `explicit`: [since, until). */
  window: { kind: 'promise' | 'explicit'; since?: string; until?: string };
  operations: Array<ConformanceOperation & { slo: SloFigures | null }>;
  consumers: Array<
    Omit<ConformanceConsumer, 'operations'> & {
      /** Who broke what: request violations are the consumer's breach; response violations and missed objectives are the provider's. */
      breaches: { consumer: number; provider: number };
      operations: Array<ConformanceConsumer['operations'][number] & { slo: SloFigures | null }>;
      /** Fleet reports (`--prometheus`): the consumer's figures over every operation, against its tier's promise. */
      slo?: SloFigures | null;
    }
  >;
  /** Fleet reports (`--prometheus`): each tier's figures over every operation and consumer in it. */
  tiers?: Array<{ tier: string; requests: number; slo: SloFigures | null }>;
  /** Fleet reports (`--prometheus`): promised operations the sidecars expose no series for (they run another version of the spec). */
  unmeasured?: string[];
  /** Fleet reports (`--prometheus`): what the figures judge: every sidecar of `service` Prometheus scrapes. */
  scope?: { kind: 'prometheus'; service: string; pods: number };
  summary: {
    violations: { request: number; response: number; unknownRoutes: number };
    /** Objectives missed, per operation and per consumer × operation. */
    missed: Miss[];
    alertsFiring: Array<{ operationId: string; severity: string; longBurnRate: number; shortBurnRate: number }>;
  };
}

export interface ReportInput {
  spec: { title: string; version: string };
  operations: Operation[];
  engine: SloEngine;
  /** Live counters (the proxy); without them, the store's counts are read. */
  conformance?: ConformanceReport;
  /** The counts to read without live counters: a store, or several merged (`load` adds up their rows). */
  store?: Pick<Store, 'load'>;
  now: number;
}

export function buildReport(input: ReportInput, given: ReportOptions = {}): Report {
  // A window reaches no further back than what is kept, nor past now: a window of ten thousand years costs what the retention costs.
  const options = clampWindow(given, input.now, input.engine.retentionMs);
  const until = options.until ?? input.now;
  let base = options.since === undefined ? input.conformance : undefined;
  if (!base) {
    if (!input.store) throw new Error('buildReport needs live counters or a store');
    const stats = new Ledger({ operations: input.operations, spec: input.spec });
    stats.restore(input.store.load(options.since === undefined ? {} : { since: options.since, until }));
    base = stats.report(new Date(until));
    if (options.since !== undefined) base.since = new Date(options.since).toISOString();
  }
  if (options.operation !== undefined && !input.operations.some((o) => o.id === options.operation)) {
    const ids = input.operations.map((o) => o.id);
    const guess = ids.length > 0 ? closest(options.operation, ids) : undefined;
    throw new SwornError('SWORN_ERR_OPERATION_NOT_FOUND', `no operation ${JSON.stringify(options.operation)} in the spec`, { hint: guess ? `Did you mean --operation ${guess}?` : 'Run `sworn explain <spec>` to list the operation ids.' });
  }
  const window = options.since === undefined ? {} : { since: options.since, until };
  const figures = (operationId: string, consumer?: string) =>
    input.engine.measures(operationId) ? input.engine.figures(operationId, { ...window, ...(consumer === undefined ? {} : { consumer }), at: until }) : null;
  const wantOperation = (id: string) => options.operation === undefined || id === options.operation;

  const consumers = base.consumers
    .filter((c) => options.consumer === undefined || c.consumer === options.consumer)
    .map((c) => {
      const operations = c.operations.filter((o) => wantOperation(o.operationId)).map((o) => ({ ...o, slo: figures(o.operationId, c.consumer) }));
      const request = operations.reduce((n, o) => n + o.violations.request, 0);
      const response = operations.reduce((n, o) => n + o.violations.response, 0);
      const misses = operations.reduce((n, o) => n + missesOf(o.operationId, o.slo, c.consumer).length, 0);
      return {
        ...c,
        requests: operations.reduce((n, o) => n + o.requests, 0),
        violations: { request, response },
        breaches: { consumer: request, provider: response + misses },
        operations,
      };
    })
    .filter((c) => options.operation === undefined || c.operations.length > 0);
  const usedBy = new Set(consumers.flatMap((c) => c.operations.map((o) => o.operationId)));
  const operations = base.operations
    .filter((o) => wantOperation(o.operationId) && (options.consumer === undefined || usedBy.has(o.operationId)))
    .map((o) => ({ ...o, slo: figures(o.operationId) }));

  const missed = consumers.flatMap((c) => c.operations.flatMap((o) => missesOf(o.operationId, o.slo, c.consumer)));
  const unknownRoutes = options.operation === undefined && options.consumer === undefined ? base.unknownRoutes : [];
  return {
    spec: base.spec,
    since: base.since,
    until: new Date(until).toISOString(),
    window: options.since === undefined ? { kind: 'promise' } : { kind: 'explicit', since: new Date(options.since).toISOString(), until: new Date(until).toISOString() },
    operations,
    consumers,
    unknownRoutes,
    refused: options.operation === undefined && options.consumer === undefined ? base.refused : [],
    summary: summaryOf(operations, unknownRoutes, missed),
  };
}

/**
 * The summary of a report: violations by side, every objective missed (the
 * operations', then those given: consumers'), the alerts firing.
 */
export function summaryOf(operations: Report['operations'], unknownRoutes: Report['unknownRoutes'], moreMisses: Miss[]): Report['summary'] {
  return {
    violations: {
      request: operations.reduce((n, o) => n + o.violations.request, 0),
      response: operations.reduce((n, o) => n + o.violations.response, 0),
      unknownRoutes: unknownRoutes.reduce((n, u) => n + u.count, 0),
    },
    missed: [...operations.flatMap((o) => missesOf(o.operationId, o.slo)), ...moreMisses],
    alertsFiring: operations.flatMap((o) => (o.slo?.alerts ?? []).filter((a) => a.firing).map((a) => ({ operationId: o.operationId, severity: a.severity, longBurnRate: a.longBurnRate, shortBurnRate: a.shortBurnRate }))),
  };
}

/** The objectives these figures miss (availability, then latency objectives by name). */
export function missesOf(operationId: string, slo: SloFigures | null, consumer?: string): Miss[] {
  if (!slo) return [];
  const out: Miss[] = [];
  const who = consumer === undefined ? {} : { consumer };
  if (slo.availability?.met === false) out.push({ operationId, ...who, objective: 'availability', target: slo.availability.target, achieved: slo.availability.achieved });
  for (const l of slo.latency) if (l.met === false) out.push({ operationId, ...who, objective: `latency ${l.name}`, target: l.target, achieved: l.achieved });
  return out;
}

export type FailOn = 'slo' | 'violations' | 'any';

/** Why `--fail-on` fails this report (empty: it passes). */
export function failures(report: Report, failOn: FailOn): string[] {
  const out: string[] = [];
  if (failOn === 'slo' || failOn === 'any') {
    for (const m of report.summary.missed) out.push(`${m.operationId}${m.consumer === undefined ? '' : ` (consumer ${m.consumer})`}: ${m.objective} ${m.achieved ?? 'n/a'} misses ${m.target}`);
  }
  if (failOn === 'violations' || failOn === 'any') {
    const v = report.summary.violations;
    if (v.request + v.response + v.unknownRoutes > 0) out.push(`${v.request} request violation(s), ${v.response} response violation(s), ${v.unknownRoutes} request(s) to unknown routes`);
  }
  return out;
}

/**
 * Reads `--window 28d` or `--since T [--until T]` (ISO 8601 instants, or a
 * duration meaning that long ago) into an explicit window; nothing given
 * means each promise's own window.
 */
/** An explicit window cut to [now - retention, now]; a window wholly outside it becomes an empty one at its edge. */
function clampWindow(options: ReportOptions, now: number, retentionMs: number): ReportOptions {
  if (options.since === undefined && options.until === undefined) return options;
  const earliest = now - retentionMs;
  const until = Math.max(earliest + 1, Math.min(options.until ?? now, now));
  const since = options.since === undefined ? undefined : Math.min(Math.max(options.since, earliest), until - 1);
  return { ...options, until, ...(since === undefined ? {} : { since }) };
}

export function reportWindow(given: { window?: string; since?: string; until?: string }, now: number): { since?: number; until?: number } {
  if (given.window !== undefined && (given.since !== undefined || given.until !== undefined)) {
    throw new SwornError('SWORN_ERR_USAGE', '--window cannot be combined with --since/--until', { hint: 'Write either --window 7d, or --since 2026-11-01T00:00:00Z --until 2026-11-08T00:00:00Z.' });
  }
  if (given.window !== undefined) {
    const d = parseDuration(given.window);
    if (!d || d.ms <= 0) throw new SwornError('SWORN_ERR_USAGE', `--window ${JSON.stringify(given.window)} is not a duration`, { hint: 'Write e.g. --window 28d, 6h or 30m.' });
    return { since: now - d.ms, until: now };
  }
  if (given.since === undefined) {
    if (given.until !== undefined) throw new SwornError('SWORN_ERR_USAGE', '--until needs --since', { hint: 'Write e.g. --since 2026-11-01T00:00:00Z --until 2026-11-08T00:00:00Z.' });
    return {};
  }
  const since = instant(given.since, now, 'since');
  const until = given.until === undefined ? now : instant(given.until, now, 'until');
  if (until <= since) throw new SwornError('SWORN_ERR_USAGE', `--until ${given.until ?? 'now'} is not after --since ${given.since}`, { hint: 'The window is [since, until): until must be later.' });
  return { since, until };
}

function instant(text: string, now: number, flag: string): number {
  const ago = parseDuration(text);
  if (ago) return now - ago.ms;
  const t = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(t)) throw new SwornError('SWORN_ERR_USAGE', `--${flag} ${JSON.stringify(text)} is neither an instant nor a duration`, { hint: `Write e.g. --${flag} 2026-11-01T00:00:00Z, or --${flag} 7d for seven days ago.` });
  return t;
}
