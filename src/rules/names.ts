/**
 * The names of the metrics the proxies expose and of the recording rules
 * `sworn rules` generates (.scratch/fleet-contract.md). Dashboards and
 * reports read these, so they live in one place. `w` is a window in
 * PromQL form (`promDuration`): `5m`, `1h`, `3d`.
 */
export const METRIC = {
  events: 'sworn_slo_events_total',
  allowance: 'sworn_slo_error_budget_allowance_total',
  within: 'sworn_slo_latency_within_total',
  durationBucket: 'sworn_request_duration_seconds_bucket',
  maintenance: 'sworn_slo_maintenance_active',
  violations: 'sworn_violations_total',
  consumerViolations: 'sworn_consumer_violations_total',
  consumerEvents: 'sworn_consumer_events_total',
} as const;

export const RECORD = {
  /** {service, operation, outcome} */
  events: (w: string) => `sworn:slo_events:increase${w}`,
  /** {service, operation} */
  allowance: (w: string) => `sworn:slo_allowance:increase${w}`,
  /** {service, operation, objective} */
  within: (w: string) => `sworn:slo_latency_within:increase${w}`,
  /** {service, operation}: good + bad */
  valid: (w: string) => `sworn:slo_valid_events:increase${w}`,
  /** {service, operation}: Σbad / Σallowance over w */
  burnRate: (w: string) => `sworn:slo_burn_rate:${w}`,
  /** {service}: every event of every outcome over 5m (the evidence of traffic SwornMetricsAbsent reads) */
  serviceEvents5m: 'sworn:slo_service_events:increase5m',
  /** {service, operation, le} */
  bucket5m: 'sworn:request_duration_seconds_bucket:increase5m',
  eventsWindow: 'sworn:slo_events:window_total',
  allowanceWindow: 'sworn:slo_allowance:window_total',
  withinWindow: 'sworn:slo_latency_within:window_total',
  /** {service, operation, le} over the promise window */
  bucketWindow: 'sworn:request_duration_seconds_bucket:window_total',
  /** {service, operation} */
  remaining: 'sworn:slo_error_budget_remaining:ratio',
  /** {service, operation} */
  availability: 'sworn:slo_availability:ratio',
  /** {service, operation, objective} */
  withinRatio: 'sworn:slo_latency_within:ratio',
} as const;

export const ALERT = {
  burn: 'SwornErrorBudgetBurn',
  spent: 'SwornErrorBudgetSpent',
  latency: 'SwornLatencyObjectiveMissed',
  absent: 'SwornMetricsAbsent',
  provider: 'SwornProviderBreaksContract',
  consumer: 'SwornConsumerBreaksContract',
  unknownRoutes: 'SwornUnknownRoutes',
} as const;
