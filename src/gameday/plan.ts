import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve as resolvePath } from 'node:path';
import { closest, distance } from 'fastest-levenshtein';
import { SwornError, type SourceLocation } from '../errors.js';
import { MAX_TTL_MS, parseFault, type FaultSpec } from '../faults/model.js';
import { formatDuration, parseDuration } from '../slo/duration.js';
import { appendPointer } from '../spec/pointer.js';
import { SourceFile } from '../spec/source-file.js';
import type { AbortCriteria, BlastRadius, Drive, HypothesisSource, Plan, PlanStep, PromiseRef, Target } from './types.js';

/** A plan escalates in at most this many steps. */
export const MAX_STEPS = 50;
/** Promises a hypothesis may name. */
export const MAX_PROMISES = 50;
/** The fastest built-in traffic a plan may ask for. */
export const MAX_TRAFFIC_PER_SECOND = 10_000;
/** Steady state measured before step 1 when the plan does not say. */
export const DEFAULT_BASELINE_MS = 30_000;
/** The least margin a fault outlives its step by. */
export const MIN_TTL_MARGIN_MS = 30_000;
const MAX_TITLE = 120;
const MAX_SEED = 2 ** 31 - MAX_STEPS - 1;

/**
 * How long a step's faults live on the proxy: the step's duration plus a
 * margin of half the step, at least 30s, and 24h at most in all. The
 * controller removes them when the step ends; the TTL only matters when the
 * controller is gone (killed, lost), so a fault never outlives it by much.
 */
export function faultTtlMs(durationMs: number): number {
  return Math.min(MAX_TTL_MS, durationMs + Math.max(MIN_TTL_MARGIN_MS, durationMs / 2));
}

export interface PlanOptions {
  /** Where `${NAME}` in tokens is read from; `process.env` when not given. */
  env?: Record<string, string | undefined>;
}

const TOP_KEYS = ['gameday', 'hypothesis', 'target', 'blastRadius', 'drive', 'steps', 'abort', 'between', 'baseline', 'seed'];
const HYPOTHESIS_KEYS = ['promises'];
const SOURCE_KINDS = ['proxy', 'prometheus', 'store'] as const;
const SOURCE_KEYS: Record<(typeof SOURCE_KINDS)[number], string[]> = {
  proxy: ['proxy', 'consumer', 'operations', 'token'],
  prometheus: ['prometheus', 'service', 'consumer', 'operations'],
  store: ['store', 'spec', 'flushInterval', 'consumer', 'operations'],
};
const TARGET_KINDS = ['proxy', 'mock'] as const;
const TARGET_KEYS: Record<(typeof TARGET_KINDS)[number], string[]> = { proxy: ['proxy', 'token'], mock: ['mock'] };
const BLAST_KEYS = ['consumers', 'operations', 'tiers', 'percent'];
const DRIVE_KEYS = ['traffic', 'command', 'timeout'];
const TRAFFIC_KEYS = ['rate', 'spec', 'url'];
const FAULT_KEYS = ['latency', 'error', 'reset', 'timeout', 'truncate', 'bandwidth', 'unavailable'] as const;
type FaultKey = (typeof FAULT_KEYS)[number];
const STEP_KEYS = [...FAULT_KEYS, 'jitter', 'for'];
const RATE_KEYS: Partial<Record<FaultKey, string[]>> = { error: ['rate', 'status', 'body', 'contentType'], timeout: ['rate', 'after'], truncate: ['rate', 'keep'] };
const ABORT_KEYS = ['burnRate', 'availabilityBelow', 'onCommandFailure'];
const BURN_KEYS = ['factor', 'window'];
const HINT = 'See docs/gameday.md#the-plan for every key of a plan.';
const DURATION_HINT = 'Write an x-slo duration with its unit, e.g. "500ms", "30s", "2m" or "1h30m".';

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'a list' : isMap(v) ? 'a map' : typeof v === 'string' ? `the text ${JSON.stringify(v)}` : `${typeof v} ${JSON.stringify(v)}`);
/** Numbers as plain as they can be written: 0.2, not 0.20000000000000001. */
const tidy = (n: number): number => Number(n.toPrecision(12));

/** `Did you mean \`latency\`? ` when a known key is near enough to be the one meant, else nothing. */
function didYouMean(key: string, known: readonly string[]): string {
  if (known.length === 0) return '';
  const guess = closest(key, [...known]);
  return distance(key.toLowerCase(), guess.toLowerCase()) <= Math.max(2, Math.floor(key.length / 2)) ? `Did you mean \`${guess}\`? ` : '';
}

/**
 * Reads a game-day plan (YAML or JSON, docs/gameday.md#the-plan) and checks
 * every key: each problem is SWORN_ERR_GAMEDAY at its file:line:column and
 * JSON pointer, with what to write instead. Paths are resolved against the
 * plan's folder; tokens written `${NAME}` are read from the environment.
 * Each step becomes the faults to add, already scoped by the blast radius
 * and checked by the fault model (`parseFault`).
 *
 * @example
 * const plan = parsePlan('gameday: drill\nhypothesis: ...', 'plans/drill.yaml');
 * plan.steps[0].faults; // FaultSpec[] ready for POST /faults
 */
export function parsePlan(text: string, file: string, options: PlanOptions = {}): Plan {
  return new PlanReader(text, file, options.env ?? process.env).read();
}

/** Reads the plan file and parses it (`parsePlan`); an unreadable file is SWORN_ERR_GAMEDAY too. */
export async function loadPlan(file: string, options: PlanOptions = {}): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
    throw new SwornError('SWORN_ERR_GAMEDAY', `cannot read the game-day plan ${file}${missing ? ': no such file' : `: ${(cause as Error).message}`}`, {
      cause,
      hint: 'Check the path to the plan; it is resolved against the current directory.',
    });
  }
  return parsePlan(text, file, options);
}

class PlanReader {
  private readonly source: SourceFile;
  private readonly folder: string;

  constructor(text: string, private readonly file: string, private readonly env: Record<string, string | undefined>) {
    this.folder = dirname(resolvePath(file));
    try {
      this.source = SourceFile.parse(resolvePath(file), file, text);
    } catch (error) {
      if (error instanceof SwornError) {
        throw new SwornError('SWORN_ERR_GAMEDAY', `the plan is not well-formed: ${error.message}`, {
          ...(error.location ? { location: error.location } : {}),
          cause: error,
          hint: 'Fix the YAML (or JSON) syntax at that line.',
        });
      }
      throw error;
    }
  }

  private at(pointer: string): SourceLocation {
    return this.source.locate(pointer);
  }

  private fail(pointer: string, message: string, hint = HINT): never {
    throw new SwornError('SWORN_ERR_GAMEDAY', message, { location: this.at(pointer), hint });
  }

  /** Unknown keys of a map: the nearest known one is suggested. */
  private keys(o: Json, pointer: string, known: readonly string[], what: string): void {
    for (const key of Object.keys(o)) {
      if (!known.includes(key)) this.fail(appendPointer(pointer, key), `${what}: unknown key \`${key}\``, `${didYouMean(key, known)}${what} takes: ${known.join(', ')}.`);
    }
  }

  private map(v: unknown, pointer: string, what: string, example: string): Json {
    if (!isMap(v)) this.fail(pointer, `${what} must be a map, not ${kindOf(v)}`, `Write e.g. ${example}.`);
    return v;
  }

  private text(v: unknown, pointer: string, what: string, example: string, max = 2_000): string {
    if (typeof v !== 'string' || v.trim() === '') this.fail(pointer, `${what} must be a non-empty text, not ${kindOf(v)}`, `Write e.g. ${example}.`);
    if (v.length > max) this.fail(pointer, `${what} is longer than ${max} characters`, `Write a shorter ${what}.`);
    return v.trim();
  }

  private names(v: unknown, pointer: string, what: string, example: string, owner?: string): string[] {
    const said = owner ? `${owner}: \`${what}\`` : `\`${what}\``;
    if (!Array.isArray(v)) this.fail(pointer, `${said} must be a list of names, not ${kindOf(v)}`, `Write e.g. ${what}: [${example}] (a list, even of one), or leave it out.`);
    if (v.length === 0) this.fail(pointer, `${said} is an empty list`, `Name at least one (e.g. [${example}]), or leave ${what} out for all.`);
    v.forEach((name, i) => {
      if (typeof name !== 'string' || name.trim() === '' || name.length > 200) this.fail(appendPointer(pointer, i), `${said}: item ${i + 1} must be a name, not ${kindOf(name)}`, `Write e.g. ${what}: [${example}].`);
    });
    return [...new Set((v as string[]).map((name) => name.trim()))];
  }

  private url(v: unknown, pointer: string, what: string, example: string): string {
    const text = this.text(v, pointer, what, example);
    let parsed: URL | undefined;
    try {
      parsed = new URL(text);
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) this.fail(pointer, `${what}: ${JSON.stringify(text)} is not an http(s) URL`, `Write the full URL, e.g. ${example}.`);
    return text;
  }

  /** A path relative to the plan's folder, made absolute; it must exist. */
  private path(v: unknown, pointer: string, what: string, example: string): string {
    const text = this.text(v, pointer, what, example);
    const absolute = resolvePath(this.folder, text);
    if (!existsSync(absolute)) this.fail(pointer, `${what}: ${text} does not exist (looked for ${absolute})`, 'Paths in a plan are relative to the folder of the plan file.');
    return absolute;
  }

  /** A token as written, with each `${NAME}` read from the environment (so the plan holds no secret). */
  private token(v: unknown, pointer: string, what: string): string {
    const example = '"${SWORN_ADMIN_TOKEN}" (read from that environment variable)';
    const text = this.text(v, pointer, what, example);
    if (text.replace(/\$\{[^}]*\}/g, '').includes('${')) this.fail(pointer, `${what}: \`\${\` without its closing \`}\``, `Write e.g. ${example}.`);
    return text.replace(/\$\{([^}]*)\}/g, (_whole, name: string) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) this.fail(pointer, `${what}: \`\${${name}}\` is not an environment variable name`, `Write e.g. ${example}.`);
      const value = this.env[name];
      if (value === undefined || value === '') this.fail(pointer, `${what}: the environment variable ${name} is not set`, `Set ${name} before running the game day (export ${name}=...); the plan reads the token from it so the file holds no secret.`);
      return value;
    });
  }

  /** A percentage: 10, "10%" or "10"; above 0 (unless `zero`) and at most 100. */
  private percent(v: unknown, pointer: string, what: string, zero = false): number {
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+(\.\d+)?\s*%?\s*$/.test(v) ? Number.parseFloat(v) : Number.NaN;
    if (!Number.isFinite(n)) this.fail(pointer, `${what}: ${JSON.stringify(v)} is not a percentage`, 'Write a percentage, e.g. 10 or "10%" (2% is 2, not 0.02).');
    if (n > 100 || n < 0 || (!zero && n === 0)) this.fail(pointer, `${what}: ${JSON.stringify(v)} is not a percentage ${zero ? 'from 0' : 'above 0 and'} up to 100`, 'Write a percentage, e.g. 10 or "10%".');
    return n;
  }

  /** An x-slo duration (`2m`); 0 (written 0 or "0s") only where `zero` allows it; 24h at most. */
  private duration(v: unknown, pointer: string, what: string, zero = false): number {
    if (v === 0 && zero) return 0;
    const d = typeof v === 'string' ? parseDuration(v.trim()) : undefined;
    if (!d) this.fail(pointer, `${what}: ${typeof v === 'number' ? `${v} has no unit` : `${JSON.stringify(v)} is not a duration`}`, DURATION_HINT);
    if (d.ms > MAX_TTL_MS) this.fail(pointer, `${what}: ${JSON.stringify(v)} is longer than 24h`, 'A game day is bounded: write at most "24h".');
    if (d.ms === 0 && !zero) this.fail(pointer, `${what}: ${JSON.stringify(v)} is no time at all`, `${DURATION_HINT} Above 0.`);
    return d.ms;
  }

  read(): Plan {
    const root = this.source.value;
    if (root === undefined || root === null) this.fail('', 'the plan is empty', 'Write a plan with gameday, hypothesis, target and steps; see docs/gameday.md#examples.');
    const o = this.map(root, '', 'the plan', 'gameday: TITLE, hypothesis, target, steps');
    this.keys(o, '', TOP_KEYS, 'the plan');
    if (o.gameday === undefined) this.fail('', 'the plan has no `gameday` title', 'Write e.g. `gameday: payments degradation, checkout canary` at the top.');
    const title = this.text(o.gameday, '/gameday', '`gameday` (the title)', '`gameday: payments degradation`', MAX_TITLE);

    const hypothesis = this.hypothesis(o.hypothesis);
    const target = this.target(o.target);
    const blastRadius = this.blastRadius(o.blastRadius);
    const drive = this.drive(o.drive);
    const seed = o.seed === undefined ? 1 : this.seed(o.seed);
    const steps = this.steps(o.steps, { title, blastRadius, seed });
    const abort = this.abort(o.abort, drive);
    const betweenMs = o.between === undefined || o.between === null ? 0 : this.duration(o.between, '/between', '`between`', true);
    const baselineMs = o.baseline === undefined || o.baseline === null ? DEFAULT_BASELINE_MS : this.duration(o.baseline, '/baseline', '`baseline`');
    return { title, file: this.file, hypothesis, target, blastRadius, drive, steps, abort, betweenMs, baselineMs, seed };
  }

  private seed(v: unknown): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_SEED) this.fail('/seed', `\`seed\`: ${JSON.stringify(v)} is not a whole number from 0 to ${MAX_SEED}`, 'Write e.g. `seed: 7`; the same seed makes the same requests fail.');
    return v;
  }

  private hypothesis(v: unknown): PromiseRef[] {
    const example = '`hypothesis: {promises: [{proxy: http://127.0.0.1:9464, consumer: checkout}]}`';
    if (v === undefined) this.fail('', 'the plan has no `hypothesis`: the promises that must hold', `Write e.g. ${example}.`);
    const h = this.map(v, '/hypothesis', '`hypothesis`', example);
    this.keys(h, '/hypothesis', HYPOTHESIS_KEYS, '`hypothesis`');
    const list = h.promises;
    if (list === undefined) this.fail('/hypothesis', '`hypothesis` names no `promises`', `Write e.g. ${example}.`);
    if (!Array.isArray(list)) this.fail('/hypothesis/promises', `\`hypothesis.promises\` must be a list, not ${kindOf(list)}`, `Write e.g. ${example}.`);
    if (list.length === 0) this.fail('/hypothesis/promises', '`hypothesis.promises` is empty: a game day needs a steady state to judge', `Write e.g. ${example}.`);
    if (list.length > MAX_PROMISES) this.fail('/hypothesis/promises', `\`hypothesis.promises\` names ${list.length} promises; at most ${MAX_PROMISES}`, 'Name the consumers and operations the game day is about.');
    return list.map((raw, i) => this.promise(raw, appendPointer('/hypothesis/promises', i), i));
  }

  private promise(raw: unknown, pointer: string, i: number): PromiseRef {
    const what = `promise ${i + 1}`;
    const example = '{proxy: http://127.0.0.1:9464, consumer: checkout, operations: [createOrder]}, {prometheus: http://prom:9090, service: orders} or {store: sworn.db}';
    const p = this.map(raw, pointer, what, example);
    const kinds = SOURCE_KINDS.filter((k) => p[k] !== undefined);
    if (kinds.length === 0) {
      const near = Object.keys(p).map((key) => didYouMean(key, SOURCE_KINDS)).find(Boolean) ?? '';
      this.fail(pointer, `${what} does not say where its figures are read: give one of proxy, prometheus or store`, `${near}Write e.g. ${example}.`);
    }
    if (kinds.length > 1) this.fail(appendPointer(pointer, kinds[1] as string), `${what} gives both ${kinds[0]} and ${kinds[1]}: one source a promise`, 'Write one promise per source.');
    const kind = kinds[0] as (typeof SOURCE_KINDS)[number];
    this.keys(p, pointer, SOURCE_KEYS[kind], `${what} (read from ${kind})`);
    let source: HypothesisSource;
    if (kind === 'proxy') {
      // `proxy: target`: the target's own admin port (also the proxy sworn starts in front of a `target: {mock}`).
      const url = p.proxy === 'target' ? 'target' : this.url(p.proxy, appendPointer(pointer, 'proxy'), `${what}: \`proxy\``, 'http://127.0.0.1:9464 (the proxy\'s admin URL), or `target` for the target\'s own');
      source = { proxy: url, ...(p.token !== undefined ? { token: this.token(p.token, appendPointer(pointer, 'token'), `${what}: \`token\``) } : {}) };
    } else if (kind === 'prometheus') {
      const url = this.url(p.prometheus, appendPointer(pointer, 'prometheus'), `${what}: \`prometheus\``, 'http://prom:9090');
      source = { prometheus: url, ...(p.service !== undefined ? { service: this.text(p.service, appendPointer(pointer, 'service'), `${what}: \`service\``, 'service: orders', 200) } : {}) };
    } else {
      // Several pods' stores (one each) add up: `store: [pod-a.db, pod-b.db]`.
      const at = appendPointer(pointer, 'store');
      const stores = Array.isArray(p.store) ? p.store : [p.store];
      if (stores.length === 0) this.fail(at, `${what}: \`store\` is an empty list`, 'Name the store file each proxy writes, e.g. store: sworn.db or store: [pod-a.db, pod-b.db].');
      if (stores.length > MAX_PROMISES) this.fail(at, `${what}: \`store\` names ${stores.length} files; at most ${MAX_PROMISES}`, 'Read a large fleet from Prometheus ({prometheus: URL, service: NAME}).');
      const paths = stores.map((f, j) => this.path(f, Array.isArray(p.store) ? appendPointer(at, j) : at, `${what}: \`store\``, 'store: sworn.db'));
      const flush = p.flushInterval === undefined ? undefined : this.duration(p.flushInterval, appendPointer(pointer, 'flushInterval'), `${what}: \`flushInterval\``);
      if (flush !== undefined && flush > 60_000) this.fail(appendPointer(pointer, 'flushInterval'), `${what}: \`flushInterval\` ${JSON.stringify(p.flushInterval)} is over a minute: a phase would be judged a minute late`, 'Give the proxies\' --flush-interval (1s by default), or read the promises from the proxies themselves ({proxy: URL}).');
      source = { store: paths, ...(flush !== undefined ? { flushIntervalMs: flush } : {}), ...(p.spec !== undefined ? { spec: this.path(p.spec, appendPointer(pointer, 'spec'), `${what}: \`spec\``, 'spec: api.yaml (the spec the proxies check; by default the one the store recorded)') } : {}) };
    }
    return {
      source,
      ...(p.consumer !== undefined ? { consumer: this.text(p.consumer, appendPointer(pointer, 'consumer'), `${what}: \`consumer\``, 'consumer: checkout', 200) } : {}),
      ...(p.operations !== undefined ? { operations: this.names(p.operations, appendPointer(pointer, 'operations'), 'operations', 'createOrder', what) } : {}),
      location: this.at(pointer),
    };
  }

  private target(v: unknown): Target {
    const example = '`target: {proxy: http://127.0.0.1:9474}` (a sworn proxy\'s admin URL) or `target: {mock: specs/payments.yaml}`';
    if (v === undefined) this.fail('', 'the plan has no `target`: where the faults go', `Write e.g. ${example}.`);
    const t = this.map(v, '/target', '`target`', example);
    const kinds = TARGET_KINDS.filter((k) => t[k] !== undefined);
    if (kinds.length === 0) {
      const first = Object.keys(t)[0];
      if (first === undefined) this.fail('/target', '`target` is empty', `Write e.g. ${example}.`);
      this.fail(appendPointer('/target', first), `\`target\`: unknown target kind \`${first}\``, `${didYouMean(first, TARGET_KINDS)}A target is a proxy (its admin URL) or a mock (a spec file): ${example}.`);
    }
    if (kinds.length > 1) this.fail('/target/mock', '`target` gives both proxy and mock: faults go to one place', `Write one of ${example}.`);
    const kind = kinds[0] as (typeof TARGET_KINDS)[number];
    this.keys(t, '/target', TARGET_KEYS[kind], `\`target\` (${kind})`);
    if (kind === 'mock') return { mock: this.path(t.mock, '/target/mock', '`target.mock`', '`mock: specs/payments.yaml` (the spec the mock serves)') };
    return {
      proxy: this.url(t.proxy, '/target/proxy', '`target.proxy`', 'http://127.0.0.1:9474 (the proxy\'s admin URL)'),
      ...(t.token !== undefined ? { token: this.token(t.token, '/target/token', '`target.token`') } : {}),
    };
  }

  private blastRadius(v: unknown): BlastRadius {
    if (v === undefined || v === null) return { percent: 100 };
    const b = this.map(v, '/blastRadius', '`blastRadius`', '`blastRadius: {consumers: [checkout], operations: [createPayment], percent: 10}`');
    this.keys(b, '/blastRadius', BLAST_KEYS, '`blastRadius`');
    return {
      ...(b.consumers !== undefined ? { consumers: this.names(b.consumers, '/blastRadius/consumers', 'consumers', 'checkout', '`blastRadius`') } : {}),
      ...(b.operations !== undefined ? { operations: this.names(b.operations, '/blastRadius/operations', 'operations', 'createPayment', '`blastRadius`') } : {}),
      ...(b.tiers !== undefined ? { tiers: this.names(b.tiers, '/blastRadius/tiers', 'tiers', 'free', '`blastRadius`') } : {}),
      percent: b.percent === undefined ? 100 : this.percent(b.percent, '/blastRadius/percent', '`blastRadius.percent`'),
    };
  }

  private drive(v: unknown): Drive {
    if (v === undefined || v === null) return { none: true };
    const example = '`drive: {traffic: {rate: 50/s}}` or `drive: {command: "npm test", timeout: 5m}`';
    const d = this.map(v, '/drive', '`drive`', example);
    this.keys(d, '/drive', DRIVE_KEYS, '`drive`');
    if (d.traffic !== undefined && d.command !== undefined) this.fail('/drive/command', '`drive` gives both traffic and command: one driver a plan', `Write one of ${example}.`);
    if (d.traffic !== undefined) {
      if (d.timeout !== undefined) this.fail('/drive/timeout', '`drive.timeout` is the time limit of a command; built-in traffic has none', 'Leave `timeout` out, or drive with `command`.');
      const t = this.map(d.traffic, '/drive/traffic', '`drive.traffic`', '`traffic: {rate: 50/s}`');
      this.keys(t, '/drive/traffic', TRAFFIC_KEYS, '`drive.traffic`');
      if (t.rate === undefined) this.fail('/drive/traffic', '`drive.traffic` has no `rate`', 'Write e.g. `traffic: {rate: 50/s}` (or 3000/m).');
      return {
        traffic: {
          perSecond: this.rate(t.rate, '/drive/traffic/rate'),
          ...(t.spec !== undefined ? { spec: this.path(t.spec, '/drive/traffic/spec', '`drive.traffic.spec`', 'specs/payments.yaml') } : {}),
          ...(t.url !== undefined ? { url: this.url(t.url, '/drive/traffic/url', '`drive.traffic.url`', 'http://127.0.0.1:8000 (where the proxy listens for consumers)') } : {}),
        },
      };
    }
    if (d.command !== undefined) {
      const command = this.text(d.command, '/drive/command', '`drive.command`', '`command: "npm test"` (the consumer\'s own suite, run once per step)');
      return { command, ...(d.timeout !== undefined ? { timeoutMs: this.duration(d.timeout, '/drive/timeout', '`drive.timeout`') } : {}) };
    }
    return this.fail('/drive', '`drive` names no driver', `Write e.g. ${example}, or leave \`drive\` out when something else makes the traffic.`);
  }

  /** Requests a second: 50, "50", "50/s", "3000/m", "180000/h". */
  private rate(v: unknown, pointer: string): number {
    const per: Record<string, number> = { s: 1, sec: 1, m: 60, min: 60, h: 3_600 };
    const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*(s|sec|m|min|h))?\s*$/i.exec(v) : null;
    const n = typeof v === 'number' ? v : m ? Number(m[1]) / (per[(m[2] ?? 's').toLowerCase()] ?? 1) : Number.NaN;
    if (!Number.isFinite(n) || n <= 0) this.fail(pointer, `\`drive.traffic.rate\`: ${JSON.stringify(v)} is not a rate of requests`, 'Write requests a second or a minute, e.g. 50/s, 3000/m or 50.');
    if (n > MAX_TRAFFIC_PER_SECOND) this.fail(pointer, `\`drive.traffic.rate\`: ${JSON.stringify(v)} is over ${MAX_TRAFFIC_PER_SECOND} requests a second`, `Write at most ${MAX_TRAFFIC_PER_SECOND}/s; a game day needs enough traffic to judge, not a load test.`);
    return tidy(n);
  }

  private steps(v: unknown, plan: { title: string; blastRadius: BlastRadius; seed: number }): PlanStep[] {
    const example = '`steps: [{latency: +200ms, for: 2m}, {error: 2%, for: 2m}]`';
    if (v === undefined) this.fail('', 'the plan has no `steps`', `Write e.g. ${example}.`);
    if (!Array.isArray(v)) this.fail('/steps', `\`steps\` must be a list of steps, not ${kindOf(v)}`, `Write e.g. ${example}.`);
    if (v.length === 0) this.fail('/steps', '`steps` is empty: a game day needs at least one step', `Write e.g. ${example}.`);
    if (v.length > MAX_STEPS) this.fail(appendPointer('/steps', MAX_STEPS), `\`steps\` has ${v.length} steps; at most ${MAX_STEPS}`, 'Escalate in bigger steps, or split the game day in two plans.');
    return v.map((raw, i) => this.step(raw, i + 1, plan));
  }

  /**
   * One step: its faults, scoped by the blast radius. Percentages: latency,
   * bandwidth and unavailable touch `blastRadius.percent` of the requests in
   * scope; rate-style faults (error, reset, timeout, truncate) touch their
   * rate of that share, so `error: 2%` with `percent: 10` fails 0.2% of the
   * requests in scope (2% of the 10% the game day may hurt). Each fault draws
   * on its own, so one request may get two faults of a step.
   */
  private step(raw: unknown, index: number, plan: { title: string; blastRadius: BlastRadius; seed: number }): PlanStep {
    const pointer = appendPointer('/steps', index - 1);
    const what = `step ${index}`;
    const s = this.map(raw, pointer, what, '`- {latency: +200ms, for: 2m}`');
    this.keys(s, pointer, STEP_KEYS, what);
    const kinds = Object.keys(s).filter((k): k is FaultKey => (FAULT_KEYS as readonly string[]).includes(k));
    if (kinds.length === 0) this.fail(pointer, `${what} has no fault`, `Give at least one of ${FAULT_KEYS.join(', ')}, e.g. \`{latency: +200ms, for: 2m}\`.`);
    if (s.jitter !== undefined && s.latency === undefined) this.fail(appendPointer(pointer, 'jitter'), `${what}: \`jitter\` without \`latency\``, 'Jitter varies an added latency: write e.g. `latency: +200ms, jitter: 50ms` (or `latency: +200ms±50ms`).');
    if (s.for === undefined) this.fail(pointer, `${what} has no \`for\`: how long its faults stay`, 'Write e.g. `for: 2m` in the step.');
    const durationMs = this.duration(s.for, appendPointer(pointer, 'for'), `${what}: \`for\``);
    // A fault must outlive its step by its margin, within the 24 h a fault may live at most.
    if (durationMs < 1 || durationMs + Math.max(MIN_TTL_MARGIN_MS, durationMs / 2) > MAX_TTL_MS) this.fail(appendPointer(pointer, 'for'), `${what}: \`for\` must be from 1ms to 16h (its faults live the step plus half of it, at most 24h)`, 'Split a longer experiment into several steps, e.g. `for: 8h`.');
    const { blastRadius } = plan;
    const base = {
      ...(blastRadius.operations ? { operations: blastRadius.operations } : {}),
      ...(blastRadius.consumers ? { consumers: blastRadius.consumers } : {}),
      ...(blastRadius.tiers ? { tiers: blastRadius.tiers } : {}),
      ttl: faultTtlMs(durationMs),
      seed: plan.seed + index,
      label: `gameday ${plan.title} step ${index}`,
    };
    const words: string[] = [];
    const faults: FaultSpec[] = [];
    for (const key of kinds) {
      const made = this.fault(key, s, pointer, what);
      const percent = made.rate === undefined ? blastRadius.percent : tidy((made.rate * blastRadius.percent) / 100);
      faults.push(this.checked({ ...made.fault, ...base, percent }, key, s, pointer, what));
      words.push(made.words);
    }
    return { index, summary: words.join('; '), faults, durationMs, location: this.at(pointer) };
  }

  /** The fault object (as `POST /faults` takes it, without scope) one step key makes; `rate` for the rate-style ones. */
  private fault(key: FaultKey, s: Json, stepPointer: string, what: string): { fault: Json; rate?: number; words: string } {
    const pointer = appendPointer(stepPointer, key);
    const v = s[key];
    switch (key) {
      case 'latency':
        return this.latency(v, s.jitter, pointer, appendPointer(stepPointer, 'jitter'), what);
      case 'bandwidth': {
        if (typeof v !== 'string' && typeof v !== 'number') this.fail(pointer, `${what}: \`bandwidth\` must be bytes a second, not ${kindOf(v)}`, 'Write e.g. `bandwidth: 16KB/s` (or 1MiB/s, or 16384).');
        return { fault: { kind: 'bandwidth', rate: v }, words: `bandwidth ${typeof v === 'string' ? v.trim() : `${v} B/s`}` };
      }
      case 'unavailable':
        if (v !== true) this.fail(pointer, `${what}: \`unavailable\` must be true, not ${kindOf(v)}`, 'Write `unavailable: true` (the dependency refuses every request in scope), or leave it out.');
        return { fault: { kind: 'unavailable' }, words: 'unavailable' };
      case 'reset': {
        const rate = this.percent(v, pointer, `${what}: \`reset\``);
        return { fault: { kind: 'reset' }, rate, words: `reset ${rate}%` };
      }
      default: {
        const settings = RATE_KEYS[key] as string[];
        const example = key === 'error' ? '`error: 2%` or `error: {rate: 2%, status: 500}`' : key === 'timeout' ? '`timeout: 1%` or `timeout: {rate: 1%, after: 10s}`' : '`truncate: 1%` or `truncate: {rate: 1%, keep: 0.25}`';
        if (!isMap(v)) {
          if (typeof v !== 'string' && typeof v !== 'number') this.fail(pointer, `${what}: \`${key}\` must be a share of requests or a map, not ${kindOf(v)}`, `Write e.g. ${example}.`);
          const rate = this.percent(v, pointer, `${what}: \`${key}\``);
          return { fault: { kind: key }, rate, words: `${key} ${rate}%` };
        }
        this.keys(v, pointer, settings, `${what}: \`${key}\``);
        if (v.rate === undefined) this.fail(pointer, `${what}: \`${key}\` has no \`rate\`: the share of requests it hits`, `Write e.g. ${example}.`);
        const rate = this.percent(v.rate, appendPointer(pointer, 'rate'), `${what}: \`${key}.rate\``);
        const fault: Json = { kind: key };
        const words = [`${key} ${rate}%`];
        if (key === 'error') {
          if (v.status !== undefined) {
            fault.status = v.status;
            words.push(`status ${String(v.status)}`);
          }
          if (v.body !== undefined) fault.body = v.body;
          if (v.contentType !== undefined) fault.contentType = v.contentType;
        } else if (key === 'timeout') {
          if (v.after !== undefined) {
            fault.after = v.after;
            words.push(`after ${String(v.after)}`);
          }
        } else if (v.keep !== undefined) {
          const share = typeof v.keep === 'string' && /^\s*\d+(\.\d+)?\s*%\s*$/.test(v.keep) ? Number.parseFloat(v.keep) / 100 : v.keep;
          fault.keep = share;
          words.push(`keeping ${typeof share === 'number' ? `${tidy(share * 100)}%` : String(share)} of the body`);
        }
        return { fault, rate, words: words.join(' ') };
      }
    }
  }

  /** `+200ms`, `200ms`, `5x`, with `±50ms` (or `+-50ms`) or a separate `jitter` key. */
  private latency(v: unknown, jitter: unknown, pointer: string, jitterPointer: string, what: string): { fault: Json; words: string } {
    const hint = 'Write an added delay (`latency: +200ms`), a factor of the upstream\'s own time (`latency: 5x`), optionally with jitter (`latency: +200ms±50ms`).';
    if (typeof v !== 'string') this.fail(pointer, `${what}: \`latency\` must be a text such as +200ms or 5x, not ${kindOf(v)}`, hint);
    const split = /^(.*?)\s*(?:±|\+\/-|\+-)\s*(.*)$/.exec(v.trim());
    const main = (split ? split[1] : v.trim()) as string;
    const fault: Json = { kind: 'latency' };
    const words = ['latency'];
    const factor = /^(\d+(?:\.\d+)?)\s*x$/i.exec(main);
    if (factor) {
      fault.factor = Number(factor[1]);
      words.push(`${fault.factor as number}x`);
    } else {
      const d = parseDuration(main.replace(/^\+\s*/, ''));
      if (!d || d.ms <= 0) this.fail(pointer, `${what}: \`latency\` ${JSON.stringify(v)} is neither an added delay nor a factor`, hint);
      fault.add = main.replace(/^\+\s*/, '');
      words.push(`+${formatDuration(d.ms)}`);
    }
    let jitterText: string | undefined;
    let jitterAt = pointer;
    if (split) jitterText = split[2] as string;
    if (jitter !== undefined) {
      if (split) this.fail(jitterPointer, `${what}: jitter is given twice, in \`latency\` and in \`jitter\``, 'Write it once: `latency: +200ms±50ms` or `latency: +200ms, jitter: 50ms`.');
      if (typeof jitter !== 'string') this.fail(jitterPointer, `${what}: \`jitter\` must be a duration, not ${kindOf(jitter)}`, 'Write e.g. `jitter: 50ms`.');
      jitterText = jitter.trim().replace(/^(?:±|\+\/-|\+-)\s*/, '');
      jitterAt = jitterPointer;
    }
    if (jitterText !== undefined) {
      const d = parseDuration(jitterText);
      if (!d) this.fail(jitterAt, `${what}: jitter ${JSON.stringify(jitterText)} is not a duration`, 'Write e.g. `latency: +200ms±50ms` or `jitter: 50ms`.');
      fault.jitter = jitterText;
      if (d.ms > 0) words.push(`±${formatDuration(d.ms)}`);
    }
    return { fault, words: words.join(' ') };
  }

  /** The fault model's own checks (`parseFault`), its complaint shown at the step key that made the fault. */
  private checked(fault: Json, key: FaultKey, s: Json, stepPointer: string, what: string): FaultSpec {
    try {
      return parseFault(fault, 'fault');
    } catch (error) {
      if (!(error instanceof SwornError)) throw error;
      const m = /^fault(?:\.(\w+))?: ([\s\S]*)$/.exec(error.message);
      const field = m?.[1];
      const said = m?.[2] ?? error.message;
      const v = s[key];
      let pointer = appendPointer(stepPointer, key);
      if (field === 'label') pointer = '/gameday';
      else if (field === 'jitter' && s.jitter !== undefined) pointer = appendPointer(stepPointer, 'jitter');
      else if (field !== undefined && isMap(v) && v[field] !== undefined) pointer = appendPointer(pointer, field);
      throw new SwornError('SWORN_ERR_GAMEDAY', `${what}: \`${key}\`${field && field !== 'kind' ? ` (${field})` : ''}: ${said}`, { location: this.at(pointer), cause: error, ...(error.hint !== undefined ? { hint: error.hint } : {}) });
    }
  }

  private abort(v: unknown, drive: Drive): AbortCriteria {
    const defaultOnCommand = 'command' in drive;
    if (v === undefined || v === null) return { onCommandFailure: defaultOnCommand };
    const a = this.map(v, '/abort', '`abort`', '`abort: {burnRate: {factor: 14.4, window: 5m}, availabilityBelow: 95}`');
    this.keys(a, '/abort', ABORT_KEYS, '`abort`');
    const out: AbortCriteria = { onCommandFailure: defaultOnCommand };
    if (a.burnRate !== undefined) {
      const b = this.map(a.burnRate, '/abort/burnRate', '`abort.burnRate`', '`burnRate: {factor: 14.4, window: 5m}`');
      this.keys(b, '/abort/burnRate', BURN_KEYS, '`abort.burnRate`');
      if (b.factor === undefined) this.fail('/abort/burnRate', '`abort.burnRate` has no `factor`', 'Write e.g. `burnRate: {factor: 14.4, window: 5m}`: stop when the error budget burns 14.4 times faster than it may.');
      if (typeof b.factor !== 'number' || !Number.isFinite(b.factor) || b.factor <= 0 || b.factor > 10_000) this.fail('/abort/burnRate/factor', `\`abort.burnRate.factor\`: ${JSON.stringify(b.factor)} is not a number above 0`, 'Write e.g. `factor: 14.4` (times the sustainable burn rate).');
      if (b.window === undefined) this.fail('/abort/burnRate', '`abort.burnRate` has no `window`', 'Write e.g. `burnRate: {factor: 14.4, window: 5m}`: the burn rate over the last 5 minutes.');
      out.burnRate = { factor: b.factor, windowMs: this.duration(b.window, '/abort/burnRate/window', '`abort.burnRate.window`') };
    }
    if (a.availabilityBelow !== undefined) out.availabilityBelow = this.percent(a.availabilityBelow, '/abort/availabilityBelow', '`abort.availabilityBelow`');
    if (a.onCommandFailure !== undefined) {
      if (typeof a.onCommandFailure !== 'boolean') this.fail('/abort/onCommandFailure', `\`abort.onCommandFailure\` must be true or false, not ${kindOf(a.onCommandFailure)}`, 'Write `onCommandFailure: true` (stop when the driving command fails) or false.');
      out.onCommandFailure = a.onCommandFailure;
    }
    return out;
  }
}
