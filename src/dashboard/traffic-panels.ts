import { fixedColour, stat, table, timeseries, type PanelSpec } from './panels.js';
import type { Queries } from './queries.js';
import { METRICS } from './rule-names.js';

/** The panels of what happens: alerts firing, requests by outcome, contract breaches by side and by consumer. */

const TOP_CONSUMERS = 10;
const RED = 'red';
const ORANGE = 'orange';

export function firingCount(q: Queries): PanelSpec {
  return stat({
    title: 'Firing alerts',
    description: `How many sworn alerts are firing now for this service: error budget burning too fast (SwornErrorBudgetBurn), budget spent (SwornErrorBudgetSpent), a latency objective missed (SwornLatencyObjectiveMissed), metrics gone although the service had traffic (SwornMetricsAbsent), and any other alert whose name starts with Sworn. 0 is green. From Prometheus' \`ALERTS\` series, for the alerts \`sworn rules\` generates.`,
    targets: [{ refId: 'A', expr: `count(${q.alerts(['alertstate="firing"'])}) or vector(0)`, legendFormat: 'firing' }],
    unit: 'none',
    decimals: 0,
    base: 'green',
    steps: [{ value: 1, color: RED }],
    size: { w: 4, h: 6 },
  });
}

export function firingTable(q: Queries): PanelSpec {
  return table({
    title: 'Alerts pending or firing',
    description: 'The sworn alerts pending or firing now, one line each, with their labels: the alert, its state, the operation, the severity and, for burn-rate alerts, the long and short windows (an alert without an operation concerns the whole service). Empty when all is well. From Prometheus\' `ALERTS` series.',
    targets: [{ refId: 'A', expr: q.alerts(), legendFormat: '__auto' }],
    hide: ['Time', 'Value', '__name__', 'service'],
    size: { w: 10, h: 6 },
  });
}

export function eventsPanel(q: Queries): PanelSpec {
  return timeseries({
    title: 'Requests by outcome',
    description: `Requests per second to the operations picked, summed over all pods, by how sworn judged them: good and bad count toward the promise (bad ones spend the error budget); excluded ones are not events at all (for example 4xx answers or client aborts, as the promise says); maintenance_excluded ones fell inside an exclude maintenance window. From \`${METRICS.events}\`.`,
    targets: [{ refId: 'A', expr: `sum by (outcome) (${q.rate(METRICS.events)})`, legendFormat: '{{outcome}}' }],
    unit: 'reqps',
    stacked: true,
    overrides: [fixedColour('good', 'green'), fixedColour('bad', RED), fixedColour('excluded', 'text'), fixedColour('maintenance_excluded', 'purple')],
  });
}

export function violationsBySide(q: Queries): PanelSpec {
  return timeseries({
    title: 'Contract violations by side',
    description: `Contract breaches per second, by who broke the OpenAPI contract. "request": a consumer sent a request the spec does not allow (the consumer's breach). "response": the service answered outside its spec (the provider's breach). From \`${METRICS.violations}\`; the proxies' /report has redacted samples.`,
    targets: [
      { refId: 'A', expr: `sum by (direction) (${q.rate(METRICS.violations, ['direction="request"'])})`, legendFormat: "request: the consumer's breach" },
      { refId: 'B', expr: `sum by (direction) (${q.rate(METRICS.violations, ['direction="response"'])})`, legendFormat: "response: the provider's breach" },
    ],
    unit: 'reqps',
    overrides: [fixedColour("request: the consumer's breach", ORANGE), fixedColour("response: the provider's breach", RED)],
  });
}

export function violationsByConsumer(q: Queries, direction: 'request' | 'response'): PanelSpec {
  const request = direction === 'request';
  return timeseries({
    title: request ? `Consumers breaking the contract (top ${TOP_CONSUMERS})` : `Consumers receiving broken responses (top ${TOP_CONSUMERS})`,
    description: request
      ? `The ${TOP_CONSUMERS} consumers whose requests break the contract most often, per second: these are the consumers' breaches (direction="request"), to take up with them. Consumers beyond the proxies' tracking limit are summed as "other". Over every operation (the consumer series carry no operation label). From \`${METRICS.consumerViolations}\`.`
      : `The ${TOP_CONSUMERS} consumers who received the most responses outside the contract, per second: these are the provider's breaches (direction="response"), felt by these consumers. Consumers beyond the proxies' tracking limit are summed as "other". Over every operation (the consumer series carry no operation label). From \`${METRICS.consumerViolations}\`.`,
    targets: [{ refId: 'A', expr: `topk(${TOP_CONSUMERS}, sum by (consumer) (${q.serviceRate(METRICS.consumerViolations, [`direction="${direction}"`])}))`, legendFormat: '{{consumer}}' }],
    unit: 'reqps',
  });
}
