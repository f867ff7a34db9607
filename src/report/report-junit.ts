import type { Report } from './report.js';
import { escapeXml } from './style.js';
import { budgetLeft } from './report-text.js';

/**
 * JUnit XML: a testcase per operation × objective (availability, each latency
 * objective), failed when missed and skipped without data, plus a `contract`
 * testcase per operation that fails on request or response violations, so CI
 * systems list every miss by name.
 */
export function formatReportJunit(report: Report): string {
  const cases: string[] = [];
  let failures = 0;
  let skipped = 0;
  const add = (classname: string, name: string, verdict: boolean | null, detail: string) => {
    const head = `    <testcase classname="${escapeXml(classname)}" name="${escapeXml(name)}">`;
    if (verdict === false) {
      failures++;
      cases.push(`${head}\n      <failure message="${escapeXml(detail)}">${escapeXml(detail)}</failure>\n    </testcase>`);
    } else if (verdict === null) {
      skipped++;
      cases.push(`${head}\n      <skipped message="${escapeXml(detail)}"/>\n    </testcase>`);
    } else cases.push(`${head}<system-out>${escapeXml(detail)}</system-out></testcase>`);
  };
  for (const op of report.operations) {
    const a = op.slo?.availability;
    if (a) add(op.operationId, 'availability', a.met, a.achieved === null ? 'no valid events in the window' : `${a.achieved}% of ${a.valid} valid events good (target ${a.target}%); error budget left ${budgetLeft(op.slo ?? null)}`);
    for (const l of op.slo?.latency ?? []) {
      const detail = l.achieved === null ? 'no good events in the window' : l.kind === 'percentile' ? `${l.name} = ${l.achieved} ms (max ${l.target} ms)` : `${l.achieved}% within the threshold (target ${l.target}%)`;
      add(op.operationId, `latency ${l.name}`, l.met, detail);
    }
    const v = op.violations;
    add(op.operationId, 'contract', op.requests === 0 ? null : v.request + v.response === 0, op.requests === 0 ? 'no traffic' : `${op.requests} requests, ${v.request} request violation(s), ${v.response} response violation(s)${Object.keys(v.byCode).length > 0 ? `: ${Object.entries(v.byCode).map(([c, n]) => `${c} ${n}`).join(', ')}` : ''}`);
  }
  const name = `sworn report: ${report.spec.title} ${report.spec.version}`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${escapeXml(name)}" tests="${cases.length}" failures="${failures}" skipped="${skipped}">`,
    `  <testsuite name="${escapeXml(name)}" tests="${cases.length}" failures="${failures}" skipped="${skipped}" timestamp="${report.until}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
