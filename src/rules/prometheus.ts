import { absentAlert, burnAlerts, contractGroup, latencyAlerts, spentAlerts } from './alerts.js';
import type { ServicePlan } from './plan.js';
import { fiveMinuteGroup, windowRules } from './recording.js';
import type { Rule, RuleGroup, ServiceRules } from './rule-group.js';

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

function labelled(rule: Rule, service: string): Rule {
  return { ...rule, labels: { service, ...rule.labels } };
}
