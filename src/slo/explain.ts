import { closest } from 'fastest-levenshtein';
import { SwornError, formatLocation } from '../errors.js';
import type { Spec } from '../spec/load-spec.js';
import { listOperations } from '../spec/operations.js';
import { MaintenanceSchedule } from './maintenance.js';
import type { ResolvedPromise, ResolvedSpecSlo, SloWindow } from './model.js';
import { resolveSlos } from './resolve.js';
import { windowBounds } from './window.js';

export interface ExplainOptions {
  /** Only this operation (its id, as `sworn explain` lists it). */
  operation?: string;
  /** Show the promise to this consumer tier instead of the operation's own. */
  tier?: string;
  /** The instant maintenance windows and window bounds are computed for (default now). */
  at?: number;
  /** How many upcoming maintenance occurrences to list per window (default 3). */
  upcoming?: number;
}

export interface ExplainedPromise {
  window: { rolling?: string; calendar?: string; timeZone?: string; start: string; end: string };
  availability?: { target: number; errorBudgetPercent: number; bad: { status: string[]; timeout?: string }; exclude: { status: string[]; clientAbort: boolean } };
  latency: Array<{ name: string; kind: 'threshold'; threshold: string; thresholdMs: number; target: number } | { name: string; kind: 'percentile'; percentile: number; max: string; maxMs: number }>;
  maintenance: Array<{
    name: string;
    schedule: string;
    duration?: string;
    timeZone: string;
    effect: { exclude: boolean; availability?: number; suppressAlerts: boolean };
    active: boolean;
    next: Array<{ start: string; end: string }>;
  }>;
  alerting: { burnRates: Array<{ severity: string; long: string; short: string; factor: number }>; minEventsPerHour: number };
  budgetPolicy: { freezeBelow?: number };
  /** Where each value was declared: `availability.target` -> `specs/petstore.yaml:12:7`. */
  sources: Record<string, string>;
}

export interface ExplainedOperation {
  id: string;
  method: string;
  path: string;
  location: string;
  enabled: boolean;
  /** The promise shown: the operation's own, or the tier's with --tier. */
  promise: ExplainedPromise | null;
  /** The promise to each consumer tier (omitted with --tier). */
  tiers: Record<string, ExplainedPromise>;
}

export interface Explanation {
  spec: { file: string; title: string; version: string; openapi: string; operations: number };
  at: string;
  service?: string;
  tier?: string;
  consumerTier?: string;
  consumers: ResolvedSpecSlo['consumers'];
  operations: ExplainedOperation[];
}

/**
 * The resolved promise of every operation, ready to print: the answer to
 * "what does this operation promise, to whom, and when is maintenance".
 * Throws SWORN_ERR_SLO_INVALID when an x-slo block is invalid (the promise
 * would be wrong), and SWORN_ERR_OPERATION_NOT_FOUND / SWORN_ERR_TIER_NOT_FOUND
 * for unknown names.
 */
export function explainSpec(spec: Spec, options: ExplainOptions = {}): Explanation {
  const at = options.at ?? Date.now();
  const operations = listOperations(spec);
  const slo = resolveSlos(spec, operations);
  const errors = slo.problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) {
    const [first, ...rest] = errors.map((p) => ({ message: p.message, location: spec.locate(p.pointer) }));
    throw new SwornError('SWORN_ERR_SLO_INVALID', `x-slo is invalid, so the promises cannot be resolved: ${first!.message}`, {
      location: first!.location,
      details: rest,
      hint: `Fix the x-slo blocks (\`sworn lint ${spec.displayPath}\` lists every problem).`,
    });
  }
  let selected = slo.operations;
  if (options.operation !== undefined) {
    selected = selected.filter((o) => o.id === options.operation);
    if (selected.length === 0) {
      const ids = slo.operations.map((o) => o.id);
      const suggestion = ids.length > 0 ? closest(options.operation, ids) : undefined;
      throw new SwornError('SWORN_ERR_OPERATION_NOT_FOUND', `no operation "${options.operation}" in ${spec.displayPath}`, {
        hint: suggestion ? `Did you mean --operation "${suggestion}"? \`sworn explain ${spec.displayPath}\` lists every id.` : 'The spec has no operations.',
      });
    }
  }
  if (options.tier !== undefined && !slo.consumers.tiers.includes(options.tier)) {
    throw new SwornError('SWORN_ERR_TIER_NOT_FOUND', `no consumer tier "${options.tier}" in ${spec.displayPath}`, {
      hint: slo.consumers.tiers.length > 0 ? `Use one of: ${slo.consumers.tiers.join(', ')}.` : 'The spec declares no consumer tiers (info.x-slo.consumers.tiers).',
    });
  }
  const where = (pointer: string) => formatLocation(spec.locate(pointer));
  const explainPromise = (p: ResolvedPromise) => explainOne(p, at, options.upcoming ?? 3, where);
  return {
    spec: { file: spec.displayPath, title: spec.title, version: spec.apiVersion, openapi: spec.openapi, operations: operations.length },
    at: new Date(at).toISOString(),
    ...(slo.service !== undefined ? { service: slo.service } : {}),
    ...(slo.tier !== undefined ? { tier: slo.tier } : {}),
    ...(options.tier !== undefined ? { consumerTier: options.tier } : {}),
    consumers: slo.consumers,
    operations: selected.map((op) => {
      const promise = options.tier !== undefined ? (op.tiers[options.tier] ?? op.promise) : op.promise;
      return {
        id: op.id,
        method: op.method,
        path: op.path,
        location: where(op.pointer),
        enabled: op.enabled,
        promise: promise ? explainPromise(promise) : null,
        tiers: options.tier !== undefined ? {} : Object.fromEntries(Object.entries(op.tiers).map(([name, p]) => [name, explainPromise(p)])),
      };
    }),
  };
}

function explainOne(p: ResolvedPromise, at: number, upcoming: number, where: (pointer: string) => string): ExplainedPromise {
  const bounds = windowBounds(p.window, at);
  const schedule = new MaintenanceSchedule(p.maintenance);
  const active = new Set(schedule.activeAt(at).map((o) => o.name));
  return {
    window: { ...windowFields(p.window), start: new Date(bounds.start).toISOString(), end: new Date(bounds.end).toISOString() },
    ...(p.availability
      ? {
          availability: {
            target: p.availability.target,
            errorBudgetPercent: Math.round((100 - p.availability.target) * 1e6) / 1e6,
            bad: { status: p.availability.bad.status, ...(p.availability.bad.timeout ? { timeout: p.availability.bad.timeout.text } : {}) },
            exclude: p.availability.exclude,
          },
        }
      : {}),
    latency: p.latency.map((o) =>
      o.kind === 'threshold'
        ? { name: o.name, kind: o.kind, threshold: o.threshold.text, thresholdMs: o.threshold.ms, target: o.target }
        : { name: o.name, kind: o.kind, percentile: o.percentile, max: o.max.text, maxMs: o.max.ms },
    ),
    maintenance: schedule.windows.map(({ definition: d }) => ({
      name: d.name,
      schedule: d.rrule !== undefined ? `rrule ${d.rrule}` : d.cron !== undefined ? `cron ${d.cron}` : `once ${d.start} to ${d.end}`,
      ...(d.duration ? { duration: d.duration.text } : {}),
      timeZone: d.timeZone,
      effect: d.effect,
      active: active.has(d.name),
      next: new MaintenanceSchedule([d]).upcoming(at, upcoming).map((o) => ({ start: new Date(o.start).toISOString(), end: new Date(o.end).toISOString() })),
    })),
    alerting: { burnRates: p.alerting.burnRates.map((r) => ({ severity: r.severity, long: r.long.text, short: r.short.text, factor: r.factor })), minEventsPerHour: p.alerting.minEventsPerHour },
    budgetPolicy: p.budgetPolicy,
    sources: Object.fromEntries(Object.entries(p.origins).map(([k, pointer]) => [k, where(pointer)])),
  };
}

function windowFields(w: SloWindow): { rolling?: string; calendar?: string; timeZone?: string } {
  return w.kind === 'rolling' ? { rolling: w.duration.text } : { calendar: w.unit, timeZone: w.timeZone };
}
