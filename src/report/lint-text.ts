import type { Finding } from '../lint/lint.js';
import { plainStyle, type Style } from './style.js';

/** Lint findings as lines a person reads: `file:line:col  severity  rule  message`. */
export function formatLintText(findings: Finding[], style: Style = plainStyle): string {
  const lines: string[] = [];
  const colour = { error: 'red', warning: 'yellow', info: 'blue' } as const;
  for (const f of findings) {
    const where = `${f.location.file}:${f.location.line}:${f.location.column}`;
    lines.push(`${style('bold', where)}  ${style(colour[f.severity], f.severity.padEnd(7))}  ${style('dim', f.rule)}  ${f.message}`);
    const ops = f.operations.length === 0 ? '' : ` · ${f.operations.length === 1 ? 'operation' : 'operations'} ${f.operations.slice(0, 4).join(', ')}${f.operations.length > 4 ? ` (+${f.operations.length - 4} more)` : ''}`;
    lines.push(style('dim', `    at #${f.location.pointer}${ops}`));
  }
  const count = (s: Finding['severity']) => findings.filter((f) => f.severity === s).length;
  const errors = count('error');
  const warnings = count('warning');
  const summary = `${errors} ${errors === 1 ? 'error' : 'errors'}, ${warnings} ${warnings === 1 ? 'warning' : 'warnings'}`;
  lines.push(errors > 0 ? style('red', `✖ ${summary}`) : style('green', `✔ ${summary}`));
  return lines.join('\n') + '\n';
}

/** Lint findings as JSON: stable field names, one object per finding. */
export function formatLintJson(file: string, findings: Finding[]): string {
  const count = (s: Finding['severity']) => findings.filter((f) => f.severity === s).length;
  return JSON.stringify({
    file,
    findings: findings.map((f) => ({
      rule: f.rule,
      severity: f.severity,
      message: f.message,
      file: f.location.file,
      line: f.location.line,
      column: f.location.column,
      pointer: f.location.pointer,
      operations: f.operations,
    })),
    summary: { errors: count('error'), warnings: count('warning'), infos: count('info') },
  }, null, 2) + '\n';
}
