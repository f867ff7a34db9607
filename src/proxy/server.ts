import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { listen } from '../http/listen.js';
import { sendProblem } from '../http/problem.js';
import type { RateLimitedLog } from './log.js';
import { tunnelUpgrade, type TunnelOptions } from './tunnel.js';

export interface ServerOptions {
  port: number;
  host: string;
  headerTimeoutMs: number;
  drainTimeoutMs: number;
  logger: Logger;
  failureLog: RateLimitedLog;
  /** One exchange (never rejects in practice; a rejection is logged and answered 502). */
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** The tunnel options of the service an upgrade request is for. */
  tunnelFor: (req: IncomingMessage) => Omit<TunnelOptions, 'tunnels'>;
  /** Malformed HTTP never reaches an operation: counted by reason. */
  refused: (reason: string) => void;
}

export interface ProxyServer {
  url: string;
  inFlight(): number;
  /** False once draining began. */
  accepting(): boolean;
  /** Stops accepting, waits for in-flight exchanges (up to the drain deadline), ends what is left. */
  drain(): Promise<void>;
}

/**
 * The listening side of the proxy: the HTTP server, malformed-request
 * answers, upgrades handed to the tunnel, the in-flight count and the drain.
 * What an exchange does is `handle`'s business.
 */
export async function startServer(o: ServerOptions): Promise<ProxyServer> {
  let inFlight = 0;
  let draining = false;
  const drained: Array<() => void> = [];
  const leave = () => {
    inFlight--;
    if (inFlight === 0) for (const done of drained.splice(0)) done();
  };
  const server = http.createServer({ requestTimeout: 0, headersTimeout: o.headerTimeoutMs, keepAliveTimeout: 65_000, connectionsCheckingInterval: Math.min(1_000, o.headerTimeoutMs) }, (req, res) => {
    inFlight++;
    o.handle(req, res)
      .catch((error: unknown) => {
        // A bug in one exchange never takes the process down, nor leaves the client hanging. No query string in the log: it may hold a secret.
        o.failureLog.error({ err: error, method: req.method, path: (req.url ?? '').split('?')[0] }, 'request handling failed');
        sendProblem(res, 502, 'Bad Gateway', 'the proxy failed while handling this request; the failure is logged');
      })
      .finally(leave);
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const timeout = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    o.refused(timeout ? 'header-timeout' : tooLarge ? 'header-too-large' : 'malformed');
    o.failureLog.warn({ code: error.code }, timeout ? `a client sent no complete request headers within ${o.headerTimeoutMs} ms` : 'malformed request from a client');
    const status = timeout ? '408 Request Timeout' : tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
    if ((socket as Socket).writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    else socket.destroy();
  });
  const tunnels = new Set<Socket>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    inFlight++;
    socket.once('close', leave);
    tunnelUpgrade(req, socket as Socket, head, { ...o.tunnelFor(req), tunnels });
  });

  await listen(server, o.port, o.host, '--port');
  const address = server.address() as AddressInfo;
  const url = `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`;

  let drainOnce: Promise<void> | undefined;
  const drain = () => (drainOnce ??= (async () => {
    draining = true;
    server.close();
    server.closeIdleConnections();
    if (inFlight > 0) {
      const deadline = setTimeout(() => {
        o.logger.warn({ inFlight, tunnels: tunnels.size }, 'drain deadline reached; closing the remaining connections');
        server.closeAllConnections();
        for (const socket of tunnels) socket.destroy(); // upgraded sockets are no longer the server's to close
        for (const done of drained.splice(0)) done();
      }, o.drainTimeoutMs);
      await new Promise<void>((resolve) => drained.push(resolve));
      clearTimeout(deadline);
    }
    server.closeAllConnections();
    for (const socket of tunnels) socket.destroy();
  })());
  return { url, inFlight: () => inFlight, accepting: () => !draining, drain };
}
