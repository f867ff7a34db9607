import type { SourceLocation } from '../errors.js';
import { escapeXml, plainStyle, type Style } from '../report/style.js';
import type { Change } from './change.js';
import type { DiffResult } from './diff.js';

const at = (l: SourceLocation | undefined) => (l ? `${l.file}:${l.line}` : '-');
const ORDER = { breaking: 0, warning: 1, safe: 2 } as const;
const sorted = (changes: Change[]) => [...changes].sort((a, b) => ORDER[a.severity] - ORDER[b.severity] || a.operation.localeCompare(b.operation) || a.rule.localeCompare(b.rule));
const users = (c: Change) => (c.consumers && c.consumers.length > 0 ? `used by ${c.consumers.map((u) => `${u.consumer} (${u.requests})`).join(', ')}` : c.evidence ?? '');

export function formatDiffText(result: DiffResult, style: Style = plainStyle): string {
  const out = [style('bold', `${result.base} -> ${result.head}`), ''];
  for (const c of sorted(result.changes)) {
    const tag = c.severity === 'breaking' ? style('red', 'BREAKING') : c.severity === 'warning' ? style('yellow', 'warning ') : style('green', 'safe    ');
    out.push(`${tag} ${c.rule.padEnd(36)} ${c.operation ? `${c.operation}: ` : ''}${c.message}`);
    out.push(style('dim', `         base ${at(c.base)} · head ${at(c.head)}${users(c) ? ` · ${users(c)}` : ''}`));
  }
  if (result.changes.length === 0) out.push('no changes');
  out.push('', `${result.summary.breaking} breaking, ${result.summary.warning} warning(s), ${result.summary.safe} safe`);
  return out.join('\n') + '\n';
}

const cell = (t: string) => t.replace(/\|/g, '\\|');

export function formatDiffMarkdown(result: DiffResult): string {
  const icon = { breaking: '🔴 breaking', warning: '🟡 warning', safe: '🟢 safe' } as const;
  const out = [`### sworn diff: ${result.summary.breaking} breaking, ${result.summary.warning} warning(s), ${result.summary.safe} safe`, '', '| | rule | operation | change | where (head) | consumers |', '|---|---|---|---|---|---|'];
  for (const c of sorted(result.changes)) out.push(`| ${icon[c.severity]} | \`${c.rule}\` | ${cell(c.operation)} | ${cell(c.message)} | ${at(c.head ?? c.base)} | ${cell(users(c))} |`);
  return out.join('\n') + '\n';
}

/** JUnit: a testcase per change; breaking ones fail (warnings too with failOn warning). */
export function formatDiffJunit(result: DiffResult, failOn: 'breaking' | 'warning'): string {
  const failing = (c: Change) => c.severity === 'breaking' || (failOn === 'warning' && c.severity === 'warning');
  const cases = sorted(result.changes).map((c) => {
    const head = `    <testcase classname="${escapeXml(c.operation || 'document')}" name="${escapeXml(`${c.rule}: ${c.message}`)}">`;
    return failing(c) ? `${head}\n      <failure message="${escapeXml(c.message)}">${escapeXml(`${c.severity} ${c.rule} base ${at(c.base)} head ${at(c.head)} ${users(c)}`)}</failure>\n    </testcase>` : `${head}</testcase>`;
  });
  const failures = result.changes.filter(failing).length;
  return ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="sworn diff" tests="${cases.length}" failures="${failures}">`, `  <testsuite name="sworn diff ${escapeXml(result.base)} -> ${escapeXml(result.head)}" tests="${cases.length}" failures="${failures}">`, ...cases, '  </testsuite>', '</testsuites>', ''].join('\n');
}

/** GitHub Actions workflow commands: an annotation per change on the head file's line (base's when removed). */
export function formatDiffGithub(result: DiffResult): string {
  const escape = (t: string) => t.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const prop = (t: string) => escape(t).replace(/:/g, '%3A').replace(/,/g, '%2C');
  return sorted(result.changes)
    .map((c) => {
      const level = c.severity === 'breaking' ? 'error' : c.severity === 'warning' ? 'warning' : 'notice';
      const loc = c.head ?? c.base;
      const props = [loc ? `file=${prop(loc.file)},line=${loc.line}` : '', `title=${prop(`${c.rule}${c.operation ? ` ${c.operation}` : ''}`)}`].filter(Boolean).join(',');
      return `::${level} ${props}::${escape(`${c.message}${users(c) ? ` (${users(c)})` : ''}`)}`;
    })
    .join('\n') + (result.changes.length > 0 ? '\n' : '');
}
