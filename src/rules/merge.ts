import type { AlertingRule, RecordingRule } from './rule-group.js';

/** An alerting rule for some operations, and the annotations to use once it shares a rule with other branches. */
export interface AlertBranch extends AlertingRule {
  /** Annotations true of every branch; used when merged branches' annotations differ. */
  generic: Record<string, string>;
}

/**
 * One rule per recorded name and per alert name + static labels
 * (`promtool check rules` rejects duplicates, and two rules writing one
 * series would collide). Branches select disjoint operations, so `or`
 * is a plain union of them.
 */
export function mergeRecords(rules: readonly RecordingRule[]): RecordingRule[] {
  const byName = new Map<string, RecordingRule[]>();
  for (const rule of rules) {
    const list = byName.get(rule.record);
    if (list) list.push(rule);
    else byName.set(rule.record, [rule]);
  }
  return [...byName.values()].map((list) => (list.length === 1 ? list[0]! : { record: list[0]!.record, expr: union(list.map((r) => r.expr)) }));
}

export function mergeAlerts(branches: readonly AlertBranch[]): AlertingRule[] {
  const byIdentity = new Map<string, AlertBranch[]>();
  for (const branch of branches) {
    const key = JSON.stringify([branch.alert, Object.entries(branch.labels).sort()]);
    const list = byIdentity.get(key);
    if (list) list.push(branch);
    else byIdentity.set(key, [branch]);
  }
  return [...byIdentity.values()].map((list) => {
    const first = list[0]!;
    const same = list.every((b) => JSON.stringify(b.annotations) === JSON.stringify(first.annotations));
    return {
      alert: first.alert,
      expr: list.length === 1 ? first.expr : union(list.map((b) => b.expr)),
      ...(first.for !== undefined ? { for: first.for } : {}),
      labels: first.labels,
      annotations: same ? first.annotations : first.generic,
    };
  });
}

function union(exprs: readonly string[]): string {
  return exprs.map((e) => `(\n${e.split('\n').map((line) => `  ${line}`).join('\n')}\n)`).join('\nor\n');
}
