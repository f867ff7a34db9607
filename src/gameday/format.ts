import { styleText } from 'node:util';
import { SwornError } from '../errors.js';
import { escapeXml, plainStyle, type Style } from '../report/style.js';
import { formatDuration } from '../slo/duration.js';
import type { GamedayResult, Phase, PhaseFigures, StepResult } from './types.js';

export type GamedayFormat = 'text' | 'json' | 'junit' | 'markdown';
export const GAMEDAY_FORMATS: readonly GamedayFormat[] = ['text', 'json', 'junit', 'markdown'];

/** Lines of the consumer's command output the text and Markdown reports show (its end). */
export const OUTPUT_TAIL_LINES = 20;
/** Columns of one output line shown before it is cut. */
const OUTPUT_LINE_WIDTH = 240;

/**
 * A game-day result as people and CI read it: `text` for a terminal (colour
 * only with `color`), `markdown` for a pull-request comment or release notes,
 * `junit` (one testcase per step) for CI, `json` the stable shape.
 */
export function formatGameday(result: GamedayResult, format: GamedayFormat, options: { color?: boolean } = {}): string {
  switch (format) {
    case 'json':
      return JSON.stringify(result, null, 2) + '\n';
    case 'text':
      return formatGamedayText(result, options.color === true ? colour : plainStyle);
    case 'markdown':
      return formatGamedayMarkdown(result);
    case 'junit':
      return formatGamedayJunit(result);
    default:
      throw new SwornError('SWORN_ERR_USAGE', `unknown game-day report format ${JSON.stringify(format as string)}`, { hint: `use one of ${GAMEDAY_FORMATS.join(', ')}` });
  }
}

/** Colour asked for explicitly: not second-guessed by checking process.stdout. */
const colour: Style = (format, text) => styleText(format, text, { validateStream: false });

// ---------------------------------------------------------------------------
// Text from outside (the plan, a remote proxy, the consumer's command): made
// safe for a terminal, Markdown and XML alike.

const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b\n]*(?:\x07|\x1b\\)?|\x1b[PX^_][^\x1b\n]*(?:\x1b\\)?|\x1b[ -/]*[0-~]|\x9b[0-?]*[ -/]*[@-~]/g;
/** Control characters (tab and newline kept), C1 controls, and what XML 1.0 cannot hold. */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Multi-line text without escape sequences or control characters; a line rewritten with `\r` shows its last state, as a terminal would. */
function cleanBlock(text: string): string {
  return text
    .replace(ANSI, '')
    .split('\n')
    .map((line) => {
      const trimmed = line.replace(/\r+$/, '');
      const last = trimmed.lastIndexOf('\r');
      return (last === -1 ? trimmed : trimmed.slice(last + 1)).replace(CONTROL, '').replace(LONE_SURROGATE, '\ufffd');
    })
    .join('\n');
}

/** One line: a block's newlines and tabs become spaces. */
function clean(text: string): string {
  return cleanBlock(text).replace(/[\t\n]+/g, ' ');
}

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/** The end of the command's output: at most `OUTPUT_TAIL_LINES` lines, each cut at `OUTPUT_LINE_WIDTH`, and how many lines came before. */
function outputTail(output: string): { lines: string[]; earlier: number } {
  const lines = cleanBlock(output).split('\n');
  while (lines.length > 0 && (lines[lines.length - 1] as string).trim() === '') lines.pop();
  const earlier = Math.max(0, lines.length - OUTPUT_TAIL_LINES);
  return { lines: lines.slice(earlier).map((l) => clip(l, OUTPUT_LINE_WIDTH)), earlier };
}

// ---------------------------------------------------------------------------
// Figures.

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * A number rounded to `decimals` (trailing zeros dropped), with more
 * decimals when rounding would misstate it: a figure below its target never
 * shows at or above it, below 100% never shows as 100%, above 0 never as 0.
 */
function rounded(value: number, decimals: number, keep: (shown: number) => boolean): string {
  if (!Number.isFinite(value)) return value > 0 ? '∞' : String(value);
  for (let d = decimals; d <= decimals + 4; d++) {
    const shown = Number(value.toFixed(d));
    if (keep(shown)) return String(shown);
  }
  return String(value);
}

/** A percentage (one or two decimals): `99.12%`. */
function pct(value: number, target?: number): string {
  return `${rounded(value, 2, (s) => (target === undefined || s >= target === value >= target) && (value >= 100 || s < 100) && (value <= 0 || s > 0))}%`;
}

/** Milliseconds: whole above 10 ms, one decimal below; over a limit never shows within it. */
function ms(value: number, limit?: number): string {
  return `${rounded(value, value >= 10 ? 0 : 1, (s) => limit === undefined || s <= limit === value <= limit)}ms`;
}

function burn(rate: number | null): string {
  if (rate === null) return '-';
  if (!Number.isFinite(rate)) return '∞';
  if (rate > 0 && rate < 0.01) return '<0.01x';
  return `${Number(rate.toFixed(rate < 1 ? 2 : 1))}x`;
}

interface Marks {
  met: string;
  missed: string;
}
const TEXT_MARKS: Marks = { met: '✓', missed: '✗' };
const MD_MARKS: Marks = { met: '✅', missed: '❌' };
const mark = (met: boolean | null, marks: Marks) => (met === null ? '' : ` ${met ? marks.met : marks.missed}`);
/** Under target, yet not a breach: too few events to tell it from chance (steady.ts judges at 95%). */
const chance = (achieved: number | null, target: number, met: boolean | null) => (met === true && achieved !== null && achieved < target ? ' (within chance)' : '');

function availabilityCell(f: PhaseFigures, marks: Marks): string {
  const a = f.availability;
  if (!a) return '-';
  return `${a.achieved === null ? 'no data' : pct(a.achieved, a.target)} of ${a.target}%${mark(a.met, marks)}${chance(a.achieved, a.target, a.met)}`;
}

function withoutInjectedCell(f: PhaseFigures): string {
  const a = f.availability;
  if (!a) return '-';
  return a.withoutInjected === null ? 'no data' : pct(a.withoutInjected, a.target);
}

function injectedCell(f: PhaseFigures): string {
  return f.injected > 0 && f.requests > 0 ? `${f.injected} (${pct((f.injected / f.requests) * 100)})` : String(f.injected);
}

/** `fast (200ms) 93.1% ≥ 99% ✗, p99 99.2% within 500ms, needs 99% ✓`: each objective's achieved figure against its target. */
function latencyCell(f: PhaseFigures, marks: Marks): string {
  if (f.latency.length === 0) return '-';
  const several = new Set(f.latency.map((l) => l.operationId)).size > 1;
  return f.latency
    .map((l) => {
      const name = clean(several ? `${l.operationId} ${l.objective}` : l.objective);
      // The sign says how the figure stands to the target: `93.1% < 99% ✗`, `99.5% ≥ 99% ✓`.
      if (l.kind === 'threshold') return `${name} (${ms(l.limitMs)}) ${l.achieved === null ? 'no data ≥' : `${pct(l.achieved, l.target)} ${l.achieved < l.target ? '<' : '≥'}`} ${l.target}%${mark(l.met, marks)}${chance(l.achieved, l.target, l.met)}`;
      // A percentile objective holds when at least that share of good calls is within its maximum.
      const label = l.objective === `p${l.target}` ? name : `${name} (p${l.target})`;
      return `${label} ${l.achieved === null ? 'no data' : pct(l.achieved, l.target)} within ${ms(l.limitMs)}, needs ${l.target}%${mark(l.met, marks)}${chance(l.achieved, l.target, l.met)}`;
    })
    .join(', ');
}

type Row = { label: string; figures: PhaseFigures | null; note?: string };

/** The phases' figures as rows (a phase not measured is one row saying so); `scopes` the distinct scopes judged. */
function rowsOf(phases: Array<[string, PhaseFigures[] | null]>): { rows: Row[]; scopes: string[] } {
  const rows: Row[] = [];
  for (const [label, figures] of phases) {
    if (figures === null) rows.push({ label, figures: null, note: 'not measured' });
    else if (figures.length === 0) rows.push({ label, figures: null, note: 'no promise in scope' });
    else for (const f of figures) rows.push({ label, figures: f });
  }
  const scopes = [...new Set(rows.flatMap((r) => (r.figures ? [clean(r.figures.scope)] : [])))];
  return { rows, scopes };
}

const HEADINGS = ['requests', 'injected', 'availability', 'without injected', 'burn rate', 'latency'];

function cellsOf(f: PhaseFigures, marks: Marks): string[] {
  return [String(f.requests), injectedCell(f), availabilityCell(f, marks), withoutInjectedCell(f), burn(f.burnRate), latencyCell(f, marks)];
}

const STEP_PHASES: Phase[] = ['before', 'during', 'after'];
const phasesOf = (step: StepResult): Array<[string, PhaseFigures[] | null]> => STEP_PHASES.map((p) => [p, step[p]]);

/** The misses of a step, each with the phase it happened in. */
function missesOf(step: StepResult): string[] {
  const out: string[] = [];
  for (const phase of STEP_PHASES) {
    const seen = new Set<string>();
    for (const f of step[phase] ?? [])
      for (const m of f.misses.map(clean)) {
        if (seen.has(m)) continue;
        seen.add(m);
        out.push(`${phase}: ${m}`);
      }
  }
  return out;
}

function stepMisses(step: StepResult): string[] {
  const seen = new Set<string>();
  for (const phase of STEP_PHASES) for (const f of step[phase] ?? []) for (const m of f.misses) seen.add(clean(m));
  return [...seen];
}

// ---------------------------------------------------------------------------
// What the run came to, in words.

function abortedStep(result: GamedayResult): StepResult | undefined {
  return result.steps.find((s) => s.verdict === 'aborted');
}

/** `held through every step`, `broke at step 2`, `aborted at step 3: CRITERION`. */
function verdictWords(result: GamedayResult): string {
  if (result.verdict === 'held') return 'held through every step';
  if (result.verdict === 'broke') return result.breakingStep === null ? 'broke' : `broke at step ${result.breakingStep}`;
  const step = abortedStep(result);
  const criterion = result.abortedBy ?? step?.abortedBy;
  return `aborted ${step ? `at step ${step.index}` : 'before step 1'}${criterion === undefined ? '' : `: ${clean(criterion)}`}`;
}

/** The closing sentence: the breaking point, the abort, or that the hypothesis held. */
function conclusion(result: GamedayResult): string {
  if (result.verdict === 'held') return 'the hypothesis held through every step';
  if (result.breakingPoint !== null) return clean(result.breakingPoint);
  if (result.verdict === 'broke') {
    const step = result.steps.find((s) => s.index === result.breakingStep);
    const misses = step ? stepMisses(step) : [];
    return `${verdictWords(result)}${step ? `: ${clean(step.summary)}` : ''}${misses.length > 0 ? `; ${misses.join('; ')}` : ''}`;
  }
  return verdictWords(result);
}

function cleanupWords(result: GamedayResult): string {
  const { removed, errors } = result.cleanup;
  return `${plural(removed, 'fault')} removed, ${errors.length === 0 ? 'no errors' : `${plural(errors.length, 'error')} (a fault left behind removes itself when its TTL ends)`}`;
}

function elapsed(from: string, to: string): string | null {
  const span = Date.parse(to) - Date.parse(from);
  return Number.isFinite(span) && span >= 0 ? formatDuration(span) : null;
}

function commandWords(command: NonNullable<StepResult['command']>): string {
  const how = command.exitCode !== null ? `exit ${command.exitCode}` : command.signal !== null ? `killed by ${clean(command.signal)}` : 'no exit code';
  return `${how} after ${formatDuration(command.durationMs)}${command.exitCode !== null && command.signal !== null ? ` (signal ${clean(command.signal)})` : ''}`;
}

// ---------------------------------------------------------------------------
// text

type StyleFormat = Parameters<Style>[0];
const VERDICT_STYLE: Record<StepResult['verdict'], StyleFormat> = { held: 'green', broke: 'red', aborted: 'yellow', skipped: 'dim' };

/** A table with columns padded to their widest cell (numbers right-aligned); each row styled whole, after padding. */
function textTable(rows: Array<{ cells: string[]; style?: StyleFormat }>, right: Set<number>, indent: string, style: Style): string[] {
  const widths: number[] = [];
  // A row's last cell is not padded and does not widen its column (a short row's note runs on).
  for (const r of rows) r.cells.slice(0, -1).forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => {
    const line = r.cells.map((c, i) => (i === r.cells.length - 1 ? c : right.has(i) ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join('  ').trimEnd();
    return indent + (r.style === undefined ? line : style(r.style, line));
  });
}

function figuresText(phases: Array<[string, PhaseFigures[] | null]>, indent: string, style: Style): string[] {
  const { rows, scopes } = rowsOf(phases);
  const withScope = scopes.length > 1;
  const out: string[] = [];
  if (scopes.length === 1) out.push(indent + style('dim', scopes[0] as string));
  const table: Array<{ cells: string[]; style?: StyleFormat }> = [{ cells: ['', ...(withScope ? ['scope'] : []), ...HEADINGS], style: 'bold' }];
  for (const r of rows) {
    const scope = withScope ? [r.figures ? clean(r.figures.scope) : ''] : [];
    if (!r.figures) table.push({ cells: [r.label, ...scope, r.note ?? ''], style: 'dim' });
    else table.push({ cells: [r.label, ...scope, ...cellsOf(r.figures, TEXT_MARKS)], ...(r.figures.held ? {} : { style: 'red' as const }) });
  }
  const offset = withScope ? 2 : 1;
  out.push(...textTable(table, new Set([offset, offset + 1, offset + 4]), indent, style));
  return out;
}

function stepText(step: StepResult, style: Style): string[] {
  const out: string[] = [];
  const head = `step ${step.index}  ${clean(step.summary)}`;
  out.push(`${style('bold', head)}  ${style('dim', `· ${formatDuration(step.durationMs)} ·`)} ${style(VERDICT_STYLE[step.verdict], step.verdict)}`);
  const measured = STEP_PHASES.some((p) => step[p] !== null);
  if (step.verdict === 'skipped' && !measured && step.command === undefined) return out;
  if (step.faults.length > 0) out.push(`  faults   ${step.faults.map(clean).join('; ')}`);
  if (step.sent !== undefined) out.push(`  load     ${plural(step.sent, 'request')} sent`);
  if (step.verdict === 'aborted') out.push(style('yellow', `  aborted: ${step.abortedBy === undefined ? 'an abort criterion was met' : clean(step.abortedBy)}`));
  if (measured) out.push(...figuresText(phasesOf(step), '  ', style));
  const misses = missesOf(step);
  if (misses.length > 0) {
    out.push('  missed');
    for (const m of misses) out.push(style('red', `    ${m}`));
  }
  if (step.command) {
    const failed = step.command.exitCode !== 0;
    out.push(`  command  ${failed ? style('red', commandWords(step.command)) : commandWords(step.command)}`);
    const { lines, earlier } = outputTail(step.command.output);
    if (earlier > 0) out.push(style('dim', `    (${plural(earlier, 'earlier line')} not shown)`));
    for (const l of lines) out.push(`    ${l}`);
    if (lines.length === 0) out.push(style('dim', '    (no output)'));
  }
  return out;
}

export function formatGamedayText(result: GamedayResult, style: Style = plainStyle): string {
  const out: string[] = [];
  const took = elapsed(result.startedAt, result.finishedAt);
  const verdictStyle: StyleFormat = result.verdict === 'held' ? 'green' : result.verdict === 'broke' ? 'red' : 'yellow';
  out.push(`${style('bold', `gameday: ${clean(result.gameday)}`)} · ${style(verdictStyle, verdictWords(result))}${took === null ? '' : ` · ${took}`}`);
  out.push(style('dim', `plan ${clean(result.plan)} · ${clean(result.startedAt)} to ${clean(result.finishedAt)}`));
  out.push('');
  out.push(style('bold', 'baseline (steady state before step 1)'));
  out.push(...figuresText([['baseline', result.baseline]], '  ', style));
  for (const step of result.steps) out.push('', ...stepText(step, style));
  out.push('');
  out.push(result.verdict === 'held' ? style('green', conclusion(result)) : style(verdictStyle, conclusion(result)));
  const cleanup = `cleanup: ${cleanupWords(result)}`;
  out.push(result.cleanup.errors.length === 0 ? cleanup : style('red', cleanup));
  for (const e of result.cleanup.errors) out.push(style('red', `  ${clean(e)}`));
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------------------
// markdown

/** A table cell or inline text: the text comes from plans, proxies and commands, so HTML is escaped (PR comments render it). */
const cell = (text: string) => clean(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|');
/** A code span (outside tables) fenced by more backticks than the text holds in a row. */
function codeSpan(text: string): string {
  const t = clean(text);
  const run = Math.max(0, ...[...t.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(run + 1);
  return run === 0 ? `${fence}${t}${fence}` : `${fence} ${t} ${fence}`;
}
const VERDICT_MARK: Record<StepResult['verdict'], string> = { held: '✅', broke: '❌', aborted: '⛔', skipped: '⏭️' };

function figuresMarkdown(phases: Array<[string, PhaseFigures[] | null]>): string[] {
  const { rows, scopes } = rowsOf(phases);
  const withScope = scopes.length > 1;
  const out: string[] = [];
  if (scopes.length === 1) out.push(`_${cell(scopes[0] as string)}_`, '');
  const headings = ['phase', ...(withScope ? ['scope'] : []), ...HEADINGS, 'holds'];
  const align = ['---', ...(withScope ? ['---'] : []), '---:', '---:', '---', '---', '---:', '---', ':---:'];
  out.push(`| ${headings.join(' | ')} |`, `|${align.join('|')}|`);
  for (const r of rows) {
    const scope = withScope ? [r.figures ? cell(r.figures.scope) : ''] : [];
    const cells = r.figures ? [...cellsOf(r.figures, MD_MARKS).map(cell), r.figures.held ? MD_MARKS.met : MD_MARKS.missed] : [`_${r.note ?? ''}_`, '', '', '', '', '', ''];
    out.push(`| ${[r.label, ...scope, ...cells].join(' | ')} |`);
  }
  return out;
}

function stepMarkdown(step: StepResult): string[] {
  const out: string[] = [`### Step ${step.index}: ${cell(step.summary)} — ${VERDICT_MARK[step.verdict]} ${step.verdict}`, ''];
  const measured = STEP_PHASES.some((p) => step[p] !== null);
  if (step.verdict === 'skipped' && !measured && step.command === undefined) return [...out, '_Not run: the game day stopped before it._'];
  const facts: string[] = [];
  if (step.faults.length > 0) facts.push(`- Faults: ${step.faults.map(codeSpan).join(', ')} for ${formatDuration(step.durationMs)}`);
  else facts.push(`- Duration: ${formatDuration(step.durationMs)}`);
  if (step.sent !== undefined) facts.push(`- Load: ${plural(step.sent, 'request')} sent`);
  if (step.verdict === 'aborted') facts.push(`- **Aborted:** ${step.abortedBy === undefined ? 'an abort criterion was met' : cell(step.abortedBy)}`);
  out.push(...facts, '');
  if (measured) out.push(...figuresMarkdown(phasesOf(step)), '');
  const misses = missesOf(step);
  if (misses.length > 0) out.push('**Missed**', '', ...misses.map((m) => `- ${cell(m)}`), '');
  if (step.command) {
    const { lines, earlier } = outputTail(step.command.output);
    const body = lines.join('\n');
    const run = Math.max(2, ...[...body.matchAll(/`{3,}/g)].map((m) => m[0].length));
    const fence = '`'.repeat(run + 1);
    out.push(`<details><summary>consumer command: ${cell(commandWords(step.command))}${earlier > 0 ? ` (last ${lines.length} lines)` : ''}</summary>`, '');
    out.push(lines.length === 0 ? '_no output_' : `${fence}text\n${body}\n${fence}`, '', '</details>', '');
  }
  while (out[out.length - 1] === '') out.pop();
  return out;
}

export function formatGamedayMarkdown(result: GamedayResult): string {
  const took = elapsed(result.startedAt, result.finishedAt);
  const mark = result.verdict === 'held' ? '✅' : result.verdict === 'broke' ? '❌' : '⛔';
  const out: string[] = [`## Game day: ${cell(result.gameday)}`, ''];
  out.push(`**${mark} ${cell(verdictWords(result))}**${took === null ? '' : ` · ${took}`} · plan ${codeSpan(result.plan)} · ${cell(result.startedAt)} to ${cell(result.finishedAt)}`, '');
  out.push('### Baseline (steady state before step 1)', '', ...figuresMarkdown([['baseline', result.baseline]]));
  for (const step of result.steps) out.push('', ...stepMarkdown(step));
  out.push('', `**${result.verdict === 'held' ? 'Result' : 'Breaking point'}:** ${cell(conclusion(result))}`, '');
  out.push(`**Cleanup:** ${cell(cleanupWords(result))}`);
  for (const e of result.cleanup.errors) out.push(`- ${cell(e)}`);
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------------------
// junit

const seconds = (msValue: number) => String(Number((Math.max(0, msValue) / 1000).toFixed(3)));
/** An attribute value: one line, escaped. */
const attr = (text: string) => escapeXml(clean(text));
/** Element text: lines kept, escaped. */
const body = (text: string) => escapeXml(cleanBlock(text));

/** The step's figures as plain text, for a failure's body or the testcase's output. */
function figuresPlain(step: StepResult): string {
  const lines = STEP_PHASES.some((p) => step[p] !== null) ? figuresText(phasesOf(step), '', plainStyle) : ['no figures measured'];
  const misses = missesOf(step);
  if (misses.length > 0) lines.push('', 'missed:', ...misses.map((m) => `  ${m}`));
  return lines.join('\n');
}

/**
 * JUnit XML: one testcase per step (`step N: SUMMARY`), failed when the
 * hypothesis broke (the misses as the message, the figures in the body) or
 * the run aborted during it (`type="aborted"`), skipped when not run; the
 * consumer's command output in `<system-out>`. A run aborted before step 1
 * (no step to blame) gets a `steady state before step 1` testcase that
 * fails, so CI never shows such a run as green.
 */
export function formatGamedayJunit(result: GamedayResult): string {
  const title = clean(result.gameday);
  const cases: string[] = [];
  let failures = 0;
  let skipped = 0;
  const testcase = (name: string, timeMs: number, inner: string[]) => {
    const head = `    <testcase classname="${attr(title)}" name="${attr(name)}" time="${seconds(timeMs)}"`;
    cases.push(inner.length === 0 ? `${head}/>` : [`${head}>`, ...inner.map((l) => `      ${l}`), '    </testcase>'].join('\n'));
  };
  const stopped = abortedStep(result);
  if (result.verdict === 'aborted' && stopped === undefined) {
    failures++;
    const criterion = result.abortedBy ?? 'an abort criterion was met';
    const figures = figuresText([['baseline', result.baseline]], '', plainStyle).join('\n');
    testcase('steady state before step 1', 0, [`<failure type="aborted" message="${attr(`aborted: ${criterion}`)}">${body(figures)}</failure>`]);
  }
  for (const step of result.steps) {
    const inner: string[] = [];
    const output = step.command ? `${commandWords(step.command)}\n${cleanBlock(step.command.output)}` : null;
    if (step.verdict === 'broke') {
      failures++;
      const misses = stepMisses(step);
      inner.push(`<failure type="broke" message="${attr(misses.length > 0 ? misses.join('; ') : 'the hypothesis broke')}">${body(figuresPlain(step))}</failure>`);
    } else if (step.verdict === 'aborted') {
      failures++;
      inner.push(`<failure type="aborted" message="${attr(`aborted: ${step.abortedBy ?? result.abortedBy ?? 'an abort criterion was met'}`)}">${body(figuresPlain(step))}</failure>`);
    } else if (step.verdict === 'skipped') {
      skipped++;
      inner.push('<skipped/>');
    }
    const out = step.verdict === 'held' ? [figuresPlain(step), ...(output === null ? [] : ['', output])].join('\n') : output;
    if (out !== null) inner.push(`<system-out>${body(out)}</system-out>`);
    testcase(`step ${step.index}: ${step.summary}`, step.verdict === 'skipped' ? 0 : step.durationMs, inner);
  }
  const name = attr(`gameday: ${title}`);
  const span = Date.parse(result.finishedAt) - Date.parse(result.startedAt);
  const time = Number.isFinite(span) ? ` time="${seconds(span)}"` : '';
  const counts = `tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}"${time}`;
  const suiteErr = result.cleanup.errors.length === 0 ? [] : [`    <system-err>${body(`cleanup: ${cleanupWords(result)}\n${result.cleanup.errors.join('\n')}`)}</system-err>`];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${name}" ${counts}>`,
    `  <testsuite name="${name}" ${counts} timestamp="${attr(result.startedAt)}">`,
    ...cases,
    `    <system-out>${body(`${conclusion(result)}\ncleanup: ${cleanupWords(result)}`)}</system-out>`,
    ...suiteErr,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
