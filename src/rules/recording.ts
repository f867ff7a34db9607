import { METRIC, RECORD } from './names.js';
import {
  FIVE_MINUTES, alertWindows, groupBy, withAvailability, withPercentile, withThreshold,
  type AlertWindow, type PlannedOperation, type ServicePlan,
} from './plan.js';
import { anyOf, eq, noneOf, re, selector, type Matcher } from './promql.js';
import { mergeRecords } from './merge.js';
import type { RecordingRule, RuleGroup } from './rule-group.js';

/**
 * Alert windows up to this length are computed from the raw counters
 * (`increase(...[W])`, fresh at every evaluation); longer ones as the sum
 * of the recorded 5m slices, which reads 12 samples an hour instead of
 * every scrape of every pod (a 3d window over raw counters scraped every
 * 15s reads 17,280 samples per series and pod at each evaluation).
 */
export const RAW_RANGE_LIMIT_MS = 3_600_000;

const GOOD_OR_BAD = re('outcome', 'good|bad');

/**
 * The 5m group (`interval: 5m`): 5m increases of every fleet counter, so
 * that summing them over the promise window adds non-overlapping 5m
 * slices, then the promise-window totals and the ratios read from them.
 */
export function fiveMinuteGroup(plan: ServicePlan): RuleGroup {
  const service = eq('service', plan.service);
  const rules: RecordingRule[] = [];
  rules.push(
    { record: RECORD.events('5m'), expr: `sum by (service, operation, outcome) (increase(${selector(METRIC.events, [service])}[5m]))` },
    { record: RECORD.allowance('5m'), expr: `sum by (service, operation) (increase(${selector(METRIC.allowance, [service])}[5m]))` },
  );
  const threshold = withThreshold(plan);
  if (threshold.length > 0) rules.push({ record: RECORD.within('5m'), expr: `sum by (service, operation, objective) (increase(${selector(METRIC.within, [service])}[5m]))` });
  rules.push(
    { record: RECORD.valid('5m'), expr: `sum by (service, operation) (${selector(RECORD.events('5m'), [service, GOOD_OR_BAD])})` },
    { record: RECORD.serviceEvents5m, expr: `sum by (service) (${selector(RECORD.events('5m'), [service])})` },
  );
  const percentile = withPercentile(plan);
  if (percentile.length > 0) {
    rules.push({ record: RECORD.bucket5m, expr: `sum by (service, operation, le) (increase(${selector(METRIC.durationBucket, [service, operations(plan, percentile, 'spec')])}[5m]))` });
  }

  // The promise window's totals, one rule per distinct window (operations matched by regex).
  const total = (record: string, source: string, ops: PlannedOperation[]) => {
    for (const { items } of groupBy(ops, (o) => o.window.range)) {
      rules.push({ record, expr: `sum_over_time(${selector(source, [service, operations(plan, items, 'promised')])}[${items[0]!.window.range}])` });
    }
  };
  const availability = withAvailability(plan);
  total(RECORD.eventsWindow, RECORD.events('5m'), plan.operations);
  if (availability.length > 0) total(RECORD.allowanceWindow, RECORD.allowance('5m'), availability);
  if (threshold.length > 0) total(RECORD.withinWindow, RECORD.within('5m'), threshold);
  if (percentile.length > 0) total(RECORD.bucketWindow, RECORD.bucket5m, percentile);

  if (availability.length > 0) {
    rules.push({
      record: RECORD.remaining,
      expr: `1 - (\n    sum by (service, operation) (${selector(RECORD.eventsWindow, [service, eq('outcome', 'bad')])})\n  /\n    sum by (service, operation) (${selector(RECORD.allowanceWindow, [service])})\n)`,
    });
  }
  rules.push({
    record: RECORD.availability,
    expr: divide(`sum by (service, operation) (${selector(RECORD.eventsWindow, [service, eq('outcome', 'good')])})`, `sum by (service, operation) (${selector(RECORD.eventsWindow, [service, GOOD_OR_BAD])})`),
  });
  if (threshold.length > 0) {
    rules.push({
      record: RECORD.withinRatio,
      expr: divide(`sum by (service, operation, objective) (${selector(RECORD.withinWindow, [service])})`, `sum by (service, operation) (${selector(RECORD.eventsWindow, [service, eq('outcome', 'good')])})`, '/ on (service, operation) group_left ()'),
    });
  }
  return { name: `sworn-${plan.service}-slo-5m`, interval: '5m', rules: mergeRecords(rules) };
}

/**
 * The alert windows' increases and burn rates (evaluated at the global
 * interval). The 5m burn rate reads the raw counters, so the short window
 * of the fastest alert reacts at the next evaluation, not within 5m.
 */
export function windowRules(plan: ServicePlan): RecordingRule[] {
  const service = eq('service', plan.service);
  const thresholdIds = new Set(withThreshold(plan).map((o) => o.id));
  const rules: RecordingRule[] = [];
  for (const w of alertWindows(plan)) {
    if (w.users.length === 0) continue;
    const ops = operations(plan, w.users.map((id) => ({ id })), 'promised');
    const within = w.users.some((id) => thresholdIds.has(id));
    if (w.ms === FIVE_MINUTES) {
      rules.push({ record: RECORD.burnRate(w.range), expr: rawBurnRate(service, ops, w) });
      continue;
    }
    if (w.ms <= RAW_RANGE_LIMIT_MS) {
      rules.push(
        { record: RECORD.events(w.range), expr: `sum by (service, operation, outcome) (increase(${selector(METRIC.events, [service, ops])}[${w.range}]))` },
        { record: RECORD.allowance(w.range), expr: `sum by (service, operation) (increase(${selector(METRIC.allowance, [service, ops])}[${w.range}]))` },
      );
      if (within) rules.push({ record: RECORD.within(w.range), expr: `sum by (service, operation, objective) (increase(${selector(METRIC.within, [service, ops])}[${w.range}]))` });
    } else {
      rules.push(
        { record: RECORD.events(w.range), expr: `sum_over_time(${selector(RECORD.events('5m'), [service, ops])}[${w.range}])` },
        { record: RECORD.allowance(w.range), expr: `sum_over_time(${selector(RECORD.allowance('5m'), [service, ops])}[${w.range}])` },
      );
      if (within) rules.push({ record: RECORD.within(w.range), expr: `sum_over_time(${selector(RECORD.within('5m'), [service, ops])}[${w.range}])` });
    }
    rules.push(
      { record: RECORD.valid(w.range), expr: `sum by (service, operation) (${selector(RECORD.events(w.range), [service, GOOD_OR_BAD])})` },
      {
        record: RECORD.burnRate(w.range),
        expr: divide(`sum by (service, operation) (${selector(RECORD.events(w.range), [service, eq('outcome', 'bad')])})`, `sum by (service, operation) (${selector(RECORD.allowance(w.range), [service])})`),
      },
    );
  }
  return rules;
}

function rawBurnRate(service: Matcher, ops: Matcher | undefined, w: AlertWindow): string {
  return divide(`sum by (service, operation) (increase(${selector(METRIC.events, [service, ops, eq('outcome', 'bad')])}[${w.range}]))`, `sum by (service, operation) (increase(${selector(METRIC.allowance, [service, ops])}[${w.range}]))`);
}

/** `a / b` on three lines, the operator (with its matching) between. */
function divide(numerator: string, denominator: string, operator = '/'): string {
  return `${numerator}\n  ${operator}\n${denominator}`;
}

/**
 * The `operation` matcher for these operations. `population` is what the
 * selected series can belong to: the promised operations (the proxies'
 * fleet counters and every series recorded from them), or every
 * operation of the spec (the duration histogram). None when the
 * operations are the whole population, `=` for one, an escaped `=~"a|b"`;
 * among promised operations, the complement (`!~"c|d"`) when it is less
 * than half as long, so a spec where a few operations promise more does
 * not list the other thousand in every rule.
 */
export function operations(plan: ServicePlan, ops: ReadonlyArray<{ id: string }>, population: 'promised' | 'spec'): Matcher | undefined {
  const ids = new Set(ops.map((o) => o.id));
  const all = population === 'promised' ? plan.operations.map((o) => o.id) : plan.operationIds;
  const others = all.filter((id) => !ids.has(id));
  if (others.length === 0) return undefined;
  if (population === 'promised' && others.length * 2 < ids.size) return noneOf('operation', others);
  return anyOf('operation', [...ids]);
}
