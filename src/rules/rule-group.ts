/** A Prometheus recording rule, as a rule file holds it. */
export interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}

/** A Prometheus alerting rule, as a rule file holds it. */
export interface AlertingRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export type Rule = RecordingRule | AlertingRule;

/** A rule group: rules evaluated in order, every `interval` (the global evaluation interval when unset). */
export interface RuleGroup {
  name: string;
  interval?: string;
  rules: Rule[];
}

/** The groups generated from one spec. */
export interface ServiceRules {
  service: string;
  spec: string;
  groups: RuleGroup[];
}

export const isAlert = (rule: Rule): rule is AlertingRule => 'alert' in rule;
