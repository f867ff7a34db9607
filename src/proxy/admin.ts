import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { SwornError } from '../errors.js';
import { listen } from '../http/listen.js';
import { bearerAuthorizer } from '../http/bearer.js';
import { serveFaults, type FaultNames } from '../faults/admin.js';
import type { FaultRegistry } from '../faults/registry.js';
import { PAGE_CSP } from '../report/page.js';
import { escapeXml as escapeHtml } from '../report/style.js';

export interface AdminOptions {
  port: number;
  host: string;
  /**
   * When set, every endpoint but the probes (/healthz, /readyz) requires
   * `Authorization: Bearer <token>`; /readyz without it says only states and
   * counts (see `probeView`).
   */
  token?: string;
  /** Readiness and what `/readyz` says about it (503 when not ready). */
  ready: () => { ready: boolean; body: Record<string, unknown> };
  metrics: () => Registry;
  /** The report for `?window=&since=&until=&consumer=&operation=`; a SwornError becomes a 400 answer. */
  report: (query: URLSearchParams) => unknown;
  /** `GET /`: the live dashboard (HTML) for the query (`?service=&operation=&consumer=&window=`); a SwornError becomes a 400 page. */
  page?: (query: URLSearchParams) => string;
  /** `GET/POST/DELETE /faults`: the faults injected in front of the upstream. */
  faults?: { registry: FaultRegistry; names: FaultNames };
  /** `GET /tallies?consumer=&operation=&service=`: cumulative classified events per operation x consumer (game days). */
  tallies?: (query: URLSearchParams) => unknown;
}

/**
 * Keys of `/readyz`'s `store` and `reload` objects that carry free text: the
 * store's file path, and SQLite's, the OS's or the spec loader's words
 * (`cause`, `lastError`), which may name files, directories or parts of the
 * spec. A caller without the token (when a token is set) does not see them;
 * states, counts and times stay.
 */
const PROBE_HIDDEN = new Set(['path', 'cause', 'lastError']);

type Fields = Record<string, unknown>;
const isFields = (v: unknown): v is Fields => v !== null && typeof v === 'object' && !Array.isArray(v);
const withoutText = (v: unknown): unknown => (isFields(v) ? Object.fromEntries(Object.entries(v).filter(([key]) => !PROBE_HIDDEN.has(key))) : v);
const serviceView = (v: unknown): unknown => (isFields(v) ? { ...v, ...('store' in v ? { store: withoutText(v.store) } : {}), ...('reload' in v ? { reload: withoutText(v.reload) } : {}) } : v);

/** `/readyz`'s body without its free text, for one service or several (under `services`). */
export function probeView(body: Fields): Fields {
  if (isFields(body.services)) return { ...body, services: Object.fromEntries(Object.entries(body.services).map(([name, v]) => [name, serviceView(v)])) };
  return serviceView(body) as Fields;
}

/**
 * The admin server, on its own port (loopback by default): `/healthz`,
 * `/readyz`, `/metrics` (Prometheus text format) and `/report` (JSON).
 */
export async function startAdmin(options: AdminOptions): Promise<{ url: string; close(): Promise<void> }> {
  const authorized = bearerAuthorizer(options.token);
  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body, null, 2);
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(text);
  };
  const server = http.createServer((req, res) => {
    const [path, search] = (req.url ?? '/').split('?') as [string, string | undefined];
    const faultsPath = path === '/faults' || path.startsWith('/faults/');
    if (req.method !== 'GET' && req.method !== 'HEAD' && !(faultsPath && options.faults)) return json(res, 405, { title: 'Method Not Allowed', status: 405 });
    if (path === '/healthz') return json(res, 200, { status: 'ok' });
    // Kubelets and load balancers probe without credentials: readiness is open, its free text is not.
    if (path === '/readyz') {
      const { ready, body } = options.ready();
      return json(res, ready ? 200 : 503, authorized(req.headers.authorization) ? body : probeView(body));
    }
    const isPage = path === '/' && options.page !== undefined;
    if (!authorized(req.headers.authorization)) {
      // A browser asks for the token when challenged with Basic: the password is the admin token.
      res.setHeader('www-authenticate', isPage ? 'Basic realm="sworn admin: the password is the admin token", charset="UTF-8"' : 'Bearer realm="sworn admin"');
      return json(res, 401, { title: 'Unauthorized', status: 401, detail: 'send Authorization: Bearer <admin token>' });
    }
    if (faultsPath && options.faults && serveFaults(options.faults.registry, options.faults.names, req, res, path)) return;
    if (path === '/tallies' && options.tallies) {
      try {
        return json(res, 200, options.tallies(new URLSearchParams(search ?? '')));
      } catch (error) {
        if (error instanceof SwornError) return json(res, 400, { title: 'Bad Request', status: 400, code: error.code, detail: error.message, hint: error.hint });
        return json(res, 500, { title: 'tallies failed', status: 500, detail: (error as Error).message });
      }
    }
    if (isPage) {
      let html: string;
      let status = 200;
      try {
        html = options.page!(new URLSearchParams(search ?? ''));
      } catch (error) {
        status = error instanceof SwornError ? 400 : 500;
        const e = error as Error & { hint?: string };
        html = `<!doctype html><meta charset="utf-8"><title>sworn</title><h1>${status === 400 ? 'Bad request' : 'The dashboard failed'}</h1><p>${escapeHtml(e.message)}</p>${e.hint ? `<p>${escapeHtml(e.hint)}</p>` : ''}`;
      }
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': PAGE_CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' });
      res.end(req.method === 'HEAD' ? undefined : html);
      return;
    }
    if (path === '/report') {
      let report: unknown;
      try {
        report = options.report(new URLSearchParams(search ?? ''));
      } catch (error) {
        if (error instanceof SwornError) return json(res, 400, { title: 'Bad Request', status: 400, code: error.code, detail: error.message, hint: error.hint });
        return json(res, 500, { title: 'report failed', status: 500, detail: (error as Error).message });
      }
      return json(res, 200, report);
    }
    if (path === '/metrics') {
      const registry = options.metrics();
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        },
        (error: Error) => json(res, 500, { title: 'metrics failed', detail: error.message }),
      );
      return;
    }
    json(res, 404, { title: 'Not Found', status: 404, detail: 'admin endpoints: / (the dashboard), /healthz, /readyz, /metrics, /report, /tallies, /faults' });
  });
  await listen(server, options.port, options.host, '--admin-port');
  const address = server.address() as AddressInfo;
  const host = address.address.includes(':') ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
