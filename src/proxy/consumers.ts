import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { parse as parseYaml } from 'yaml';
import { SwornError } from '../errors.js';
import type { ConsumerIdentification, ResolvedSpecSlo } from '../slo/model.js';
import { parseCookies } from '../validate/params.js';

export interface Consumer {
  name: string;
  tier: string;
  /** Which identification method matched: header, apiKey, jwt, clientAddress, or none. */
  via: string;
}

export interface ConsumerOptions {
  /** Directory API-key maps and JWKS files are relative to (the spec's). */
  baseDir: string;
  /** Accept JWTs without verifying their signature (explicit opt-in; for development only). */
  jwtUnverified?: boolean;
}

type Method = (req: IncomingMessage, url: () => URL) => Promise<{ name: string; tier?: string } | undefined> | { name: string; tier?: string } | undefined;

/**
 * Identifies a request's consumer the way `x-slo.consumers.identify` says:
 * the first method that yields a name wins; otherwise "anonymous". At most
 * `maxTracked` distinct consumers are tracked; later ones are "other".
 */
export class ConsumerIdentifier {
  private readonly methods: Array<{ via: string; run: Method }> = [];
  private readonly tracked = new Set<string>();
  private readonly maxTracked: number;
  private readonly defaultTier: string;
  private readonly tiers: Set<string>;
  /** Verified JWT verdicts by token, bounded, so a token is verified once per expiry. */
  private readonly jwtCache = new Map<string, { name: string; tier?: string; until: number } | null>();

  constructor(config: ResolvedSpecSlo['consumers'], options: ConsumerOptions) {
    this.maxTracked = config.maxTracked;
    this.defaultTier = config.defaultTier ?? 'default';
    this.tiers = new Set(config.tiers);
    config.identify.forEach((method, i) => this.methods.push(this.compile(method, i, options)));
  }

  private compile(method: ConsumerIdentification, index: number, options: ConsumerOptions): { via: string; run: Method } {
    if (method.header) {
      const name = method.header.toLowerCase();
      return { via: 'header', run: (req) => headerOf(req, name) };
    }
    if (method.apiKey) {
      const map = loadKeyMap(resolvePath(options.baseDir, method.apiKey.map), index);
      const { header, query, cookie } = method.apiKey;
      return {
        via: 'apiKey',
        run: (req, url) => {
          const key = header ? headerOf(req, header.toLowerCase())?.name : query ? url().searchParams.get(query) ?? undefined : cookie ? parseCookies(req.headers.cookie).get(cookie) : undefined;
          return key === undefined ? undefined : map.get(key);
        },
      };
    }
    if (method.jwt) {
      const jwt = method.jwt;
      const headerName = (jwt.header ?? 'authorization').toLowerCase();
      let keys: JWTVerifyGetKey | undefined;
      if (jwt.jwks) {
        if (/^https?:\/\//.test(jwt.jwks)) keys = createRemoteJWKSet(new URL(jwt.jwks));
        else {
          const file = resolvePath(options.baseDir, jwt.jwks);
          try {
            keys = createLocalJWKSet(JSON.parse(readFileSync(file, 'utf8')) as never);
          } catch (cause) {
            throw new SwornError('SWORN_ERR_CONSUMERS', `cannot read the JWKS file ${file} (consumers.identify[${index}].jwt.jwks)`, { cause, hint: 'Point jwks at a JSON Web Key Set file or URL.' });
          }
        }
      } else if (!options.jwtUnverified) {
        throw new SwornError('SWORN_ERR_CONSUMERS', `consumers.identify[${index}].jwt has no jwks, so tokens cannot be verified`, { hint: 'Add `jwks: <file or URL>` to the jwt method, or start the proxy with --jwt-unverified to read claims without verifying (development only).' });
      }
      return { via: 'jwt', run: (req) => this.fromJwt(headerOf(req, headerName)?.name, jwt, keys) };
    }
    return { via: 'clientAddress', run: (req) => (req.socket.remoteAddress ? { name: req.socket.remoteAddress } : undefined) };
  }

  private async fromJwt(value: string | undefined, jwt: NonNullable<ConsumerIdentification['jwt']>, keys: JWTVerifyGetKey | undefined): Promise<{ name: string; tier?: string } | undefined> {
    if (!value) return undefined;
    const token = value.replace(/^bearer\s+/i, '');
    const cached = this.jwtCache.get(token);
    if (cached !== undefined && (cached === null || cached.until > Date.now())) return cached ?? undefined;
    let claims: Record<string, unknown> | undefined;
    try {
      if (keys) {
        const { payload } = await jwtVerify(token, keys, { ...(jwt.issuer ? { issuer: jwt.issuer } : {}), ...(jwt.audience ? { audience: jwt.audience } : {}) });
        claims = payload;
      } else {
        claims = decodeJwt(token);
      }
    } catch {
      claims = undefined;
    }
    const name = claims?.[jwt.claim];
    const tier = jwt.tierClaim ? claims?.[jwt.tierClaim] : undefined;
    const verdict = typeof name === 'string' ? { name, ...(typeof tier === 'string' ? { tier } : {}), until: typeof claims?.exp === 'number' ? claims.exp * 1000 : Date.now() + 300_000 } : null;
    if (this.jwtCache.size >= 10_000) this.jwtCache.delete(this.jwtCache.keys().next().value as string);
    this.jwtCache.set(token, verdict);
    return verdict ?? undefined;
  }

  /**
   * The consumer of a request. Never throws. Returns a value, not a promise,
   * unless a method has to wait (JWT verification): the common case costs no
   * promise on the hot path.
   */
  identify(req: IncomingMessage, rawUrl: string): Consumer | Promise<Consumer> {
    let parsed: URL | undefined;
    const url = () => (parsed ??= new URL(rawUrl, 'http://sworn.invalid'));
    for (let i = 0; i < this.methods.length; i++) {
      const method = this.methods[i] as { via: string; run: Method };
      let result: ReturnType<Method>;
      try {
        result = method.run(req, url);
      } catch {
        result = undefined;
      }
      if (result instanceof Promise) return this.identifyAsync(req, url, i, result);
      if (result && result.name !== '') return this.track(result.name, result.tier, method.via);
    }
    return this.track('anonymous', undefined, 'none');
  }

  private async identifyAsync(req: IncomingMessage, url: () => URL, from: number, pending: Promise<{ name: string; tier?: string } | undefined>): Promise<Consumer> {
    for (let i = from; i < this.methods.length; i++) {
      const method = this.methods[i] as { via: string; run: Method };
      let found: { name: string; tier?: string } | undefined;
      try {
        found = i === from ? await pending : await method.run(req, url);
      } catch {
        found = undefined;
      }
      if (found && found.name !== '') return this.track(found.name, found.tier, method.via);
    }
    return this.track('anonymous', undefined, 'none');
  }

  private track(name: string, tier: string | undefined, via: string): Consumer {
    const knownTier = tier !== undefined && (this.tiers.size === 0 || this.tiers.has(tier)) ? tier : this.defaultTier;
    if (!this.tracked.has(name)) {
      if (this.tracked.size >= this.maxTracked) return { name: 'other', tier: knownTier, via };
      this.tracked.add(name);
    }
    return { name, tier: knownTier, via };
  }

  /** Re-admits consumers already known (after a restart) so they keep their names. */
  remember(names: Iterable<string>): void {
    for (const name of names) if (this.tracked.size < this.maxTracked && name !== 'other') this.tracked.add(name);
  }
}

function headerOf(req: IncomingMessage, name: string): { name: string } | undefined {
  const value = req.headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text ? { name: text } : undefined;
}

/** `key: consumer` or `key: {consumer, tier}`, YAML or JSON. */
function loadKeyMap(file: string, index: number): Map<string, { name: string; tier?: string }> {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new SwornError('SWORN_ERR_CONSUMERS', `cannot read the API-key map ${file} (consumers.identify[${index}].apiKey.map)`, { cause, hint: 'The map is a YAML or JSON file next to the spec: `key: consumer-name` or `key: {consumer: name, tier: gold}`.' });
  }
  const map = new Map<string, { name: string; tier?: string }>();
  for (const [key, value] of Object.entries((raw ?? {}) as Record<string, unknown>)) {
    if (typeof value === 'string') map.set(key, { name: value });
    else if (value && typeof value === 'object' && typeof (value as { consumer?: unknown }).consumer === 'string') {
      const v = value as { consumer: string; tier?: unknown };
      map.set(key, { name: v.consumer, ...(typeof v.tier === 'string' ? { tier: v.tier } : {}) });
    }
  }
  return map;
}

/**
 * What a request must carry to be identified as `consumer` under
 * `x-slo.consumers.identify` (game-day traffic sent as that consumer): the
 * first method that can name it (a header method, or an API key the map
 * gives that consumer). Undefined when no method can (JWTs, client addresses).
 */
export function credentialsFor(config: ResolvedSpecSlo['consumers'], baseDir: string, consumer: string): { headers: Record<string, string>; query: Record<string, string> } | undefined {
  // An API key first: it also satisfies an operation's security, which a bare consumer header does not.
  for (const [index, method] of config.identify.entries()) {
    if (!method.apiKey) continue;
    const map = loadKeyMap(resolvePath(baseDir, method.apiKey.map), index);
    const key = [...map].find(([, v]) => v.name === consumer)?.[0];
    if (key === undefined) continue;
    const { header, query, cookie } = method.apiKey;
    if (header) return { headers: { [header.toLowerCase()]: key }, query: {} };
    if (query) return { headers: {}, query: { [query]: key } };
    if (cookie) return { headers: { cookie: `${cookie}=${encodeURIComponent(key)}` }, query: {} };
  }
  const byHeader = config.identify.find((m) => m.header);
  return byHeader?.header ? { headers: { [byHeader.header.toLowerCase()]: consumer }, query: {} } : undefined;
}

/** The consumers the spec's API-key maps name, in file order (game days and the demo pick one to act as). */
export function mappedConsumers(config: ResolvedSpecSlo['consumers'], baseDir: string): string[] {
  const out: string[] = [];
  for (const [index, method] of config.identify.entries()) {
    if (!method.apiKey) continue;
    for (const v of loadKeyMap(resolvePath(baseDir, method.apiKey.map), index).values()) if (!out.includes(v.name)) out.push(v.name);
  }
  return out;
}
