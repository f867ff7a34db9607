import type { SourceLocation } from '../errors.js';
import type { Spec } from '../spec/load-spec.js';

export type Severity = 'breaking' | 'warning' | 'safe';

/** The levels `--fail-on` and `.sworn-diff.yaml` speak of: `info` is the level of safe changes (`"safe"` in JSON). */
export type Level = 'breaking' | 'warning' | 'info';

export const LEVEL_SEVERITY: Record<Level, Severity> = { breaking: 'breaking', warning: 'warning', info: 'safe' };

/** 0 for breaking, 1 for warning, 2 for safe: lower is more severe. */
export const SEVERITY_RANK: Record<Severity, number> = { breaking: 0, warning: 1, safe: 2 };

/** One classified difference between two versions of a spec. */
export interface Change {
  /** Stable rule id, documented in docs/diff.md. */
  rule: string;
  severity: Severity;
  /** `listPets (GET /pets)`, or empty for document-level changes. */
  operation: string;
  /** The operation id in the base version (what a proxy's usage records name), when there is one. */
  operationId?: string;
  /** For x-slo changes of a consumer tier's promise: the tier (the message then starts with "tier `name`: "). */
  tier?: string;
  message: string;
  base?: SourceLocation;
  head?: SourceLocation;
  /** With `--usage`: the consumers that used what changed, and how often. */
  consumers?: Array<{ consumer: string; requests: number }>;
  /** With `--usage`: why the severity was lowered. */
  evidence?: string;
  /** What usage evidence to look at: the operation, one parameter (`query:limit`), one status (`404`). */
  usageKey?: { kind: 'operation' } | { kind: 'parameter'; name: string } | { kind: 'status'; name: string };
}

/** Why a finding is not counted: the `.sworn-diff.yaml` ignore entry that matched it. */
export interface IgnoredBy {
  reason: string;
  expires: string;
  /** Where the entry is written (`.sworn-diff.yaml:7`). */
  at: string;
}

/**
 * One changed value, reported once: every change with the same rule,
 * severity and base/head location (a shared schema reached from several
 * operations, a promise inherited by several operations and tiers), with the
 * operations and tiers it affects.
 */
export interface Finding {
  rule: string;
  severity: Severity;
  /** The first operation affected (as in a `Change`), empty for document-level changes. */
  operation: string;
  operationId?: string;
  /** The message, without a tier prefix when the finding is about tiers. */
  message: string;
  base?: SourceLocation;
  head?: SourceLocation;
  /** Every operation affected, in the order first met. */
  operations: string[];
  /** Every consumer tier affected; `default` is the operation's own promise. Only for x-slo findings of tiers. */
  tiers?: string[];
  /** Each change grouped here: its operation, tier and message. */
  occurrences: Array<{ operation: string; operationId?: string; tier?: string; message: string }>;
  consumers?: Array<{ consumer: string; requests: number }>;
  evidence?: string;
  ignored?: IgnoredBy;
}

const TIER_PREFIX = /^tier `[^`]+`: /;
const locKey = (l: SourceLocation | undefined) => (l ? `${l.file}#${l.pointer}` : '-');

/** Groups changes by the value that changed (rule, severity, base and head location); keeps the order first met. */
export function groupChanges(changes: Array<Change & { ignored?: IgnoredBy }>): Finding[] {
  const groups = new Map<string, Finding>();
  for (const c of changes) {
    const key = [c.rule, c.severity, locKey(c.base), locKey(c.head), c.ignored ? `${c.ignored.at}` : ''].join('\0');
    const message = c.tier !== undefined ? c.message.replace(TIER_PREFIX, '') : c.message;
    let f = groups.get(key);
    if (!f) {
      f = { rule: c.rule, severity: c.severity, operation: c.operation, ...(c.operationId !== undefined ? { operationId: c.operationId } : {}), message, ...(c.base ? { base: c.base } : {}), ...(c.head ? { head: c.head } : {}), operations: [], occurrences: [], ...(c.evidence !== undefined ? { evidence: c.evidence } : {}), ...(c.ignored ? { ignored: c.ignored } : {}) };
      groups.set(key, f);
    }
    if (c.operation && !f.operations.includes(c.operation)) f.operations.push(c.operation);
    if (c.rule.startsWith('slo-') && (c.tier !== undefined || f.tiers)) {
      const tiers = (f.tiers ??= f.occurrences.some((o) => o.tier === undefined) ? ['default'] : []);
      const name = c.tier ?? 'default';
      if (!tiers.includes(name)) tiers.push(name);
    }
    f.occurrences.push({ operation: c.operation, ...(c.operationId !== undefined ? { operationId: c.operationId } : {}), ...(c.tier !== undefined ? { tier: c.tier } : {}), message: c.message });
    if (c.consumers) {
      const merged = new Map((f.consumers ?? []).map((u) => [u.consumer, u.requests]));
      for (const u of c.consumers) merged.set(u.consumer, (merged.get(u.consumer) ?? 0) + u.requests);
      f.consumers = [...merged].map(([consumer, requests]) => ({ consumer, requests })).sort((a, b) => b.requests - a.requests || a.consumer.localeCompare(b.consumer));
    }
  }
  for (const f of groups.values()) f.message = commonMessage(f.occurrences.map((o) => (o.tier !== undefined ? o.message.replace(TIER_PREFIX, '') : o.message)));
  return [...groups.values()];
}

/**
 * What grouped messages say in common: the message itself when all are the
 * same; else the longest ending they share that starts after a `: `
 * (`response 200[]: property \`tag\` was removed` and `response 201: …` say
 * `property \`tag\` was removed`); else the first.
 */
function commonMessage(messages: string[]): string {
  const first = messages[0] ?? '';
  if (messages.every((m) => m === first)) return first;
  for (let p = first.indexOf(': '); p >= 0; p = first.indexOf(': ', p + 1)) {
    const tail = first.slice(p + 2);
    if (tail && messages.every((m) => m.endsWith(`: ${tail}`) || m === tail)) return tail;
  }
  return first;
}

/** Where a pointer is, or undefined when the pointer cannot be located (never throws). */
export function where(spec: Spec, pointer: string | undefined): SourceLocation | undefined {
  if (pointer === undefined) return undefined;
  try {
    return spec.locate(pointer);
  } catch {
    return undefined;
  }
}
