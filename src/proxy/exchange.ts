import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseTarget, type RequestTarget } from '../router/index.js';
import type { Violation } from '../validate/violation.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Contract } from './contract.js';
import type { Upstream } from './upstream.js';
import { hasBody, readBody, type BodyRead } from './body.js';
import { backwardHeaders, forwardHeaders } from './headers.js';
import { sendProblem, violationList, violationsHeader } from '../http/problem.js';
import { framingProblem, route, type Refusal } from './route.js';
import { ambiguity, blocks, challengeFor, checkedHeaders, checkRequest, checkResponse, everyRequestViolation, parametersSent, refusalStatus, unknownRouteFinding, type RequestFacts } from './checks.js';
import { requestSample, responseSample } from './samples.js';
import { ended, record, requestIdOf, type Exchange, type Recorder } from './record.js';
import type { FaultRegistry, Injection } from '../faults/registry.js';
import { answerFault, FAULT_HEADER, faultIds, pause, writeFaulted } from '../faults/apply.js';
import { exampleFor } from '../faults/examples.js';

/** How the proxy treats exchanges (fixed at start). */
export interface PipelineSettings {
  mode: 'observe' | 'enforce';
  /** Replace responses that break the contract with 502 (enforce mode). */
  enforceResponses: boolean;
  /** Add `Sworn-Violations` in observe mode too. */
  violationsHeader: boolean;
  maxBody: number;
  bodyTimeoutMs: number;
  /** Epoch ms (fractions allowed). */
  now: () => number;
  /** Faults injected on purpose (game days, `POST /faults`); none in force costs one length check. */
  faults?: FaultRegistry;
}

/** One spec behind the proxy, as an exchange sees it. */
export interface ServiceView {
  /** The contract in force now; an exchange keeps the one it started with. */
  contract: Contract;
  upstream: Upstream;
  ledger: Ledger;
  recorder: Recorder;
}

const NO_BODY: BodyRead = { kind: 'none' };

/**
 * One exchange, top to bottom: refuse what cannot be framed, identify and
 * route, read the body, check the request (refused here in enforce mode),
 * forward, check the response (held and checked first when it may be
 * replaced or annotated), record. Recording happens once, when everything
 * about the exchange is known; checks of a streamed response run after the
 * client has it.
 */
export async function handleExchange(s: PipelineSettings, service: ServiceView, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const target = parseTarget(req.url ?? '/');
  const method = req.method ?? 'GET';
  const contract = service.contract;
  const refusal = refusalOf(req, method, target, contract);
  if (refusal) return refuse(service.ledger, res, refusal);

  const begun = begin(s, contract, req, method, target);
  const ex = begun instanceof Promise ? await begun : begun;
  const r = service.recorder;
  const operation = ex.operation;
  const enforce = s.mode === 'enforce' && operation !== undefined;
  const sample = () => requestSample(ex, req, contract.unknownRouteSecrets);
  // A CORS preflight the spec does not describe is the browser's, not the consumer's: forwarded, not a violation.
  const preflight = method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
  const unknownRoute = !operation && !preflight;
  const unknown = unknownRoute ? [unknownRouteFinding(method, ex.path)] : [];
  const readings = ex.readings;

  if (enforce && readings.length > 0) {
    return refuseRequest(r, res, ex, [ambiguity(operation, readings)], sample);
  }

  // The body (up to --max-body) is read before anything goes upstream: a slow client holds no upstream socket.
  const read: BodyRead = hasBody(req) ? await readBody(req, s.maxBody, s.bodyTimeoutMs) : NO_BODY;
  if (read.kind === 'aborted') return record(r, ex, 499, 'client-abort', unknown, { sample, unknownRoute }); // the client went away mid-body
  if (read.kind === 'timeout') {
    res.setHeader('connection', 'close');
    sendProblem(res, 408, 'Request Timeout', `the request body did not arrive within ${s.bodyTimeoutMs} ms`);
    res.once('finish', () => req.destroy());
    return record(r, ex, 408, 'response', unknown, { sample, unknownRoute });
  }
  ex.hadBody = read.kind !== 'none';
  ex.bodyTooLarge = read.kind === 'over';
  ex.body = read.kind === 'whole' ? read.body : undefined;
  const facts = (op: NonNullable<typeof operation>): RequestFacts => ({ operation: op, params: ex.params, query: ex.query, headers: req.headers, body: ex.hadBody ? ex.body ?? Buffer.alloc(0) : undefined, bodyTooLarge: ex.bodyTooLarge });
  const requestChecks = async (): Promise<Violation[]> => (operation ? checkRequest(facts(operation), readings, s.maxBody) : unknown);
  const parameters = () => (operation ? parametersSent(operation, ex.query, req.headers) : undefined);

  let requestViolations: Violation[] | undefined;
  if (enforce) {
    requestViolations = await requestChecks();
    const blocking = requestViolations.filter(blocks);
    if (blocking.length > 0) {
      // The refusal names every violation (a second, thorough check: refusals only); the record keeps the first check's findings.
      const named = (await everyRequestViolation(contract, facts(operation), readings, s.maxBody, requestViolations)).filter(blocks);
      return refuseRequest(r, res, ex, requestViolations, sample, blocking, parameters(), named, req);
    }
  }

  // Faults apply to requests that reach the upstream: a refused request was never going to.
  const injection = operation ? s.faults?.decide(operation.operation.id, ex.consumer.name, ex.consumer.tier) : undefined;
  const injected = injection ? { injected: injection.faults.map((f) => f.kind) } : {};
  if (injection) {
    res.setHeader(FAULT_HEADER, faultIds(injection));
    if (injection.addMs > 0 && !(await pause(injection.addMs, res))) return record(r, ex, 499, 'client-abort', requestViolations ?? unknown, { sample, ...injected });
    if (injection.answer) {
      const answered = await answerFault(req, res, injection, injection.answer.kind === 'error' ? exampleFor(contract.spec, operation!.operation, injection.answer.status) : undefined);
      ended(ex, r.clock);
      const violations = requestViolations ?? (await requestChecks().catch(() => unknown));
      return record(r, ex, answered.status, answered.outcome, violations, { sample, ...withParameters(parameters), ...injected });
    }
  }
  const reshape = injection !== undefined && (injection.factor > 1 || injection.truncate !== undefined || injection.bytesPerSecond !== undefined);
  const hold = operation !== undefined && (enforce || s.violationsHeader || reshape);
  const sentAt = performance.now();
  const sent = await service.upstream.send(res, {
    operationId: operation?.operation.id,
    path: ex.target.originForm,
    method,
    headers: forwardHeaders(req, target.host, () => checkedHeaders(operation)),
    body: read.kind === 'whole' ? read.body : read.kind === 'over' ? read.stream : null,
    keep: operation ? s.maxBody : 0,
    hold,
    outgoing: backwardHeaders,
  });

  if (sent.kind === 'gone') {
    if (sent.brokeOff) {
      // The upstream broke off a response already under way.
      r.failureLog.error({ requestId: requestIdOf(ex), code: sent.code }, 'the upstream broke off the response body');
      res.destroy();
      return record(r, ex, 502, 'upstream-error', requestViolations ?? unknown, { sample, unknownRoute, ...injected });
    }
    return record(r, ex, 499, 'client-abort', requestViolations ?? unknown, { sample, unknownRoute, ...injected });
  }
  if (sent.kind === 'unsendable') {
    const finding: Violation[] = operation ? [{ code: 'request-parameter-invalid', operationId: operation.operation.id, direction: 'request', location: 'header', pointer: '', keyword: null, message: sent.detail }] : [];
    sendProblem(res, 400, 'Bad Request', sent.detail);
    return record(r, ex, 400, 'response', [...(requestViolations ?? unknown), ...finding], { sample, unknownRoute });
  }
  if (sent.kind === 'failed') {
    r.failureLog.error({ requestId: requestIdOf(ex), upstream: service.upstream.url.origin, code: sent.code, status: sent.status }, sent.detail);
    sendProblem(res, sent.status, sent.timeout ? 'Gateway Timeout' : 'Bad Gateway', sent.detail, { requestId: ex.requestId });
    ended(ex, r.clock);
    const violations = requestViolations ?? (await requestChecks().catch(() => unknown));
    return record(r, ex, sent.status, sent.timeout ? 'timeout' : 'upstream-error', violations, { sample, unknownRoute, ...withParameters(parameters), ...injected });
  }

  const upstream = sent.upstream;
  if (!operation) {
    ended(ex, r.clock);
    return record(r, ex, upstream.status, 'response', unknown, { sample, unknownRoute });
  }
  const fullSample = () => ({ ...sample(), ...responseSample(operation, upstream) });
  if (hold && !upstream.written) {
    // The whole response is held: check it, then announce, replace or pass it.
    requestViolations ??= await requestChecks();
    const responseViolations = await checkResponse(operation, method, upstream, s.maxBody);
    if (enforce && s.enforceResponses && responseViolations.some((v) => v.code !== 'not-validated')) { // a response too large or compressed past the limit passes unchecked
      sendProblem(res, 502, 'Bad Gateway', `the upstream's response breaks the API contract of ${operation.operation.id}`, { operationId: operation.operation.id, violations: violationList(responseViolations), requestId: requestIdOf(ex) });
      return record(r, ex, 502, 'response', [...requestViolations, ...responseViolations], { sample: fullSample, ...withParameters(parameters), ...injected });
    }
    const outgoing = backwardHeaders(upstream.headers);
    const announced = [...requestViolations, ...responseViolations];
    if (announced.length > 0 && (enforce || s.violationsHeader)) outgoing['sworn-violations'] = violationsHeader(announced);
    if (reshape) {
      const whole = await reshaped(res, upstream.status, outgoing, upstream.chunks, injection!, performance.now() - sentAt);
      return record(r, ex, whole ? upstream.status : 502, whole ? 'response' : 'upstream-error', announced, { sample: fullSample, ...withParameters(parameters), ...injected });
    }
    res.writeHead(upstream.status, outgoing);
    for (const chunk of upstream.chunks) res.write(chunk);
    res.end();
    return record(r, ex, upstream.status, 'response', announced, { sample: fullSample, ...withParameters(parameters), ...injected });
  }

  // The exchange is over for the client; check it now, off its critical path.
  ended(ex, r.clock);
  requestViolations ??= await requestChecks();
  const responseViolations = await checkResponse(operation, method, upstream, s.maxBody);
  record(r, ex, upstream.status, 'response', [...requestViolations, ...responseViolations], { sample: fullSample, ...withParameters(parameters), ...injected });
}

/**
 * A held response with body-side faults: first the stretch (the upstream's
 * own time `upstreamMs` times the factor, less what it took), then the body
 * cut or paced. False when the client did not get the whole body.
 */
async function reshaped(res: ServerResponse, status: number, headers: Record<string, string | string[]>, chunks: Buffer[], injection: Injection, upstreamMs: number): Promise<boolean> {
  if (injection.factor > 1 && !(await pause(upstreamMs * (injection.factor - 1), res))) return false;
  return writeFaulted(res, status, headers, chunks, injection);
}

function withParameters(parameters: () => string[] | undefined): { parameters?: string[] } {
  const p = parameters();
  return p && p.length > 0 ? { parameters: p } : {};
}

/** Requests answered before routing: `OPTIONS *`, malformed targets and framing. */
function refusalOf(req: IncomingMessage, method: string, target: RequestTarget, contract: Contract): (Refusal & { headers?: Record<string, string> }) | undefined {
  if (target.form === 'asterisk') {
    // `OPTIONS *` asks about the server, not a resource (RFC 9110 §9.3.7): answered here, for the methods the spec declares.
    if (method === 'OPTIONS') return { reason: 'options-asterisk', status: 200, title: 'OK', detail: '', headers: { allow: contract.declaredMethods } };
    return { reason: 'request-target', status: 400, title: 'Bad Request', detail: `the request target * is only for OPTIONS, not ${method}` };
  }
  return framingProblem(req, target);
}

function refuse(ledger: Ledger, res: ServerResponse, refusal: Refusal & { headers?: Record<string, string> }): void {
  ledger.refused(refusal.reason);
  for (const [name, value] of Object.entries(refusal.headers ?? {})) res.setHeader(name, value);
  if (refusal.status < 400) {
    res.writeHead(refusal.status, { 'content-length': 0 });
    res.end();
    return;
  }
  res.setHeader('connection', 'close');
  sendProblem(res, refusal.status, refusal.title, refusal.detail);
}

/**
 * Enforce mode: the request breaks the contract and goes no further. The
 * answer names `named` (every violation, when a thorough check found more
 * than `blocking`); a 401 carries `WWW-Authenticate`.
 */
function refuseRequest(r: Recorder, res: ServerResponse, ex: Exchange, violations: Violation[], sample: () => object, blocking = violations, parameters?: string[], named = blocking, req?: IncomingMessage): void {
  const { status, title } = refusalStatus(blocking);
  const id = ex.operation!.operation.id;
  const detail = status === 500 ? `the schemas of ${id} cannot be compiled, so the request is not checked and not forwarded (enforce mode); run \`sworn lint\`` : `the request breaks the API contract of ${id} (${named.length} violation${named.length === 1 ? '' : 's'})`;
  const challenge = status === 401 && req ? challengeFor(ex.operation!, ex.query, req.headers) : undefined;
  if (challenge !== undefined) res.setHeader('www-authenticate', challenge);
  sendProblem(res, status, title, detail, { operationId: id, violations: violationList(named), requestId: requestIdOf(ex) });
  record(r, ex, status, 'response', violations, { sample, ...(parameters && parameters.length > 0 ? { parameters } : {}) });
}

/** Identification and routing: the exchange record. JWT verification is the only asynchronous way to identify. */
export function begin(s: PipelineSettings, contract: Contract, req: IncomingMessage, method: string, target: RequestTarget): Exchange | Promise<Exchange> {
  const started = performance.now();
  const at = s.now();
  const requestIdHeader = req.headers['x-request-id'];
  const requestId = typeof requestIdHeader === 'string' && requestIdHeader.length <= 200 ? requestIdHeader : '';
  const where = route(contract, method, target);
  const made = (consumer: Exchange['consumer']): Exchange => ({ started, at, requestId, method, target, path: where.path, query: target.query, params: where.params, operation: where.operation, consumer, body: undefined, hadBody: false, bodyTooLarge: false, readings: where.readings });
  const identified = contract.identifier.identify(req, target.originForm);
  return identified instanceof Promise ? identified.then(made) : made(identified);
}
