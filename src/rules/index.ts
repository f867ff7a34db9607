export { generateRules, rulesCommand, type GenerateOptions, type GeneratedFile, type GeneratedRules } from './generate.js';
export { planRules, alertWindows, CALENDAR_APPROXIMATION_DAYS, type ServicePlan, type PlannedOperation, type PlannedWindow, type AlertWindow } from './plan.js';
export { buildRuleGroups } from './prometheus.js';
export { buildOpenSlo, type OpenSloObject } from './openslo.js';
export { renderPrometheus, renderPrometheusOperator, renderOpenSlo, generatedHeader, RULES_FORMATS, type RulesFormat } from './render.js';
export { METRIC, RECORD, ALERT } from './names.js';
export { promDuration, quote, escapeRegex } from './promql.js';
export type { RuleGroup, Rule, RecordingRule, AlertingRule, ServiceRules } from './rule-group.js';
