import type { IncomingHttpHeaders } from 'node:http';
import { looksLikeCredential } from '../validate/compile.js';

export const REDACTED = '[REDACTED]';

const isSecret = (name: string, secretNames: ReadonlySet<string>) => secretNames.has(name) || secretNames.has(name.toLowerCase()) || looksLikeCredential(name);

/** Headers with secret ones (credentials, cookies, API keys) replaced. */
export function redactHeaders(headers: IncomingHttpHeaders, secretNames: ReadonlySet<string>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = isSecret(name, secretNames) ? REDACTED : value;
  }
  return out;
}

/** A query string with secret parameters replaced. */
export function redactQuery(query: string, secretNames: ReadonlySet<string>): string {
  if (query === '') return '';
  const params = new URLSearchParams(query);
  for (const name of [...params.keys()]) if (isSecret(name, secretNames)) params.set(name, REDACTED);
  return params.toString();
}

/**
 * A body excerpt for a violation sample: JSON with secret fields (password
 * formats, writeOnly, credential-like names) replaced; other media types
 * only by size. Capped at `max` characters.
 */
export function redactBody(body: Buffer | undefined, contentType: string | undefined, secretNames: ReadonlySet<string>, max = 4096): unknown {
  if (!body || body.length === 0) return undefined;
  if (!/json/i.test(contentType ?? '')) return `<${body.length} bytes of ${contentType ?? 'unknown type'}>`;
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return `<${body.length} bytes, not valid JSON>`;
  }
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, isSecret(k, secretNames) ? REDACTED : walk(v)]));
    }
    return node;
  };
  const redacted = walk(value);
  const text = JSON.stringify(redacted);
  return text.length <= max ? redacted : `${text.slice(0, max)}…`;
}
