import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { problemBody } from '../http/problem.js';
import type { Injection } from './registry.js';

/** The header an answer a fault touched carries: the fault ids, so a consumer's logs show it was rehearsal. */
export const FAULT_HEADER = 'sworn-fault';

/** Waits `ms`, or less when the client goes away first; resolves true when the client is still there. */
export function pause(ms: number, res: ServerResponse): Promise<boolean> {
  if (ms <= 0) return Promise.resolve(!res.destroyed);
  return new Promise((resolve) => {
    const done = (here: boolean) => {
      clearTimeout(timer);
      res.off('close', gone);
      resolve(here);
    };
    const gone = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    res.once('close', gone);
  });
}

export function faultIds(injection: Injection): string {
  return injection.faults.map((f) => `${f.id}=${f.kind}`).join(', ');
}

/** How an answering fault ended, as the ledger records it. */
export interface Answered {
  status: number;
  outcome: 'response' | 'upstream-error' | 'timeout';
}

/**
 * Answers in the upstream's place: `error` with its status and body (the
 * given body, else `example`, else problem+json), `unavailable` 502,
 * `timeout` 504 after its wait, `reset` a reset connection (recorded as 502:
 * the client got no answer).
 */
export async function answerFault(req: IncomingMessage, res: ServerResponse, injection: Injection, example?: { body: string; contentType: string }): Promise<Answered> {
  const answer = injection.answer!;
  const ids = faultIds(injection);
  const send = (status: number, body: string, contentType: string) => {
    if (res.destroyed || res.headersSent) return;
    res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', [FAULT_HEADER]: ids });
    res.end(body);
  };
  switch (answer.kind) {
    case 'reset':
      req.socket.resetAndDestroy();
      return { status: 502, outcome: 'upstream-error' };
    case 'unavailable':
      send(502, problemBody(502, 'Bad Gateway', 'the upstream is unavailable (injected fault)', { fault: ids }), 'application/problem+json');
      return { status: 502, outcome: 'upstream-error' };
    case 'timeout':
      await pause(answer.afterMs, res);
      send(504, problemBody(504, 'Gateway Timeout', `no response within ${answer.afterMs} ms (injected fault)`, { fault: ids }), 'application/problem+json');
      return { status: 504, outcome: 'timeout' };
    case 'error': {
      if (answer.body !== undefined) {
        const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
        send(answer.status, text, answer.contentType ?? (typeof answer.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json'));
      } else if (example) send(answer.status, example.body, example.contentType);
      else send(answer.status, problemBody(answer.status, 'Injected fault', `an error answer injected by sworn (fault ${ids})`, { fault: ids }), 'application/problem+json');
      return { status: answer.status, outcome: 'response' };
    }
  }
}

/**
 * Writes a held response with the body-side faults: only the first
 * `truncate` share of the bytes and then a closed connection, and/or the
 * bytes paced at `bytesPerSecond` (in tenth-of-a-second slices). Resolves
 * false when the body was cut (or the client left).
 */
export async function writeFaulted(res: ServerResponse, status: number, headers: OutgoingHttpHeaders, chunks: readonly Buffer[], injection: Injection): Promise<boolean> {
  res.writeHead(status, { ...headers, [FAULT_HEADER]: faultIds(injection) });
  let body = Buffer.concat(chunks);
  const cut = injection.truncate !== undefined && body.length > 0;
  if (cut) body = body.subarray(0, Math.floor(body.length * injection.truncate!));
  const rate = injection.bytesPerSecond;
  /** The last write, done when its bytes are handed to the socket (or the client left). */
  let written: Promise<void> = Promise.resolve();
  const write = (piece: Buffer) => {
    written = new Promise<void>((resolve) => {
      const done = () => {
        res.off('close', done);
        resolve();
      };
      res.once('close', done);
      res.write(piece, done);
    });
  };
  if (rate === undefined) {
    if (body.length > 0) write(body);
  } else {
    const slice = Math.max(1, Math.floor(rate / 10));
    for (let at = 0; at < body.length && !res.destroyed; at += slice) {
      const piece = body.subarray(at, at + slice);
      write(piece);
      if (at + slice < body.length && !(await pause((piece.length / rate) * 1_000, res))) return false;
    }
  }
  if (cut) {
    // The headers promised more: the client sees a body cut short, once what was kept (headers included) has left.
    if (body.length === 0) res.flushHeaders();
    await written;
    if (body.length === 0 && res.socket && !res.destroyed) await new Promise<void>((resolve) => res.socket!.write('', () => resolve()));
    res.destroy();
    return false;
  }
  res.end();
  return !res.destroyed;
}
