import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { GrafanaDashboard } from '../../src/dashboard/index.js';

/** The promtool binary (Prometheus' own parser), or undefined when it is not installed. */
export const PROMTOOL = ((): string | undefined => {
  for (const candidate of [process.env.PROMTOOL, 'promtool', '/usr/bin/promtool'].filter((c): c is string => !!c)) {
    if (spawnSync(candidate, ['--version'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  return undefined;
})();

export interface Expression {
  /** Where in the dashboard: `panel 8 "Burn rate ..." A`. */
  where: string;
  expr: string;
}

/** Every PromQL expression of a dashboard: panel queries, annotations, and the selector of each label_values() variable. */
export function expressionsOf(dashboard: GrafanaDashboard): Expression[] {
  const found: Expression[] = [];
  for (const panel of dashboard.panels as Array<{ id: number; title: string; targets?: Array<{ refId: string; expr: string }> }>) {
    for (const t of panel.targets ?? []) found.push({ where: `panel ${panel.id} "${panel.title}" ${t.refId}`, expr: t.expr });
  }
  const annotations = (dashboard.annotations as { list: Array<{ name: string; expr?: string; target?: { expr?: string } }> }).list;
  for (const a of annotations) {
    if (a.expr !== undefined) found.push({ where: `annotation "${a.name}"`, expr: a.expr });
    if (a.target?.expr !== undefined) found.push({ where: `annotation "${a.name}" target`, expr: a.target.expr });
  }
  for (const v of dashboard.templating.list as Array<{ name: string; type: string; definition?: string; query?: { query: string } }>) {
    if (v.type !== 'query') continue;
    for (const text of [v.definition, v.query?.query]) {
      const m = /^label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$/s.exec(text ?? '');
      if (!m) throw new Error(`variable ${v.name}: not a label_values(selector, label) query: ${text}`);
      found.push({ where: `variable ${v.name}`, expr: m[1] as string });
    }
  }
  return found;
}

/**
 * What Prometheus receives once Grafana has interpolated the variables: the
 * operations picked (`.*` for All; Grafana writes several as `(a|b)`, regex
 * characters escaped), the service constant, a 5m rate interval.
 */
export function interpolate(expr: string, service: string, operation = '.*'): string {
  const out = expr
    .replaceAll('$__rate_interval', '5m')
    .replaceAll('$__range', '1d')
    .replaceAll('$__interval', '1m')
    .replaceAll('$operation', operation)
    .replaceAll('$service', service);
  if (out.includes('$')) throw new Error(`a Grafana variable is left after interpolation: ${out}`);
  return out;
}

/** Runs `promtool check rules` on one recording rule per expression; the output names the failing ones. */
export function checkWithPromtool(expressions: Expression[], service: string, operation?: string): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sworn-dashboard-'));
  try {
    const rules = expressions.map((e, i) => ({ record: `dashboard:expression_${i}`, expr: interpolate(e.expr, service, operation) }));
    const file = join(dir, 'dashboard-expressions.yaml');
    writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
    const result = spawnSync(PROMTOOL as string, ['check', 'rules', file], { encoding: 'utf8' });
    const index = expressions.map((e, i) => `  dashboard:expression_${i} = ${e.where}: ${e.expr}`).join('\n');
    return { ok: result.status === 0, output: `${result.stdout}${result.stderr}\n${index}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The value of a PromQL double-quoted string's body (Go escapes). */
export function unquote(body: string): string {
  return body.replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_m, e: string) => (e.startsWith('x') && e.length === 3 ? String.fromCharCode(parseInt(e.slice(1), 16)) : e === 'n' ? '\n' : e));
}
