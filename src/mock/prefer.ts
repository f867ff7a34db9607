import { SwornError } from '../errors.js';

/** What a `Prefer` header asks of the mock (as Prism reads it): a status, a named example, generated data, a seed. */
export interface Preferences {
  code?: number;
  example?: string;
  dynamic?: boolean;
  seed?: string;
}

/**
 * Reads `Prefer: code=404, example=cat, dynamic=true, seed=7` (RFC 7240
 * preferences, comma-separated, values optionally quoted). Unknown
 * preferences are ignored, as the RFC says; a malformed known one is an error.
 */
export function parsePrefer(header: string | string[] | undefined): Preferences {
  const out: Preferences = {};
  if (header === undefined) return out;
  for (const part of (Array.isArray(header) ? header.join(',') : header).split(',')) {
    const [token, ...rest] = part.split(';')[0]!.split('=');
    const name = token?.trim().toLowerCase();
    const value = rest.join('=').trim().replace(/^"(.*)"$/, '$1');
    if (!name) continue;
    if (name === 'code') {
      if (!/^\d{3}$/.test(value)) throw new SwornError('SWORN_ERR_USAGE', `Prefer: code=${value} is not an HTTP status`, { hint: 'Write e.g. Prefer: code=404 (a status the operation declares).' });
      out.code = Number(value);
    } else if (name === 'example') out.example = value;
    else if (name === 'dynamic') {
      if (value !== 'true' && value !== 'false') throw new SwornError('SWORN_ERR_USAGE', `Prefer: dynamic=${value} is not true or false`, { hint: 'Write Prefer: dynamic=true or dynamic=false.' });
      out.dynamic = value === 'true';
    } else if (name === 'seed') out.seed = value;
  }
  return out;
}
