import { closest } from 'fastest-levenshtein';
import { SwornError } from '../errors.js';
import { formatDuration, parseDuration } from '../slo/duration.js';

/**
 * One fault, as `POST /faults` takes it and game-day plans make it: what to
 * do (`kind` and its settings), to which requests (`operations`,
 * `consumers`, `tiers`, `percent`), and for how long (`ttl`: the fault
 * removes itself after it, so a lost controller never leaves a service
 * broken).
 */
export type FaultAction =
  /** Adds `addMs` (plus up to ±`jitterMs`) before the request goes on; `factor` stretches the upstream's own time (5 = five times as slow). */
  | { kind: 'latency'; addMs: number; factor: number; jitterMs: number }
  /** Answers `status` itself; `body` when given, else the operation's own example for that status, else problem+json. */
  | { kind: 'error'; status: number; body?: unknown; contentType?: string }
  /** Resets the client's connection before any answer. */
  | { kind: 'reset' }
  /** Holds the request for `afterMs`, then answers 504, as a gateway whose upstream never answered. */
  | { kind: 'timeout'; afterMs: number }
  /** Sends the status line, the headers and the first `keep` share of the body, then closes the connection. */
  | { kind: 'truncate'; keep: number }
  /** Sends the response body at `bytesPerSecond`. */
  | { kind: 'bandwidth'; bytesPerSecond: number }
  /** Answers 502 as if the upstream refused connections; nothing is forwarded. */
  | { kind: 'unavailable' };

export type FaultKind = FaultAction['kind'];
export const FAULT_KINDS: readonly FaultKind[] = ['latency', 'error', 'reset', 'timeout', 'truncate', 'bandwidth', 'unavailable'];

/** Which requests a fault may touch: all the lists that are given must match; `percent` of those. */
export interface FaultScope {
  operations?: string[];
  consumers?: string[];
  tiers?: string[];
  /** Share (0-100) of the requests in scope the fault touches, chosen evenly at seeded random places. */
  percent: number;
}

export interface FaultSpec {
  action: FaultAction;
  scope: FaultScope;
  ttlMs: number;
  seed: number;
  /** Free text shown in listings and reports, e.g. `gameday step 3`. */
  label?: string;
}

/** A fault lives at most this long: a typo'd TTL must not leave a service broken for a week. */
export const MAX_TTL_MS = 24 * 3_600_000;
export const DEFAULT_TTL_MS = 5 * 60_000;
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Active faults per proxy or mock: each request looks at every one. */
export const MAX_FAULTS = 100;

const COMMON_KEYS = ['kind', 'operations', 'consumers', 'tiers', 'percent', 'ttl', 'seed', 'label'];
const KEYS: Record<FaultKind, string[]> = {
  latency: ['add', 'factor', 'jitter'],
  error: ['status', 'body', 'contentType'],
  reset: [],
  timeout: ['after'],
  truncate: ['keep'],
  bandwidth: ['rate'],
  unavailable: [],
};

/** An error fault's body is written as it is given: a few levels deep is plenty, thousands would exhaust the stack. */
const MAX_BODY_DEPTH = 32;
/** `type/subtype` and parameters, no control characters: the value becomes a header. */
const MEDIA_TYPE = /^[\w.+-]+\/[\w.+-]+(\s*;\s*[\w.+-]+=("[^"\r\n]*"|[\w.+-]+))*$/;

/** How deep a JSON value nests, without recursion (a hostile body may nest 30,000 levels). */
function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    deepest = Math.max(deepest, d);
    if (deepest > MAX_BODY_DEPTH) return deepest;
    for (const child of Object.values(v as Record<string, unknown>)) stack.push([child, d + 1]);
  }
  return deepest;
}

/** A fault's own words for what went wrong: where (`faults[2].ttl`) and what to write instead. */
function bad(where: string, message: string, hint: string): never {
  throw new SwornError('SWORN_ERR_FAULT', `${where}: ${message}`, { hint });
}

/**
 * Reads one fault from JSON (the body of `POST /faults`):
 * `{"kind": "latency", "add": "200ms", "jitter": "50ms", "operations": ["createPayment"], "consumers": ["checkout"], "percent": 10, "ttl": "2m"}`.
 * Durations are x-slo durations (`250ms`, `2m`) or milliseconds as numbers.
 */
export function parseFault(input: unknown, where = 'fault'): FaultSpec {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) bad(where, 'a fault is an object', 'Send e.g. {"kind": "error", "status": 503, "percent": 10, "ttl": "2m"}.');
  const o = input as Record<string, unknown>;
  const kind = o.kind;
  if (typeof kind !== 'string' || !FAULT_KINDS.includes(kind as FaultKind)) {
    const guess = typeof kind === 'string' ? closest(kind, [...FAULT_KINDS]) : undefined;
    bad(`${where}.kind`, kind === undefined ? 'missing' : `${JSON.stringify(kind)} is not a fault kind`, `${guess ? `Did you mean "${guess}"? ` : ''}Kinds: ${FAULT_KINDS.join(', ')}.`);
  }
  const k = kind as FaultKind;
  const allowed = [...COMMON_KEYS, ...KEYS[k]];
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key)) bad(`${where}.${key}`, `not a setting of ${article(k)} ${k} fault`, `${closest(key, allowed) ? `Did you mean "${closest(key, allowed)}"? ` : ''}${article(k) === 'an' ? 'An' : 'A'} ${k} fault takes: ${allowed.join(', ')}.`);
  }
  return {
    action: actionOf(k, o, where),
    scope: {
      ...names(o, 'operations', where),
      ...names(o, 'consumers', where),
      ...names(o, 'tiers', where),
      percent: o.percent === undefined ? 100 : share(o.percent, `${where}.percent`),
    },
    ttlMs: o.ttl === undefined ? DEFAULT_TTL_MS : ttl(o.ttl, `${where}.ttl`),
    seed: o.seed === undefined ? 1 : integer(o.seed, `${where}.seed`, 0, 2 ** 31),
    ...(o.label !== undefined ? { label: text(o.label, `${where}.label`) } : {}),
  };
}

const article = (word: string) => (/^[aeiou]/.test(word) ? 'an' : 'a');

/** A fault as `POST /faults` takes it: the inverse of `parseFault` (`parseFault(faultJson(f))` equals `f`). */
export function faultJson(f: FaultSpec): Record<string, unknown> {
  const a = f.action;
  const settings: Record<string, unknown> =
    a.kind === 'latency' ? { add: a.addMs, factor: a.factor, jitter: a.jitterMs }
      : a.kind === 'error' ? { status: a.status, ...(a.body !== undefined ? { body: a.body } : {}), ...(a.contentType !== undefined ? { contentType: a.contentType } : {}) }
        : a.kind === 'timeout' ? { after: a.afterMs }
          : a.kind === 'truncate' ? { keep: a.keep }
            : a.kind === 'bandwidth' ? { rate: a.bytesPerSecond }
              : {};
  return { kind: a.kind, ...settings, ...f.scope, ttl: f.ttlMs, seed: f.seed, ...(f.label !== undefined ? { label: f.label } : {}) };
}

function actionOf(kind: FaultKind, o: Record<string, unknown>, where: string): FaultAction {
  switch (kind) {
    case 'latency': {
      const addMs = o.add === undefined ? 0 : duration(o.add, `${where}.add`);
      const factor = o.factor === undefined ? 1 : factorOf(o.factor, `${where}.factor`);
      if (addMs === 0 && factor === 1) bad(where, 'a latency fault needs `add` (e.g. "200ms") or `factor` (e.g. 5)', 'Write e.g. {"kind": "latency", "add": "200ms"} or {"kind": "latency", "factor": 5}.');
      const jitterMs = o.jitter === undefined ? 0 : duration(o.jitter, `${where}.jitter`);
      return { kind, addMs, factor, jitterMs };
    }
    case 'error': {
      const status = o.status === undefined ? 503 : integer(o.status, `${where}.status`, 400, 599);
      if (o.body !== undefined && depthOf(o.body) > MAX_BODY_DEPTH) bad(`${where}.body`, `nested deeper than ${MAX_BODY_DEPTH} levels`, 'Give the error answer a plain body (an object a few levels deep, or a string).');
      if (o.contentType !== undefined && (typeof o.contentType !== 'string' || !MEDIA_TYPE.test(o.contentType))) bad(`${where}.contentType`, `${JSON.stringify(o.contentType)} is not a media type`, 'Write e.g. "application/json" or "text/plain; charset=utf-8".');
      return { kind, status, ...(o.body !== undefined ? { body: o.body } : {}), ...(o.contentType !== undefined ? { contentType: o.contentType as string } : {}) };
    }
    case 'timeout':
      return { kind, afterMs: o.after === undefined ? DEFAULT_TIMEOUT_MS : duration(o.after, `${where}.after`) };
    case 'truncate': {
      const keep = o.keep === undefined ? 0.5 : Number(o.keep);
      if (typeof o.keep !== 'undefined' && (typeof o.keep !== 'number' || !(keep >= 0 && keep < 1))) bad(`${where}.keep`, `${JSON.stringify(o.keep)} is not a share of the body below 1`, 'Write the share of body bytes sent before the connection closes, e.g. 0.5.');
      return { kind, keep };
    }
    case 'bandwidth':
      return { kind, bytesPerSecond: rate(o.rate, `${where}.rate`) };
    case 'reset':
    case 'unavailable':
      return { kind };
  }
}

function names(o: Record<string, unknown>, key: 'operations' | 'consumers' | 'tiers', where: string): Partial<FaultScope> {
  const v = o[key];
  if (v === undefined) return {};
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.length === 0 || list.some((x) => typeof x !== 'string' || x === '' || x.length > 200)) bad(`${where}.${key}`, 'a list of names', `Write e.g. "${key}": ["${key === 'operations' ? 'createPayment' : key === 'consumers' ? 'checkout' : 'gold'}"], or leave it out for all.`);
  return { [key]: [...new Set(list as string[])] };
}

/** 10, "10%" or "10 %": a percentage from 0 to 100. */
export function share(v: unknown, where: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+(\.\d+)?\s*%?\s*$/.test(v) ? Number.parseFloat(v) : Number.NaN;
  if (!(n >= 0 && n <= 100)) bad(where, `${JSON.stringify(v)} is not a percentage from 0 to 100`, 'Write e.g. 10 or "10%".');
  return n;
}

function duration(v: unknown, where: string): number {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_TTL_MS) return v;
  const d = typeof v === 'string' ? parseDuration(v.trim().replace(/^\+/, '')) : undefined;
  if (!d || d.ms > MAX_TTL_MS) bad(where, `${JSON.stringify(v)} is not a duration up to 24h`, 'Write e.g. "200ms", "2s" or "2m" (or milliseconds as a number).');
  return d.ms;
}

function ttl(v: unknown, where: string): number {
  const ms = duration(v, where);
  if (ms <= 0) bad(where, 'a fault needs a time to live above 0', `Write e.g. "2m"; faults live at most ${formatDuration(MAX_TTL_MS)}.`);
  return ms;
}

function factorOf(v: unknown, where: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+(\.\d+)?\s*x?\s*$/i.test(v) ? Number.parseFloat(v) : Number.NaN;
  if (!(n >= 1 && n <= 1000)) bad(where, `${JSON.stringify(v)} is not a slow-down factor from 1 to 1000`, 'Write e.g. 5 (or "5x"): five times the upstream\'s own time.');
  return n;
}

const RATE_UNITS: Record<string, number> = { b: 1, kb: 1_000, kib: 1_024, mb: 1_000_000, mib: 1_048_576 };

/** 16384, "16KB/s", "1MiB/s": bytes a second, at least 1. */
function rate(v: unknown, where: string): number {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 1) return v;
  const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib)?(?:\/s)?\s*$/i.exec(v) : null;
  const n = m ? Number(m[1]) * (RATE_UNITS[(m[2] ?? 'b').toLowerCase()] ?? 1) : Number.NaN;
  if (!(n >= 1)) bad(where, `${JSON.stringify(v)} is not a rate`, 'Write bytes a second, e.g. "16KB/s", "1MiB/s" or 16384.');
  return n;
}

function integer(v: unknown, where: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(where, `${JSON.stringify(v)} is not a whole number from ${min} to ${max}`, `Write a number from ${min} to ${max}.`);
  return v;
}

function text(v: unknown, where: string): string {
  if (typeof v !== 'string' || v.length > 200) bad(where, 'a short text (up to 200 characters)', 'Write e.g. "gameday step 2".');
  return v;
}

/** What a fault does, in words: `latency +200ms ±50ms`, `error 503`, `bandwidth 16000 B/s`. */
export function describeAction(a: FaultAction): string {
  switch (a.kind) {
    case 'latency':
      return ['latency', a.addMs > 0 ? `+${formatDuration(a.addMs)}` : '', a.factor !== 1 ? `${a.factor}x` : '', a.jitterMs > 0 ? `±${formatDuration(a.jitterMs)}` : ''].filter(Boolean).join(' ');
    case 'error':
      return `error ${a.status}`;
    case 'timeout':
      return `timeout after ${formatDuration(a.afterMs)}`;
    case 'truncate':
      return `truncate at ${Number((a.keep * 100).toPrecision(6))}% of the body`;
    case 'bandwidth':
      return `bandwidth ${Math.round(a.bytesPerSecond)} B/s`;
    default:
      return a.kind;
  }
}

/** Scope in words: `createPayment · consumer checkout · 10%`. */
export function describeScope(s: FaultScope): string {
  const parts = [s.operations ? s.operations.join(', ') : 'every operation'];
  if (s.consumers) parts.push(`consumer${s.consumers.length > 1 ? 's' : ''} ${s.consumers.join(', ')}`);
  if (s.tiers) parts.push(`tier${s.tiers.length > 1 ? 's' : ''} ${s.tiers.join(', ')}`);
  parts.push(`${s.percent}%`);
  return parts.join(' · ');
}
