import { escapeXml, plainStyle, type Style } from '../report/style.js';
import type { CheckResult, ContractReport } from './run.js';

/** One request as a line: `FAIL listPets GET /pets?limit=abc 200 3ms negative: …`, failures indented below. */
export function formatResultLine(r: CheckResult, style: Style = plainStyle): string {
  const tag = r.skipped ? style('dim', 'skip') : r.failures.length > 0 ? style('red', 'FAIL') : style('green', 'ok  ');
  const lines = [`${tag} ${r.operationId} ${r.method} ${r.path} ${r.status ?? '-'} ${r.durationMs.toFixed(0)}ms ${r.name}${r.skipped ? ` (${r.skipped})` : ''}`];
  for (const f of r.failures) lines.push(`       ${f}`);
  for (const w of r.warnings) lines.push(style('yellow', `       warning: ${w}`));
  return lines.join('\n');
}

export function formatContractText(report: ContractReport, style: Style = plainStyle): string {
  const out: string[] = [];
  for (const r of report.results) if (r.failures.length > 0) out.push(formatResultLine(r, style));
  for (const l of report.latency.filter((x) => !x.met)) out.push(style('yellow', `warning ${l.operationId}: latency ${l.objective} ${l.achieved} misses ${l.target} over ${l.samples} request(s) of this run (x-slo; one run is not a window)`));
  const s = report.summary;
  out.push(`${s.failed === 0 ? style('green', 'contract kept') : style('red', 'contract broken')}: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped · ${s.operations} operation(s) · ${report.target}`);
  return out.join('\n') + '\n';
}

/** JUnit: a testsuite per operation, a testcase per check (request). */
export function formatContractJunit(report: ContractReport): string {
  const byOp = new Map<string, CheckResult[]>();
  for (const r of report.results) byOp.set(r.operationId, [...(byOp.get(r.operationId) ?? []), r]);
  const suites = [...byOp].map(([op, results]) => {
    const cases = results.map((r) => {
      const head = `    <testcase classname="${escapeXml(op)}" name="${escapeXml(`${r.name}: ${r.method} ${r.path}`)}" time="${(r.durationMs / 1000).toFixed(3)}">`;
      if (r.skipped) return `${head}<skipped message="${escapeXml(r.skipped)}"/></testcase>`;
      if (r.failures.length > 0) return `${head}\n      <failure message="${escapeXml(r.failures[0]!)}">${escapeXml(r.failures.join('\n'))}</failure>\n    </testcase>`;
      return `${head}</testcase>`;
    });
    const failures = results.filter((r) => r.failures.length > 0).length;
    const skipped = results.filter((r) => r.skipped).length;
    return `  <testsuite name="${escapeXml(op)}" tests="${results.length}" failures="${failures}" skipped="${skipped}">\n${cases.join('\n')}\n  </testsuite>`;
  });
  const s = report.summary;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="sworn test ${escapeXml(report.target)}" tests="${report.results.length}" failures="${s.failed}" skipped="${s.skipped}">\n${suites.join('\n')}\n</testsuites>\n`;
}
