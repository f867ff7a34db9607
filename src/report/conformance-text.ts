import type { ConformanceReport } from '../proxy/stats.js';
import { plainStyle, type Style } from './style.js';

/** The conformance report as a table: operations, then consumers (who broke what). */
export function formatConformanceText(report: ConformanceReport, style: Style = plainStyle): string {
  const out: string[] = [];
  out.push(style('bold', `${report.spec.title} ${report.spec.version}`) + style('dim', ` · since ${report.since} · until ${report.until}`));
  out.push('');
  out.push(style('bold', 'operation'.padEnd(28) + 'requests'.padStart(10) + '  consumer breaches  provider breaches  top codes'));
  for (const op of report.operations) {
    const codes = Object.entries(op.violations.byCode).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([c, n]) => `${c} ${n}`).join(', ');
    const line = `${op.operationId.slice(0, 27).padEnd(28)}${String(op.requests).padStart(10)}  ${String(op.violations.request).padStart(17)}  ${String(op.violations.response).padStart(17)}  ${codes}`;
    out.push(op.violations.request + op.violations.response > 0 ? style('yellow', line) : line);
  }
  out.push('');
  out.push(style('bold', 'consumer'.padEnd(20) + 'tier'.padEnd(12) + 'requests'.padStart(10) + '  consumer breaches  provider breaches'));
  for (const c of report.consumers) {
    out.push(`${c.consumer.slice(0, 19).padEnd(20)}${c.tier.slice(0, 11).padEnd(12)}${String(c.requests).padStart(10)}  ${String(c.violations.request).padStart(17)}  ${String(c.violations.response).padStart(17)}`);
  }
  if (report.unknownRoutes.length > 0) {
    out.push('');
    out.push(style('bold', 'unknown routes'));
    for (const u of report.unknownRoutes.slice(0, 5)) out.push(`  ${u.method} ${u.path}  ${u.count}`);
  }
  return out.join('\n') + '\n';
}
