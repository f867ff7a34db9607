import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Dispatcher, Pool } from 'undici';

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
}

/** Raised when the upstream fails; `sent` says whether the client already has the status line. */
export class ForwardError extends Error {
  constructor(override readonly cause: Error & { code?: string }, readonly sent: boolean) {
    super(cause.message);
  }
}

/**
 * Sends one request upstream with undici's `dispatch` and streams the answer
 * to `res` as it arrives (headers first, then each chunk, with backpressure),
 * keeping a bounded copy of the body. Resolves when the client has the whole
 * response (or, in hold mode, when the whole body is held).
 */
export function forward(pool: Pool, res: ServerResponse, options: ForwardOptions): Promise<Forwarded & { written: boolean; diverted?: boolean }> {
  return new Promise((resolve, reject) => {
    let controller: Dispatcher.DispatchController | undefined;
    let result: Forwarded | undefined;
    let kept = 0;
    let streaming = false;
    let done = false;
    const onClose = () => {
      if (!done) controller?.abort(new Error('the client closed the connection'));
    };
    res.once('close', onClose);
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      res.off('close', onClose);
      if (error) reject(new ForwardError(error, res.headersSent));
      else resolve({ ...(result as Forwarded), written: streaming });
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
      },
      onResponseStart(c, statusCode, headers) {
        if (statusCode < 200) return; // 1xx: informational, the final answer follows
        if (options.divert?.(statusCode)) {
          done = true;
          res.off('close', onClose);
          c.abort(new Error('diverted'));
          resolve({ status: statusCode, headers: headers as IncomingHttpHeaders, chunks: [], tooLarge: false, written: false, diverted: true });
          return;
        }
        result = { status: statusCode, headers: headers as IncomingHttpHeaders, chunks: [], tooLarge: false };
        if (!options.hold) startStreaming();
      },
      onResponseData(c, chunk) {
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
        if (streaming) res.end();
        finish();
      },
      onResponseError(_c, error) {
        finish(error);
      },
    };
    pool.dispatch({ path: options.path, method: options.method as Dispatcher.HttpMethod, headers: options.headers, body: options.body as never }, handler);
  });
}
