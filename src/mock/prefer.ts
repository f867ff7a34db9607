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
      if (!/^[2-5]\d\d$/.test(value)) throw new SwornError('SWORN_ERR_USAGE', `Prefer: code=${value} is not a final HTTP status (200 to 599)`, { hint: 'Write e.g. Prefer: code=404 (a status the operation declares).' });
      out.code = Number(value);
    } else if (name === 'example') out.example = value;
    else if (name === 'dynamic') {
      if (value !== 'true' && value !== 'false') throw new SwornError('SWORN_ERR_USAGE', `Prefer: dynamic=${value} is not true or false`, { hint: 'Write Prefer: dynamic=true or dynamic=false.' });
      out.dynamic = value === 'true';
    } else if (name === 'seed') out.seed = value;
  }
  return out;
}

/** Prism's URL forms of `Prefer`: `?__code=404&__example=cat&__dynamic=true`. */
const QUERY_PREFERENCES = ['code', 'example', 'dynamic'] as const;

/**
 * The preferences of a request: its `Prefer` header, overridden by the
 * query's `__code`, `__example` and `__dynamic` (checked the same way); and
 * the query without them, which is what the operation's parameters are
 * checked against and the answer is built from.
 */
export function requestPreferences(header: string | string[] | undefined, query: URLSearchParams): { preferences: Preferences; query: URLSearchParams } {
  const preferences = parsePrefer(header);
  const rest = new URLSearchParams();
  const forms: string[] = [];
  for (const [name, value] of query) {
    const form = QUERY_PREFERENCES.find((p) => name === `__${p}`);
    if (form) forms.push(`${form}=${value}`);
    else rest.append(name, value);
  }
  if (forms.length === 0) return { preferences, query };
  // "?__code=404" errs as "Prefer: code=404" would, naming the query form.
  try {
    return { preferences: { ...preferences, ...parsePrefer(forms.join(',')) }, query: rest };
  } catch (error) {
    if (error instanceof SwornError) throw new SwornError('SWORN_ERR_USAGE', error.message.replace(/^Prefer: (\w+)=/, '?__$1='), error.hint === undefined ? {} : { hint: error.hint });
    throw error;
  }
}
