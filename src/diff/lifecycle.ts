import type { OpenAPIV3 } from 'openapi-types';
import { SwornError } from '../errors.js';
import type { Spec } from '../spec/load-spec.js';
import { listOperations, type Operation } from '../spec/operations.js';
import { appendPointer } from '../spec/pointer.js';
import { follow, webhookOperations, type WebhookOperation } from './webhooks.js';

export type LifecycleSeverity = 'breaking' | 'warning' | 'info';

/** One lifecycle finding: deprecation, sunset or stability, before it is attached to an operation's label. */
export interface LifecycleChange {
  /** Stable rule id (see {@link LIFECYCLE_RULES}). */
  rule: string;
  severity: LifecycleSeverity;
  message: string;
  basePointer: string | undefined;
  headPointer: string | undefined;
  /** The id of the operation (base version's when it is in both), or undefined for none. */
  operation: string | undefined;
}

export interface LifecyclePolicy {
  /**
   * The least number of days between an operation's deprecation and its
   * sunset (or its removal). 0, the default, checks nothing.
   */
  minDeprecationDays?: number;
}

/** Every rule {@link diffLifecycle} reports, with its default severity and an example. */
export const LIFECYCLE_RULES: ReadonlyArray<{ rule: string; severity: LifecycleSeverity; example: string }> = [
  { rule: 'operation-deprecated', severity: 'info', example: '`deprecated: true` (or a `Deprecation` response header) added to `GET /pets`' },
  { rule: 'operation-reactivated', severity: 'info', example: '`deprecated: true` removed from `GET /pets`' },
  { rule: 'operation-removed-before-sunset', severity: 'breaking', example: '`GET /pets` removed while its `x-sunset: 2027-06-01` is still ahead' },
  { rule: 'operation-removed-after-sunset', severity: 'warning', example: '`GET /pets` removed after its sunset on 2026-06-01 passed' },
  { rule: 'operation-removed-after-deprecation', severity: 'warning', example: '`GET /pets` removed; it was deprecated, with no sunset date announced' },
  { rule: 'sunset-added', severity: 'info', example: '`x-sunset: 2027-06-01` (or a `Sunset` response header) added' },
  { rule: 'sunset-removed', severity: 'info', example: 'the announced sunset date was withdrawn' },
  { rule: 'sunset-moved-earlier', severity: 'breaking', example: '`x-sunset` moved from 2027-06-01 to 2027-01-01' },
  { rule: 'sunset-moved-later', severity: 'info', example: '`x-sunset` moved from 2027-01-01 to 2027-06-01' },
  { rule: 'stability-decreased', severity: 'breaking', example: '`x-stability-level` went from `stable` to `beta`' },
  { rule: 'stability-increased', severity: 'info', example: '`x-stability-level` went from `beta` to `stable`' },
  { rule: 'parameter-deprecated', severity: 'info', example: 'query parameter `limit` gained `deprecated: true`' },
  { rule: 'parameter-reactivated', severity: 'info', example: 'query parameter `limit` lost `deprecated: true`' },
  { rule: 'property-deprecated', severity: 'info', example: 'response 200 property `.tag` gained `deprecated: true`' },
  { rule: 'property-reactivated', severity: 'info', example: 'response 200 property `.tag` lost `deprecated: true`' },
  { rule: 'schema-deprecated', severity: 'info', example: 'the request body schema (or an array\'s items, a map\'s values) gained `deprecated: true`' },
  { rule: 'schema-reactivated', severity: 'info', example: 'the request body schema lost `deprecated: true`' },
  { rule: 'parameter-removed-before-sunset', severity: 'breaking', example: 'query parameter `limit` (`deprecated: true`) removed while its `x-sunset: 2027-06-01` is still ahead' },
  { rule: 'parameter-removed-after-sunset', severity: 'warning', example: 'query parameter `limit` removed after its `x-sunset` on 2026-06-01 passed' },
  { rule: 'parameter-removed-after-deprecation', severity: 'warning', example: 'query parameter `limit` removed; it was deprecated, with no sunset date announced' },
  { rule: 'property-removed-before-sunset', severity: 'breaking', example: 'request or response property `tag` (`deprecated: true`) removed while its `x-sunset: 2027-06-01` is still ahead' },
  { rule: 'property-removed-after-sunset', severity: 'warning', example: 'request or response property `tag` removed after its `x-sunset` on 2026-06-01 passed' },
  { rule: 'property-removed-after-deprecation', severity: 'warning', example: 'request or response property `tag` removed; it was deprecated, with no sunset date announced' },
  { rule: 'deprecation-period-too-short', severity: 'warning', example: 'deprecated on 2026-12-02 with sunset 2027-01-01: 30 days, the policy asks for 180' },
];

/** Stability levels, least stable first (as oasdiff orders them). */
export const STABILITY_LEVELS = ['draft', 'alpha', 'beta', 'stable'] as const;
export type StabilityLevel = (typeof STABILITY_LEVELS)[number];

type OperationLike = Operation | WebhookOperation | OpenAPIV3.OperationObject;
const operationObject = (op: OperationLike): OpenAPIV3.OperationObject => ('pointer' in op && 'operation' in op && typeof op.pointer === 'string' ? (op as Operation).operation : (op as OpenAPIV3.OperationObject));

/** The `x-stability-level` an operation declares (`draft`, `alpha`, `beta`, `stable`), or undefined when it declares none or another value. */
export function stabilityOf(operation: OperationLike): StabilityLevel | undefined {
  const raw = (operationObject(operation) as Record<string, unknown>)['x-stability-level'];
  if (typeof raw !== 'string') return undefined;
  const level = raw.trim().toLowerCase();
  return (STABILITY_LEVELS as readonly string[]).includes(level) ? (level as StabilityLevel) : undefined;
}

/**
 * True for an operation at stability `draft` or `alpha`: it may change
 * freely, so changes to it are not breaking for anyone (lower its findings
 * to info). Accepts an operation from `listOperations` or `webhookOperations`,
 * or the operation object itself.
 */
export function isUnstable(operation: OperationLike): boolean {
  const level = stabilityOf(operation);
  return level === 'draft' || level === 'alpha';
}

/** What an operation announces about its end of life. */
export interface Lifecycle {
  /** `deprecated: true`, or a `Deprecation` response header is declared. */
  deprecated: boolean;
  deprecatedPointer: string | undefined;
  /** From the `Deprecation` header's value (RFC 9745 `@<epoch seconds>`, or an HTTP-date). */
  deprecatedAt: Date | undefined;
  /** The earliest of `x-sunset` and the `Sunset` header's value (RFC 8594 HTTP-date). */
  sunset: Date | undefined;
  sunsetPointer: string | undefined;
  stability: StabilityLevel | undefined;
}

/** Reads the deprecation, sunset and stability an operation declares. Values that cannot be read as dates are left out. */
export function lifecycleOf(spec: Spec, op: Operation): Lifecycle {
  const operation = op.operation as OpenAPIV3.OperationObject & Record<string, unknown>;
  const out: Lifecycle = { deprecated: operation.deprecated === true, deprecatedPointer: operation.deprecated === true ? appendPointer(op.pointer, 'deprecated') : undefined, deprecatedAt: undefined, sunset: undefined, sunsetPointer: undefined, stability: stabilityOf(operation) };
  const sunset = (date: Date | undefined, pointer: string) => {
    if (date && (!out.sunset || date.getTime() < out.sunset.getTime())) {
      out.sunset = date;
      out.sunsetPointer = pointer;
    }
  };
  sunset(isoDate(operation['x-sunset']), appendPointer(op.pointer, 'x-sunset'));
  for (const [code, raw] of Object.entries(operation.responses ?? {})) {
    const response = follow(spec, raw, appendPointer(op.pointer, 'responses', code));
    const headers = (response.node as OpenAPIV3.ResponseObject | undefined)?.headers;
    if (!headers || typeof headers !== 'object') continue;
    for (const [name, rawHeader] of Object.entries(headers)) {
      const lower = name.toLowerCase();
      if (lower !== 'sunset' && lower !== 'deprecation') continue;
      const header = follow(spec, rawHeader, appendPointer(response.pointer, 'headers', name));
      const value = headerValue(spec, header.node);
      if (lower === 'sunset') sunset(httpDate(value), header.pointer);
      else {
        if (!out.deprecated) {
          out.deprecated = true;
          out.deprecatedPointer = header.pointer;
        }
        const at = structuredDate(value) ?? httpDate(value);
        if (at && (!out.deprecatedAt || at.getTime() < out.deprecatedAt.getTime())) out.deprecatedAt = at;
      }
    }
  }
  return out;
}

const DAY = 86_400_000;

/**
 * Compares what two versions of a spec announce about the end of life of
 * their operations (under `paths`, and webhooks and callbacks): deprecation
 * (`deprecated: true` on operations, parameters, schemas and properties, and
 * the `Deprecation` response header), sunset dates (`x-sunset`, and the
 * `Sunset` response header), and stability levels (`x-stability-level`).
 * A removed operation is judged by what it announced ({@link judgeRemoval}):
 * removed after its sunset passed (compared with `now`) is a warning naming
 * the date, before it breaking; one removed without any deprecation or
 * sunset is not reported here (`sworn diff` reports it as
 * `operation-removed`). With
 * `policy.minDeprecationDays`, a deprecation shorter than that before its
 * sunset or removal is a warning. Findings on a `draft` or `alpha`
 * operation are lowered to info.
 */
export function diffLifecycle(base: Spec, head: Spec, policy: LifecyclePolicy, now: Date): LifecycleChange[] {
  const minDays = policy.minDeprecationDays ?? 0;
  if (typeof minDays !== 'number' || !Number.isFinite(minDays) || minDays < 0) {
    throw new SwornError('SWORN_ERR_CONFIG', `minDeprecationDays must be a number of days, 0 or more (got ${JSON.stringify(minDays)})`, { hint: 'Write a whole number of days, e.g. `minDeprecationDays: 180`, or 0 to check nothing.' });
  }
  if (Number.isNaN(now.getTime())) throw new SwornError('SWORN_ERR_USAGE', 'the date to judge sunsets against is not a valid date', { hint: 'Pass a valid date, e.g. `new Date()`.' });
  const out: LifecycleChange[] = [];
  const baseOps = subjects(base);
  const headOps = subjects(head);
  const headByKey = new Map(headOps.map((s) => [s.key, s]));
  for (const b of baseOps) {
    const h = headByKey.get(b.key);
    const found: LifecycleChange[] = [];
    const bl = lifecycleOf(base, b.op);
    if (!h) removal(b, bl, minDays, now, found);
    else {
      const hl = lifecycleOf(head, h.op);
      compareOperation(base, head, b, h, bl, hl, minDays, now, found);
    }
    if (isUnstable(b.op)) {
      const level = stabilityOf(b.op);
      for (const f of found) if (f.severity !== 'info') Object.assign(f, { severity: 'info', message: `${f.message} (x-stability-level \`${level}\`: it may change freely)` });
    }
    out.push(...found);
  }
  return out;
}

interface Subject {
  key: string;
  /** `GET /pets`, `POST webhook newPet`. */
  name: string;
  op: Operation;
}

/** The operations to compare: under `paths` (matched by method and path template, as `sworn diff` does), then webhooks and callbacks. */
function subjects(spec: Spec): Subject[] {
  const paths = listOperations(spec).map((op) => ({ key: `${op.method.toUpperCase()} ${op.path.replace(/\{[^}]+\}/g, '{}')}`, name: `${op.method.toUpperCase()} ${op.path}`, op }));
  const hooks = webhookOperations(spec).map((op) => ({ key: op.key, name: `${op.method.toUpperCase()} ${op.path}`, op }));
  return [...paths, ...hooks];
}

function removal(b: Subject, bl: Lifecycle, minDays: number, now: Date, out: LifecycleChange[]): void {
  const push = (rule: string, severity: LifecycleSeverity, message: string) => out.push({ rule, severity, message, basePointer: b.op.pointer, headPointer: undefined, operation: b.op.id });
  // A removal without any deprecation is no lifecycle event: `sworn diff` reports it as `operation-removed`.
  const verdict = judgeRemoval('operation', bl, now);
  if (verdict) push(verdict.rule, verdict.severity, `${b.name} was removed${verdict.when}`);
  if (minDays > 0 && bl.deprecatedAt) {
    const period = now.getTime() - bl.deprecatedAt.getTime();
    if (period < minDays * DAY) push('deprecation-period-too-short', 'warning', `${b.name} was removed ${days(period)} days after its deprecation on ${show(bl.deprecatedAt)}; the policy asks for at least ${minDays}`);
  }
}

/** What was removed: an operation (or webhook, or callback), a parameter, or a schema property. */
export type Removed = 'operation' | 'parameter' | 'property';

/** The rule of each verdict, per thing removed. */
const REMOVAL_RULE_IDS: Record<Removed, { beforeSunset: string; afterSunset: string; afterDeprecation: string }> = {
  operation: { beforeSunset: 'operation-removed-before-sunset', afterSunset: 'operation-removed-after-sunset', afterDeprecation: 'operation-removed-after-deprecation' },
  parameter: { beforeSunset: 'parameter-removed-before-sunset', afterSunset: 'parameter-removed-after-sunset', afterDeprecation: 'parameter-removed-after-deprecation' },
  property: { beforeSunset: 'property-removed-before-sunset', afterSunset: 'property-removed-after-sunset', afterDeprecation: 'property-removed-after-deprecation' },
};

/** How a removal is judged by what was announced: its rule, severity, and what to say after "was removed". */
export interface RemovalVerdict {
  rule: string;
  severity: LifecycleSeverity;
  /** ` after its sunset on 2026-06-01`, ` before its announced sunset on … (181 days early)`, `; it was deprecated, with no sunset date announced`. */
  when: string;
}

/**
 * Judges the removal of something that announced its end: after its sunset
 * passed (compared with `now`) a warning naming the date; before it,
 * breaking; deprecated with no sunset, a warning. Undefined when nothing was
 * announced (neither a deprecation nor a sunset): the plain removal rule
 * applies.
 */
export function judgeRemoval(what: Removed, announced: Pick<Lifecycle, 'deprecated' | 'deprecatedAt' | 'sunset'>, now: Date): RemovalVerdict | undefined {
  const ids = REMOVAL_RULE_IDS[what];
  const { sunset } = announced;
  if (sunset && sunset.getTime() <= now.getTime()) return { rule: ids.afterSunset, severity: 'warning', when: ` after its sunset on ${show(sunset)}` };
  if (sunset) return { rule: ids.beforeSunset, severity: 'breaking', when: ` before its announced sunset on ${show(sunset)} (${days(sunset.getTime() - now.getTime())} days early)` };
  if (announced.deprecated) return { rule: ids.afterDeprecation, severity: 'warning', when: `; it was deprecated${announced.deprecatedAt ? ` on ${show(announced.deprecatedAt)}` : ''}, with no sunset date announced` };
  return undefined;
}

/**
 * What a parameter or a schema property announces about its end: `deprecated:
 * true` (on it, or beside its `$ref`, or on the schema it refers to), and its
 * `x-sunset` (a date or date-time), read only when it is deprecated.
 */
export function announcedEnd(spec: Spec, raw: unknown): Pick<Lifecycle, 'deprecated' | 'deprecatedAt' | 'sunset'> {
  const none = { deprecated: false, deprecatedAt: undefined, sunset: undefined };
  const seen = new Set<object>();
  let node = raw;
  let deprecated = false;
  let sunset: Date | undefined;
  for (let hops = 0; hops < 64 && node !== null && typeof node === 'object' && !Array.isArray(node) && !seen.has(node); hops++) {
    seen.add(node);
    const value = node as Record<string, unknown>;
    if (value.deprecated === true) deprecated = true;
    sunset ??= isoDate(value['x-sunset']);
    if (typeof value.$ref !== 'string' || !value.$ref.startsWith('#')) break;
    node = spec.get(value.$ref);
  }
  return deprecated ? { deprecated, deprecatedAt: undefined, sunset } : none;
}

function compareOperation(base: Spec, head: Spec, b: Subject, h: Subject, bl: Lifecycle, hl: Lifecycle, minDays: number, now: Date, out: LifecycleChange[]): void {
  const push = (rule: string, severity: LifecycleSeverity, message: string, basePointer: string | undefined, headPointer: string | undefined) => out.push({ rule, severity, message, basePointer: basePointer ?? b.op.pointer, headPointer: headPointer ?? h.op.pointer, operation: b.op.id });
  if (!bl.deprecated && hl.deprecated) push('operation-deprecated', 'info', `${b.name} is now deprecated${hl.deprecatedAt ? ` (from ${show(hl.deprecatedAt)})` : ''}${hl.sunset ? `, sunset ${show(hl.sunset)}` : ''}`, undefined, hl.deprecatedPointer);
  else if (bl.deprecated && !hl.deprecated) push('operation-reactivated', 'info', `${b.name} is no longer deprecated`, bl.deprecatedPointer, undefined);

  if (!bl.sunset && hl.sunset) push('sunset-added', 'info', `${b.name} announces its sunset on ${show(hl.sunset)}`, undefined, hl.sunsetPointer);
  else if (bl.sunset && !hl.sunset) push('sunset-removed', 'info', `${b.name} no longer announces a sunset (was ${show(bl.sunset)})`, bl.sunsetPointer, undefined);
  else if (bl.sunset && hl.sunset && hl.sunset.getTime() < bl.sunset.getTime()) push('sunset-moved-earlier', 'breaking', `${b.name}'s sunset moved earlier, from ${show(bl.sunset)} to ${show(hl.sunset)}`, bl.sunsetPointer, hl.sunsetPointer);
  else if (bl.sunset && hl.sunset && hl.sunset.getTime() > bl.sunset.getTime()) push('sunset-moved-later', 'info', `${b.name}'s sunset moved later, from ${show(bl.sunset)} to ${show(hl.sunset)}`, bl.sunsetPointer, hl.sunsetPointer);

  const rank = (level: StabilityLevel | undefined) => STABILITY_LEVELS.indexOf(level ?? 'stable');
  const stabilityPointer = (op: Operation, l: Lifecycle) => (l.stability ? appendPointer(op.pointer, 'x-stability-level') : undefined);
  if (rank(hl.stability) < rank(bl.stability)) push('stability-decreased', 'breaking', `${b.name}'s stability went down from \`${bl.stability ?? 'stable'}\` to \`${hl.stability}\``, stabilityPointer(b.op, bl), stabilityPointer(h.op, hl));
  else if (rank(hl.stability) > rank(bl.stability)) push('stability-increased', 'info', `${b.name}'s stability went up from \`${bl.stability}\` to \`${hl.stability ?? 'stable'}\``, stabilityPointer(b.op, bl), stabilityPointer(h.op, hl));

  // The deprecation period head announces: from the Deprecation header's date, or from now when this version deprecates it.
  if (minDays > 0 && hl.sunset) {
    const announced = bl.deprecated || bl.sunset !== undefined;
    const start = hl.deprecatedAt ?? (announced ? bl.deprecatedAt : now);
    const changed = bl.sunset?.getTime() !== hl.sunset.getTime() || bl.deprecatedAt?.getTime() !== hl.deprecatedAt?.getTime() || !announced;
    if (start && changed && hl.sunset.getTime() - start.getTime() < minDays * DAY) {
      push('deprecation-period-too-short', 'warning', `${b.name} is deprecated from ${show(start)} with its sunset on ${show(hl.sunset)}: ${days(hl.sunset.getTime() - start.getTime())} days, the policy asks for at least ${minDays}`, bl.sunsetPointer, hl.sunsetPointer);
    }
  }

  /**
   * The policy for a parameter or a property: one that head deprecates, or
   * whose sunset head moves, with too short a period before its sunset
   * (counted from now: neither carries a Deprecation date).
   */
  const policyPeriod = (what: string, was: { deprecated: boolean; sunset?: Date | undefined }, is: { deprecated: boolean; sunset?: Date | undefined }, basePointer: string, headPointer: string) => {
    if (minDays <= 0 || !is.deprecated || !is.sunset || (was.deprecated && was.sunset?.getTime() === is.sunset.getTime())) return;
    const period = is.sunset.getTime() - now.getTime();
    if (period < minDays * DAY) push('deprecation-period-too-short', 'warning', `${what} is deprecated from ${show(now)} with its sunset on ${show(is.sunset)}: ${days(period)} days, the policy asks for at least ${minDays}`, basePointer, headPointer);
  };

  // Parameters (path-item ones overridden by the operation's), by location and name.
  const bp = parameters(base, b.op);
  const hp = parameters(head, h.op);
  for (const [key, p] of hp) {
    const was = bp.get(key);
    if (!was) continue;
    policyPeriod(p.label, was, p, was.pointer, p.pointer);
    if (was.deprecated === p.deprecated) continue;
    if (p.deprecated) push('parameter-deprecated', 'info', `${p.label} is now deprecated`, was.pointer, p.pointer);
    else push('parameter-reactivated', 'info', `${p.label} is no longer deprecated`, was.pointer, p.pointer);
  }

  // Schemas of the request body and the responses, and their properties, walked in both versions at once.
  compareSchemas(base, head, b.op, h.op, (rule, message, basePointer, headPointer) => push(rule, 'info', message, basePointer, headPointer), (what, bRaw, hRaw, basePointer, headPointer) => policyPeriod(what, announcedEnd(base, bRaw), announcedEnd(head, hRaw), basePointer, headPointer));
}

function parameters(spec: Spec, op: Operation): Map<string, { deprecated: boolean; sunset: Date | undefined; pointer: string; label: string }> {
  const out = new Map<string, { deprecated: boolean; sunset: Date | undefined; pointer: string; label: string }>();
  const add = (list: unknown, pointer: string) => {
    if (!Array.isArray(list)) return;
    list.forEach((raw, i) => {
      const { node, pointer: at } = follow(spec, raw, appendPointer(pointer, i));
      const p = node as OpenAPIV3.ParameterObject | undefined;
      if (!p || typeof p.name !== 'string' || typeof p.in !== 'string') return;
      out.set(`${p.in}:${p.in === 'header' ? p.name.toLowerCase() : p.name}`, { deprecated: p.deprecated === true, sunset: announcedEnd(spec, raw).sunset, pointer: at, label: `${p.in} parameter \`${p.name}\`` });
    });
  };
  add(op.pathItem.parameters, appendPointer(op.pathItemPointer, 'parameters'));
  add(op.operation.parameters, appendPointer(op.pointer, 'parameters'));
  return out;
}

/** How many schema pairs are read per operation, and how deep. */
const PAIR_BUDGET = 20_000;
const MAX_DEPTH = 32;

type Report = (rule: string, message: string, basePointer: string, headPointer: string) => void;

/**
 * Walks the schemas of an operation's request body and responses in both
 * versions side by side (properties through `allOf`/`anyOf`/`oneOf`, items,
 * `prefixItems`, `additionalProperties`; `$ref`s followed), reporting where
 * `deprecated` changed. Subtrees that hold no `deprecated` in either version
 * are not entered; each pair of schemas is entered once, so cycles end.
 */
function compareSchemas(base: Spec, head: Spec, b: Operation, h: Operation, report: Report, period: (what: string, bRaw: unknown, hRaw: unknown, basePointer: string, headPointer: string) => void): void {
  const seen = new Map<object, Set<object>>();
  const reported = new Set<string>();
  let budget = PAIR_BUDGET;
  const walk = (bRaw: unknown, bPointer: string, hRaw: unknown, hPointer: string, where: string, path: string, depth: number): void => {
    if (depth > MAX_DEPTH || budget <= 0) return;
    budget--;
    const bs = shape(base, bRaw, bPointer);
    const hs = shape(head, hRaw, hPointer);
    if (!bs || !hs) return;
    if (bs.deprecated !== hs.deprecated && !reported.has(`${where}${path}`)) {
      reported.add(`${where}${path}`);
      // A property's own schema is a property; the body's, an item's or a map value's is a schema.
      const root = path === '' || /(?:\[\d*\]|\.\*)$/.test(path);
      const what = root ? `the ${where}${path} schema` : `${where}${path}`;
      if (hs.deprecated) report(root ? 'schema-deprecated' : 'property-deprecated', `${what} is now deprecated`, bs.pointer, hs.pointer);
      else report(root ? 'schema-reactivated' : 'property-reactivated', `${what} is no longer deprecated`, bs.pointer, hs.pointer);
    }
    if (hs.deprecated && path !== '' && !/(?:\[\d*\]|\.\*)$/.test(path)) period(`${where}${path}`, bRaw, hRaw, bs.pointer, hs.pointer);
    if (!holdsDeprecated(base, bs.node) && !holdsDeprecated(head, hs.node)) return;
    let pairs = seen.get(bs.node);
    if (!pairs) seen.set(bs.node, (pairs = new Set()));
    if (pairs.has(hs.node)) return;
    pairs.add(hs.node);
    const bm = members(base, bs.node, bs.pointer);
    const hm = members(head, hs.node, hs.pointer);
    for (const [name, bp] of bm.properties) {
      const hp = hm.properties.get(name);
      if (hp) walk(bp.raw, bp.pointer, hp.raw, hp.pointer, where, `${path}.${name}`, depth + 1);
    }
    if (bm.items && hm.items) walk(bm.items.raw, bm.items.pointer, hm.items.raw, hm.items.pointer, where, `${path}[]`, depth + 1);
    bm.prefixItems.forEach((bp, i) => {
      const hp = hm.prefixItems[i];
      if (hp) walk(bp.raw, bp.pointer, hp.raw, hp.pointer, where, `${path}[${i}]`, depth + 1);
    });
    if (bm.additional && hm.additional) walk(bm.additional.raw, bm.additional.pointer, hm.additional.raw, hm.additional.pointer, where, `${path}.*`, depth + 1);
  };
  const content = (spec: Spec, raw: unknown, pointer: string) => {
    const { node, pointer: at } = follow(spec, raw, pointer);
    const media = (node as { content?: unknown } | undefined)?.content;
    const out = new Map<string, At>();
    if (media && typeof media === 'object') for (const [type, value] of Object.entries(media as Record<string, { schema?: unknown } | undefined>)) if (value?.schema !== undefined) out.set(type, { raw: value.schema, pointer: appendPointer(at, 'content', type, 'schema') });
    return out;
  };
  const pairs = (bRaw: unknown, bPointer: string, hRaw: unknown, hPointer: string, where: string) => {
    const hc = content(head, hRaw, hPointer);
    for (const [type, bs] of content(base, bRaw, bPointer)) {
      const hs = hc.get(type);
      if (hs) walk(bs.raw, bs.pointer, hs.raw, hs.pointer, where, '', 0);
    }
  };
  if (b.operation.requestBody && h.operation.requestBody) pairs(b.operation.requestBody, appendPointer(b.pointer, 'requestBody'), h.operation.requestBody, appendPointer(h.pointer, 'requestBody'), 'request body');
  const hr = new Map(Object.entries(h.operation.responses ?? {}).map(([code, raw]) => [code.toUpperCase(), { code, raw }]));
  for (const [code, raw] of Object.entries(b.operation.responses ?? {})) {
    const other = hr.get(code.toUpperCase());
    if (other) pairs(raw, appendPointer(b.pointer, 'responses', code), other.raw, appendPointer(h.pointer, 'responses', other.code), `response ${code.toUpperCase()}`);
  }
}

interface At {
  raw: unknown;
  pointer: string;
}

/** A schema followed through `$ref`s, and whether it is deprecated (on itself, or beside the `$ref`, as OpenAPI 3.1 allows). */
function shape(spec: Spec, raw: unknown, pointer: string): { node: Record<string, unknown>; pointer: string; deprecated: boolean } | undefined {
  const { node, pointer: at } = follow(spec, raw, pointer);
  if (!node || typeof node !== 'object' || Array.isArray(node)) return undefined;
  const beside = raw !== node && raw !== null && typeof raw === 'object' && (raw as Record<string, unknown>).deprecated === true;
  return { node: node as Record<string, unknown>, pointer: beside ? pointer : at, deprecated: (node as Record<string, unknown>).deprecated === true || beside };
}

/** The subschemas a schema's values are read through: its properties (and those of its `allOf`/`anyOf`/`oneOf` branches; the first declaration wins), items, prefix items and additional properties. */
function members(spec: Spec, node: Record<string, unknown>, pointer: string): { properties: Map<string, At>; items?: At; prefixItems: At[]; additional?: At } {
  const out: { properties: Map<string, At>; items?: At; prefixItems: At[]; additional?: At } = { properties: new Map(), prefixItems: [] };
  const visited = new Set<object>();
  const read = (schema: Record<string, unknown>, at: string, depth: number) => {
    if (depth > 8 || visited.has(schema)) return;
    visited.add(schema);
    const properties = schema.properties;
    if (properties && typeof properties === 'object') for (const name of Object.keys(properties)) if (!out.properties.has(name)) out.properties.set(name, { raw: (properties as Record<string, unknown>)[name], pointer: appendPointer(at, 'properties', name) });
    if (!out.items && schema.items && typeof schema.items === 'object' && !Array.isArray(schema.items)) out.items = { raw: schema.items, pointer: appendPointer(at, 'items') };
    if (out.prefixItems.length === 0 && Array.isArray(schema.prefixItems)) out.prefixItems = schema.prefixItems.map((raw, i) => ({ raw, pointer: appendPointer(at, 'prefixItems', i) }));
    if (!out.additional && schema.additionalProperties && typeof schema.additionalProperties === 'object') out.additional = { raw: schema.additionalProperties, pointer: appendPointer(at, 'additionalProperties') };
    for (const keyword of ['allOf', 'anyOf', 'oneOf'] as const) {
      const list = schema[keyword];
      if (!Array.isArray(list)) continue;
      list.forEach((branch, i) => {
        const { node: resolved, pointer: where } = follow(spec, branch, appendPointer(at, keyword, i));
        if (resolved && typeof resolved === 'object' && !Array.isArray(resolved)) read(resolved as Record<string, unknown>, where, depth + 1);
      });
    }
  };
  read(node, pointer, 0);
  return out;
}

/** Whether any schema reachable from this one says `deprecated: true`, remembered per spec (an answer that depended on a schema still being read, in a cycle, is not remembered). */
const deprecatedBelow = new WeakMap<Spec, WeakMap<object, boolean>>();
const SCHEMA_KEYWORDS = ['items', 'additionalProperties', 'allOf', 'anyOf', 'oneOf', 'prefixItems', 'properties'] as const;

function holdsDeprecated(spec: Spec, node: Record<string, unknown>): boolean {
  let memo = deprecatedBelow.get(spec);
  if (!memo) deprecatedBelow.set(spec, (memo = new WeakMap()));
  const known = memo;
  const active = new Set<object>();
  let budget = 50_000;
  // [holds, depends on a schema still being read]
  const visit = (raw: unknown, depth: number): [boolean, boolean] => {
    if (raw === null || typeof raw !== 'object') return [false, false];
    if ((raw as Record<string, unknown>).deprecated === true) return [true, false];
    const node = spec.deref(raw) as unknown;
    if (node === null || typeof node !== 'object') return [false, false];
    const cached = known.get(node);
    if (cached !== undefined) return [cached, false];
    if (active.has(node)) return [false, true];
    // Out of budget or depth: say yes, so the walk looks for itself.
    if (--budget <= 0 || depth > 64) return [true, false];
    const schema = node as Record<string, unknown>;
    if (schema.deprecated === true) {
      known.set(node, true);
      return [true, false];
    }
    active.add(node);
    let pending = false;
    let holds = false;
    for (const keyword of SCHEMA_KEYWORDS) {
      const value = schema[keyword];
      if (value === null || typeof value !== 'object') continue;
      const children = Array.isArray(value) ? value : keyword === 'properties' ? Object.values(value) : [value];
      for (const child of children) {
        const [h, p] = visit(child, depth + 1);
        pending ||= p;
        if (h) { holds = true; break; }
      }
      if (holds) break;
    }
    active.delete(node);
    if (holds || !pending) known.set(node, holds);
    return [holds, pending && !holds];
  };
  return visit(node, 0)[0];
}

/** The value a header declares: its `example`, first `examples` value, or its schema's `const`, `default`, `example`, `examples[0]` or single `enum` value. */
function headerValue(spec: Spec, raw: unknown): unknown {
  if (!raw || typeof raw !== 'object') return undefined;
  const header = raw as OpenAPIV3.HeaderObject;
  if (header.example !== undefined) return header.example;
  if (header.examples && typeof header.examples === 'object') {
    for (const example of Object.values(header.examples)) {
      const value = (spec.deref(example) as OpenAPIV3.ExampleObject | undefined)?.value;
      if (value !== undefined) return value;
    }
  }
  const schema = spec.deref(header.schema) as (OpenAPIV3.SchemaObject & { const?: unknown; examples?: unknown }) | undefined;
  if (!schema || typeof schema !== 'object') return undefined;
  if (schema.const !== undefined) return schema.const;
  if (schema.default !== undefined) return schema.default;
  if (schema.example !== undefined) return schema.example;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if (Array.isArray(schema.enum) && schema.enum.length === 1) return schema.enum[0];
  return undefined;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?)?$/;

/** `2027-01-01` (midnight UTC) or an RFC 3339 date-time (UTC when it has no offset). */
function isoDate(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value !== 'string') return undefined;
  const m = ISO_DATE.exec(value.trim());
  if (!m) return undefined;
  const text = m[4] === undefined ? `${m[1]}-${m[2]}-${m[3]}T00:00:00Z` : `${value.trim().replace(' ', 'T')}${m[7] === undefined ? 'Z' : ''}`;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) return undefined;
  // `2027-02-30` is no date (Date would roll it over to March).
  return m[7] === undefined && date.getUTCDate() !== Number(m[3]) ? undefined : date;
}

const HTTP_DATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/** An HTTP-date (RFC 9110 IMF-fixdate, `Sat, 01 Jan 2028 00:00:00 GMT`). */
function httpDate(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value !== 'string' || !HTTP_DATE.test(value.trim())) return undefined;
  const date = new Date(value.trim());
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** An RFC 9651 structured-field Date, `@1688169599` (seconds since the epoch), as the `Deprecation` header carries it (RFC 9745). */
function structuredDate(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^@(-?\d{1,15})$/.exec(value.trim());
  return m ? new Date(Number(m[1]) * 1000) : undefined;
}

/** `2027-01-01` at midnight UTC, else `2027-01-01T12:30:00Z`. */
function show(date: Date): string {
  const iso = date.toISOString();
  if (iso.endsWith('T00:00:00.000Z')) return iso.slice(0, 10);
  return iso.replace('.000Z', 'Z');
}

const days = (ms: number) => Math.floor(ms / DAY);
