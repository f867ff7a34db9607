import http, { type ServerResponse } from 'node:http';
import { Pool, errors as undiciErrors } from 'undici';
import { SwornError } from '../errors.js';
import { ClientGoneError, DeadlineError, forward, ForwardError, InvalidStatusError, type Forwarded, type ForwardOptions } from './forward.js';

/** What sending a request upstream came to. */
export type Sent =
  | { kind: 'answered'; upstream: Forwarded & { written: boolean } }
  /** The client went away (or the upstream broke off a response under way: `brokeOff`). */
  | { kind: 'gone'; brokeOff: boolean; code: string | undefined }
  /** The request cannot be written as HTTP (e.g. a header value undici refuses): the client's fault. */
  | { kind: 'unsendable'; detail: string }
  /** The upstream failed before answering: the proxy answers 502 or 504. */
  | { kind: 'failed'; status: 502 | 504; timeout: boolean; detail: string; code: string | undefined };

export interface UpstreamOptions {
  url: string;
  /** Sockets of the main pool (default 128). */
  connections?: number;
  /** No response headers within this of the request's arrival -> 504. */
  timeoutMs: number;
  /** A running mock to serve what the upstream answers 501 for or cannot be reached for. */
  fallback?: string;
}

const IS_501 = (status: number) => status === 501;

/** Methods whose requests may be sent twice (RFC 9110 §9.2.2), when the body can be replayed. */
const SAFE_TO_REPEAT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/**
 * One upstream service: its connection pools, base path, mock fallback and
 * upgrade agent. Requests with no body or a body read whole take the main
 * pool; uploads that stream (over --max-body) take a pool of their own, a
 * quarter the size, so slow uploaders cannot pin every upstream socket; a
 * request repeated after a stale keep-alive socket failed goes on a
 * connection of its own.
 */
export class Upstream {
  readonly url: URL;
  readonly basePath: string;
  readonly timeoutMs: number;
  /** Upgrades hold their upstream socket for the tunnel's life: as many at most as the main pool has. */
  readonly upgradeAgent: http.Agent;
  private readonly pool: Pool;
  private readonly uploadPool: Pool;
  private readonly retryPool: Pool;
  private readonly fallbackPool: Pool | undefined;
  /** How a request safe to repeat is repeated, one object per operation (none made per request). */
  private readonly retries = new Map<string, NonNullable<ForwardOptions['retry']>>();

  constructor(options: UpstreamOptions, private readonly onRetry: (operationId: string | undefined) => void) {
    this.url = parseUpstream(options.url);
    this.timeoutMs = options.timeoutMs;
    this.basePath = this.url.pathname.replace(/\/+$/, '');
    const connections = options.connections ?? 128;
    const poolOptions = { pipelining: 1, keepAliveTimeout: 4_000, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs };
    this.pool = new Pool(this.url.origin, { ...poolOptions, connections });
    this.uploadPool = new Pool(this.url.origin, { ...poolOptions, connections: Math.max(1, Math.floor(connections / 4)) });
    this.retryPool = new Pool(this.url.origin, { ...poolOptions, connections: Math.max(1, Math.floor(connections / 8)) });
    this.fallbackPool = options.fallback ? new Pool(new URL(options.fallback).origin, { connections: 32, pipelining: 1, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs }) : undefined;
    this.upgradeAgent = new http.Agent({ keepAlive: false, maxSockets: connections });
  }

  private retryFor(operationId: string | undefined): NonNullable<ForwardOptions['retry']> {
    const key = operationId ?? '';
    let retry = this.retries.get(key);
    if (!retry) this.retries.set(key, (retry = { dispatcher: this.retryPool, onRetry: () => this.onRetry(operationId) }));
    return retry;
  }

  /** Sends the request and streams (or holds) the answer; never throws. */
  async send(res: ServerResponse, request: Omit<ForwardOptions, 'deadlineMs' | 'retry' | 'divert'> & { operationId: string | undefined }): Promise<Sent> {
    const replayable = request.body === null || Buffer.isBuffer(request.body);
    // The mock fallback can only take requests whose body can be sent again.
    const fallback = replayable ? this.fallbackPool : undefined;
    // One options object per request, built once.
    const options: ForwardOptions = {
      path: this.basePath + request.path,
      method: request.method,
      headers: request.headers,
      body: request.body,
      keep: request.keep,
      hold: request.hold,
      outgoing: request.outgoing,
      deadlineMs: this.timeoutMs,
      ...(replayable && SAFE_TO_REPEAT.has(request.method) ? { retry: this.retryFor(request.operationId) } : {}),
      ...(fallback ? { divert: IS_501 } : {}),
    };
    try {
      if (!fallback) return { kind: 'answered', upstream: await forward(replayable ? this.pool : this.uploadPool, res, options) };
      const { retry: _retry, divert: _divert, ...plain } = options; // the mock is asked once, and its 501 is an answer
      const viaFallback = () => forward(fallback, res, { ...plain, path: request.path });
      let upstream = await forward(this.pool, res, options).catch((error: unknown) => {
        if (unreachable(error)) return viaFallback();
        throw error;
      });
      if (upstream.diverted) upstream = await viaFallback();
      return { kind: 'answered', upstream };
    } catch (error) {
      return this.failure(error, res);
    }
  }

  private failure(error: unknown, res: ServerResponse): Sent {
    const cause = error instanceof ForwardError ? error.cause : (error as Error & { code?: string });
    if (cause instanceof ClientGoneError || res.destroyed || (error instanceof ForwardError && error.sent)) {
      return { kind: 'gone', brokeOff: error instanceof ForwardError && error.sent && !res.destroyed, code: cause.code };
    }
    if (cause.code === 'UND_ERR_INVALID_ARG' || cause.name === 'InvalidArgumentError') return { kind: 'unsendable', detail: `the request cannot be forwarded: ${cause.message}` };
    const timeout = cause instanceof DeadlineError || cause instanceof undiciErrors.HeadersTimeoutError || cause.code === 'UND_ERR_HEADERS_TIMEOUT' || cause.code === 'UND_ERR_CONNECT_TIMEOUT';
    const detail = timeout ? `the upstream sent no response within ${this.timeoutMs} ms` : cause instanceof InvalidStatusError ? cause.message : `the upstream could not be reached or reset the connection (${cause.code ?? cause.message})`;
    return { kind: 'failed', status: timeout ? 504 : 502, timeout, detail, code: cause.code };
  }

  async close(): Promise<void> {
    this.upgradeAgent.destroy();
    await Promise.all([this.pool, this.uploadPool, this.retryPool, ...(this.fallbackPool ? [this.fallbackPool] : [])].map((p) => p.close().catch(() => undefined)));
  }
}

export function parseUpstream(text: string): URL {
  try {
    const url = new URL(text);
    if (!/^https?:$/.test(url.protocol)) throw new Error('not http');
    return url;
  } catch {
    throw new SwornError('SWORN_ERR_USAGE', `--upstream ${JSON.stringify(text)} is not an http(s) URL`, { hint: 'Write e.g. --upstream http://127.0.0.1:8080' });
  }
}

/** The upstream could not take the request at all (nothing was sent back): the mock fallback may serve it. */
function unreachable(error: unknown): boolean {
  if (!(error instanceof ForwardError) || error.sent) return false;
  const code = error.cause.code ?? '';
  return ['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT'].includes(code);
}
