import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { HOP_BY_HOP, headerTokens } from './headers.js';
import { problemBody } from '../http/problem.js';

/** What the proxy decided about an upgrade request after checking it like any request. */
export type UpgradeVerdict =
  | { refuse: { status: number; body: string } }
  | {
    refuse?: undefined;
    /** Origin-form target to send upstream (base path included). */
    path: string;
    headers: Record<string, string | string[]>;
    /** The upstream's answer (101 when the tunnel opened), or a failure. */
    done(status: number, outcome: 'response' | 'upstream-error' | 'timeout' | 'client-abort', headers?: http.IncomingHttpHeaders): void;
  };

export interface TunnelOptions {
  upstream: URL;
  /** Bounds the upstream sockets upgrades may hold (and keeps none alive). */
  agent: http.Agent;
  /** No answer to the upgrade within this -> 504. */
  timeoutMs: number;
  admit: (req: IncomingMessage) => Promise<UpgradeVerdict>;
  onError: (message: string, code: string | undefined) => void;
  /** Client sockets of open tunnels, so shutdown can end them at its deadline. */
  tunnels: Set<Socket>;
}

/**
 * Connection upgrades (WebSocket and others): checked first by `admit` (the
 * same routing, identification, validation and counting as any request;
 * refused there in enforce mode), then passed through as a raw tunnel.
 * Errors on either socket, at any time, end the tunnel and nothing else; a
 * client that half-closes before the upgrade is answered is gone.
 */
export function tunnelUpgrade(req: IncomingMessage, socket: Socket, head: Buffer, options: TunnelOptions): void {
  // First of all: a client that resets its socket must never take the process down.
  let clientGone = false;
  socket.on('error', () => {
    clientGone = true;
    socket.destroy();
  });
  const gone = () => {
    clientGone = true;
  };
  socket.once('close', gone);
  socket.once('end', gone);
  options.tunnels.add(socket);
  socket.once('close', () => options.tunnels.delete(socket));
  const { admit, onError } = options;
  admit(req).then((verdict) => {
    if (verdict.refuse) {
      if (!clientGone) writeRaw(socket, verdict.refuse.status, { 'content-type': 'application/problem+json', 'cache-control': 'no-store' }, verdict.refuse.body);
      return;
    }
    if (clientGone) {
      verdict.done(499, 'client-abort');
      return;
    }
    open(req, socket, head, options, verdict);
  }, (error: Error) => {
    onError(`upgrade handling failed: ${error.message}`, undefined);
    if (!clientGone) writeRaw(socket, 502, { 'content-type': 'application/problem+json' }, problemBody(502, 'Bad Gateway', 'the proxy failed while handling this upgrade; the failure is logged'));
  });
}

function open(req: IncomingMessage, socket: Socket, head: Buffer, options: TunnelOptions, verdict: Extract<UpgradeVerdict, { path: string }>): void {
  const { upstream, onError } = options;
  const secure = upstream.protocol === 'https:';
  let finished = false;
  const done: typeof verdict.done = (...args) => {
    if (finished) return;
    finished = true;
    verdict.done(...args);
  };
  const upstreamReq = (secure ? https : http).request({
    host: upstream.hostname,
    port: upstream.port || (secure ? 443 : 80),
    method: req.method,
    path: verdict.path,
    headers: { ...verdict.headers, connection: 'Upgrade', upgrade: req.headers.upgrade ?? '' },
    ...(secure ? {} : { agent: options.agent }),
  });
  let timedOut = false;
  upstreamReq.setTimeout(options.timeoutMs, () => {
    timedOut = true;
    upstreamReq.destroy(new Error(`no answer to the upgrade within ${options.timeoutMs} ms`));
  });
  const onClientClose = () => {
    upstreamReq.destroy();
    done(499, 'client-abort');
  };
  socket.once('close', onClientClose);
  socket.once('end', onClientClose); // half-closed before the answer: nobody will read it
  const settled = () => {
    socket.off('close', onClientClose);
    socket.off('end', onClientClose);
    upstreamReq.setTimeout(0);
  };
  upstreamReq.on('upgrade', (res, upstreamSocket, upstreamHead) => {
    settled();
    upstreamSocket.on('error', () => socket.destroy());
    const end = () => {
      socket.destroy();
      upstreamSocket.destroy();
    };
    if (socket.destroyed) {
      end();
      done(499, 'client-abort');
      return;
    }
    socket.write(statusBlock(res.statusCode ?? 101, res.statusMessage ?? 'Switching Protocols', res.rawHeaders));
    if (upstreamHead.length > 0) socket.write(upstreamHead);
    if (head.length > 0) upstreamSocket.write(head);
    upstreamSocket.pipe(socket).pipe(upstreamSocket);
    socket.on('error', end);
    socket.on('close', end);
    upstreamSocket.on('close', end);
    done(res.statusCode ?? 101, 'response', res.headers);
  });
  upstreamReq.on('response', (res) => {
    // The upstream refused the upgrade: relay its answer, framed by the connection's close
    // (its own framing was undone by the parser, so Transfer-Encoding must not be repeated).
    settled();
    const status = res.statusCode ?? 502;
    if (status < 100 || status > 599) {
      res.destroy();
      onError(`the upstream answered the upgrade with status ${status}, which is not an HTTP status (100-599)`, undefined);
      done(502, 'upstream-error');
      if (!socket.destroyed) writeRaw(socket, 502, { 'content-type': 'application/problem+json' }, problemBody(502, 'Bad Gateway', `the upstream answered with status ${status}, which is not an HTTP status`));
      return;
    }
    done(status, 'response', res.headers);
    if (socket.destroyed) {
      res.destroy();
      return;
    }
    const connection = headerTokens(res.headers.connection);
    const raw: string[] = [];
    for (let i = 0; i < res.rawHeaders.length; i += 2) {
      const name = (res.rawHeaders[i] as string).toLowerCase();
      if (HOP_BY_HOP.has(name) || connection.has(name) || name === 'content-length') continue;
      raw.push(res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string);
    }
    raw.push('Connection', 'close');
    socket.write(statusBlock(status, res.statusMessage ?? '', raw));
    res.on('error', () => socket.destroy());
    socket.once('finish', () => socket.destroy());
    res.pipe(socket);
  });
  upstreamReq.on('error', (error: NodeJS.ErrnoException) => {
    settled();
    if (finished) return;
    onError(timedOut ? error.message : 'upgrade to the upstream failed', error.code);
    done(timedOut ? 504 : 502, timedOut ? 'timeout' : 'upstream-error');
    const [status, title, detail] = timedOut ? [504, 'Gateway Timeout', `the upstream sent no answer to the upgrade within ${options.timeoutMs} ms`] as const : [502, 'Bad Gateway', 'the upstream refused the connection upgrade'] as const;
    if (!socket.destroyed) writeRaw(socket, status, { 'content-type': 'application/problem+json' }, problemBody(status, title, detail));
  });
  upstreamReq.end();
}

function statusBlock(status: number, message: string, rawHeaders: string[]): string {
  const lines = [`HTTP/1.1 ${status} ${message.replace(/[\r\n]/g, '')}`];
  for (let i = 0; i < rawHeaders.length; i += 2) lines.push(`${rawHeaders[i]}: ${rawHeaders[i + 1]}`);
  return lines.join('\r\n') + '\r\n\r\n';
}

/** A complete answer on a raw socket (Content-Length framed), then close. */
function writeRaw(socket: Socket, status: number, headers: Record<string, string>, body: string): void {
  const lines = [`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}`];
  for (const [name, value] of Object.entries({ ...headers, 'content-length': String(Buffer.byteLength(body)), connection: 'close' })) lines.push(`${name}: ${value}`);
  socket.end(lines.join('\r\n') + '\r\n\r\n' + body);
  socket.once('finish', () => socket.destroy()); // closed, not half-closed: the client need not end its side first
}
