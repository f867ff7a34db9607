/**
 * Security requirements, read from a request: which credentials it carries
 * (API keys; HTTP Basic, Bearer and Digest credentials, each checked for its
 * format), and the `WWW-Authenticate` challenges a 401 names (RFC 9110
 * §11.6.1) for those it lacks.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { CompiledOperation, SecurityCredential } from './compile.js';
import { parseCookies } from './params.js';

/** What the security checks read of a request. */
export interface CredentialSource {
  headers: IncomingHttpHeaders;
  /** The raw query string, without `?`. */
  query: string;
}

/** Parsed once per request, on demand. */
export class CredentialReader {
  private queryParams: URLSearchParams | undefined;
  private cookieJar: Map<string, string> | undefined;
  readonly authorization: string;

  constructor(private readonly source: CredentialSource, query?: URLSearchParams, cookies?: Map<string, string>) {
    this.queryParams = query;
    this.cookieJar = cookies;
    this.authorization = headerText(source.headers, 'authorization') ?? '';
  }

  get query(): URLSearchParams {
    return (this.queryParams ??= new URLSearchParams(this.source.query));
  }

  get cookies(): Map<string, string> {
    return (this.cookieJar ??= parseCookies(headerText(this.source.headers, 'cookie')));
  }

  header(name: string): string | undefined {
    return headerText(this.source.headers, name);
  }
}

function headerText(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** `Bearer <token68>` (RFC 6750 §2.1; the scheme name is case-insensitive). */
const BEARER = /^bearer +[A-Za-z0-9\-._~+/]+=*$/i;
/** `Basic <base64>` (RFC 7617). */
const BASIC = /^basic +([A-Za-z0-9+/]+={0,2})$/i;
/** The fields a Digest response must carry (RFC 7616 §3.4; the ones Prism checks). */
const DIGEST_FIELDS = ['username', 'realm', 'nonce', 'uri', 'response'] as const;
/** One `name=value` or `name="quoted value"` auth-param and the comma after it (sticky: the whole header is read in one linear pass). */
const AUTH_PARAM = /[ \t]*([A-Za-z0-9!#$%&'*+.^_`|~-]+)[ \t]*=[ \t]*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))[ \t]*(?:,|$)/y;

/** True when `Basic <credentials>` decodes to `user:password` (`Basic abc123` does not). */
export function isBasicCredential(authorization: string): boolean {
  const match = BASIC.exec(authorization);
  if (!match) return false;
  const encoded = match[1] as string;
  // Base64 as RFC 4648 writes it (Buffer.from is lenient: it decodes `YTpiY` too): whole quanta, padding only at the end.
  if (encoded.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return false;
  return Buffer.from(encoded, 'base64').toString('latin1').includes(':');
}

/** True when `Bearer` is followed by a token (token68). */
export function isBearerCredential(authorization: string): boolean {
  return BEARER.test(authorization);
}

/**
 * True when `Digest` is followed by a comma-separated list of auth-params
 * naming `username` (or `username*`), `realm`, `nonce`, `uri` and
 * `response` (empty values pass, as in Prism). The response is not
 * verified: the mock and the proxy know no passwords.
 */
export function isDigestCredential(authorization: string): boolean {
  const scheme = /^digest[ \t]+/i.exec(authorization);
  if (!scheme) return false;
  const fields = new Map<string, string>();
  AUTH_PARAM.lastIndex = scheme[0].length;
  while (AUTH_PARAM.lastIndex < authorization.length) {
    const at = AUTH_PARAM.lastIndex;
    const match = AUTH_PARAM.exec(authorization);
    if (!match) return false; // not a list of auth-params
    fields.set((match[1] as string).toLowerCase(), match[2] ?? match[3] ?? '');
    if (AUTH_PARAM.lastIndex === at) return false;
  }
  if (fields.has('username*')) fields.set('username', fields.get('username*') as string);
  return DIGEST_FIELDS.every((field) => fields.has(field));
}

/** Whether the request carries one credential (API keys: present and non-empty, as Prism). */
export function credentialPresent(c: SecurityCredential, request: CredentialReader): boolean {
  switch (c.type) {
    case 'apiKey': {
      const name = c.name as string;
      if (c.in === 'header') return (request.header(name) ?? '') !== '';
      if (c.in === 'query') return (request.query.get(name) ?? '') !== '';
      return (request.cookies.get(name) ?? '') !== '';
    }
    case 'bearer':
      return isBearerCredential(request.authorization);
    case 'basic':
      return isBasicCredential(request.authorization);
    case 'digest':
      return isDigestCredential(request.authorization);
    default:
      return true; // mutualTLS and other HTTP schemes cannot be seen from HTTP; not judged
  }
}

/** True when one of the operation's security alternatives is met (or it has none). */
export function securityMet(op: CompiledOperation, request: CredentialReader): boolean {
  return op.security.length === 0 || op.security.some((alternative) => alternative.every((c) => credentialPresent(c, request)));
}

/** How a credential is named in a violation's message. */
export function describeCredential(c: SecurityCredential): string {
  if (c.type === 'apiKey') return `API key ${c.in} \`${c.name}\``;
  if (c.type === 'bearer') return 'Authorization: Bearer <token>';
  if (c.type === 'basic') return 'Authorization: Basic <base64 of user:password>';
  if (c.type === 'digest') return 'Authorization: Digest username=…, realm=…, nonce=…, uri=…, response=…';
  return c.scheme;
}

/** A quoted-string of visible ASCII: `"` and `\` escaped, anything else replaced by `?` (a header value must stay ASCII). */
function quoted(text: string): string {
  return `"${text.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * The challenge of one credential (RFC 9110 §11.6.1):
 * `Basic realm="<title>"`, `Bearer realm="<title>"` (HTTP bearer, OAuth 2,
 * OpenID Connect), `Digest realm="<title>", qop="auth", nonce="<random>",
 * algorithm=SHA-256`, and for an API key, which has no registered scheme,
 * `ApiKey realm="<title>", in="header", name="X-Api-Key"`. Undefined for
 * what no challenge describes (mutual TLS, other HTTP schemes).
 */
export function challengeOf(c: SecurityCredential, realm: string): string | undefined {
  const r = `realm=${quoted(realm)}`;
  switch (c.type) {
    case 'basic':
      return `Basic ${r}`;
    case 'bearer':
      return `Bearer ${r}`;
    case 'digest':
      return `Digest ${r}, qop="auth", nonce="${randomBytes(16).toString('hex')}", algorithm=SHA-256`;
    case 'apiKey':
      return `ApiKey ${r}, in=${quoted(c.in ?? 'header')}, name=${quoted(c.name ?? '')}`;
    default:
      return undefined;
  }
}

/**
 * The `WWW-Authenticate` value of a 401 for this request: one challenge per
 * credential it lacks, over every alternative it does not meet, each scheme
 * once, in the order declared, comma-joined (as Prism joins them).
 * Undefined when the request meets the requirements or nothing lacking has a
 * challenge. Computed only on the refusal path.
 *
 * @example
 * wwwAuthenticate(compiled, { headers: {}, query: '' });
 * // 'Basic realm="Pets", Bearer realm="Pets"'
 */
export function wwwAuthenticate(op: CompiledOperation, source: CredentialSource | CredentialReader): string | undefined {
  const request = source instanceof CredentialReader ? source : new CredentialReader(source);
  if (securityMet(op, request)) return undefined;
  const realm = op.realm ?? op.operation.id;
  const seen = new Set<string>();
  const challenges: string[] = [];
  for (const alternative of op.security) {
    for (const c of alternative) {
      if (credentialPresent(c, request)) continue;
      const key = c.type === 'apiKey' ? `apiKey ${c.in} ${c.name}` : c.type;
      if (seen.has(key)) continue;
      seen.add(key);
      const challenge = challengeOf(c, realm);
      if (challenge !== undefined) challenges.push(challenge);
    }
  }
  return challenges.length > 0 ? challenges.join(', ') : undefined;
}
