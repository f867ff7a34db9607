import { createHash } from 'node:crypto';
import { METRIC } from './names.js';
import type { PlannedOperation, PlannedWindow, ServicePlan } from './plan.js';
import { eq, escapeRegex, promDuration, re, selector, type Matcher } from './promql.js';

/** One OpenSLO v1 object (https://github.com/OpenSLO/OpenSLO, `openslo/v1`). */
export interface OpenSloObject {
  apiVersion: 'openslo/v1';
  kind: 'Service' | 'SLO' | 'AlertPolicy' | 'AlertCondition' | 'AlertNotificationTarget';
  metadata: { name: string; displayName?: string; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
}

/** Calendar windows start at a Monday, 1 January (2024-01-01), so days, ISO weeks, months, quarters and years all align. */
const CALENDAR_START = '2024-01-01 00:00:00';
const CALENDAR_SHORTHAND = { day: '1d', week: '1w', month: '1M', quarter: '1Q', year: '1Y' } as const;
/** The SLI queries return events per 5m: sums of per-series increases, so pods and restarts add up. */
const SLICE = '5m';

/**
 * OpenSLO v1 documents for one spec: a `Service`, one `SLO` per operation
 * objective (ratio of good to total events over Prometheus queries on the
 * proxies' counters, Occurrences budgeting, the promise window), and for
 * availability objectives one `AlertPolicy` and `AlertCondition` per
 * burn-rate alert. OpenSLO v1 has one lookback window per condition: the
 * short window, the low-traffic guard and maintenance suppression are
 * stated in the descriptions and enforced only by the Prometheus rules.
 *
 * @example
 * buildOpenSlo(planRules(spec)).filter((o) => o.kind === 'SLO').length; // operations x objectives
 */
export function buildOpenSlo(plan: ServicePlan): OpenSloObject[] {
  const names = new NameBook();
  const service = names.take(plan.service);
  const objects: OpenSloObject[] = [{
    apiVersion: 'openslo/v1',
    kind: 'Service',
    metadata: { name: service, displayName: plan.service },
    spec: { description: `The promises of ${plan.spec} (x-slo), as the sworn proxies count them.` },
  }];
  const targets = new Map<string, string>();
  const policies = new Map<string, string>();
  const alerting: OpenSloObject[] = [];
  const policyFor = (op: PlannedOperation): string[] => op.promise.alerting.burnRates.map((rate) => {
    const long = promDuration(rate.long.ms);
    const short = promDuration(rate.short.ms);
    const guard = op.promise.alerting.minEventsPerHour;
    const key = JSON.stringify([rate.severity, long, short, rate.factor, guard]);
    let name = policies.get(key);
    if (name !== undefined) return name;
    let target = targets.get(rate.severity);
    if (target === undefined) {
      targets.set(rate.severity, (target = names.take(`${plan.service}-${rate.severity}`)));
      alerting.push({ apiVersion: 'openslo/v1', kind: 'AlertNotificationTarget', metadata: { name: target, displayName: `${plan.service} ${rate.severity}` }, spec: { target: rate.severity, description: `Alerts of severity ${rate.severity}; route them by this name.` } });
    }
    name = names.take(`${plan.service}-burn-${rate.severity}-${long}-${short}-${String(rate.factor)}${guard > 0 ? `-min${guard}` : ''}`);
    policies.set(key, name);
    const description = `Burn rate above ${rate.factor} over ${long}; sworn's Prometheus rules also require it over ${short}${guard > 0 ? `, at least ${guard} valid events an hour` : ''} and no suppressAlerts maintenance window, which OpenSLO v1 conditions cannot express.`;
    alerting.push(
      { apiVersion: 'openslo/v1', kind: 'AlertCondition', metadata: { name, displayName: `burn rate > ${rate.factor} over ${long}` }, spec: { description, severity: rate.severity, condition: { kind: 'burnrate', threshold: rate.factor, lookbackWindow: shorthand(rate.long.ms), alertAfter: '0m' } } },
      { apiVersion: 'openslo/v1', kind: 'AlertPolicy', metadata: { name, displayName: `${rate.severity}: burn rate > ${rate.factor} over ${long} and ${short}` }, spec: { description, alertWhenNoData: false, alertWhenBreaching: true, alertWhenResolved: false, conditions: [{ conditionRef: name }], notificationTargets: [{ targetRef: target }] } },
    );
    return name;
  });

  const slos: OpenSloObject[] = [];
  for (const op of plan.operations) {
    const scope = [eq('service', plan.service), eq('operation', op.id)];
    const base = { service, timeWindow: [timeWindow(op.window)], budgetingMethod: 'Occurrences' };
    const slo = (objective: string, displayName: string, good: string, total: string, target: number, alertPolicies: string[] = []) => {
      const name = names.take(`${plan.service}-${op.id}-${objective}`);
      slos.push({
        apiVersion: 'openslo/v1',
        kind: 'SLO',
        metadata: { name, displayName: `${op.id} ${objective}`, annotations: { 'sworn/operation': op.id, 'sworn/objective': objective } },
        spec: {
          description: displayName,
          ...base,
          indicator: { metadata: { name: `${name.slice(0, 59).replace(/-+$/, '')}-sli` }, spec: { ratioMetric: { counter: false, good: source(good), total: source(total) } } },
          objectives: [{ displayName, target: round(target) }],
          alertPolicies,
        },
      });
    };
    const a = op.promise.availability;
    if (a) {
      slo('availability', `${a.target}% of valid events are good over ${op.window.label}`, increase(METRIC.events, [...scope, eq('outcome', 'good')]), increase(METRIC.events, [...scope, re('outcome', 'good|bad')]), a.target / 100, policyFor(op));
    }
    for (const o of op.promise.latency) {
      if (o.kind === 'threshold') {
        slo(o.name, `${o.target}% of good events within ${o.threshold.text} over ${op.window.label}`, increase(METRIC.within, [...scope, eq('objective', o.name)]), increase(METRIC.events, [...scope, eq('outcome', 'good')]), o.target / 100);
      } else {
        // p99 <= max exactly when at least 99% of good events fall in the bucket of `max` (an edge of the proxies' histogram).
        slo(o.name, `p${o.percentile} of good events at most ${o.max.text} over ${op.window.label}`, increase(METRIC.durationBucket, [...scope, re('le', leRegex(o.max.ms / 1000))]), increase(METRIC.durationBucket, [...scope, eq('le', '+Inf')]), o.percentile / 100);
      }
    }
  }
  return [...objects, ...alerting, ...slos];
}

function source(query: string): { metricSource: { type: 'Prometheus'; spec: { query: string } } } {
  return { metricSource: { type: 'Prometheus', spec: { query } } };
}

function increase(metric: string, matchers: Matcher[]): string {
  return `sum(increase(${selector(metric, matchers)}[${SLICE}]))`;
}

/** A bucket edge as the proxies export it (`0.8`, `1`) or as Prometheus 3 normalises it (`1.0`). */
export function leRegex(seconds: number): string {
  const text = escapeRegex(String(seconds));
  return Number.isInteger(seconds) ? `${text}(\\.0)?` : text;
}

function timeWindow(window: PlannedWindow): Record<string, unknown> {
  if (window.calendar) return { duration: CALENDAR_SHORTHAND[window.calendar.unit], calendar: { startTime: CALENDAR_START, timeZone: window.calendar.timeZone }, isRolling: false };
  return { duration: shorthand(window.ms), isRolling: true };
}

/** OpenSLO's duration shorthand: one integer and one unit (m, h, d, ...); rounded up to whole minutes. */
export function shorthand(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000]] as const) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${Math.ceil(ms / 60_000)}m`;
}

const round = (n: number): number => Number(n.toPrecision(12));

/** RFC 1123 labels (what OpenSLO names must be), unique within one output. */
class NameBook {
  private readonly used = new Set<string>();

  take(text: string): string {
    const slug = text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'x';
    let name = slug.length <= 63 ? slug : `${slug.slice(0, 54).replace(/-+$/, '')}-${hash(text)}`;
    if (this.used.has(name)) name = `${slug.slice(0, 54).replace(/-+$/, '')}-${hash(text)}`;
    for (let n = 2; this.used.has(name); n++) name = `${slug.slice(0, 50).replace(/-+$/, '')}-${hash(`${text}\0${n}`)}`;
    this.used.add(name);
    return name;
  }
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}
