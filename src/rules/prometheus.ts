import { absentAlert, burnAlerts, contractGroup, latencyAlerts, spentAlerts } from './alerts.js';
import type { ServicePlan } from './plan.js';
import { fiveMinuteGroup, windowRules } from './recording.js';
import type { Rule, RuleGroup, ServiceRules } from './rule-group.js';
import { templateLiteral } from './promql.js';

/**
 * The Prometheus rule groups of one spec: the 5m group (slices, window
 * totals, ratios), the SLO group (alert windows and burn rates, then the
 * SLO alerts, which read them fresh in the same evaluation) and the
 * contract group. Every rule carries the static label `service` (the
 * value its series have anyway), so the rules of several specs in one
 * file stay distinct rules (`promtool check rules` rejects duplicates).
 *
 * @example
 * const rules = buildRuleGroups(planRules(spec));
 * rules.groups.map((g) => g.name); // ['sworn-petstore-slo-5m', 'sworn-petstore-slo', 'sworn-petstore-contract']
 */
export function buildRuleGroups(plan: ServicePlan): ServiceRules {
  const groups: RuleGroup[] = [
    fiveMinuteGroup(plan),
    { name: `sworn-${plan.service}-slo`, rules: [...windowRules(plan), ...burnAlerts(plan), ...spentAlerts(plan), ...latencyAlerts(plan), absentAlert(plan)] },
    contractGroup(plan),
  ];
  return { service: plan.service, spec: plan.spec, groups: groups.map((g) => ({ ...g, rules: g.rules.map((r) => labelled(r, plan.service)) })) };
}

/** The static `service` label on every rule; an alert's labels are templates to Prometheus, so their text from the spec is escaped. */
function labelled(rule: Rule, service: string): Rule {
  const labels = { service, ...rule.labels };
  if (!('alert' in rule)) return { ...rule, labels };
  return { ...rule, labels: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, templateLiteral(v)])) };
}
