import { ALERT, METRIC, RECORD } from './names.js';
import { mergeAlerts, type AlertBranch } from './merge.js';
import {
  groupBy, withAvailability, withPercentile, withThreshold,
  type PercentileObjective, type PlannedOperation, type PlannedWindow, type ServicePlan, type ThresholdObjective,
} from './plan.js';
import { eq, promDuration, promNumber, quote, selector, templateLiteral } from './promql.js';
import { shellWord } from './shell.js';
import { operations } from './recording.js';
import type { AlertingRule, RuleGroup } from './rule-group.js';

/** How long window-level figures must stay bad before their alert fires: they move every 5m, slowly. */
export const WINDOW_ALERT_FOR = '15m';
/** How long a service's metrics must be gone before SwornMetricsAbsent fires (one failed scrape is not an outage). */
export const ABSENT_FOR = '10m';

const HOUR = 3_600_000;

/** What to run for the figures behind an operation's alert ($externalURL: the Prometheus evaluating the rule). */
function reportHint(plan: ServicePlan): string {
  const service = plan.serviceFlag === undefined ? '' : ` --service ${templateLiteral(shellWord(plan.serviceFlag))}`;
  return `Figures: sworn report --prometheus {{ $externalURL }} --spec ${templateLiteral(shellWord(plan.spec))}${service} --operation '{{ $labels.operation }}'.`;
}

/**
 * SwornErrorBudgetBurn per burn-rate alert (operations with the same
 * alert share one rule through an `operation=~` matcher): both windows
 * above the factor, and the fleet's summed valid events over the long
 * window at least `minEventsPerHour` x its hours, unless a suppressAlerts
 * maintenance window is active.
 */
export function burnAlerts(plan: ServicePlan): AlertingRule[] {
  const service = eq('service', plan.service);
  const entries = withAvailability(plan).flatMap((op) => op.promise.alerting.burnRates.map((rate) => ({ op, rate })));
  const groups = groupBy(entries, ({ op, rate }) => JSON.stringify([rate.severity, Math.round(rate.long.ms), Math.round(rate.short.ms), rate.factor, op.promise.alerting.minEventsPerHour]));
  return mergeAlerts(groups.map(({ items }): AlertBranch => {
    const { rate, op: first } = items[0]!;
    const ops = unique(items.map((i) => i.op));
    const only = operations(plan, ops, 'promised');
    const long = promDuration(rate.long.ms);
    const short = promDuration(rate.short.ms);
    const factor = promNumber(rate.factor);
    const minEvents = first.promise.alerting.minEventsPerHour;
    const guard = minEvents > 0 ? promNumber((minEvents * rate.long.ms) / HOUR) : undefined;
    const suppress = ops.some((o) => o.promise.maintenance.some((m) => m.effect.suppressAlerts));
    const terms = [
      `${selector(RECORD.burnRate(long), [service, only])} > ${factor}`,
      `${selector(RECORD.burnRate(short), [service, only])} > ${factor}`,
      ...(guard !== undefined ? [`${selector(RECORD.valid(long), [service, only])} >= ${guard}`] : []),
    ];
    let expr = `(\n    ${terms.join('\n  and on (service, operation)\n    ')}\n)`;
    if (suppress) expr += `\nunless on (service, operation)\n  max by (service, operation) (${selector(METRIC.maintenance, [service, only, eq('effect', 'suppress_alerts')])}) == 1`;
    const conditions = [`the burn rate is above ${factor} over both the last ${long} and the last ${short}`];
    if (guard !== undefined) conditions.push(`the fleet served at least ${guard} valid events over ${long} (minEventsPerHour ${promNumber(minEvents)})`);
    // $labels are the series' labels (service, operation), not the rule's static ones: the windows are written in.
    const summary = `{{ $labels.service }} {{ $labels.operation }} burns its error budget {{ $value | humanize }}x as fast as its promise allows over ${long}`;
    return {
      alert: ALERT.burn,
      expr,
      labels: { severity: rate.severity, long, short },
      annotations: { summary, description: `Fires while ${conditions.join(' and ')}${suppress ? ', unless a suppressAlerts maintenance window is active' : ''}. ${reportHint(plan)}` },
      generic: { summary, description: `Fires while the burn rate is above the alert's factor over both the last ${long} and the last ${short} (with the operation's low-traffic guard and suppressAlerts maintenance windows: sworn explain ${templateLiteral(shellWord(plan.spec))} --operation '{{ $labels.operation }}' shows them). ${reportHint(plan)}` },
    };
  }));
}

/** SwornErrorBudgetSpent: the remaining budget over the promise window below budgetPolicy.freezeBelow (0 when not declared). */
export function spentAlerts(plan: ServicePlan): AlertingRule[] {
  const service = eq('service', plan.service);
  const groups = groupBy(withAvailability(plan), (o) => JSON.stringify([o.promise.budgetPolicy.freezeBelow ?? null, o.window.label]));
  return mergeAlerts(groups.map(({ items }): AlertBranch => {
    const declared = items[0]!.promise.budgetPolicy.freezeBelow;
    const freezeBelow = declared ?? 0;
    const window = items[0]!.window;
    const policy = declared === undefined
      ? 'No budgetPolicy.freezeBelow is declared (0 applies): the error-budget policy says to stop risky deploys; declare freezeBelow to have `sworn gate` refuse them.'
      : `Deploys freeze: \`sworn gate --prometheus {{ $externalURL }} --spec ${templateLiteral(shellWord(plan.spec))}\` refuses them while the remaining budget is below budgetPolicy.freezeBelow (${percent(freezeBelow)}).`;
    const summary = (line: string) => `{{ $labels.service }} {{ $labels.operation }} has {{ $value | humanizePercentage }} of its error budget left over ${windowText(window)}, below ${line}`;
    return {
      alert: ALERT.spent,
      expr: `${selector(RECORD.remaining, [service, operations(plan, items, 'promised')])} < ${promNumber(freezeBelow)}`,
      for: WINDOW_ALERT_FOR,
      labels: { severity: 'ticket', window: window.label },
      annotations: { summary: summary(percent(freezeBelow)), description: `${policy} ${reportHint(plan)}` },
      generic: { summary: summary('its budgetPolicy.freezeBelow'), description: `\`sworn gate\` refuses deploys while the remaining budget is below budgetPolicy.freezeBelow (0 where none is declared). ${reportHint(plan)}` },
    };
  }));
}

/** SwornLatencyObjectiveMissed: threshold objectives (within ratio below target) and percentile objectives (the window's quantile above max). */
export function latencyAlerts(plan: ServicePlan): AlertingRule[] {
  const service = eq('service', plan.service);
  const branches: AlertBranch[] = [];
  const thresholds = withThreshold(plan).flatMap((op) => op.promise.latency.filter((l): l is ThresholdObjective => l.kind === 'threshold').map((objective) => ({ op, objective })));
  for (const { items } of groupBy(thresholds, ({ op, objective: o }) => JSON.stringify([o.name, o.target, o.threshold.ms, op.window.label]))) {
    const { objective: o, op } = items[0]!;
    const ops = unique(items.map((i) => i.op));
    const annotations = {
      summary: `{{ $labels.service }} {{ $labels.operation }}: {{ $value | humanizePercentage }} of good requests answered within ${o.threshold.text} over ${windowText(op.window)}; the promise (${templateLiteral(o.name)}) is ${promNumber(o.target)}%`,
      description: `The latency objective ${quote(o.name)} is missed over the promise window. ${reportHint(plan)}`,
    };
    branches.push({
      alert: ALERT.latency,
      expr: `${selector(RECORD.withinRatio, [service, operations(plan, ops, 'promised'), eq('objective', o.name)])} < ${promNumber(o.target / 100)}`,
      for: WINDOW_ALERT_FOR,
      labels: { severity: 'ticket', objective: o.name, kind: 'threshold', target: promNumber(o.target), threshold: promNumber(o.threshold.ms / 1000), window: op.window.label },
      annotations,
      generic: annotations,
    });
  }
  const percentiles = withPercentile(plan).flatMap((op) => op.promise.latency.filter((l): l is PercentileObjective => l.kind === 'percentile').map((objective) => ({ op, objective })));
  for (const { items } of groupBy(percentiles, ({ op, objective: o }) => JSON.stringify([o.name, o.percentile, o.max.ms, op.window.label]))) {
    const { objective: o, op } = items[0]!;
    const ops = unique(items.map((i) => i.op));
    const annotations = {
      summary: `{{ $labels.service }} {{ $labels.operation }}: p${promNumber(o.percentile)} over ${windowText(op.window)} is {{ $value | humanizeDuration }}; the promise (${templateLiteral(o.name)}) is at most ${o.max.text}`,
      description: `The latency objective ${quote(o.name)} is missed over the promise window (estimated from the duration histogram, whose bucket edges include ${o.max.text}). ${reportHint(plan)}`,
    };
    branches.push({
      alert: ALERT.latency,
      expr: `histogram_quantile(${promNumber(o.percentile / 100)}, ${selector(RECORD.bucketWindow, [service, operations(plan, ops, 'promised')])}) > ${promNumber(o.max.ms / 1000)}`,
      for: WINDOW_ALERT_FOR,
      labels: { severity: 'ticket', objective: o.name, kind: 'percentile', target: promNumber(o.percentile), threshold: promNumber(o.max.ms / 1000), window: op.window.label },
      annotations,
      generic: annotations,
    });
  }
  return mergeAlerts(branches);
}

/**
 * SwornMetricsAbsent: no sworn_slo_events_total for the service at all,
 * although its recorded 5m traffic was above 0 within the longest promise
 * window: every other SLO alert of the service is blind.
 */
export function absentAlert(plan: ServicePlan): AlertingRule {
  const service = eq('service', plan.service);
  const lookback = promDuration(Math.max(...plan.operations.map((o) => o.window.ms)));
  return {
    alert: ALERT.absent,
    expr: `absent(${selector(METRIC.events, [service])})\nand on (service)\n  max_over_time(${selector(RECORD.serviceEvents5m, [service])}[${lookback}]) > 0`,
    for: ABSENT_FOR,
    labels: { severity: 'ticket' },
    annotations: {
      summary: `No sworn metrics from {{ $labels.service }}, which had traffic within the last ${lookback}`,
      description: `${METRIC.events}{service=${templateLiteral(quote(plan.service))}} is absent from every target: the service's SLO alerts cannot fire. Check that the sidecars run and are scraped (/metrics on their admin port, proxy/prometheus-scrape.yaml) and that their service label is ${templateLiteral(quote(plan.service))} (sworn rules --service).`,
    },
  };
}

/** Contract breaches by side, from sworn_violations_total. */
export function contractGroup(plan: ServicePlan): RuleGroup {
  const service = eq('service', plan.service);
  return {
    name: `sworn-${plan.service}-contract`,
    rules: [
      {
        alert: ALERT.provider,
        expr: `sum by (service, operation, code) (rate(${selector(METRIC.violations, [service, eq('direction', 'response'), { name: 'code', op: '!=', value: 'not-validated' }])}[10m])) > 0`,
        for: '10m',
        labels: { severity: 'ticket' },
        annotations: {
          summary: '{{ $labels.service }} {{ $labels.operation }} answers outside its OpenAPI contract ({{ $labels.code }})',
          description: 'The provider breaks the spec (direction="response"). The sidecars\' /report on the admin port has redacted samples.',
        },
      },
      {
        alert: ALERT.consumer,
        expr: `sum by (service, consumer) (rate(${selector(METRIC.consumerViolations, [service, eq('direction', 'request'), { name: 'code', op: '!~', value: 'not-validated|unknown-route' }])}[30m]))\n  / on (service, consumer)\nsum by (service, consumer) (rate(${selector(METRIC.consumerEvents, [service])}[30m]))\n> 0.05`,
        for: '30m',
        labels: { severity: 'info' },
        annotations: {
          summary: 'Consumer {{ $labels.consumer }} of {{ $labels.service }} sends invalid requests: {{ $value | humanizePercentage }} request violations per call over 30m (above 5%)',
          description: 'The consumer breaks the spec (direction="request"); consumer="other" sums the consumers beyond --metrics-consumers. The sidecars\' /report?consumer= shows which requests.',
        },
      },
      {
        alert: ALERT.unknownRoutes,
        expr: `sum by (service) (rate(${selector(METRIC.violations, [service, eq('code', 'unknown-route')])}[30m])) > 0.1`,
        for: '30m',
        labels: { severity: 'info' },
        annotations: {
          summary: '{{ $labels.service }} receives requests to paths its spec does not describe ({{ $value | humanize }}/s)',
          description: 'Either the spec lacks operations the service serves, or clients call paths that do not exist. The sidecars\' /report lists the unknown routes.',
        },
      },
    ],
  };
}

function unique(ops: PlannedOperation[]): PlannedOperation[] {
  return [...new Map(ops.map((o) => [o.id, o])).values()];
}

const percent = (ratio: number): string => `${promNumber(ratio * 100)}%`;

function windowText(window: PlannedWindow): string {
  return window.calendar ? `the last ${window.range} (for the ${window.label})` : window.range;
}
