import type { IncomingMessage } from 'node:http';
import type { Reading, RequestTarget } from '../router/index.js';
import type { CompiledOperation } from '../validate/index.js';
import type { Contract } from './contract.js';
import { headerCount, headerString, headerTokens } from './headers.js';

/** A request the proxy answers itself, before routing: why, and with what. */
export interface Refusal {
  reason: string;
  status: number;
  title: string;
  detail: string;
}

/** Why a request cannot be forwarded as framed, answered before routing (RFC 9112 §3.2, §6.1). */
export function framingProblem(req: IncomingMessage, target: RequestTarget): Refusal | undefined {
  if (target.form === 'invalid') return { reason: 'request-target', status: 400, title: 'Bad Request', detail: 'the request target is neither a path nor an absolute URL' };
  if (headerCount(req.rawHeaders, 'host') > 1) return { reason: 'duplicate-host', status: 400, title: 'Bad Request', detail: 'the request has more than one Host header (RFC 9112 §3.2)' };
  // Singletons sent twice would be checked on one value and read by the upstream on another.
  for (const name of ['content-type', 'authorization']) {
    if (req.headers[name] !== undefined && headerCount(req.rawHeaders, name) > 1) return { reason: 'duplicate-header', status: 400, title: 'Bad Request', detail: `the request has more than one ${name} header` };
  }
  const te = req.headers['transfer-encoding'];
  if (te !== undefined) {
    const codings = [...headerTokens(te)];
    if (codings.length !== 1 || codings[0] !== 'chunked') return { reason: 'transfer-coding', status: 501, title: 'Not Implemented', detail: `the transfer coding ${JSON.stringify(headerString(te))} is not supported: only chunked (send Content-Encoding for compressed bodies)` };
  }
  return undefined;
}

/** Where a request goes in the contract. */
export interface Route {
  /** The operation's validators; undefined when no operation matches. */
  operation: CompiledOperation | undefined;
  /** Path parameters (percent-decoded). */
  params: Record<string, string>;
  /** The path as it may be stored: an unknown path has secret-looking values masked. */
  path: string;
  /** Readings servers disagree on that the match needed (a finding: `request-path-ambiguous`). */
  readings: Reading[];
}

/** Matches method and path against the contract's operations. */
export function route(contract: Contract, method: string, target: RequestTarget): Route {
  const resolution = contract.router.resolve(method, target.path);
  const match = resolution.match;
  if (!match) return { operation: undefined, params: {}, path: contract.redactUnknownPath(target.path), readings: resolution.readings };
  return { operation: contract.validators(match.operation), params: match.params, path: target.path, readings: resolution.readings };
}
