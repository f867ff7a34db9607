import type { OpenAPIV3 } from 'openapi-types';
import type { Spec } from '../spec/load-spec.js';
import { listOperations, type Operation } from '../spec/operations.js';
import { appendPointer } from '../spec/pointer.js';
import { resolveSlos } from '../slo/resolve.js';
import { groupChanges, where, type Change, type Finding, type IgnoredBy, type Severity } from './change.js';
import type { DiffNote } from './config.js';
import { diffSchemas, type SchemaChange } from './schema-diff.js';
import { diffPromises } from './slo-diff.js';
import { announcedEnd, diffLifecycle, isUnstable, judgeRemoval, stabilityOf, type LifecycleChange, type LifecyclePolicy, type LifecycleSeverity } from './lifecycle.js';
import { NORMAL_SIDES, sidesOf, webhookOperations, type Sides, type WebhookOperation } from './webhooks.js';

/** What `sworn diff` found. */
export interface DiffResult {
  base: string;
  head: string;
  changes: Change[];
  summary: Record<Severity, number>;
}

/** What `sworn diff` reports: findings grouped by the value that changed, the ignored ones apart. */
export interface DiffReport {
  base: string;
  head: string;
  /** The findings that count, one per changed value. */
  changes: Finding[];
  /** The findings an ignore entry of the diff config matched, each with its reason. */
  ignored: Finding[];
  /** What the diff config asks attention for (an ignore entry that expired, or that matches no finding). */
  notes: DiffNote[];
  /** Findings that count, by severity, and how many were ignored. */
  summary: Record<Severity, number> & { ignored: number };
  /** The changes that count before grouping: one per operation and tier (the JSON output's `changes`). */
  perOperation: Change[];
}

/** Groups changes (and ignored ones) into findings, and counts them. */
export function reportDiff(base: string, head: string, changes: Change[], ignored: Array<Change & { ignored: IgnoredBy }> = [], notes: DiffNote[] = []): DiffReport {
  const findings = groupChanges(changes);
  const set = groupChanges(ignored);
  const summary = { breaking: 0, warning: 0, safe: 0, ignored: set.length };
  for (const f of findings) summary[f.severity]++;
  return { base, head, changes: findings, ignored: set, notes, summary, perOperation: changes };
}

/** `/pets/{petId}` and `/pets/{id}` are the same route. */
const routeKey = (op: Operation) => `${op.method.toUpperCase()} ${op.path.replace(/\{[^}]+\}/g, '{}')}`;
const label = (op: Operation) => (op.operationId ? `${op.operationId} (${op.method.toUpperCase()} ${op.path})` : `${op.method.toUpperCase()} ${op.path}`);

/**
 * Classifies every difference between two versions of a spec as breaking,
 * warning or safe, each with a stable rule id and where it is in both
 * versions: operations, parameters, bodies, responses, media types, security,
 * schemas (resolved, so a `$ref` that resolves to the same schema is no
 * change), and the x-slo promises (weaker promises are breaking, stronger
 * ones safe improvements).
 */
export function diffSpecs(base: Spec, head: Spec, options: DiffOptions = {}): DiffResult {
  const changes: Change[] = [];
  const baseOps = listOperations(base);
  const headOps = listOperations(head);
  const now = options.now ?? new Date();
  const lifecycle = diffLifecycle(base, head, options.lifecycle ?? {}, now);
  const baseById = new Map(baseOps.map((o) => [o.id, o]));
  /** A removal's lifecycle verdict (before or after its sunset, after a deprecation), which replaces `operation-removed`. */
  const removals = new Map<string, LifecycleChange>();
  for (const c of lifecycle) if (c.operation !== undefined && REMOVAL_RULES.has(c.rule)) removals.set(c.operation, c);
  const headByRoute = new Map(headOps.map((o) => [routeKey(o), o]));
  const baseByRoute = new Map(baseOps.map((o) => [routeKey(o), o]));
  const baseSlo = new Map(resolveSlos(base, baseOps).operations.map((o) => [o.id, o]));
  const headSlo = new Map(resolveSlos(head, headOps).operations.map((o) => [o.id, o]));

  for (const b of baseOps) {
    const h = headByRoute.get(routeKey(b));
    if (!h) {
      const verdict = removals.get(b.id);
      // A removal without a deprecation or a sunset keeps its long-standing id, `operation-removed`.
      if (verdict) changes.push({ rule: verdict.rule, severity: severityOf(verdict.severity), operation: label(b), operationId: b.id, message: verdict.message, base: where(base, verdict.basePointer ?? b.pointer), usageKey: { kind: 'operation' } });
      else changes.push({ rule: 'operation-removed', severity: isUnstable(b) ? 'safe' : 'breaking', operation: label(b), operationId: b.id, message: `${b.method.toUpperCase()} ${b.path} was removed${isUnstable(b) ? ` (x-stability-level \`${String(stabilityOf(b))}\`: it may change freely)` : ''}`, base: where(base, b.pointer), usageKey: { kind: 'operation' } });
      continue;
    }
    compareMatched({ base, head, b, h, changes, sides: NORMAL_SIDES, now });
    const bp = baseSlo.get(b.id);
    const hp = headSlo.get(h.id);
    if (bp?.promise || hp?.promise) {
      const from = changes.length;
      diffPromises(base, head, bp, hp, label(b), b.id, changes);
      // A consumer tier's change names the tier in front of its message: keep the tier as data too, for grouping.
      for (const c of changes.slice(from)) {
        const tier = /^tier `([^`]+)`: /.exec(c.message)?.[1] ?? (c.rule === 'slo-tier-removed' ? /^consumer tier `([^`]+)`/.exec(c.message)?.[1] : undefined);
        if (tier !== undefined) c.tier = tier;
      }
    }
  }
  for (const h of headOps) {
    if (!baseByRoute.has(routeKey(h))) changes.push({ rule: 'operation-added', severity: 'safe', operation: label(h), message: `${h.method.toUpperCase()} ${h.path} was added`, head: where(head, h.pointer) });
  }
  diffWebhooks(base, head, changes, removals, baseById, now);
  for (const c of lifecycle) {
    if (REMOVAL_RULES.has(c.rule)) continue;
    const b = c.operation === undefined ? undefined : baseById.get(c.operation);
    changes.push({
      rule: c.rule,
      severity: severityOf(c.severity),
      operation: b ? label(b) : '',
      ...(c.operation !== undefined ? { operationId: c.operation } : {}),
      message: c.message,
      ...(c.basePointer !== undefined ? { base: where(base, c.basePointer) } : {}),
      ...(c.headPointer !== undefined ? { head: where(head, c.headPointer) } : {}),
    });
  }
  const summary = { breaking: 0, warning: 0, safe: 0 } as Record<Severity, number>;
  for (const c of changes) summary[c.severity]++;
  return { base: base.displayPath, head: head.displayPath, changes, summary };
}

/** What `diffSpecs` judges by besides the two documents. */
export interface DiffOptions {
  /** The lifecycle policy (`.sworn-diff.yaml`'s `lifecycle:`): the least number of days between deprecation and sunset. */
  lifecycle?: LifecyclePolicy;
  /** When "now" is, for sunsets that have passed (default: the clock). */
  now?: Date;
}

/** The lifecycle rules that judge an operation's removal: one of them replaces `operation-removed`, which stays for a removal without a deprecation or a sunset. */
const REMOVAL_RULES = new Set(['operation-removed-before-sunset', 'operation-removed-after-sunset', 'operation-removed-after-deprecation']);

/** Lifecycle findings at `info` level are reported as `safe` (a change to know of, not to fail on). */
function severityOf(severity: LifecycleSeverity): Severity {
  return severity === 'info' ? 'safe' : severity;
}

/** Compares an operation found in both versions, then says of what would break in a draft or alpha one that it may change freely. */
function compareMatched(ctx: Context): void {
  const from = ctx.changes.length;
  diffOperation(ctx);
  if (!isUnstable(ctx.b)) return;
  for (const c of ctx.changes.slice(from)) {
    if (c.severity === 'safe') continue;
    c.severity = 'safe';
    c.message += ` (x-stability-level \`${String(stabilityOf(ctx.b))}\`: it may change freely)`;
  }
}

/**
 * Webhooks and callbacks, matched by their key (`POST webhook newPet`):
 * one removed is breaking (consumers' servers stop receiving it, unless a
 * lifecycle rule judges its removal), one added is safe, and one in both is
 * compared as an operation whose sides are inverted (see `INVERTED_SIDES`).
 * Their changes carry no usage key: the proxy never sees the API's calls.
 */
function diffWebhooks(base: Spec, head: Spec, changes: Change[], removals: Map<string, LifecycleChange>, baseById: Map<string, Operation>, now: Date): void {
  const baseHooks = webhookOperations(base);
  const headHooks = webhookOperations(head);
  for (const o of baseHooks) if (!baseById.has(o.id)) baseById.set(o.id, o);
  const headByKey = new Map(headHooks.map((o) => [o.key, o]));
  const baseKeys = new Set(baseHooks.map((o) => o.key));
  for (const b of baseHooks) {
    const h = headByKey.get(b.key);
    if (h) {
      compareMatched({ base, head, b, h, changes, sides: sidesOf(b), now });
      continue;
    }
    const verdict = removals.get(b.id);
    if (verdict) changes.push({ rule: verdict.rule, severity: severityOf(verdict.severity), operation: label(b), operationId: b.id, message: verdict.message, base: where(base, verdict.basePointer ?? b.pointer) });
    else changes.push({ rule: 'operation-webhook-removed', severity: isUnstable(b) ? 'safe' : 'breaking', operation: label(b), operationId: b.id, message: `${hookName(b)} was removed: consumers' servers no longer receive it${isUnstable(b) ? ` (x-stability-level \`${String(stabilityOf(b))}\`: it may change freely)` : ''}`, base: where(base, b.pointer) });
  }
  for (const h of headHooks) {
    if (!baseKeys.has(h.key)) changes.push({ rule: 'operation-webhook-added', severity: 'safe', operation: label(h), message: `${hookName(h)} was added`, head: where(head, h.pointer) });
  }
}

/** `POST webhook newPet`, `POST callback createSubscription onEvent {$request.body#/url}`. */
const hookName = (op: WebhookOperation) => `${op.method.toUpperCase()} ${op.path}`;

interface Context {
  base: Spec;
  head: Spec;
  b: Operation;
  h: Operation;
  changes: Change[];
  /** Which rules judge the parameters, the request body and the responses: inverted for a webhook or callback. */
  sides: Readonly<Sides>;
  /** When "now" is, for the sunsets of removed parameters and properties. */
  now: Date;
}

function push(ctx: Context, rule: string, severity: Severity, message: string, basePointer: string | undefined, headPointer: string | undefined, usageKey: Change['usageKey'] = { kind: 'operation' }): void {
  // The proxy records the consumers' calls only: a webhook's or callback's change has no usage to weigh it by.
  const inverted = ctx.sides !== NORMAL_SIDES;
  ctx.changes.push({ rule, severity, operation: label(ctx.b), operationId: ctx.b.id, message, base: where(ctx.base, basePointer), head: where(ctx.head, headPointer), ...(inverted ? {} : { usageKey }) });
}

function pushSchema(ctx: Context, found: SchemaChange[], usageKey: Change['usageKey'] = { kind: 'operation' }): void {
  for (const c of found) {
    // A request or response property (a webhook body's, too) that was deprecated is judged by its sunset, as a removed operation is.
    const verdict = c.rule === 'response-property-removed' || c.rule === 'request-property-removed' ? judgeRemoval('property', announcedEnd(ctx.base, ctx.base.get(c.basePointer)), ctx.now) : undefined;
    if (verdict) push(ctx, verdict.rule, severityOf(verdict.severity), c.message.endsWith(' was removed') ? `${c.message}${verdict.when}` : `${c.message} (removed${verdict.when})`, c.basePointer, c.headPointer, usageKey);
    else push(ctx, c.rule, c.severity, c.message, c.basePointer, c.headPointer, usageKey);
  }
}

function diffOperation(ctx: Context): void {
  const { base, head, b, h, sides } = ctx;
  // Parameters: path-item ones, overridden by the operation's, keyed by location and name.
  const params = (spec: Spec, op: Operation) => {
    const out = new Map<string, { p: OpenAPIV3.ParameterObject; pointer: string }>();
    const add = (list: unknown, pointer: string) => {
      if (!Array.isArray(list)) return;
      list.forEach((raw, i) => {
        let at = appendPointer(pointer, i);
        const ref = (raw as { $ref?: unknown }).$ref;
        if (typeof ref === 'string' && ref.startsWith('#')) at = decodeURIComponent(ref.slice(1));
        const param = spec.deref(raw) as OpenAPIV3.ParameterObject;
        if (!param?.name || !param.in) return;
        out.set(`${param.in}:${param.in === 'header' ? param.name.toLowerCase() : param.name}`, { p: param, pointer: at });
      });
    };
    add(op.pathItem.parameters, appendPointer(op.pathItemPointer, 'parameters'));
    add(op.operation.parameters, appendPointer(op.pointer, 'parameters'));
    return out;
  };
  const bParams = params(base, b);
  const hParams = params(head, h);
  const pathIndex = (op: Operation) => [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  // A webhook's parameters are what the consumer's server receives: judged as a response (they may only narrow).
  const received = sides.parameters === 'response';
  for (const [key, { p, pointer }] of hParams) {
    const known = bParams.get(key) ?? (p.in === 'path' ? matchPathParam(key, b, h, bParams, pathIndex) : undefined);
    if (!known) {
      if (received) push(ctx, 'response-parameter-added', 'safe', `new ${p.required ? 'required' : 'optional'} ${p.in} parameter \`${p.name}\` sent to consumers' servers`, b.pointer, pointer);
      else if (p.required) push(ctx, 'request-parameter-required-added', 'breaking', `new required ${p.in} parameter \`${p.name}\``, b.pointer, pointer);
      else push(ctx, 'request-parameter-added', 'safe', `new optional ${p.in} parameter \`${p.name}\``, b.pointer, pointer);
      continue;
    }
    if (received) {
      if (known.p.required && !p.required) push(ctx, 'response-parameter-now-optional', 'breaking', `${p.in} parameter \`${p.name}\` is no longer always sent to consumers' servers`, known.pointer, pointer);
      else if (p.required && !known.p.required) push(ctx, 'response-parameter-now-required', 'safe', `${p.in} parameter \`${p.name}\` is now always sent to consumers' servers`, known.pointer, pointer);
    } else if (p.required && !known.p.required) push(ctx, 'request-parameter-now-required', 'breaking', `${p.in} parameter \`${p.name}\` is now required`, known.pointer, pointer, { kind: 'operation' });
    // `allowReserved` (query only): whether reserved characters (`/?#[]@!$&'()*+,;=`) may be sent unencoded.
    if (p.in === 'query' && known.p.in === 'query' && p.content === undefined && known.p.content === undefined && (known.p.allowReserved === true) !== (p.allowReserved === true)) {
      const allowed = p.allowReserved === true;
      const at = (param: OpenAPIV3.ParameterObject, pointerOf: string) => (param.allowReserved !== undefined ? appendPointer(pointerOf, 'allowReserved') : pointerOf);
      if (received) push(ctx, allowed ? 'response-parameter-reserved-allowed' : 'response-parameter-reserved-disallowed', allowed ? 'breaking' : 'safe', allowed ? `query parameter \`${p.name}\` may now reach consumers' servers with reserved characters unencoded (\`allowReserved: true\`): a \`&\`, \`=\` or \`#\` in a value is read as a delimiter` : `query parameter \`${p.name}\` is now sent to consumers' servers with reserved characters percent-encoded (\`allowReserved\` no longer true)`, at(known.p, known.pointer), at(p, pointer));
      else push(ctx, allowed ? 'request-parameter-reserved-allowed' : 'request-parameter-reserved-disallowed', allowed ? 'safe' : 'breaking', allowed ? `query parameter \`${p.name}\` now accepts reserved characters unencoded (\`allowReserved: true\`)` : `query parameter \`${p.name}\` no longer accepts reserved characters unencoded (\`allowReserved\` no longer true): clients sending \`/\`, \`?\` or \`:\` as they are must percent-encode them`, at(known.p, known.pointer), at(p, pointer), { kind: 'parameter', name: usageName(p) });
    }
    const style = styleChange(base, known.p, head, p);
    if (style) push(ctx, received ? 'response-parameter-style-changed' : 'request-parameter-style-changed', 'breaking', `${p.in} parameter \`${p.name}\` is written differently on the wire: ${style}`, known.pointer, pointer, { kind: 'parameter', name: usageName(p) });
    const bv = valueSchema(known.p, known.pointer);
    const hv = valueSchema(p, pointer);
    const found: SchemaChange[] = [];
    if (bv.schema !== undefined || hv.schema !== undefined) diffSchemas({ spec: base, node: bv.schema, pointer: bv.pointer }, { spec: head, node: hv.schema, pointer: hv.pointer }, sides.parameters, `${p.in} parameter \`${p.name}\``, found);
    pushSchema(ctx, found, { kind: 'parameter', name: usageName(p) });
  }
  for (const [key, { p, pointer }] of bParams) {
    if (hParams.has(key) || (p.in === 'path' && matchPathParam(key, h, b, hParams, pathIndex))) continue;
    // A deprecated parameter is judged by its sunset, as a removed operation is.
    const verdict = judgeRemoval('parameter', announcedEnd(base, p), ctx.now);
    const what = `${p.required ? 'required' : 'optional'} ${p.in} parameter \`${p.name}\``;
    if (verdict) push(ctx, verdict.rule, severityOf(verdict.severity), `${what}${received ? ", sent to consumers' servers," : ''} was removed${verdict.when}`, pointer, h.pointer, { kind: 'parameter', name: usageName(p) });
    else if (received) push(ctx, 'response-parameter-removed', 'breaking', `${p.required ? 'required' : 'optional'} ${p.in} parameter \`${p.name}\` is no longer sent to consumers' servers (those reading it break)`, pointer, h.pointer);
    else push(ctx, 'request-parameter-removed', 'breaking', `${p.required ? 'required' : 'optional'} ${p.in} parameter \`${p.name}\` was removed (clients sending it${p.in === 'query' ? ' may' : ' will'} be refused or ignored)`, pointer, h.pointer, { kind: 'parameter', name: usageName(p) });
  }

  // Request body: for a webhook, the body the consumer's server receives (judged as a response).
  const body = (spec: Spec, op: Operation) => {
    const raw = op.operation.requestBody;
    if (!raw) return undefined;
    let pointer = appendPointer(op.pointer, 'requestBody');
    if ('$ref' in raw && typeof raw.$ref === 'string' && raw.$ref.startsWith('#')) pointer = decodeURIComponent(raw.$ref.slice(1));
    return { body: spec.deref(raw) as OpenAPIV3.RequestBodyObject, pointer };
  };
  const bb = body(base, b);
  const hb = body(head, h);
  const bodyReceived = sides.requestBody === 'response';
  const types = (rb: { body: OpenAPIV3.RequestBodyObject } | undefined) => Object.keys(rb?.body?.content ?? {}).join(', ') || 'any type';
  if (bb && !hb) {
    if (bodyReceived) push(ctx, 'response-body-removed', 'breaking', `the request body (${types(bb)}) is no longer sent to consumers' servers (those reading it break)`, bb.pointer, h.pointer);
    else push(ctx, 'request-body-removed', 'breaking', `the ${bb.body?.required ? 'required' : 'optional'} request body (${types(bb)}) was removed: clients sending one may be refused (415, 400) or have it ignored`, bb.pointer, h.pointer);
  } else if (!bb && hb) {
    if (bodyReceived) push(ctx, 'response-body-added', 'safe', `consumers' servers now receive ${hb.body?.required ? 'a' : 'at times a'} request body (${types(hb)})`, b.pointer, hb.pointer);
    else if (hb.body?.required) push(ctx, 'request-body-required-added', 'breaking', `a required request body (${types(hb)}) was added: clients that send none are refused`, b.pointer, hb.pointer);
    else push(ctx, 'request-body-added', 'safe', `an optional request body (${types(hb)}) was added`, b.pointer, hb.pointer);
  } else if (bb && hb) {
    if (bodyReceived) {
      if (bb.body?.required && !hb.body?.required) push(ctx, 'response-body-now-optional', 'breaking', "the request body is no longer always sent to consumers' servers", bb.pointer, hb.pointer);
    } else if (hb.body?.required && !bb.body?.required) push(ctx, 'request-body-now-required', 'breaking', 'the request body is now required', bb.pointer, hb.pointer);
  }
  if (bb && hb) {
    const bc = bb.body.content ?? {};
    const hc = hb.body.content ?? {};
    for (const type of Object.keys(bc)) {
      if (!(type in hc)) {
        if (bodyReceived) push(ctx, 'response-media-type-removed', 'breaking', `request bodies of type ${type} are no longer sent to consumers' servers`, appendPointer(bb.pointer, 'content', type), hb.pointer);
        else push(ctx, 'request-media-type-removed', 'breaking', `request bodies of type ${type} are no longer accepted`, appendPointer(bb.pointer, 'content', type), hb.pointer);
      } else if (bc[type]?.schema !== undefined || hc[type]?.schema !== undefined) {
        const found: SchemaChange[] = [];
        diffSchemas({ spec: base, node: bc[type]?.schema, pointer: appendPointer(bb.pointer, 'content', type, 'schema') }, { spec: head, node: hc[type]?.schema, pointer: appendPointer(hb.pointer, 'content', type, 'schema') }, sides.requestBody, 'request body', found);
        pushSchema(ctx, found);
      }
    }
    for (const type of Object.keys(hc)) {
      if (type in bc) continue;
      if (bodyReceived) push(ctx, 'response-media-type-added', 'warning', `request bodies may now be sent to consumers' servers as ${type}, a type they never received`, bb.pointer, appendPointer(hb.pointer, 'content', type));
      else push(ctx, 'request-media-type-added', 'safe', `request bodies of type ${type} are now accepted`, bb.pointer, appendPointer(hb.pointer, 'content', type));
    }
  }

  // Responses: for a webhook, what the consumer's server sends back (judged as a request: the API must keep accepting it).
  const responses = (spec: Spec, op: Operation) => {
    const out = new Map<string, { r: OpenAPIV3.ResponseObject; pointer: string }>();
    for (const [code, raw] of Object.entries(op.operation.responses ?? {})) {
      let pointer = appendPointer(op.pointer, 'responses', code);
      if (raw && '$ref' in raw && typeof raw.$ref === 'string' && raw.$ref.startsWith('#')) pointer = decodeURIComponent(raw.$ref.slice(1));
      out.set(code.toUpperCase(), { r: spec.deref(raw) as OpenAPIV3.ResponseObject, pointer });
    }
    return out;
  };
  const br = responses(base, b);
  const hr = responses(head, h);
  const sentBack = sides.responses === 'request';
  for (const [code, { r, pointer }] of br) {
    const now = hr.get(code);
    if (!now) {
      if (sentBack) push(ctx, 'request-status-removed', 'breaking', `response ${code}, which consumers' servers send back, is no longer accepted`, pointer, appendPointer(h.pointer, 'responses'));
      else push(ctx, 'response-status-removed', 'breaking', `response ${code} was removed`, pointer, appendPointer(h.pointer, 'responses'), { kind: 'status', name: code });
      continue;
    }
    const bc = r?.content ?? {};
    const hc = now.r?.content ?? {};
    for (const type of Object.keys(bc)) {
      if (!(type in hc)) {
        if (sentBack) push(ctx, 'request-media-type-removed', 'breaking', `response ${code} bodies of type ${type} from consumers' servers are no longer accepted`, appendPointer(pointer, 'content', type), now.pointer);
        else push(ctx, 'response-media-type-removed', 'breaking', `response ${code} is no longer sent as ${type}`, appendPointer(pointer, 'content', type), now.pointer, { kind: 'status', name: code });
      } else if (bc[type]?.schema !== undefined || hc[type]?.schema !== undefined) {
        const found: SchemaChange[] = [];
        diffSchemas({ spec: base, node: bc[type]?.schema, pointer: appendPointer(pointer, 'content', type, 'schema') }, { spec: head, node: hc[type]?.schema, pointer: appendPointer(now.pointer, 'content', type, 'schema') }, sides.responses, `response ${code}`, found);
        pushSchema(ctx, found, { kind: 'status', name: code });
      }
    }
    for (const type of Object.keys(hc)) {
      if (type in bc) continue;
      if (sentBack) push(ctx, 'request-media-type-added', 'safe', `response ${code} bodies of type ${type} from consumers' servers are now accepted`, pointer, appendPointer(now.pointer, 'content', type));
      else push(ctx, 'response-media-type-added', 'warning', `response ${code} may now be sent as ${type}, a type clients never received`, pointer, appendPointer(now.pointer, 'content', type));
    }
  }
  for (const [code, { pointer }] of hr) {
    if (br.has(code)) continue;
    if (sentBack) push(ctx, 'request-status-added', 'safe', `response ${code} from consumers' servers is now accepted`, appendPointer(b.pointer, 'responses'), pointer);
    else push(ctx, 'response-status-added', 'warning', `new response ${code}, a status clients never saw`, appendPointer(b.pointer, 'responses'), pointer);
  }

  // Security: a client that met one of the base alternatives must meet one in head.
  const security = (spec: Spec, op: Operation) => {
    // A webhook's or callback's own `security` only: the document's says how clients call the API, not how the API calls them.
    const list = (op.operation.security ?? (sentBack ? [] : spec.document.security) ?? []) as OpenAPIV3.SecurityRequirementObject[];
    return list.map((req) => Object.keys(req).sort().join(' + '));
  };
  const bs = security(base, b);
  const hs = security(head, h);
  const anonymous = (alternatives: string[]) => alternatives.length === 0 || alternatives.includes('');
  const secPointer = (op: Operation, spec: Spec) => (op.operation.security ? appendPointer(op.pointer, 'security') : spec.document.security && !sentBack ? '/security' : op.pointer);
  const shown = (alternatives: string[]) => alternatives.filter((alt) => alt !== '').join(' or ');
  if (sentBack) {
    // Inverted: the API is the client and authenticates with one of head's alternatives; the consumer's server checks what it was set up for in base.
    if (!anonymous(bs) && anonymous(hs)) push(ctx, 'security-webhook-credentials-removed', 'breaking', `the API may now call consumers' servers without credentials (it authenticated with ${shown(bs)}): servers that check them refuse the calls`, secPointer(b, base), secPointer(h, head));
    else if (anonymous(bs) && !anonymous(hs)) push(ctx, 'security-webhook-credentials-added', 'safe', `the API now authenticates its calls to consumers' servers with ${shown(hs)}`, secPointer(b, base), secPointer(h, head));
    else if (!anonymous(bs)) {
      const gained = hs.filter((alt) => !bs.includes(alt));
      if (gained.length > 0) push(ctx, 'security-webhook-changed', 'breaking', `the API may now authenticate with ${gained.join(' or ')}, which consumers' servers were not set up to accept (was ${shown(bs)})`, secPointer(b, base), secPointer(h, head));
    }
    return;
  }
  if (anonymous(bs) && !anonymous(hs)) push(ctx, 'security-requirement-added', 'breaking', `now requires ${hs.join(' or ')}`, secPointer(b, base), secPointer(h, head));
  else if (!anonymous(bs)) {
    const lost = bs.filter((alt) => !hs.includes(alt) && !anonymous(hs));
    if (lost.length > 0) push(ctx, 'security-changed', 'breaking', `no longer accepts ${lost.join(' or ')}${hs.length > 0 ? `; requires ${hs.join(' or ')}` : ''}`, secPointer(b, base), secPointer(h, head));
    else if (anonymous(hs) && !anonymous(bs)) push(ctx, 'security-relaxed', 'safe', 'no longer requires credentials', secPointer(b, base), secPointer(h, head));
  }
}

/** How the proxy's usage records name a parameter: `query:limit`, `header:x-trace` (header names in lower case). */
const usageName = (p: OpenAPIV3.ParameterObject) => `${p.in}:${p.in === 'header' ? p.name.toLowerCase() : p.name}`;

/** A path parameter renamed with its template (`{id}` -> `{petId}`) is the same parameter, matched by position. */
function matchPathParam(key: string, from: Operation, to: Operation, params: Map<string, { p: OpenAPIV3.ParameterObject; pointer: string }>, pathIndex: (op: Operation) => Array<string | undefined>): { p: OpenAPIV3.ParameterObject; pointer: string } | undefined {
  const name = key.slice('path:'.length);
  const index = pathIndex(to).indexOf(name);
  const other = pathIndex(from)[index];
  return index < 0 || other === undefined ? undefined : params.get(`path:${other}`);
}

/** The schema of a parameter's values: its `schema`, or the schema of its one `content` media type. */
function valueSchema(p: OpenAPIV3.ParameterObject, pointer: string): { schema: unknown; pointer: string } {
  if (p.schema !== undefined) return { schema: p.schema, pointer: appendPointer(pointer, 'schema') };
  const type = Object.keys(p.content ?? {})[0];
  if (type === undefined) return { schema: undefined, pointer: appendPointer(pointer, 'schema') };
  return { schema: p.content?.[type]?.schema, pointer: appendPointer(pointer, 'content', type, 'schema') };
}

type ValueKind = 'primitive' | 'array' | 'object';
const VALUE_KINDS: readonly ValueKind[] = ['primitive', 'array', 'object'];

/** OpenAPI 3's serialisation defaults by location: `form` (exploded) for query and cookie, `simple` for path and header. */
const DEFAULT_STYLE: Record<string, string> = { query: 'form', cookie: 'form', path: 'simple', header: 'simple' };

/** How a parameter is serialised: its media type when it has `content`, else its style and explode, defaults filled in. */
function serialisation(p: OpenAPIV3.ParameterObject): { content: string } | { style: string; explode: boolean } {
  const type = Object.keys(p.content ?? {})[0];
  if (p.schema === undefined && type !== undefined) return { content: type };
  const style = typeof p.style === 'string' ? p.style : (DEFAULT_STYLE[p.in] ?? 'form');
  return { style, explode: typeof p.explode === 'boolean' ? p.explode : style === 'form' };
}

/** The kinds of value a parameter's schema admits, by its `type` (or `items`/`properties`); all three when it does not say. */
function kindsOf(spec: Spec, schema: unknown): Set<ValueKind> {
  const s = schema === undefined ? undefined : (spec.deref(schema as object) as Record<string, unknown> | undefined);
  if (!s || typeof s !== 'object') return new Set(VALUE_KINDS);
  const types = Array.isArray(s.type) ? s.type : typeof s.type === 'string' ? [s.type] : undefined;
  if (!types) return new Set('items' in s || 'prefixItems' in s ? ['array'] : 'properties' in s ? ['object'] : VALUE_KINDS);
  return new Set(types.map((t): ValueKind => (t === 'array' ? 'array' : t === 'object' ? 'object' : 'primitive')));
}

/**
 * How one kind of value is written on the wire with a style and explode
 * (the OpenAPI style table): one value is `name=value` whatever a form-like
 * style's explode; `explode` changes arrays for form, space- and
 * pipe-delimited and matrix styles, and objects for every style but
 * `deepObject`; space- and pipe-delimited exploded are written as form
 * exploded.
 */
function wireFormat(style: string, explode: boolean, kind: ValueKind): string {
  const delimited = style === 'spaceDelimited' || style === 'pipeDelimited';
  const s = delimited && explode ? 'form' : style;
  if (kind === 'primitive') return delimited ? 'form' : s;
  if (s === 'deepObject' || (kind === 'array' && (s === 'simple' || s === 'label'))) return s;
  return `${s}${explode ? ' exploded' : ''}`;
}

/**
 * How a parameter's serialisation changed on the wire, or undefined when a
 * value both versions accept is written the same way: `style: form,
 * explode: true` made explicit in a query is no change, nor is `explode`
 * changed on a `simple` path parameter of type string; a `schema` moved
 * into `content` (or another media type) always is.
 */
function styleChange(base: Spec, bp: OpenAPIV3.ParameterObject, head: Spec, hp: OpenAPIV3.ParameterObject): string | undefined {
  const b = serialisation(bp);
  const h = serialisation(hp);
  const show = (s: typeof b) => ('content' in s ? `as ${s.content} content` : `style ${s.style}, explode ${String(s.explode)}`);
  if ('content' in b || 'content' in h) return 'content' in b && 'content' in h && b.content === h.content ? undefined : `${show(b)} becomes ${show(h)}`;
  const bk = kindsOf(base, bp.schema);
  const hk = kindsOf(head, hp.schema);
  const differ = VALUE_KINDS.filter((k) => bk.has(k) && hk.has(k) && wireFormat(b.style, b.explode, k) !== wireFormat(h.style, h.explode, k));
  const plural: Record<ValueKind, string> = { primitive: 'single values', array: 'arrays', object: 'objects' };
  return differ.length === 0 ? undefined : `${show(b)} becomes ${show(h)} (${differ.map((k) => plural[k]).join(', ')} change)`;
}
