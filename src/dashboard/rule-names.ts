import type { Duration } from '../slo/duration.js';
import { METRIC, RECORD, promDuration } from '../rules/index.js';

/**
 * The metric and recording-rule names the dashboard reads: those the
 * proxies expose and `sworn rules` generates (src/rules/names.ts), so the
 * dashboard and the rules cannot drift apart.
 */
export const METRICS = {
  events: METRIC.events,
  durationBucket: METRIC.durationBucket,
  violations: METRIC.violations,
  consumerViolations: METRIC.consumerViolations,
  maintenanceActive: METRIC.maintenance,
  alerts: 'ALERTS',
} as const;

export const RULES = {
  budgetRemaining: RECORD.remaining,
  availability: RECORD.availability,
  latencyWithin: RECORD.withinRatio,
} as const;

/** Every generated alert's name starts with this (`SwornErrorBudgetBurn`, `SwornMetricsAbsent`, ...). */
export const ALERT_NAME_PREFIX = 'Sworn';

/** The window as it appears in a rule name and a PromQL range, as `sworn rules` writes it (`60m` -> `1h`). */
export function ruleWindow(duration: Pick<Duration, 'ms'>): string {
  return promDuration(duration.ms);
}

/** `sworn:slo_burn_rate:<W>`: Σbad / Σallowance over W, per service and operation. */
export const burnRateRule = RECORD.burnRate;
