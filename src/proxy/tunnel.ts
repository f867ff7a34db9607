import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { HOP_BY_HOP, headerTokens } from './headers.js';

/** What the proxy decided about an upgrade request after checking it like any request. */
export type UpgradeVerdict =
  | { refuse: { status: number; body: string } }
  | {
    refuse?: undefined;
    /** Origin-form target to send upstream (base path included). */
    path: string;
    headers: Record<string, string | string[]>;
    /** The upstream's answer (101 when the tunnel opened), or a failure. */
    done(status: number, outcome: 'response' | 'upstream-error' | 'client-abort', headers?: http.IncomingHttpHeaders): void;
  };

/**
 * Connection upgrades (WebSocket and others): checked first by `admit` (the
 * same routing, identification, validation and counting as any request;
 * refused there in enforce mode), then passed through as a raw tunnel.
 * Errors on either socket, at any time, end the tunnel and nothing else.
 */
export function tunnelUpgrade(req: IncomingMessage, socket: Socket, head: Buffer, upstream: URL, admit: (req: IncomingMessage) => Promise<UpgradeVerdict>, onError: (message: string, code: string | undefined) => void): void {
  // First of all: a client that resets its socket must never take the process down.
  let clientGone = false;
  socket.on('error', () => {
    clientGone = true;
    socket.destroy();
  });
  socket.once('close', () => {
    clientGone = true;
  });
  admit(req).then((verdict) => {
    if (verdict.refuse) {
      if (!clientGone) writeRaw(socket, verdict.refuse.status, { 'content-type': 'application/problem+json', 'cache-control': 'no-store' }, verdict.refuse.body);
      return;
    }
    if (clientGone) {
      verdict.done(499, 'client-abort');
      return;
    }
    open(req, socket, head, upstream, verdict, onError);
  }, (error: Error) => {
    onError(`upgrade handling failed: ${error.message}`, undefined);
    if (!clientGone) writeRaw(socket, 502, { 'content-type': 'application/problem+json' }, JSON.stringify({ title: 'Bad Gateway', status: 502, detail: 'the proxy failed while handling this upgrade; the failure is logged' }));
  });
}

function open(req: IncomingMessage, socket: Socket, head: Buffer, upstream: URL, verdict: Extract<UpgradeVerdict, { path: string }>, onError: (message: string, code: string | undefined) => void): void {
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
  });
  const onClientClose = () => {
    upstreamReq.destroy();
    done(499, 'client-abort');
  };
  socket.once('close', onClientClose);
  upstreamReq.on('upgrade', (res, upstreamSocket, upstreamHead) => {
    socket.off('close', onClientClose);
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
    socket.off('close', onClientClose);
    const status = res.statusCode ?? 502;
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
    socket.off('close', onClientClose);
    if (finished) return;
    onError('upgrade to the upstream failed', error.code);
    done(502, 'upstream-error');
    if (!socket.destroyed) writeRaw(socket, 502, { 'content-type': 'application/problem+json' }, JSON.stringify({ title: 'Bad Gateway', status: 502, detail: 'the upstream refused the connection upgrade' }));
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
