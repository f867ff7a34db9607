import { matchesOneOf, OPERATION_PICKED, selector, serviceMatcher, VARIABLES } from './promql.js';
import { ALERT_NAME_PREFIX, METRICS } from './rule-names.js';

/** Selectors of this service's series, limited to the operations picked (and to a group's operations). */
export class Queries {
  readonly service: string;

  constructor(service: string) {
    this.service = serviceMatcher(service);
  }

  select(metric: string, extra: string[] = [], only?: string[]): string {
    return selector(metric, [this.service, OPERATION_PICKED, ...extra, ...(only ? [matchesOneOf('operation', only)] : [])]);
  }

  /** `rate(metric{service=...}[$__rate_interval])` of a consumer-level metric: it has no operation label. */
  serviceRate(metric: string, extra: string[] = []): string {
    return `rate(${selector(metric, [this.service, ...extra])}[${VARIABLES.rateInterval}])`;
  }

  /** `rate(metric{...}[$__rate_interval])`. */
  rate(metric: string, extra: string[] = [], only?: string[]): string {
    return `rate(${this.select(metric, extra, only)}[${VARIABLES.rateInterval}])`;
  }

  /** Sworn alerts; those without an operation label (SwornMetricsAbsent) are always shown. */
  alerts(extra: string[] = []): string {
    return selector(METRICS.alerts, [`alertname=~"${ALERT_NAME_PREFIX}.*"`, this.service, `operation=~"${VARIABLES.operation}|"`, ...extra]);
  }
}
