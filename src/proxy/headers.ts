import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/** Headers that describe one hop, never forwarded (RFC 9110 §7.6.1), plus those named in `Connection`. */
export const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect', 'http2-settings']);

export function headerString(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

const NONE: ReadonlySet<string> = new Set();

/**
 * The lower-cased tokens of a `Connection` header that name other headers
 * (`Connection: keep-alive, X-Foo` -> {keep-alive, x-foo}). The common
 * values (`keep-alive`, `close`, none) allocate nothing.
 */
export function headerTokens(value: string | string[] | undefined): ReadonlySet<string> {
  if (value === undefined || value === 'keep-alive' || value === 'close' || value === 'Keep-Alive' || value === 'Close') return NONE;
  const text = Array.isArray(value) ? value.join(',') : value;
  return new Set(text.toLowerCase().split(',').map((s) => s.trim()).filter(Boolean));
}

/**
 * Request headers for the upstream: hop-by-hop removed (also those named in
 * Connection, except those in `keep`), X-Forwarded-* added, repeats kept as
 * received. `host` replaces the Host header (an absolute-form request target
 * names its own).
 */
export function forwardHeaders(req: IncomingMessage, host?: string, keep?: () => ReadonlySet<string>): Record<string, string | string[]> {
  let connection = headerTokens(req.headers.connection);
  if (connection.size > 0 && keep) {
    // `Connection` may name hop-by-hop extensions, never the headers that were checked (it would strip them after the check).
    const checked = keep();
    connection = new Set([...connection].filter((name) => !checked.has(name)));
  }
  const out: Record<string, string | string[]> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    if (HOP_BY_HOP.has(name) || connection.has(name)) continue;
    const value = raw[i + 1] as string;
    const known = out[name];
    out[name] = known === undefined ? value : Array.isArray(known) ? [...known, value] : [known, value];
  }
  if (host !== undefined) out.host = host;
  const client = req.socket.remoteAddress ?? '';
  const prior = headerString(req.headers['x-forwarded-for']);
  out['x-forwarded-for'] = prior ? `${prior}, ${client}` : client;
  out['x-forwarded-proto'] = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  const forwardedHost = host ?? req.headers.host;
  if (forwardedHost && !req.headers['x-forwarded-host']) out['x-forwarded-host'] = forwardedHost;
  return out;
}

/** Response headers for the client: hop-by-hop removed, everything else (repeated Set-Cookie included) as received. */
export function backwardHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const connection = headerTokens(headers.connection);
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || connection.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/** How many times a header appears in the raw request (Node folds repeats of some headers into one). */
export function headerCount(rawHeaders: string[], name: string): number {
  let n = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if ((rawHeaders[i] as string).length === name.length && (rawHeaders[i] as string).toLowerCase() === name) n++;
  return n;
}
