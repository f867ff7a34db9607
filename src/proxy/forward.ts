import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { clearDeadline, watchDeadline } from './deadlines.js';

/** What came back from the upstream. */
export interface Forwarded {
  status: number;
  headers: IncomingHttpHeaders;
  /** The kept copy of the body (up to the limit). */
  chunks: Buffer[];
  tooLarge: boolean;
}

export interface ForwardOptions {
  path: string;
  method: string;
  headers: Record<string, string | string[]>;
  body: Buffer | AsyncIterable<Buffer> | null;
  /** Bytes of the response body to keep for validation; 0 keeps nothing. */
  keep: number;
  /**
   * Hold the response (up to `keep` bytes) instead of streaming it: the caller
   * writes it after checking. A body over the limit starts streaming anyway.
   */
  hold: boolean;
  /** Response headers as they go to the client (hop-by-hop removed). */
  outgoing: (headers: IncomingHttpHeaders) => Record<string, string | string[]>;
  /** Statuses not to pass on (e.g. 501 for the mock fallback): the exchange is abandoned and resolves `diverted`. */
  divert?: (status: number) => boolean;
  /**
   * No response headers within this many ms of the call (waiting for a pooled
   * socket included) -> `DeadlineError`; the request is withdrawn, and never
   * sent if it was still queued. Watched only when the pool is busy; once
   * sent, the dispatcher's own headersTimeout (the same value) applies.
   */
  deadlineMs?: number;
  /**
   * Where to send the request again, once, when it failed before any
   * response byte on a connection the upstream had dropped (a stale
   * keep-alive socket). Only for requests that are safe to repeat: the caller
   * decides (idempotent method, replayable body).
   */
  retry?: { dispatcher: Dispatcher; onRetry: (error: Error & { code?: string }) => void };
}

/** Raised when the upstream fails; `sent` says whether the client already has the status line. */
export class ForwardError extends Error {
  constructor(override readonly cause: Error & { code?: string }, readonly sent: boolean) {
    super(cause.message);
  }
}

/** The per-request deadline passed before the upstream answered. */
export class DeadlineError extends Error {
  readonly code = 'SWORN_UPSTREAM_DEADLINE';
}

/** The client went away: the upstream request was withdrawn (or never sent). */
export class ClientGoneError extends Error {
  readonly code = 'SWORN_CLIENT_GONE';
}

/** The upstream's status line is not HTTP (e.g. 999): the answer is not passed on. */
export class InvalidStatusError extends Error {
  readonly code = 'SWORN_UPSTREAM_INVALID_STATUS';
}

/** Failures that mean the connection was gone before the request got an answer: safe to repeat an idempotent request. */
const STALE_SOCKET = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED']);

/**
 * Sends one request upstream with undici's `dispatch` and streams the answer
 * to `res` as it arrives (headers first, then each chunk, with backpressure),
 * keeping a bounded copy of the body. Resolves when the client has the whole
 * response (or, in hold mode, when the whole body is held).
 *
 * If the client goes away, the upstream request is aborted, or withdrawn
 * before it is sent when it still waits for a socket: no ghost requests.
 */
export function forward(dispatcher: Dispatcher, res: ServerResponse, options: ForwardOptions): Promise<Forwarded & { written: boolean; diverted?: boolean; retried: boolean }> {
  return new Promise((resolve, reject) => {
    let controller: Dispatcher.DispatchController | undefined;
    let result: Forwarded | undefined;
    let kept = 0;
    let streaming = false;
    let done = false;
    let retried = false;
    /** Set once the exchange is over for us: a request still queued is withdrawn when its turn comes. */
    let withdrawn: Error | undefined;
    const withdraw = (error: Error) => {
      withdrawn = error;
      controller?.abort(error);
      finish(error);
    };
    const onClose = () => {
      if (!done) withdraw(new ClientGoneError('the client closed the connection'));
    };
    res.once('close', onClose);
    const deadline = options.deadlineMs !== undefined && options.deadlineMs > 0
      ? { due: performance.now() + options.deadlineMs, expire: () => {
        if (!result && !done) withdraw(new DeadlineError(`no response within ${options.deadlineMs} ms`));
      } }
      : undefined;
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      if (deadline) clearDeadline(deadline);
      res.off('close', onClose);
      if (error) reject(new ForwardError(error, res.headersSent));
      else resolve({ ...(result as Forwarded), written: streaming, retried });
    };
    const startStreaming = () => {
      const r = result as Forwarded;
      streaming = true;
      res.writeHead(r.status, options.outgoing(r.headers));
      for (const chunk of r.chunks) res.write(chunk);
      if (r.tooLarge) r.chunks = [];
    };
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (withdrawn) c.abort(withdrawn); // its turn came after the client left or the deadline passed: never sent
      },
      onResponseStart(c, statusCode, headers) {
        if (done) return;
        if (statusCode < 200) return; // 1xx: informational, the final answer follows
        if (deadline) clearDeadline(deadline);
        if (statusCode > 599) {
          withdrawn = new InvalidStatusError(`the upstream answered with status ${statusCode}, which is not an HTTP status (100-599)`);
          c.abort(withdrawn);
          finish(withdrawn);
          return;
        }
        if (options.divert?.(statusCode)) {
          done = true;
          res.off('close', onClose);
          c.abort(new Error('diverted'));
          resolve({ status: statusCode, headers: headers as IncomingHttpHeaders, chunks: [], tooLarge: false, written: false, diverted: true, retried });
          return;
        }
        result = { status: statusCode, headers: headers as IncomingHttpHeaders, chunks: [], tooLarge: false };
        if (!options.hold) startStreaming();
      },
      onResponseData(c, chunk) {
        if (done) return;
        const r = result as Forwarded;
        if (!r.tooLarge && options.keep > 0) {
          kept += chunk.length;
          if (kept > options.keep) {
            r.tooLarge = true;
            if (!streaming) startStreaming(); // over the limit: stop holding, the body goes through unchecked
            r.chunks = [];
          } else r.chunks.push(chunk);
        }
        if (streaming && !res.write(chunk)) {
          c.pause();
          res.once('drain', () => c.resume());
        }
      },
      onResponseEnd() {
        if (done) return;
        if (streaming) res.end();
        finish();
      },
      onResponseError(_c, error: Error & { code?: string }) {
        if (done) return;
        if (!result && !withdrawn && !retried && options.retry && STALE_SOCKET.has(error.code ?? '')) {
          // Nothing came back and nothing was passed on: send it once more, on a fresh connection.
          retried = true;
          controller = undefined;
          options.retry.onRetry(error);
          options.retry.dispatcher.dispatch({ ...request, reset: true }, handler); // reset: a connection of its own, closed after
          return;
        }
        finish(error);
      },
    };
    const request: Dispatcher.DispatchOptions = { path: options.path, method: options.method as Dispatcher.HttpMethod, headers: options.headers, body: options.body as never };
    // undici's headersTimeout counts once the request is sent; only a request that has to wait for a socket
    // (dispatch says the pool is busy) needs the deadline watched from here.
    if (!dispatcher.dispatch(request, handler) && deadline && !done && !result) watchDeadline(deadline);
  });
}
