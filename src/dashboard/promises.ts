import type { Duration } from '../slo/duration.js';
import type { ResolvedPromise, ResolvedSpecSlo, SloWindow } from '../slo/model.js';
import { ruleWindow } from './rule-names.js';

/**
 * One value promised by some operations: one panel is drawn per group. When
 * operations promise different values (targets, factors, maxima), each
 * distinct value gets its own group and the panel shows only its operations.
 */
export interface PromiseGroup<T> {
  value: T;
  /** The operations that promise this value, in spec order. */
  operations: string[];
  /**
   * The operations the panel must select (`operation=~"a|b"`); `undefined`
   * when the group is every operation the series exists for, so no filter is needed.
   */
  only: string[] | undefined;
  /** The promise windows of these operations, as written (`28d`, `calendar month (Europe/Berlin)`). */
  windows: string[];
  /** The length of the promise window when every operation of the group has the same rolling window. */
  windowMs: number | undefined;
}

export interface BurnRatePair {
  severity: string;
  /** Windows as they appear in rule names (`1h`, `5m`). */
  long: string;
  short: string;
  factor: number;
}

export interface DashboardPlan {
  /** Operations with at least one objective, in spec order. */
  operations: string[];
  budget: Array<PromiseGroup<{ freezeBelow: number | undefined }>>;
  burnRates: Array<PromiseGroup<BurnRatePair & { minEventsPerHour: number[] }>>;
  availability: Array<PromiseGroup<{ target: number }>>;
  thresholds: Array<PromiseGroup<{ name: string; threshold: Duration; target: number }>>;
  percentiles: Array<PromiseGroup<{ names: string[]; percentile: number; max: Duration }>>;
  /** Every burn-rate window the spec declares, as in rule names, in order of first appearance. */
  windows: string[];
  /** True when some operation declares maintenance windows. */
  maintenance: boolean;
}

interface Entry<T> {
  key: string;
  operation: string;
  value: T;
  window: string;
  windowMs: number | undefined;
}

/**
 * Groups by key: the value promised by the most operations first, ties in
 * order of first appearance (so alert pairs keep their spec order).
 */
function groups<T>(entries: Array<Entry<T>>, universe: (value: T) => readonly string[]): Array<PromiseGroup<T>> {
  const byKey = new Map<string, { value: T; operations: string[]; windows: string[]; windowMs: Set<number | undefined>; first: number }>();
  entries.forEach((e, i) => {
    let g = byKey.get(e.key);
    if (!g) byKey.set(e.key, (g = { value: e.value, operations: [], windows: [], windowMs: new Set(), first: i }));
    if (!g.operations.includes(e.operation)) g.operations.push(e.operation);
    if (!g.windows.includes(e.window)) g.windows.push(e.window);
    g.windowMs.add(e.windowMs);
  });
  return [...byKey.values()]
    .sort((a, b) => b.operations.length - a.operations.length || a.first - b.first)
    .map((g) => {
      const all = universe(g.value);
      const covers = all.length === g.operations.length && all.every((id) => g.operations.includes(id));
      const windowMs = g.windowMs.size === 1 ? [...g.windowMs][0] : undefined;
      return { value: g.value, operations: g.operations, only: covers ? undefined : g.operations, windows: g.windows, windowMs };
    });
}

export function windowLabel(window: SloWindow): string {
  return window.kind === 'rolling' ? window.duration.text : `calendar ${window.unit} (${window.timeZone})`;
}

/** What the dashboard draws for a spec: the distinct promised values and who promises them. */
export function planDashboard(slo: ResolvedSpecSlo): DashboardPlan {
  const promised = slo.operations.filter((o): o is typeof o & { promise: ResolvedPromise } => o.enabled && o.promise !== null && (o.promise.availability !== undefined || o.promise.latency.length > 0));
  const everyOperation = slo.operations.map((o) => o.id);
  const withPromise = slo.operations.filter((o) => o.enabled && o.promise !== null).map((o) => o.id);

  const budget: Array<Entry<{ freezeBelow: number | undefined }>> = [];
  const burn: Array<Entry<BurnRatePair & { minEventsPerHour: number[] }>> = [];
  const availability: Array<Entry<{ target: number }>> = [];
  const thresholds: Array<Entry<{ name: string; threshold: Duration; target: number }>> = [];
  const percentiles: Array<Entry<{ names: string[]; percentile: number; max: Duration }>> = [];
  const thresholdUniverse = new Map<string, string[]>();
  const windows: string[] = [];

  for (const op of promised) {
    const p = op.promise;
    const window = windowLabel(p.window);
    const windowMs = p.window.kind === 'rolling' ? p.window.duration.ms : undefined;
    const at = { operation: op.id, window, windowMs };
    if (p.availability) {
      const target = p.availability.target;
      availability.push({ ...at, key: String(target), value: { target } });
      const freezeBelow = p.budgetPolicy.freezeBelow;
      budget.push({ ...at, key: String(freezeBelow), value: { freezeBelow } });
      for (const rate of p.alerting.burnRates) {
        const pair = { severity: rate.severity, long: ruleWindow(rate.long), short: ruleWindow(rate.short), factor: rate.factor };
        for (const w of [pair.long, pair.short]) if (!windows.includes(w)) windows.push(w);
        burn.push({ ...at, key: burnKey(pair), value: { ...pair, minEventsPerHour: [p.alerting.minEventsPerHour] } });
      }
    }
    for (const o of p.latency) {
      if (o.kind === 'threshold') {
        thresholdUniverse.set(o.name, [...(thresholdUniverse.get(o.name) ?? []), op.id]);
        thresholds.push({ ...at, key: `${o.name} ${o.threshold.ms} ${o.target}`, value: { name: o.name, threshold: o.threshold, target: o.target } });
      } else {
        percentiles.push({ ...at, key: percentileKey(o), value: { names: [o.name], percentile: o.percentile, max: o.max } });
      }
    }
  }

  // One panel per alert pair and factor; operations that differ only in minEventsPerHour share it (the description lists the values).
  const burnGroups = groups(burn, () => withPromise);
  for (const g of burnGroups) {
    const same = burn.filter((e) => g.operations.includes(e.operation) && e.key === burnKey(g.value));
    g.value.minEventsPerHour = [...new Set(same.flatMap((e) => e.value.minEventsPerHour))].sort((a, b) => a - b);
  }
  // One panel per percentile and maximum, whatever the objectives are called.
  const percentileGroups = groups(percentiles, () => everyOperation);
  for (const g of percentileGroups) {
    g.value.names = [...new Set(percentiles.filter((e) => e.key === percentileKey(g.value)).flatMap((e) => e.value.names))];
  }
  return {
    operations: promised.map((o) => o.id),
    budget: groups(budget, () => withPromise),
    burnRates: burnGroups,
    availability: groups(availability, () => withPromise),
    thresholds: groups(thresholds, (v) => thresholdUniverse.get(v.name) ?? []),
    percentiles: percentileGroups,
    windows,
    maintenance: promised.some((o) => o.promise.maintenance.length > 0),
  };
}

const burnKey = (p: BurnRatePair): string => `${p.severity} ${p.long} ${p.short} ${p.factor}`;
const percentileKey = (p: { percentile: number; max: Duration }): string => `${p.percentile} ${p.max.ms}`;
