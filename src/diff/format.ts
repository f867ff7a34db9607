import type { SourceLocation } from '../errors.js';
import { escapeXml, plainStyle, type Style } from '../report/style.js';
import { LEVEL_SEVERITY, SEVERITY_RANK, type Finding, type Level } from './change.js';
import type { RuleEntry } from './catalogue.js';
import type { DiffReport } from './diff.js';

const at = (l: SourceLocation | undefined) => (l ? `${l.file}:${l.line}` : '-');
const sorted = (findings: Finding[]) => [...findings].sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || a.operation.localeCompare(b.operation) || a.rule.localeCompare(b.rule));
const users = (c: Finding) => (c.consumers && c.consumers.length > 0 ? `used by ${c.consumers.map((u) => `${u.consumer} (${u.requests})`).join(', ')}` : c.evidence ?? '');

/** `listPets (GET /pets)`, `listPets (GET /pets) and 2 more`, or empty for document-level findings. */
const shortAffects = (f: Finding) => (f.operations.length > 1 ? `${f.operations[0]} and ${f.operations.length - 1} more` : f.operations[0] ?? f.operation);
const tierText = (f: Finding) => (f.tiers && f.tiers.length > 0 ? `tier${f.tiers.length > 1 ? 's' : ''} ${f.tiers.join(', ')}` : '');
/** Every operation and tier a finding affects, when there is more than its one operation to say. */
const fullAffects = (f: Finding) => [f.operations.length > 1 ? f.operations.join(', ') : '', tierText(f)].filter(Boolean).join(' · ');

/** True when a finding is at least as severe as the level. */
export function reaches(f: Finding, level: Level): boolean {
  return SEVERITY_RANK[f.severity] <= SEVERITY_RANK[LEVEL_SEVERITY[level]];
}

/**
 * JSON: `changes` and `summary` as before grouping (one change per operation
 * and tier, counted), so scripts written for them keep working; `findings`
 * (grouped), `findingsSummary`, `ignored` and `notes` besides.
 */
export function formatDiffJson(result: DiffReport): string {
  const summary = { breaking: 0, warning: 0, safe: 0, ignored: result.ignored.length };
  for (const c of result.perOperation) summary[c.severity]++;
  const findingsSummary = { breaking: result.summary.breaking, warning: result.summary.warning, safe: result.summary.safe };
  return JSON.stringify({ base: result.base, head: result.head, changes: result.perOperation, summary, findings: result.changes, findingsSummary, ignored: result.ignored, notes: result.notes }, null, 2) + '\n';
}

const summaryLine = (r: DiffReport) => `${r.summary.breaking} breaking, ${r.summary.warning} warning(s), ${r.summary.safe} safe${r.summary.ignored > 0 ? `, ${r.summary.ignored} ignored` : ''}`;

export function formatDiffText(result: DiffReport, style: Style = plainStyle): string {
  const out = [style('bold', `${result.base} -> ${result.head}`), ''];
  for (const n of result.notes) out.push(`${style('yellow', 'warning ')} ${n.location ? `${at(n.location)}: ` : ''}${n.message}`);
  if (result.notes.length > 0) out.push('');
  const line = (tag: string, f: Finding) => {
    const affects = shortAffects(f);
    out.push(`${tag} ${f.rule.padEnd(36)} ${affects ? `${affects}: ` : ''}${f.message}`);
    out.push(style('dim', `         base ${at(f.base)} · head ${at(f.head)}${users(f) ? ` · ${users(f)}` : ''}`));
    if (fullAffects(f)) out.push(style('dim', `         affects ${fullAffects(f)}`));
  };
  for (const f of sorted(result.changes)) line(f.severity === 'breaking' ? style('red', 'BREAKING') : f.severity === 'warning' ? style('yellow', 'warning ') : style('green', 'safe    '), f);
  if (result.changes.length === 0) out.push('no changes');
  for (const f of sorted(result.ignored)) {
    line(style('dim', 'ignored '), f);
    out.push(style('dim', `         ${f.severity}, ignored until ${f.ignored!.expires} (${f.ignored!.at}): ${f.ignored!.reason}`));
  }
  out.push('', summaryLine(result));
  return out.join('\n') + '\n';
}

const cell = (t: string) => t.replace(/\|/g, '\\|');
const ICON = { breaking: '🔴 breaking', warning: '🟡 warning', safe: '🟢 safe' } as const;
const operationsCell = (f: Finding) => cell([f.operations.join(', '), tierText(f) ? `(${tierText(f)})` : ''].filter(Boolean).join(' '));

export function formatDiffMarkdown(result: DiffReport): string {
  const out = [`### sworn diff: ${summaryLine(result)}`, ''];
  for (const n of result.notes) out.push(`> ⚠️ ${n.location ? `${at(n.location)}: ` : ''}${n.message}`, '');
  out.push('| | rule | operation | change | where (head) | consumers |', '|---|---|---|---|---|---|');
  for (const f of sorted(result.changes)) out.push(`| ${ICON[f.severity]} | \`${f.rule}\` | ${operationsCell(f)} | ${cell(f.message)} | ${at(f.head ?? f.base)} | ${cell(users(f))} |`);
  if (result.ignored.length > 0) {
    out.push('', `#### Ignored (${result.ignored.length})`, '', '| | rule | operation | change | reason | until |', '|---|---|---|---|---|---|');
    for (const f of sorted(result.ignored)) out.push(`| ${ICON[f.severity]} | \`${f.rule}\` | ${operationsCell(f)} | ${cell(f.message)} | ${cell(f.ignored!.reason)} (${f.ignored!.at}) | ${f.ignored!.expires} |`);
  }
  return out.join('\n') + '\n';
}

/** JUnit: a testcase per finding; those at or above `failOn` fail, ignored ones are skipped. */
export function formatDiffJunit(result: DiffReport, failOn: Level): string {
  const testcase = (f: Finding, body: string | undefined) => {
    const head = `    <testcase classname="${escapeXml(f.operations.join(', ') || 'document')}" name="${escapeXml(`${f.rule}: ${f.message}`)}">`;
    return body === undefined ? `${head}</testcase>` : `${head}\n      ${body}\n    </testcase>`;
  };
  const detail = (f: Finding) => [`${f.severity} ${f.rule} base ${at(f.base)} head ${at(f.head)}`, tierText(f), users(f)].filter(Boolean).join(' ');
  const cases = [
    ...sorted(result.changes).map((f) => testcase(f, reaches(f, failOn) ? `<failure message="${escapeXml(f.message)}">${escapeXml(detail(f))}</failure>` : undefined)),
    ...sorted(result.ignored).map((f) => testcase(f, `<skipped message="${escapeXml(`ignored until ${f.ignored!.expires}: ${f.ignored!.reason}`)}"/>`)),
  ];
  const failures = result.changes.filter((f) => reaches(f, failOn)).length;
  const skipped = result.ignored.length;
  return ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="sworn diff" tests="${cases.length}" failures="${failures}" skipped="${skipped}">`, `  <testsuite name="sworn diff ${escapeXml(result.base)} -> ${escapeXml(result.head)}" tests="${cases.length}" failures="${failures}" skipped="${skipped}">`, ...cases, '  </testsuite>', '</testsuites>', ''].join('\n');
}

/** GitHub Actions workflow commands: an annotation per finding on the head file's line (base's when removed); ignored findings are not annotated. */
export function formatDiffGithub(result: DiffReport): string {
  const escape = (t: string) => t.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const prop = (t: string) => escape(t).replace(/:/g, '%3A').replace(/,/g, '%2C');
  const lines = result.notes.map((n) => `::warning ${n.location ? `file=${prop(n.location.file)},line=${n.location.line},` : ''}title=sworn diff config::${escape(n.message)}`);
  for (const f of sorted(result.changes)) {
    const level = f.severity === 'breaking' ? 'error' : f.severity === 'warning' ? 'warning' : 'notice';
    const loc = f.head ?? f.base;
    const affects = shortAffects(f);
    const props = [loc ? `file=${prop(loc.file)},line=${loc.line}` : '', `title=${prop(`${f.rule}${affects ? ` ${affects}` : ''}`)}`].filter(Boolean).join(',');
    const extra = [fullAffects(f) ? `affects ${fullAffects(f)}` : '', users(f)].filter(Boolean).join('; ');
    lines.push(`::${level} ${props}::${escape(`${f.message}${extra ? ` (${extra})` : ''}`)}`);
  }
  return lines.join('\n') + (lines.length > 0 ? '\n' : '');
}

/** Which part of release notes a finding belongs in. */
function section(f: Finding): 'Breaking changes' | 'Deprecations' | 'Additions' | 'Other changes' {
  if (f.severity === 'breaking') return 'Breaking changes';
  if (/deprecat|reactivated|sunset|stability/.test(f.rule)) return 'Deprecations';
  if (/-added$/.test(f.rule)) return 'Additions';
  return 'Other changes';
}

const sentence = (t: string) => {
  const s = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
};

/**
 * Release notes in markdown: every change (ignored ones too, with why they
 * were accepted), under Breaking changes, Deprecations, Additions and Other
 * changes, and in each by the operations it affects.
 */
export function formatDiffChangelog(result: DiffReport): string {
  const out = [`## API changes: ${result.base} → ${result.head}`, ''];
  const all = [...result.changes, ...result.ignored];
  if (all.length === 0) return [...out, 'No changes.', ''].join('\n');
  for (const name of ['Breaking changes', 'Deprecations', 'Additions', 'Other changes'] as const) {
    const inSection = all.filter((f) => section(f) === name);
    if (inSection.length === 0) continue;
    out.push(`### ${name}`, '');
    const byOperations = new Map<string, Finding[]>();
    for (const f of inSection) {
      const key = f.operations.join(', ') || 'The whole API';
      byOperations.set(key, [...(byOperations.get(key) ?? []), f]);
    }
    for (const key of [...byOperations.keys()].sort((a, b) => (a === 'The whole API' ? -1 : b === 'The whole API' ? 1 : a.localeCompare(b)))) {
      out.push(`#### ${key}`, '');
      for (const f of byOperations.get(key)!) {
        const notes = [tierText(f) ? `for consumer ${tierText(f)}` : '', f.ignored ? `accepted: ${f.ignored.reason}` : ''].filter(Boolean);
        out.push(`- ${sentence(f.message)}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`);
      }
      out.push('');
    }
  }
  return out.join('\n');
}

/** `sworn diff --rules`: the catalogue, one rule a line. */
export function formatRulesText(rules: readonly RuleEntry[]): string {
  const width = Math.max(...rules.map((r) => r.rule.length));
  return [`${'rule'.padEnd(width)}  severity  example`, ...rules.map((r) => `${r.rule.padEnd(width)}  ${r.severity.padEnd(8)}  ${r.example}`), '', `${rules.length} rules; safe is the info level of --fail-on and .sworn-diff.yaml`, ''].join('\n');
}
