import type { AlertFigure, SloFigures } from '../engine/engine.js';
import { missesOf, type Report } from './report.js';
import { plainStyle, type Style } from './style.js';

/** A figure as people read it: 99.95%, 412 ms, or "no data". */
export function percent(n: number | null | undefined): string {
  return n === null || n === undefined ? 'no data' : `${Number(n.toFixed(3))}%`;
}

/** A name cut to `width` columns, marked when cut. */
function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

export function budgetLeft(slo: SloFigures | null): string {
  const r = slo?.errorBudget?.remaining;
  if (r === undefined) return '-';
  if (r === null) return 'no data';
  return r === -Infinity ? 'none (100%)' : `${Number((r * 100).toFixed(1))}%`;
}

/** A firing alert named with its windows and factor: "page 1h/5m at 14.4x" (an operation may have two pages, on different windows). */
export function alertText(alert: { severity: string; long: string; short: string; factor: number }): string {
  return `${alert.severity} ${alert.long}/${alert.short} at ${alert.factor}x`;
}

/** Why an alert fires or not, in words: "not firing: the 1h window burns below 14.4x". */
export function alertWhy(a: AlertFigure): string {
  const rate = (n: number) => `${Math.round(n * 10) / 10}x`;
  return a.firing ? 'FIRING: both windows over the factor'
    : a.silencedBy === 'low-traffic' ? 'silenced: too few events for the promise\'s minEventsPerHour'
      : a.silencedBy === 'maintenance' ? 'silenced: a maintenance window suppresses alerts'
        : a.longBurnRate < a.factor ? `not firing: the ${a.long} window burns below ${rate(a.factor)}`
          : `not firing: the ${a.short} window burns below ${rate(a.factor)}`;
}

/** The alerts of these figures that fire, each named with its windows. */
export function firingText(slo: SloFigures | null): string[] {
  return (slo?.alerts ?? []).filter((a) => a.firing).map(alertText);
}

/** "p99 412ms ≤ 500ms ✓, fast 97.1% ≥ 95% ✓", "fast 93.1% < 99% ✗". */
export function latencyText(slo: SloFigures | null, marks = { met: '✓', missed: '✗' }): string {
  if (!slo || slo.latency.length === 0) return '-';
  return slo.latency
    .map((l) => {
      const mark = l.met === null ? '' : ` ${l.met ? marks.met : marks.missed}`;
      // The sign says how the figure stands to the objective: `p99 1340ms > 600ms ✗`, `fast 97.1% < 99% ✗`.
      return l.kind === 'percentile' ? `${l.name} ${l.achieved === null ? 'no data' : `${l.achieved}ms`} ${l.achieved !== null && l.achieved > l.target ? '>' : '≤'} ${l.target}ms${mark}` : `${l.name} ${percent(l.achieved)} ${l.achieved !== null && l.achieved < l.target ? '<' : '≥'} ${l.target}%${mark}`;
    })
    .join(', ');
}

export function availabilityText(slo: SloFigures | null, marks = { met: '✓', missed: '✗' }): string {
  const a = slo?.availability;
  if (!a) return '-';
  return `${percent(a.achieved)} of ${a.target}%${a.met === null ? '' : ` ${a.met ? marks.met : marks.missed}`}`;
}

const met = (slo: SloFigures | null): boolean | null => {
  if (!slo) return null;
  const verdicts = [slo.availability?.met ?? null, ...slo.latency.map((l) => l.met)].filter((v): v is boolean => v !== null);
  return verdicts.length === 0 ? null : verdicts.every(Boolean);
};

function windowLine(report: Report): string {
  const window = report.window.kind === 'explicit' ? `window ${report.window.since} to ${report.window.until}` : `SLO figures over each promise's window, ending ${report.until}; counts since ${report.since}`;
  return report.scope ? `${window} · service ${report.scope.service}, every sidecar Prometheus scrapes (${report.scope.pods} seen)` : window;
}

/** The report as terminal tables: operations (SLO and contract), consumers (who broke what), what missed, what fires. */
export function formatReportText(report: Report, style: Style = plainStyle): string {
  const out: string[] = [];
  out.push(style('bold', `${report.spec.title} ${report.spec.version}`) + style('dim', ` · ${windowLine(report)}`));
  out.push('');
  const rows = report.operations.filter((o) => o.requests > 0 || (o.slo?.availability?.valid ?? 0) > 0);
  out.push(style('bold', `${'operation'.padEnd(24)}${'requests'.padStart(9)}  ${'availability'.padEnd(22)}${'budget left'.padEnd(13)}${'breaches c/p'.padEnd(14)}latency`));
  for (const op of rows) {
    const verdict = met(op.slo);
    const firing = firingText(op.slo);
    const line = `${clip(op.operationId, 23).padEnd(24)}${String(op.requests).padStart(9)}  ${availabilityText(op.slo).padEnd(22)}${budgetLeft(op.slo).padEnd(13)}${`${op.violations.request} / ${op.violations.response}`.padEnd(14)}${latencyText(op.slo)}${firing.length > 0 ? `  FIRING ${firing.join(', ')}` : ''}`;
    out.push(verdict === false || firing.length > 0 ? style('red', line) : verdict === true ? line : style('dim', line));
  }
  if (rows.length === 0) out.push(style('dim', '(no traffic yet)'));
  const quiet = report.operations.length - rows.length;
  if (quiet > 0) out.push(style('dim', `${quiet} operation(s) without traffic`));
  out.push('');
  out.push(style('bold', `${'consumer'.padEnd(20)}${'tier'.padEnd(12)}${'requests'.padStart(9)}  ${'consumer breaches'.padStart(17)}  ${'provider breaches'.padStart(17)}  missed`));
  for (const c of report.consumers) {
    const missed = [...c.operations, ...(c.slo ? [{ operationId: 'all operations', slo: c.slo }] : [])].flatMap((o) => {
      const names = missesOf(o.operationId, o.slo, c.consumer).map((m) => m.objective.replace(/^latency /, ''));
      return names.length === 0 ? [] : [`${o.operationId} (${names.join(', ')})`];
    });
    const line = `${clip(c.consumer, 19).padEnd(20)}${c.tier.slice(0, 11).padEnd(12)}${String(c.requests).padStart(9)}  ${String(c.breaches.consumer).padStart(17)}  ${String(c.breaches.provider).padStart(17)}  ${missed.join('; ') || '-'}`;
    out.push(missed.length > 0 ? style('yellow', line) : line);
  }
  if (report.tiers && report.tiers.length > 0) {
    out.push('');
    out.push(style('bold', `${'tier'.padEnd(20)}${'requests'.padStart(9)}  ${'availability'.padEnd(22)}${'budget left'.padEnd(13)}latency`));
    for (const t of report.tiers) {
      const line = `${t.tier.slice(0, 19).padEnd(20)}${String(t.requests).padStart(9)}  ${availabilityText(t.slo).padEnd(22)}${budgetLeft(t.slo).padEnd(13)}${latencyText(t.slo)}`;
      out.push(met(t.slo) === false ? style('red', line) : line);
    }
  }
  if (report.unknownRoutes.length > 0) {
    out.push('');
    out.push(style('bold', 'unknown routes'));
    for (const u of report.unknownRoutes.slice(0, 5)) out.push(`  ${u.method} ${u.path}  ${u.count}`);
  }
  if ((report.refused ?? []).length > 0) {
    out.push('');
    out.push(style('bold', 'answered by the proxy before routing'));
    for (const r of report.refused) out.push(`  ${r.reason}  ${r.count}`);
  }
  const s = report.summary;
  out.push('');
  out.push(
    `${s.missed.length === 0 ? style('green', 'every objective met') : style('red', `${s.missed.length} objective(s) missed`)} · ${s.alertsFiring.length === 0 ? 'no alert firing' : style('red', `${s.alertsFiring.length} alert(s) firing`)} · violations: ${s.violations.request} request, ${s.violations.response} response, ${s.violations.unknownRoutes} unknown route`,
  );
  return out.join('\n') + '\n';
}

/** A Markdown table cell: names come from request headers, so HTML is escaped (PR comments and job summaries render it). */
/** Inside a code span HTML is not rendered: only the table's `|` and the span's backticks need care. */
const code = (text: string) => text.replace(/\|/g, '\\|').replace(/`/g, "'");
const cell = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|');

/** The report as Markdown (a pull-request comment, a job summary). */
export function formatReportMarkdown(report: Report): string {
  const marks = { met: '✅', missed: '❌' };
  const out: string[] = [];
  out.push(`## ${report.spec.title} ${report.spec.version}`, '', `_${windowLine(report)}_`, '');
  out.push('| operation | requests | availability | error budget left | latency | alerts | consumer / provider breaches |', '|---|---:|---|---:|---|---|---:|');
  for (const op of report.operations) {
    const firing = firingText(op.slo);
    out.push(`| \`${code(op.operationId)}\` | ${op.requests} | ${availabilityText(op.slo, marks)} | ${budgetLeft(op.slo)} | ${cell(latencyText(op.slo, marks))} | ${firing.length > 0 ? `🔥 ${firing.join(', ')}` : '-'} | ${op.violations.request} / ${op.violations.response} |`);
  }
  out.push('', '| consumer | tier | requests | consumer breaches | provider breaches |', '|---|---|---:|---:|---:|');
  for (const c of report.consumers) out.push(`| ${cell(c.consumer)} | ${cell(c.tier)} | ${c.requests} | ${c.breaches.consumer} | ${c.breaches.provider} |`);
  out.push('');
  if (report.summary.missed.length > 0) {
    out.push('**Missed objectives**', '');
    for (const m of report.summary.missed) out.push(`- \`${code(m.operationId)}\`${m.consumer === undefined ? '' : ` for ${cell(m.consumer)}`}: ${m.objective} ${m.achieved ?? 'no data'} (target ${m.target})`);
  } else out.push('Every objective met.');
  return out.join('\n') + '\n';
}
