import type { IncomingMessage } from 'node:http';
import { clearDeadline, watchDeadline } from './deadlines.js';

/** How a request body was read. */
export type BodyRead =
  /** No body (no Content-Length above 0, no Transfer-Encoding). */
  | { kind: 'none' }
  /** The whole body, within the limit: forwarded as one buffer, and the same bytes are checked. */
  | { kind: 'whole'; body: Buffer }
  /** Over the limit: what was read so far, then the rest as it arrives (forwarded unchecked). */
  | { kind: 'over'; stream: AsyncIterable<Buffer> }
  /** The client went away before its body ended. */
  | { kind: 'aborted' }
  /** The body did not arrive within the deadline. */
  | { kind: 'timeout' };

export function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
}

/**
 * Reads a request body up to `maxBody` bytes before anything goes upstream
 * (request buffering, as nginx does by default): a slow client holds only
 * its own buffer, never an upstream socket. The body must arrive within
 * `timeoutMs`; a body over the limit is handed on as a stream (its first
 * `maxBody` bytes, then the rest), after which the client may not stay idle
 * longer than `timeoutMs` between chunks.
 */
export function readBody(req: IncomingMessage, maxBody: number, timeoutMs: number): Promise<BodyRead> {
  if (!hasBody(req)) return Promise.resolve({ kind: 'none' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let settled = false;
    const settle = (outcome: BodyRead) => {
      if (settled) return;
      settled = true;
      clearDeadline(deadline);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      resolve(outcome);
    };
    const deadline = { due: performance.now() + timeoutMs, expire: () => settle({ kind: 'timeout' }) };
    watchDeadline(deadline);
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      chunks.push(chunk);
      if (bytes > maxBody) {
        req.pause();
        settle({ kind: 'over', stream: rest(req, chunks, timeoutMs) });
      }
    };
    const onEnd = () => settle({ kind: 'whole', body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks) });
    const onClose = () => settle({ kind: 'aborted' });
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('close', onClose);
    req.once('error', () => undefined); // a reset mid-body surfaces as 'close'
  });
}

async function* rest(req: IncomingMessage, head: Buffer[], idleMs: number): AsyncGenerator<Buffer> {
  for (const chunk of head) yield chunk;
  req.setTimeout(idleMs, () => req.destroy(new Error(`the client sent no body bytes for ${idleMs} ms`)));
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) yield chunk;
  } finally {
    req.setTimeout(0);
  }
}
