import { SwornError } from '../errors.js';
import type { Spec } from '../spec/load-spec.js';
import { listOperations } from '../spec/operations.js';
import { resolveSlos } from '../slo/resolve.js';
import { assertValidSlo, metricServiceName } from '../slo/naming.js';
import type { LatencyObjective, ResolvedPromise, ResolvedSpecSlo, SloWindow } from '../slo/model.js';
import { promDuration } from './promql.js';

/** A promise window as a Prometheus range: rolling windows as written, calendar windows by the unit's length. */
export interface PlannedWindow {
  ms: number;
  /** The PromQL range, e.g. `28d`. */
  range: string;
  /** As the spec says it: `28d`, or `calendar month Europe/Berlin`. */
  label: string;
  calendar?: { unit: Extract<SloWindow, { kind: 'calendar' }>['unit']; timeZone: string };
}

export interface PlannedOperation {
  id: string;
  promise: ResolvedPromise;
  window: PlannedWindow;
}

/** What the rules of one spec are generated from. */
export interface ServicePlan {
  /** The `service` label the proxies put on every sworn_ series. */
  service: string;
  /** The spec as the user named it (for headers and hints). */
  spec: string;
  /** The `--service` given, when the label is not the spec's own. */
  serviceFlag?: string;
  /** Every operation id of the spec, promised or not. */
  operationIds: string[];
  /** Operations with a promise, in document order. */
  operations: PlannedOperation[];
  /** The spec's resolved x-slo, for what the plan does not carry. */
  slo: ResolvedSpecSlo;
}

/** Rolling lengths that approximate calendar windows in PromQL (UTC-only, rolling ranges); the same as OpenSLO's `1M`, `1Q`, `1Y`. */
export const CALENDAR_APPROXIMATION_DAYS: Record<Extract<SloWindow, { kind: 'calendar' }>['unit'], number> = { day: 1, week: 7, month: 30, quarter: 90, year: 365 };

/**
 * Reads what `sworn rules` needs from a loaded spec. Throws
 * SWORN_ERR_SLO_INVALID when an x-slo block is invalid, and SWORN_ERR_USAGE
 * when no operation promises anything (there is nothing to generate).
 *
 * @example
 * const plan = planRules(await loadSpec('specs/petstore.yaml'));
 * plan.service; // 'petstore'
 */
export function planRules(spec: Spec, options: { service?: string } = {}): ServicePlan {
  const operations = listOperations(spec);
  const slo = resolveSlos(spec, operations);
  assertValidSlo(spec, slo, 'no rules can be generated');
  const planned: PlannedOperation[] = [];
  for (const op of slo.operations) {
    if (!op.enabled || op.promise === null) continue;
    planned.push({ id: op.id, promise: op.promise, window: plannedWindow(op.promise.window) });
  }
  if (!planned.some((o) => o.promise.availability !== undefined || o.promise.latency.length > 0)) {
    throw new SwornError('SWORN_ERR_USAGE', `${spec.displayPath} promises nothing (no x-slo availability or latency objective): there are no rules to generate`, {
      hint: 'Add a promise, e.g. `info: {x-slo: {availability: 99.9, latency: {p99: 800ms}}}` for every operation, or an `x-slo` on one operation; `sworn explain` shows what each operation promises.',
    });
  }
  const service = options.service ?? metricServiceName(slo, spec.file);
  if (service === '') throw new SwornError('SWORN_ERR_USAGE', '--service must not be empty', { hint: 'Give the `service` label the proxies use, e.g. --service orders.' });
  return { service, spec: spec.displayPath, ...(options.service !== undefined ? { serviceFlag: options.service } : {}), operationIds: slo.operations.map((o) => o.id), operations: planned, slo };
}

export function plannedWindow(window: SloWindow): PlannedWindow {
  if (window.kind === 'rolling') return { ms: window.duration.ms, range: promDuration(window.duration.ms), label: window.duration.text };
  const ms = CALENDAR_APPROXIMATION_DAYS[window.unit] * 86_400_000;
  return { ms, range: promDuration(ms), label: `calendar ${window.unit} ${window.timeZone}`, calendar: { unit: window.unit, timeZone: window.timeZone } };
}

export type ThresholdObjective = Extract<LatencyObjective, { kind: 'threshold' }>;
export type PercentileObjective = Extract<LatencyObjective, { kind: 'percentile' }>;

export const withAvailability = (plan: ServicePlan): PlannedOperation[] => plan.operations.filter((o) => o.promise.availability !== undefined);
export const withThreshold = (plan: ServicePlan): PlannedOperation[] => plan.operations.filter((o) => o.promise.latency.some((l) => l.kind === 'threshold'));
export const withPercentile = (plan: ServicePlan): PlannedOperation[] => plan.operations.filter((o) => o.promise.latency.some((l) => l.kind === 'percentile'));

/** An alert window and the operations whose burn-rate alerts read it. */
export interface AlertWindow {
  ms: number;
  /** PromQL range and name suffix (`1h`, `30m`, `3d`). */
  range: string;
  users: string[];
}

/** The service's alert windows, shortest first: every long and short window of every burn-rate alert, plus 5m. */
export function alertWindows(plan: ServicePlan): AlertWindow[] {
  const windows = new Map<number, AlertWindow>([[FIVE_MINUTES, { ms: FIVE_MINUTES, range: '5m', users: [] }]]);
  for (const op of withAvailability(plan)) {
    for (const rate of op.promise.alerting.burnRates) {
      for (const d of [rate.long, rate.short]) {
        const ms = Math.round(d.ms);
        let w = windows.get(ms);
        if (!w) windows.set(ms, (w = { ms, range: promDuration(ms), users: [] }));
        if (!w.users.includes(op.id)) w.users.push(op.id);
      }
    }
  }
  return [...windows.values()].sort((a, b) => a.ms - b.ms);
}

export const FIVE_MINUTES = 300_000;

/** Items grouped by a key, groups and items in first-seen order (so output follows the document). */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Array<{ key: string; items: T[] }> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    let list = groups.get(k);
    if (!list) groups.set(k, (list = []));
    list.push(item);
  }
  return [...groups].map(([k, list]) => ({ key: k, items: list }));
}
