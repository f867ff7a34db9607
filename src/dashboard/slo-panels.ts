import { formatDuration } from '../slo/duration.js';
import { dashedQuery, stat, timeseries, type PanelSpec, type ThresholdLine } from './panels.js';
import type { DashboardPlan, PromiseGroup } from './promises.js';
import { equals } from './promql.js';
import type { Queries } from './queries.js';
import { burnRateRule, METRICS, RULES } from './rule-names.js';

/**
 * The panels of the promises: error budget, burn rates, availability and
 * latency, one per distinct promised value (see `planDashboard`). Their
 * descriptions say in words what is drawn, which operations, and from which rule.
 */

const RED = 'red';
const ORANGE = 'orange';

const pct = (ratio: number): string => `${Number((ratio * 100).toFixed(4))}%`;
const times = (factor: number): string => `${factor}×`;

function list(ids: readonly string[], max = 6): string {
  const shown = ids.slice(0, max).map((id) => `\`${id}\``);
  return ids.length > max ? `${shown.join(', ')} and ${ids.length - max} more` : shown.join(', ');
}

/**
 * Title suffix and description sentence for a group drawn for some operations
 * only; `groups` is how many panels of the same kind there are.
 */
function scope(group: PromiseGroup<unknown>, groups: number): { suffix: string; sentence: string } {
  if (!group.only) return { suffix: '', sentence: '' };
  const ids = group.only;
  const suffix = ids.length <= 2 ? ` · ${ids.join(', ')}` : ` · ${ids.length} operations`;
  const others = groups > 1 ? ' Operations that promise other values have panels of their own.' : '';
  return { suffix, sentence: ` Shows only ${ids.length === 1 ? 'the operation that promises' : 'the operations that promise'} this: ${list(ids)}.${others}` };
}

/** `the 28d promise window`, or `its own promise window (28d or calendar month (Europe/Berlin))` when operations differ. */
const windowsPhrase = (windows: string[], owner = 'its'): string => (windows.length === 1 ? `the ${windows[0]} promise window` : `${owner} own promise window (${windows.join(' or ')})`);

function budgetSteps(freezeBelow: number | undefined): { base: string; steps: ThresholdLine[] } {
  if (freezeBelow === undefined || freezeBelow === 0) return { base: RED, steps: [{ value: 0, color: 'green' }] };
  return { base: RED, steps: [{ value: Math.min(0, freezeBelow), color: ORANGE }, { value: Math.max(0, freezeBelow), color: 'green' }] };
}

function freezeSentence(freezeBelow: number | undefined): string {
  if (freezeBelow === undefined) return ' No budgetPolicy.freezeBelow is declared, so `sworn gate` never refuses a deploy for these operations.';
  return ` budgetPolicy.freezeBelow is ${pct(freezeBelow)}: below it \`sworn gate\` refuses deploys.`;
}

export function budgetStat(q: Queries, g: PromiseGroup<{ freezeBelow: number | undefined }>, groups: number): PanelSpec {
  const { suffix, sentence } = scope(g, groups);
  const { base, steps } = budgetSteps(g.value.freezeBelow);
  return stat({
    title: `Error budget left${suffix}`,
    description: `How much of each operation's error budget for ${windowsPhrase(g.windows)} is left now: 100% means no bad request yet, 0% means the budget is spent and the availability promise is broken, below 0 it is overspent. Green is fine, red is spent${g.value.freezeBelow !== undefined && g.value.freezeBelow !== 0 ? ', orange is between 0 and the freeze line' : ''}.${freezeSentence(g.value.freezeBelow)}${sentence} From \`${RULES.budgetRemaining}\` (\`sworn rules\`).`,
    targets: [{ refId: 'A', expr: q.select(RULES.budgetRemaining, [], g.only), legendFormat: '{{operation}}' }],
    unit: 'percentunit',
    decimals: 1,
    base,
    steps,
    size: { w: 10, h: 6 },
  });
}

export function budgetPanel(q: Queries, g: PromiseGroup<{ freezeBelow: number | undefined }>, groups: number): PanelSpec {
  const { suffix, sentence } = scope(g, groups);
  const freeze = g.value.freezeBelow;
  const lines: ThresholdLine[] = [{ value: 0, color: RED }];
  if (freeze !== undefined && freeze !== 0) lines.push({ value: freeze, color: ORANGE });
  return timeseries({
    title: `Error budget remaining${suffix}`,
    description: `The error budget burn-down: how much of each operation's error budget for ${windowsPhrase(g.windows)} is left over time. 100% means no bad request in the window, 0% (the red line) means the budget is spent and the availability promise is broken, below 0 it is overspent. A steady fall that reaches 0 before the window ends means the promise will be broken.${freeze !== undefined && freeze !== 0 ? ` The orange line is budgetPolicy.freezeBelow (${pct(freeze)}): below it \`sworn gate\` refuses deploys.` : freezeSentence(freeze)}${sentence} From \`${RULES.budgetRemaining}\` (\`sworn rules\`).`,
    targets: [{ refId: 'A', expr: q.select(RULES.budgetRemaining, [], g.only), legendFormat: '{{operation}}' }],
    unit: 'percentunit',
    decimals: 1,
    lines,
    softMin: Math.min(0, freeze ?? 0),
    softMax: 1,
    size: { w: groups > 1 ? 12 : 24, h: 8 },
  });
}

export function burnRatePanel(q: Queries, g: PromiseGroup<{ severity: string; long: string; short: string; factor: number; minEventsPerHour: number[] }>, plan: DashboardPlan): PanelSpec {
  const { severity, long, short, factor, minEventsPerHour } = g.value;
  const { suffix, sentence } = scope(g, plan.burnRates.filter((b) => b.value.long === long && b.value.short === short).length);
  const spends = g.windowMs !== undefined ? ` At ${times(factor)} the whole budget of the ${formatDuration(g.windowMs)} window would be gone in ${formatDuration(g.windowMs / factor)}.` : '';
  const guard = minEventsPerHour.some((n) => n > 0) ? ` It also needs at least ${minEventsPerHour.join(' or ')} valid requests per hour over the ${long} window (minEventsPerHour), so a few failures on a quiet service do not page.` : '';
  return timeseries({
    title: `Burn rate ${long} / ${short} · ${severity} at ${times(factor)}${suffix}`,
    description: `How fast each operation spends its error budget, over the last ${long} (solid) and the last ${short} (dashed). 1× spends exactly the budget over the promise window; 2× would spend it in half the window.${spends} The ${severity} alert SwornErrorBudgetBurn fires when both lines are above the red line (${times(factor)}): the long window shows the burn is sustained, the short one that it is still going on.${guard} Maintenance windows with suppressAlerts silence it.${sentence} From \`${burnRateRule(long)}\` and \`${burnRateRule(short)}\` (\`sworn rules\`).`,
    targets: [
      { refId: 'A', expr: q.select(burnRateRule(long), [], g.only), legendFormat: `{{operation}} ${long}` },
      { refId: 'B', expr: q.select(burnRateRule(short), [], g.only), legendFormat: `{{operation}} ${short}` },
    ],
    unit: 'suffix:×',
    decimals: 2,
    lines: [{ value: factor, color: RED }],
    softMin: 0,
    softMax: factor * 1.2,
    overrides: [dashedQuery('B')],
  });
}

export function availabilityPanel(q: Queries, g: PromiseGroup<{ target: number }>, plan: DashboardPlan): PanelSpec {
  const { suffix, sentence } = scope(g, plan.availability.length);
  const target = g.value.target / 100;
  return timeseries({
    title: `Availability vs ${g.value.target}% target${suffix}`,
    description: `The share of valid requests that were good over ${windowsPhrase(g.windows, "each operation's")}, per operation, against the promised ${g.value.target}% (the red line). Below the line the promise is broken for the window. Requests the promise excludes (for example 4xx answers, client aborts, exclude maintenance windows) do not count either way.${sentence} From \`${RULES.availability}\` (\`sworn rules\`).`,
    targets: [{ refId: 'A', expr: q.select(RULES.availability, [], g.only), legendFormat: '{{operation}}' }],
    unit: 'percentunit',
    decimals: 3,
    lines: [{ value: target, color: RED }],
    softMin: Math.max(0, 1 - 2 * (1 - target)),
    softMax: 1,
  });
}

export function thresholdPanel(q: Queries, g: PromiseGroup<{ name: string; threshold: { text: string }; target: number }>, plan: DashboardPlan): PanelSpec {
  const { name, threshold, target } = g.value;
  const { suffix, sentence } = scope(g, plan.thresholds.filter((t) => t.value.name === name).length);
  return timeseries({
    title: `Latency "${name}": within ${threshold.text} vs ${target}%${suffix}`,
    description: `The share of good requests answered within ${threshold.text} over ${windowsPhrase(g.windows, "each operation's")}, per operation, against the promised ${target}% (the red line): latency objective "${name}". Below the line too many requests are slower than ${threshold.text} and the objective is missed (SwornLatencyObjectiveMissed).${sentence} From \`${RULES.latencyWithin}{objective="${name}"}\` (\`sworn rules\`).`,
    targets: [{ refId: 'A', expr: q.select(RULES.latencyWithin, [equals('objective', name)], g.only), legendFormat: '{{operation}}' }],
    unit: 'percentunit',
    decimals: 2,
    lines: [{ value: target / 100, color: RED }],
    softMin: Math.max(0, 1 - 2 * (1 - target / 100)),
    softMax: 1,
  });
}

export function percentilePanel(q: Queries, g: PromiseGroup<{ names: string[]; percentile: number; max: { text: string; ms: number } }>, plan: DashboardPlan): PanelSpec {
  const { names, percentile, max } = g.value;
  const { suffix, sentence } = scope(g, plan.percentiles.length);
  const p = Number((percentile / 100).toFixed(6));
  return timeseries({
    title: `Latency p${percentile} vs ${max.text}${suffix}`,
    description: `The p${percentile} response time of good requests over the last few minutes (Grafana's rate interval), per operation, against the promised maximum of ${max.text} (the red line): latency objective ${names.map((n) => `"${n}"`).join(', ')}. The promise judges the p${percentile} over the whole promise window (${g.windows.join(' or ')}), so a short spike above the line does not by itself break it; a line that stays above does. From the proxies' histogram \`sworn_request_duration_seconds\` summed over all pods; its buckets include ${max.text} exactly.${sentence}`,
    targets: [{ refId: 'A', expr: `histogram_quantile(${p}, sum by (operation, le) (${q.rate(METRICS.durationBucket, [], g.only)}))`, legendFormat: `{{operation}} p${percentile}` }],
    unit: 's',
    lines: [{ value: max.ms / 1000, color: RED }],
    softMin: 0,
    softMax: (max.ms / 1000) * 1.2,
  });
}
