import { existsSync, readFileSync } from 'node:fs';
import { relative, resolve as resolvePath } from 'node:path';
import { closest } from 'fastest-levenshtein';
import { SwornError, type SourceLocation } from '../errors.js';
import { SourceFile } from '../spec/source-file.js';
import { appendPointer } from '../spec/pointer.js';
import { LEVEL_SEVERITY, type Change, type IgnoredBy, type Severity } from './change.js';
import { RETIRED_RULES, RULE_IDS } from './catalogue.js';

/** The file `sworn diff` reads from the working directory when no `--config` is given. */
export const DIFF_CONFIG_FILE = '.sworn-diff.yaml';

/** An ignore entry: findings of `rule` (for one operation, under one pointer) are listed, not counted, until `expires`. */
export interface IgnoreEntry {
  rule: string;
  operation?: string;
  pointer?: string;
  reason: string;
  /** `YYYY-MM-DD`: the last day the entry applies. */
  expires: string;
  location: SourceLocation;
}

/** What `.sworn-diff.yaml` says. */
export interface DiffConfig {
  /** Where it was read from, as shown to the user. */
  file: string;
  /** Severity per rule id; `off` drops the rule's findings. */
  rules: Map<string, Severity | 'off'>;
  ignore: IgnoreEntry[];
  /** `lifecycle: {minDeprecationDays: 180}`: the least number of days between an operation's deprecation and its sunset. */
  lifecycle: { minDeprecationDays?: number };
}

/** Something `sworn diff` says about its own configuration, shown with the findings. */
export interface DiffNote {
  message: string;
  location?: SourceLocation;
}

const TOP_KEYS = ['rules', 'ignore', 'lifecycle'];
const LIFECYCLE_KEYS = ['minDeprecationDays'];
const ENTRY_KEYS = ['rule', 'operation', 'pointer', 'reason', 'expires'];
const LEVELS = ['breaking', 'warning', 'info', 'off'];
const HINT = 'See docs/diff.md#configuration-sworn-diffyaml; `sworn diff --rules` lists the rule ids.';

/**
 * The config to use: `--config FILE` (which must exist), else
 * `.sworn-diff.yaml` in `cwd` when there is one, else none.
 */
export function findDiffConfig(cwd: string, explicit: string | undefined): DiffConfig | undefined {
  if (explicit !== undefined) return loadDiffConfig(explicit, cwd);
  return existsSync(resolvePath(cwd, DIFF_CONFIG_FILE)) ? loadDiffConfig(DIFF_CONFIG_FILE, cwd) : undefined;
}

/** Reads and checks a diff config; every problem is SWORN_ERR_CONFIG at its file:line. */
export function loadDiffConfig(path: string, cwd: string): DiffConfig {
  const absolute = resolvePath(cwd, path);
  const shown = relative(cwd, absolute) || absolute;
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (cause) {
    throw new SwornError('SWORN_ERR_CONFIG', `cannot read diff config ${path}`, { cause, hint: 'Check the --config path; it is resolved against the current directory.' });
  }
  let source: SourceFile;
  try {
    source = SourceFile.parse(absolute, shown, text);
  } catch (error) {
    if (error instanceof SwornError) throw new SwornError('SWORN_ERR_CONFIG', `${shown}: ${error.message}`, { ...(error.location ? { location: error.location } : {}), cause: error, hint: 'Fix the YAML syntax of the diff config.' });
    throw error;
  }
  const fail = (pointer: string, message: string, hint = HINT): never => {
    throw new SwornError('SWORN_ERR_CONFIG', message, { location: source.locate(pointer), hint });
  };
  const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  const knownRule = (rule: string, pointer: string) => {
    const retired = RETIRED_RULES.find((r) => r.rule === rule);
    if (retired) fail(pointer, `\`${rule}\` is no longer a rule id: ${retired.why}`, `Write \`${retired.use}\` instead.`);
    if (!RULE_IDS.includes(rule)) fail(pointer, `unknown rule id \`${rule}\``, `Did you mean \`${closest(rule, [...RULE_IDS])}\`? \`sworn diff --rules\` lists every rule id.`);
  };
  const root = source.value ?? {};
  if (!isMap(root)) return fail('', `${shown} must be a map with \`rules\` and/or \`ignore\``);
  for (const key of Object.keys(root)) if (!TOP_KEYS.includes(key)) fail(appendPointer('', key), `unknown setting \`${key}\``, `Did you mean \`${closest(key, TOP_KEYS)}\`? A diff config has \`rules\`, \`ignore\` and \`lifecycle\`.`);

  const rules = new Map<string, Severity | 'off'>();
  if (root.rules !== undefined && root.rules !== null) {
    if (!isMap(root.rules)) fail('/rules', '`rules` must map rule ids to breaking, warning, info or off');
    for (const [rule, level] of Object.entries(root.rules as Record<string, unknown>)) {
      const pointer = appendPointer('/rules', rule);
      knownRule(rule, pointer);
      if (typeof level !== 'string' || !LEVELS.includes(level)) fail(pointer, `rule \`${rule}\`: ${JSON.stringify(level)} is not a severity; write breaking, warning, info or off`);
      rules.set(rule, level === 'off' ? 'off' : LEVEL_SEVERITY[level as 'breaking' | 'warning' | 'info']);
    }
  }

  const ignore: IgnoreEntry[] = [];
  if (root.ignore !== undefined && root.ignore !== null) {
    if (!Array.isArray(root.ignore)) fail('/ignore', '`ignore` must be a list of entries, each with rule, reason and expires');
    (root.ignore as unknown[]).forEach((raw, i) => {
      const at = appendPointer('/ignore', i);
      if (!isMap(raw)) return fail(at, `ignore[${i}] must be a map with rule, reason and expires (operation and pointer optional)`);
      for (const key of Object.keys(raw)) if (!ENTRY_KEYS.includes(key)) fail(appendPointer(at, key), `unknown key \`${key}\` in ignore[${i}]`, `Did you mean \`${closest(key, ENTRY_KEYS)}\`? Keys: ${ENTRY_KEYS.join(', ')}.`);
      const text = (key: string, required: boolean): string | undefined => {
        const value = raw[key];
        if (value === undefined || value === null || value === '') {
          if (required) fail(at, `ignore[${i}] needs \`${key}\`${key === 'reason' ? ' (why the change is accepted)' : key === 'expires' ? ' (a date, YYYY-MM-DD, after which the entry no longer applies)' : ''}`);
          return undefined;
        }
        if (value instanceof Date && key === 'expires') return value.toISOString().slice(0, 10);
        if (typeof value !== 'string') fail(appendPointer(at, key), `ignore[${i}].${key} must be a string`);
        return value as string;
      };
      const rule = text('rule', true) as string;
      knownRule(rule, appendPointer(at, 'rule'));
      const reason = text('reason', true) as string;
      const expires = text('expires', true) as string;
      if (!/^\d{4}-\d{2}-\d{2}$/.test(expires) || Number.isNaN(Date.parse(`${expires}T00:00:00Z`)) || new Date(`${expires}T00:00:00Z`).toISOString().slice(0, 10) !== expires) fail(appendPointer(at, 'expires'), `ignore[${i}].expires ${JSON.stringify(expires)} is not a date; write YYYY-MM-DD, e.g. 2027-03-31`);
      const operation = text('operation', false);
      const pointer = text('pointer', false);
      if (pointer !== undefined && pointer !== '' && !pointer.startsWith('/')) fail(appendPointer(at, 'pointer'), `ignore[${i}].pointer ${JSON.stringify(pointer)} is not a JSON pointer; write e.g. /components/schemas/Pet/properties/tag`);
      ignore.push({ rule, reason, expires, location: source.locate(at), ...(operation !== undefined ? { operation } : {}), ...(pointer !== undefined ? { pointer } : {}) });
    });
  }
  const lifecycle: { minDeprecationDays?: number } = {};
  if (root.lifecycle !== undefined && root.lifecycle !== null) {
    if (!isMap(root.lifecycle)) fail('/lifecycle', '`lifecycle` must be a map, e.g. `lifecycle: {minDeprecationDays: 180}`');
    const raw = root.lifecycle as Record<string, unknown>;
    for (const key of Object.keys(raw)) if (!LIFECYCLE_KEYS.includes(key)) fail(appendPointer('/lifecycle', key), `unknown key \`${key}\` in lifecycle`, `Did you mean \`${closest(key, LIFECYCLE_KEYS)}\`? Keys: ${LIFECYCLE_KEYS.join(', ')}.`);
    const days = raw.minDeprecationDays;
    if (days !== undefined) {
      if (typeof days !== 'number' || !Number.isFinite(days) || days < 0) fail('/lifecycle/minDeprecationDays', `minDeprecationDays must be a number of days, 0 or more (got ${JSON.stringify(days)})`);
      lifecycle.minDeprecationDays = days as number;
    }
  }
  return { file: shown, rules, ignore, lifecycle };
}

/** `listPets`, `GET /pets` and `listPets (GET /pets)` all name the operation `listPets (GET /pets)`. */
function sameOperation(name: string, change: Change): boolean {
  if (name === change.operation || name === change.operationId) return true;
  const route = /\(([A-Z]+ [^)]+)\)$/.exec(change.operation)?.[1] ?? change.operation;
  return name.replace(/^([a-z]+) /, (m) => m.toUpperCase()) === route;
}

/** A pointer matches a location at it or under it. */
const under = (pointer: string, at: SourceLocation | undefined) => at !== undefined && (at.pointer === pointer || at.pointer.startsWith(`${pointer.replace(/\/$/, '')}/`));

/** The day `now` is, in UTC (`YYYY-MM-DD`). */
const day = (now: Date) => now.toISOString().slice(0, 10);

/** Severity overrides: each rule's findings at the severity the config gives it; `off` drops them. */
export function overrideSeverities(changes: Change[], config: DiffConfig | undefined): Change[] {
  if (!config || config.rules.size === 0) return changes;
  const out: Change[] = [];
  for (const change of changes) {
    const override = config.rules.get(change.rule);
    if (override === 'off') continue;
    out.push(override ? { ...change, severity: override } : change);
  }
  return out;
}

/** `rule request-parameter-removed, operation GET /pets: kind was never documented`. */
const describeEntry = (entry: IgnoreEntry) => `rule ${entry.rule}${entry.operation ? `, operation ${entry.operation}` : ''}${entry.pointer ? `, pointer ${entry.pointer}` : ''}: ${entry.reason}`;

/**
 * Ignore entries: a change an entry matches (rule; operation and pointer when
 * given) is set aside with the entry's reason. An entry applies through its
 * `expires` day; an expired one no longer applies and is reported as a note,
 * and so is one that matches no change (stale: nothing to ignore any more).
 */
export function applyIgnores(changes: Change[], config: DiffConfig | undefined, now: Date): { changes: Change[]; ignored: Array<Change & { ignored: IgnoredBy }>; notes: DiffNote[] } {
  if (!config) return { changes, ignored: [], notes: [] };
  const today = day(now);
  const notes: DiffNote[] = [];
  const active: IgnoreEntry[] = [];
  for (const entry of config.ignore) {
    if (entry.expires < today) notes.push({ message: `ignore entry expired on ${entry.expires} (${describeEntry(entry)}); what it matches counts again`, location: entry.location });
    else active.push(entry);
  }
  const kept: Change[] = [];
  const ignored: Array<Change & { ignored: IgnoredBy }> = [];
  const used = new Set<IgnoreEntry>();
  for (const change of changes) {
    const entry = active.find((e) => e.rule === change.rule && (e.operation === undefined || sameOperation(e.operation, change)) && (e.pointer === undefined || under(e.pointer, change.base) || under(e.pointer, change.head)));
    if (entry) {
      used.add(entry);
      ignored.push({ ...change, ignored: { reason: entry.reason, expires: entry.expires, at: `${entry.location.file}:${entry.location.line}` } });
    } else kept.push(change);
  }
  for (const entry of active) if (!used.has(entry)) notes.push({ message: `ignore entry matches no finding (${describeEntry(entry)}); remove it if the change it accepted is gone`, location: entry.location });
  notes.sort((a, b) => (a.location?.line ?? 0) - (b.location?.line ?? 0));
  return { changes: kept, ignored, notes };
}
