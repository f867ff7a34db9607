import type { IncomingHttpHeaders } from 'node:http';
import type { Reading } from '../router/index.js';
import type { Operation } from '../spec/operations.js';
import type { Spec } from '../spec/load-spec.js';
import { EVERY_ERROR_MAX_BODY, lazyValidators, SchemaCompiler, validateRequest, validateResponse, wwwAuthenticate, type CompiledOperation, type OperationValidators } from '../validate/index.js';
import type { Violation } from '../validate/violation.js';
import type { Forwarded } from './forward.js';

/** What the request checks read. */
export interface RequestFacts {
  operation: CompiledOperation;
  params: Record<string, string>;
  query: string;
  headers: IncomingHttpHeaders;
  /** undefined: the request had no body. */
  body: Buffer | undefined;
  bodyTooLarge: boolean;
}

/** The request's findings: path ambiguity first, then parameters, security and body. */
export async function checkRequest(facts: RequestFacts, readings: Reading[], maxBody: number): Promise<Violation[]> {
  const op = facts.operation;
  const found = op.broken !== undefined ? [uncompiled(op, 'request', op.broken)] : await validateRequest(op, { params: facts.params, query: facts.query, headers: facts.headers, body: facts.body, bodyTooLarge: facts.bodyTooLarge, maxDecoded: maxBody }).catch((error: Error) => [uncompiled(op, 'request', error.message)]);
  return readings.length > 0 ? [ambiguity(op, readings), ...found] : found;
}

/** The validators that name every schema error (ajv `allErrors`), per contract: made at its first refusal that needs them. */
const thorough = new WeakMap<object, OperationValidators>();

/**
 * Enforce mode's refusal names every violation: when the request's
 * findings include a schema's (checked with the lean validators, which stop
 * at a schema's first error), the request is checked again with validators
 * that report every error, compiled on this path only. Valid requests never
 * come here. Falls back to `found` when that check cannot run.
 */
export async function everyRequestViolation(contract: { spec: Spec; operations: readonly Operation[] }, facts: RequestFacts, readings: Reading[], maxBody: number, found: Violation[]): Promise<Violation[]> {
  if (facts.operation.broken !== undefined || !found.some((v) => v.code === 'request-parameter-invalid' || v.code === 'request-body-invalid')) return found;
  if (facts.body !== undefined && facts.body.length > EVERY_ERROR_MAX_BODY) return found; // see EVERY_ERROR_MAX_BODY
  let validators = thorough.get(contract);
  if (!validators) thorough.set(contract, (validators = lazyValidators(contract.spec, contract.operations, { compiler: new SchemaCompiler(contract.spec, { allErrors: true }) })));
  try {
    const again = await validateRequest(validators.get(facts.operation.operation), { params: facts.params, query: facts.query, headers: facts.headers, body: facts.body, bodyTooLarge: facts.bodyTooLarge, maxDecoded: maxBody }, { everyError: true });
    return readings.length > 0 ? [ambiguity(facts.operation, readings), ...again] : again;
  } catch {
    return found;
  }
}

/** The `WWW-Authenticate` of a 401 refusal: a challenge per credential the request lacks. */
export function challengeFor(operation: CompiledOperation, query: string, headers: IncomingHttpHeaders): string | undefined {
  return wwwAuthenticate(operation, { headers, query });
}

/** The response's findings (status, headers, body). */
export async function checkResponse(operation: CompiledOperation, method: string, upstream: Forwarded, maxBody: number): Promise<Violation[]> {
  if (operation.broken !== undefined) return [uncompiled(operation, 'response', operation.broken)];
  const bodyless = method === 'HEAD' || upstream.status === 204 || upstream.status === 304;
  return validateResponse(operation, { status: upstream.status, headers: upstream.headers, body: concat(upstream.chunks), bodyTooLarge: upstream.tooLarge, bodyless, maxDecoded: maxBody }).catch((error: Error) => [uncompiled(operation, 'response', error.message)]);
}

/**
 * A schema of the operation cannot be compiled (validators are compiled on
 * first use; `sworn lint` finds such schemas before): nothing was checked.
 * Enforce mode refuses the request rather than forward it unchecked.
 */
function uncompiled(operation: CompiledOperation, direction: 'request' | 'response', why: string): Violation {
  return { code: 'not-validated', operationId: operation.operation.id, direction, location: 'body', pointer: '', keyword: 'schemaCompile', message: `not-validated: the operation's schemas cannot be compiled (${why.split('\n')[0]}); run \`sworn lint\`` };
}

/** The finding for a path that only matches under a reading servers disagree on. */
export function ambiguity(operation: CompiledOperation, readings: Reading[]): Violation {
  return {
    code: 'request-path-ambiguous',
    operationId: operation.operation.id,
    direction: 'request',
    location: 'path',
    pointer: operation.operation.path, // the template, not the path as sent (it may carry secret values)
    keyword: null,
    message: `the path matches ${operation.operation.id} only if the server reads it with ${readings.join(', ')}; servers disagree on that (see docs/proxy.md#paths)`,
  };
}

export function unknownRouteFinding(method: string, path: string): Violation {
  return { code: 'unknown-route', operationId: null, direction: 'request', location: 'route', pointer: path, keyword: null, message: `no operation matches ${method} ${path}; forwarded unchecked` };
}

/**
 * In enforce mode, what refuses a request: every finding but a body too
 * large to keep (forwarded unchecked, as documented); a body that cannot be
 * decoded, or decodes past --max-body, is refused too (it would reach the
 * upstream unchecked).
 */
export function blocks(v: Violation): boolean {
  return v.code !== 'not-validated' || v.keyword === 'contentEncoding' || v.keyword === 'maxDecodedLength' || v.keyword === 'schemaCompile';
}

/**
 * 500 when the operation's schemas cannot be compiled, 401 when only
 * credentials are missing, 415 when only the body's coding or a body the
 * operation takes none of stands in the way, 413 when only its decoded
 * size does, else 400.
 */
export function refusalStatus(violations: Violation[]): { status: number; title: string } {
  if (violations.some((v) => v.keyword === 'schemaCompile')) return { status: 500, title: 'Internal Server Error' }; // the spec's fault, not the consumer's
  if (violations.every((v) => v.code === 'request-security')) return { status: 401, title: 'Unauthorized' };
  if (violations.every((v) => v.keyword === 'contentEncoding' || v.code === 'request-body-unexpected')) return { status: 415, title: 'Unsupported Media Type' };
  if (violations.every((v) => v.keyword === 'maxDecodedLength')) return { status: 413, title: 'Content Too Large' };
  return { status: 400, title: 'Bad Request' };
}

/**
 * Which of the operation's optional inputs a consumer sent (`query:limit`,
 * `header:x-trace`, `cookie:session`; path parameters are always sent), for
 * usage-aware diffs. Runs after the response, off the client's path.
 */
export function parametersSent(operation: CompiledOperation, query: string, headers: IncomingHttpHeaders): string[] {
  let queryKeys: Set<string> | undefined;
  let cookieNames: Set<string> | undefined;
  const sent: string[] = [];
  for (const p of operation.params) {
    let present = false;
    if (p.in === 'query') {
      queryKeys ??= new Set([...new URLSearchParams(query).keys()].map((k) => k.replace(/\[.*$/, '')));
      present = queryKeys.has(p.name);
    } else if (p.in === 'header') present = headers[p.name.toLowerCase()] !== undefined;
    else if (p.in === 'cookie') {
      cookieNames ??= new Set(String(headers.cookie ?? '').split(';').map((c) => c.split('=')[0]!.trim()).filter(Boolean));
      present = cookieNames.has(p.name);
    }
    if (present) sent.push(`${p.in}:${p.in === 'header' ? p.name.toLowerCase() : p.name}`);
  }
  return sent;
}

/** Headers the checks read, which a client's `Connection` header may not strip on the way upstream. */
const CHECKED_ALWAYS = ['host', 'content-type', 'content-length', 'content-encoding', 'authorization', 'cookie'];
const CHECKED_DEFAULT: ReadonlySet<string> = new Set(CHECKED_ALWAYS);
const checkedByOperation = new WeakMap<CompiledOperation, ReadonlySet<string>>();
export function checkedHeaders(op: CompiledOperation | undefined): ReadonlySet<string> {
  if (!op) return CHECKED_DEFAULT;
  let set = checkedByOperation.get(op);
  if (!set) {
    const names = [...CHECKED_ALWAYS, ...op.params.filter((p) => p.in === 'header').map((p) => p.name)];
    for (const alternative of op.security) for (const c of alternative) if (c.type === 'apiKey' && c.in === 'header' && c.name) names.push(c.name);
    checkedByOperation.set(op, (set = new Set(names)));
  }
  return set;
}

export function concat(chunks: Buffer[]): Buffer {
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}
