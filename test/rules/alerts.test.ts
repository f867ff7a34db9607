import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { generated, promtool, said, withoutPromtool } from './promtool.js';

/**
 * The generated alerts' behaviour, pinned with `promtool test rules`: input
 * series written by hand (per pod, as the sidecars expose them) and
 * expectations computed by hand in the comments. The fixture
 * (fixtures/shop.yaml) promises 99% availability over 2h, fast (300ms,
 * 99%) and p99 <= 800ms, a page at burn rate 14.4 over 1h and 5m with
 * minEventsPerHour 60, a suppressAlerts maintenance window, freezeBelow 0.5.
 *
 * promtool 2.42 evaluates every group at every step of
 * `evaluation_interval`, whatever the group's `interval`; the 5m group's
 * window totals are only right with 5m steps, so every test steps 5m.
 */

const SHOP = 'test/rules/fixtures/shop.yaml';
const ODD = 'test/rules/fixtures/odd-ids.yaml';

type Series = { series: string; values: string };

/** Label set in series notation; values escaped the PromQL way. */
function labels(set: Record<string, string>): string {
  return `{${Object.entries(set).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
}

/** A counter growing at `perMinute` for each phase's minutes, sampled every minute from 0 (promtool's `a+bxn` notation). */
function counter(...phases: Array<[perMinute: number, minutes: number]>): string {
  const parts: string[] = [];
  let value = 0;
  phases.forEach(([rate, minutes], i) => {
    const start = i === 0 ? 0 : value + rate;
    const steps = i === 0 ? minutes : minutes - 1;
    parts.push(`${num(start)}+${num(rate)}x${steps}`);
    value = start + rate * steps;
  });
  return parts.join(' ');
}

const num = (n: number): string => String(Number(n.toPrecision(12)));

interface Pod {
  name: string;
  /** Valid events per minute. */
  valid: number;
  /** Fraction of them that is bad. */
  badRatio: number;
}

/** The fleet counters of one pod for one operation, target 99%: good, bad, excluded and allowance (+0.01 per valid event). */
function podSeries(pod: Pod, minutes = 120, operation = 'getItem', service = 'shop'): Series[] {
  const base = { service, operation, instance: `${pod.name}:9464`, pod: pod.name };
  const bad = pod.valid * pod.badRatio;
  return [
    { series: `sworn_slo_events_total${labels({ ...base, outcome: 'good' })}`, values: counter([pod.valid - bad, minutes]) },
    { series: `sworn_slo_events_total${labels({ ...base, outcome: 'bad' })}`, values: counter([bad, minutes]) },
    { series: `sworn_slo_events_total${labels({ ...base, outcome: 'excluded' })}`, values: counter([1, minutes]) },
    { series: `sworn_slo_error_budget_allowance_total${labels(base)}`, values: counter([pod.valid * 0.01, minutes]) },
  ];
}

/** One pod whose good/bad rates change between phases: [valid per minute, bad per minute, minutes]. */
function phasedPod(phases: Array<[valid: number, bad: number, minutes: number]>): Series[] {
  const base = { service: 'shop', operation: 'getItem', instance: 'a:9464', pod: 'a' };
  return [
    { series: `sworn_slo_events_total${labels({ ...base, outcome: 'good' })}`, values: counter(...phases.map(([v, b, m]): [number, number] => [v - b, m])) },
    { series: `sworn_slo_events_total${labels({ ...base, outcome: 'bad' })}`, values: counter(...phases.map(([, b, m]): [number, number] => [b, m])) },
    { series: `sworn_slo_error_budget_allowance_total${labels(base)}`, values: counter(...phases.map(([v, , m]): [number, number] => [v * 0.01, m])) },
  ];
}

const BURN_LABELS = { service: 'shop', operation: 'getItem', severity: 'page', long: '1h', short: '5m' };
const BURN_DESCRIPTION = 'Fires while the burn rate is above 14.4 over both the last 1h and the last 5m and the fleet served at least 60 valid events over 1h (minEventsPerHour 60), unless a suppressAlerts maintenance window is active. Figures: sworn report --prometheus  --spec test/rules/fixtures/shop.yaml --operation \'getItem\'.';
const burning = (times: string) => ({
  exp_labels: BURN_LABELS,
  exp_annotations: { summary: `shop getItem burns its error budget ${times}x as fast as its promise allows over 1h`, description: BURN_DESCRIPTION },
});

interface Case {
  name: string;
  input: Series[];
  alerts?: Array<{ at: string; alert: string; expect: unknown[] }>;
  exprs?: Array<{ at: string; expr: string; expect: Array<{ labels: string; value: number }> }>;
}

/** Runs the cases against the generated rules of `spec` with promtool test rules. */
async function check(spec: string, cases: Case[]): Promise<void> {
  const rules = await generated([spec]);
  const tests = {
    rule_files: ['rules.yaml'],
    evaluation_interval: '5m',
    tests: cases.map((c) => ({
      name: c.name,
      interval: '1m',
      input_series: c.input,
      alert_rule_test: (c.alerts ?? []).map((a) => ({ eval_time: a.at, alertname: a.alert, exp_alerts: a.expect })),
      promql_expr_test: (c.exprs ?? []).map((e) => ({ expr: e.expr, eval_time: e.at, exp_samples: e.expect })),
    })),
  };
  const result = await promtool(['test', 'rules', 'tests.yaml'], { 'rules.yaml': rules, 'tests.yaml': stringify(tests, { lineWidth: 0 }) });
  expect(result.code, said(result)).toBe(0);
}

describe('SwornErrorBudgetBurn (promtool test rules)', () => {
  it.skipIf(withoutPromtool)('fires when both windows burn faster than the factor', async () => {
    await check(SHOP, [{
      // 100 valid/min, 20% bad: bad / allowance = 20 / 1 = 20 over every window; 6000 valid events in 1h >= 60.
      name: 'both windows at 20',
      input: podSeries({ name: 'a', valid: 100, badRatio: 0.2 }),
      alerts: [{ at: '70m', alert: 'SwornErrorBudgetBurn', expect: [burning('20')] }],
      exprs: [
        { at: '70m', expr: 'sworn:slo_burn_rate:1h', expect: [{ labels: 'sworn:slo_burn_rate:1h{service="shop",operation="getItem"}', value: 20 }] },
        { at: '70m', expr: 'sworn:slo_burn_rate:5m', expect: [{ labels: 'sworn:slo_burn_rate:5m{service="shop",operation="getItem"}', value: 20 }] },
        { at: '70m', expr: 'sworn:slo_valid_events:increase1h', expect: [{ labels: 'sworn:slo_valid_events:increase1h{service="shop",operation="getItem"}', value: 6000 }] },
      ],
    }]);
  });

  it.skipIf(withoutPromtool)('does not fire when only the short window, or only the long window, is above the factor', async () => {
    await check(SHOP, [
      {
        // 100/min all good until 65m, then 50% bad. At 70m: 5m window [65m, 70m]: 250 bad / (500 x 0.01) = 50;
        // 1h window [10m, 70m]: 250 bad / (6000 x 0.01) = 4.167 < 14.4.
        name: 'only the short window',
        input: phasedPod([[100, 0, 65], [100, 50, 55]]),
        alerts: [{ at: '70m', alert: 'SwornErrorBudgetBurn', expect: [] }],
        exprs: [
          { at: '70m', expr: 'sworn:slo_burn_rate:5m', expect: [{ labels: 'sworn:slo_burn_rate:5m{service="shop",operation="getItem"}', value: 50 }] },
          { at: '70m', expr: 'round(sworn:slo_burn_rate:1h, 0.001)', expect: [{ labels: '{service="shop",operation="getItem"}', value: 4.167 }] },
        ],
      },
      {
        // 20% bad until 60m, then all good. At 70m: 5m window: 0; 1h window [10m, 70m]: 50 min x 20 = 1000 bad / 60 = 16.667 > 14.4.
        name: 'only the long window',
        input: phasedPod([[100, 20, 60], [100, 0, 60]]),
        alerts: [{ at: '70m', alert: 'SwornErrorBudgetBurn', expect: [] }],
        exprs: [
          { at: '70m', expr: 'sworn:slo_burn_rate:5m', expect: [{ labels: 'sworn:slo_burn_rate:5m{service="shop",operation="getItem"}', value: 0 }] },
          { at: '70m', expr: 'round(sworn:slo_burn_rate:1h, 0.001)', expect: [{ labels: '{service="shop",operation="getItem"}', value: 16.667 }] },
        ],
      },
    ]);
  });

  it.skipIf(withoutPromtool)('judges the fleet: one small unhealthy pod does not page when the service burns below the factor', async () => {
    // Per hour: pod a 1800 valid at 0.5% bad (9), pod b 600 at 5% (30), pod c 120 at 50% (60).
    // Service: 99 bad / (2520 x 0.01) = 3.929 < 14.4; pod c alone: 60 / 1.2 = 50.
    await check(SHOP, [{
      name: 'three pods, uneven traffic',
      input: [
        ...podSeries({ name: 'a', valid: 30, badRatio: 0.005 }),
        ...podSeries({ name: 'b', valid: 10, badRatio: 0.05 }),
        ...podSeries({ name: 'c', valid: 2, badRatio: 0.5 }),
      ],
      alerts: [{ at: '70m', alert: 'SwornErrorBudgetBurn', expect: [] }],
      exprs: [
        { at: '70m', expr: 'round(sworn:slo_burn_rate:1h, 0.001)', expect: [{ labels: '{service="shop",operation="getItem"}', value: 3.929 }] },
        { at: '70m', expr: 'round(sworn:slo_burn_rate:5m, 0.001)', expect: [{ labels: '{service="shop",operation="getItem"}', value: 3.929 }] },
        {
          at: '70m',
          expr: 'round(sum by (pod) (increase(sworn_slo_events_total{pod="c",outcome="bad"}[1h])) / sum by (pod) (increase(sworn_slo_error_budget_allowance_total{pod="c"}[1h])), 0.001)',
          expect: [{ labels: '{pod="c"}', value: 50 }],
        },
      ],
    }]);
  });

  it.skipIf(withoutPromtool)('applies the low-traffic guard to the fleet\'s summed events, not per pod', async () => {
    await check(SHOP, [
      {
        // Three pods of 0.5 valid/min (30 an hour each, under the guard of 60), 20% bad: together 90 >= 60, burn 20.
        name: 'each pod under the guard, their sum over it',
        input: ['a', 'b', 'c'].flatMap((name) => podSeries({ name, valid: 0.5, badRatio: 0.2 })),
        alerts: [{ at: '70m', alert: 'SwornErrorBudgetBurn', expect: [burning('20')] }],
        exprs: [{ at: '70m', expr: 'round(sworn:slo_valid_events:increase1h, 0.001)', expect: [{ labels: '{service="shop",operation="getItem"}', value: 90 }] }],
      },
      {
        // Three pods of 0.25 valid/min: 45 an hour together < 60, so no page at burn 20.
        name: 'the sum under the guard',
        input: ['a', 'b', 'c'].flatMap((name) => podSeries({ name, valid: 0.25, badRatio: 0.2 })),
        alerts: [{ at: '70m', alert: 'SwornErrorBudgetBurn', expect: [] }],
        exprs: [{ at: '70m', expr: 'round(sworn:slo_burn_rate:1h, 0.001)', expect: [{ labels: '{service="shop",operation="getItem"}', value: 20 }] }],
      },
    ]);
  });

  it.skipIf(withoutPromtool)('is silenced while a suppressAlerts maintenance window is active, on any pod', async () => {
    const gauge = (pod: string, values: string): Series => ({
      series: `sworn_slo_maintenance_active${labels({ service: 'shop', operation: 'getItem', window: 'deploys', effect: 'suppress_alerts', instance: `${pod}:9464`, pod })}`,
      values,
    });
    const input = [...podSeries({ name: 'a', valid: 50, badRatio: 0.2 }), ...podSeries({ name: 'b', valid: 50, badRatio: 0.2 })];
    await check(SHOP, [
      { name: 'maintenance active', input: [...input, gauge('a', '0x120'), gauge('b', '1x120')], alerts: [{ at: '70m', alert: 'SwornErrorBudgetBurn', expect: [] }] },
      { name: 'maintenance over', input: [...input, gauge('a', '0x120'), gauge('b', '0x120')], alerts: [{ at: '70m', alert: 'SwornErrorBudgetBurn', expect: [burning('20')] }] },
    ]);
  });

  it.skipIf(withoutPromtool)('escapes operation ids in the operation=~ regex: each alert matches its own operations only', async () => {
    // Every operation burns at 20. "GET /a.b/{id}", "list|all" and 'back\slash"quote' page at 14.4; the others at 100.
    // Unescaped, "list|all" would match "list" and "all", and "a.b" would match "aXb".
    const ops = ['GET /a.b/{id}', 'GET /aXb/{id}', 'list|all', 'list', 'all', 'listall', 'list-all', 'back\\slash"quote'];
    const expected = ['GET /a.b/{id}', 'list|all', 'back\\slash"quote'].map((operation) => ({ exp_labels: { service: 'odd', operation, severity: 'page', long: '1h', short: '5m' } }));
    const rules = await generated([ODD]);
    expect(rules).toContain('operation=~"GET /a\\\\.b/\\\\{id\\\\}|list\\\\|all|back\\\\\\\\slash\\"quote"');
    await check(ODD, [{
      name: 'regex metacharacters in operation ids',
      input: ops.flatMap((operation) => podSeries({ name: 'a', valid: 100, badRatio: 0.2 }, 120, operation, 'odd')),
      alerts: [{ at: '70m', alert: 'SwornErrorBudgetBurn', expect: expected.map((e) => ({ ...e, exp_annotations: oddAnnotations(e.exp_labels.operation) })) }],
    }]);
  });
});

/** Branches with different factors share one rule, so its description is the generic one. */
function oddAnnotations(operation: string): Record<string, string> {
  return {
    summary: `odd ${operation} burns its error budget 20x as fast as its promise allows over 1h`,
    description: `Fires while the burn rate is above the alert's factor over both the last 1h and the last 5m (with the operation's low-traffic guard and suppressAlerts maintenance windows: sworn explain test/rules/fixtures/odd-ids.yaml --operation '${operation}' shows them). Figures: sworn report --prometheus  --spec test/rules/fixtures/odd-ids.yaml --operation '${operation}'.`,
  };
}

describe('SwornErrorBudgetSpent (promtool test rules)', () => {
  const spent = (left: string) => ({
    exp_labels: { service: 'shop', operation: 'getItem', severity: 'ticket', window: '2h' },
    exp_annotations: {
      summary: `shop getItem has ${left} of its error budget left over 2h, below 50%`,
      description: 'Deploys freeze: `sworn gate --prometheus  --spec test/rules/fixtures/shop.yaml` refuses them while the remaining budget is below budgetPolicy.freezeBelow (50%). Figures: sworn report --prometheus  --spec test/rules/fixtures/shop.yaml --operation \'getItem\'.',
    },
  });

  it.skipIf(withoutPromtool)('fires once the remaining budget over the window stays below freezeBelow, and not above it', async () => {
    await check(SHOP, [
      {
        // 0.8% bad: Σbad / Σallowance = 0.8, remaining 0.2 < 0.5 from the first 5m slice (5m), firing 15m later.
        name: 'budget spent below freezeBelow',
        input: podSeries({ name: 'a', valid: 100, badRatio: 0.008 }),
        alerts: [
          { at: '15m', alert: 'SwornErrorBudgetSpent', expect: [] },
          { at: '30m', alert: 'SwornErrorBudgetSpent', expect: [spent('20%')] },
          { at: '30m', alert: 'SwornErrorBudgetBurn', expect: [] },
        ],
        exprs: [{ at: '30m', expr: 'round(sworn:slo_error_budget_remaining:ratio, 0.001)', expect: [{ labels: '{service="shop",operation="getItem"}', value: 0.2 }] }],
      },
      {
        // 0.2% bad: remaining 0.8 >= 0.5.
        name: 'budget left above freezeBelow',
        input: podSeries({ name: 'a', valid: 100, badRatio: 0.002 }),
        alerts: [{ at: '60m', alert: 'SwornErrorBudgetSpent', expect: [] }],
        exprs: [{ at: '60m', expr: 'round(sworn:slo_error_budget_remaining:ratio, 0.001)', expect: [{ labels: '{service="shop",operation="getItem"}', value: 0.8 }] }],
      },
    ]);
  });
});

describe('SwornLatencyObjectiveMissed (promtool test rules)', () => {
  const base = { service: 'shop', operation: 'getItem', instance: 'a:9464', pod: 'a' };
  const within = (perMinute: number): Series[] => [
    { series: `sworn_slo_events_total${labels({ ...base, outcome: 'good' })}`, values: counter([100, 120]) },
    { series: `sworn_slo_latency_within_total${labels({ ...base, objective: 'fast' })}`, values: counter([perMinute, 120]) },
  ];
  /** Cumulative per-minute counts of the duration histogram at le = 0.1, 0.3, 0.8, 2.5, +Inf (100 good events a minute). */
  const histogram = (counts: [number, number, number, number, number]): Series[] => ['0.1', '0.3', '0.8', '2.5', '+Inf'].map((le, i) => ({
    series: `sworn_request_duration_seconds_bucket${labels({ service: 'shop', operation: 'getItem', le, instance: 'a:9464', pod: 'a' })}`,
    values: counter([counts[i]!, 120]),
  }));
  const thresholdLabels = { service: 'shop', operation: 'getItem', severity: 'ticket', objective: 'fast', kind: 'threshold', target: '99', threshold: '0.3', window: '2h' };
  const percentileLabels = { service: 'shop', operation: 'getItem', severity: 'ticket', objective: 'p99', kind: 'percentile', target: '99', threshold: '0.8', window: '2h' };
  const hint = 'Figures: sworn report --prometheus  --spec test/rules/fixtures/shop.yaml --operation \'getItem\'.';

  it.skipIf(withoutPromtool)('fires for a threshold objective whose within ratio is below target, not above it', async () => {
    await check(SHOP, [
      {
        // 98 of 100 good events a minute within 300ms: 0.98 < 0.99.
        name: 'fast missed',
        input: within(98),
        alerts: [{ at: '30m', alert: 'SwornLatencyObjectiveMissed', expect: [{ exp_labels: thresholdLabels, exp_annotations: { summary: 'shop getItem: 98% of good requests answered within 300ms over 2h; the promise (fast) is 99%', description: `The latency objective "fast" is missed over the promise window. ${hint}` } }] }],
      },
      { name: 'fast met', input: within(99.5), alerts: [{ at: '30m', alert: 'SwornLatencyObjectiveMissed', expect: [] }] },
    ]);
  });

  it.skipIf(withoutPromtool)('fires for a percentile objective whose quantile over the window is above max, not below it', async () => {
    await check(SHOP, [
      {
        // 97% within 0.8s, all within 2.5s: rank 99 falls in (0.8, 2.5]: 0.8 + 1.7 x (99 - 97) / 3 = 1.933s > 0.8s.
        name: 'p99 missed',
        input: histogram([50, 90, 97, 100, 100]),
        alerts: [{ at: '30m', alert: 'SwornLatencyObjectiveMissed', expect: [{ exp_labels: percentileLabels, exp_annotations: { summary: 'shop getItem: p99 over 2h is 1.933s; the promise (p99) is at most 800ms', description: `The latency objective "p99" is missed over the promise window (estimated from the duration histogram, whose bucket edges include 800ms). ${hint}` } }] }],
        exprs: [{ at: '30m', expr: 'round(histogram_quantile(0.99, sworn:request_duration_seconds_bucket:window_total), 0.001)', expect: [{ labels: '{service="shop",operation="getItem"}', value: 1.933 }] }],
      },
      {
        // 99.5% within 0.8s: rank 99 falls in (0.3, 0.8], so p99 <= 0.8s.
        name: 'p99 met',
        input: histogram([50, 90, 99.5, 100, 100]),
        alerts: [{ at: '30m', alert: 'SwornLatencyObjectiveMissed', expect: [] }],
      },
    ]);
  });
});

describe('SwornMetricsAbsent (promtool test rules)', () => {
  it.skipIf(withoutPromtool)('fires 10m after a service with traffic stops being reported, never for one that had none', async () => {
    const base = { service: 'shop', operation: 'getItem', instance: 'a:9464', pod: 'a' };
    const absent = {
      exp_labels: { service: 'shop', severity: 'ticket' },
      exp_annotations: {
        summary: 'No sworn metrics from shop, which had traffic within the last 2h',
        description: 'sworn_slo_events_total{service="shop"} is absent from every target: the service\'s SLO alerts cannot fire. Check that the sidecars run and are scraped (/metrics on their admin port, proxy/prometheus-scrape.yaml) and that their service label is "shop" (sworn rules --service).',
      },
    };
    await check(SHOP, [
      {
        // Scraped until 40m, then the target is gone (a stale marker, as Prometheus writes when a scrape fails).
        name: 'traffic, then nothing',
        input: [
          { series: `sworn_slo_events_total${labels({ ...base, outcome: 'good' })}`, values: `${counter([10, 40])} stale` },
          { series: `sworn_slo_events_total${labels({ ...base, outcome: 'bad' })}`, values: `${counter([0, 40])} stale` },
        ],
        alerts: [
          { at: '40m', alert: 'SwornMetricsAbsent', expect: [] },
          { at: '50m', alert: 'SwornMetricsAbsent', expect: [] },
          { at: '55m', alert: 'SwornMetricsAbsent', expect: [absent] },
          { at: '100m', alert: 'SwornMetricsAbsent', expect: [absent] },
        ],
      },
      {
        // Pod a is gone, pod b still reports: the fleet is not blind.
        name: 'one pod of two gone',
        input: [
          { series: `sworn_slo_events_total${labels({ ...base, outcome: 'good' })}`, values: `${counter([10, 40])} stale` },
          { series: `sworn_slo_events_total${labels({ ...base, instance: 'b:9464', pod: 'b', outcome: 'good' })}`, values: counter([10, 120]) },
        ],
        alerts: [{ at: '100m', alert: 'SwornMetricsAbsent', expect: [] }],
      },
      {
        name: 'never any traffic',
        input: [{ series: 'up{job="other"}', values: '1x60' }],
        alerts: [{ at: '60m', alert: 'SwornMetricsAbsent', expect: [] }],
      },
    ]);
  });
});

describe('SwornConsumerBreaksContract (promtool test rules)', () => {
  it.skipIf(withoutPromtool)('divides a consumer\'s request violations by its own calls, on matching labels', async () => {
    const violations = (consumer: string, perMinute: number): Series => ({
      series: `sworn_consumer_violations_total${labels({ service: 'shop', consumer, direction: 'request', code: 'body-schema', instance: 'a:9464' })}`,
      values: counter([perMinute, 120]),
    });
    const calls = (consumer: string, outcome: string, perMinute: number): Series => ({
      series: `sworn_consumer_events_total${labels({ service: 'shop', consumer, tier: 'free', outcome, instance: 'a:9464' })}`,
      values: counter([perMinute, 120]),
    });
    await check(SHOP, [{
      // acme: 1 violation / (6 good + 4 excluded) calls = 10% > 5%; tidy: 0.1 / 10 = 1%.
      name: 'one consumer over 5%',
      input: [violations('acme', 1), calls('acme', 'good', 6), calls('acme', 'excluded', 4), violations('tidy', 0.1), calls('tidy', 'good', 10)],
      alerts: [{
        at: '70m',
        alert: 'SwornConsumerBreaksContract',
        expect: [{
          exp_labels: { service: 'shop', consumer: 'acme', severity: 'info' },
          exp_annotations: {
            summary: 'Consumer acme of shop sends invalid requests: 10% request violations per call over 30m (above 5%)',
            description: 'The consumer breaks the spec (direction="request"); consumer="other" sums the consumers beyond --metrics-consumers. The sidecars\' /report?consumer= shows which requests.',
          },
        }],
      }],
    }]);
  });
});
