/**
 * The request target as the upstream will read it (RFC 9112 §3.2, RFC 3986
 * §5.2.4 and §6.2.2): absolute-form reduced to origin-form, dot segments
 * removed, unreserved characters decoded. Readings that servers disagree on
 * (matrix parameters, encoded slashes, backslashes, letter case) are not
 * applied here: the router tries them only when nothing else matches, and
 * calls the match ambiguous.
 */

export interface RequestTarget {
  /** `origin` (`/a?b`), `absolute` (`http://h/a?b`), `asterisk` (`OPTIONS *`) or `invalid`. */
  form: 'origin' | 'absolute' | 'asterisk' | 'invalid';
  /** The path as sent (origin-form), without the query. */
  path: string;
  /** The raw query string, without `?`. */
  query: string;
  /** The origin-form target to forward (`path?query`). */
  originForm: string;
  /** The authority an absolute-form target names (it replaces Host, RFC 9112 §3.2.2). */
  host?: string;
}

/** Splits a request target into path and query, reducing absolute-form to origin-form. */
export function parseTarget(rawUrl: string): RequestTarget {
  if (rawUrl === '*') return { form: 'asterisk', path: '*', query: '', originForm: '*' };
  let originForm = rawUrl;
  let host: string | undefined;
  let form: RequestTarget['form'] = 'origin';
  if (rawUrl[0] !== '/') {
    const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)(.*)$/i.exec(rawUrl);
    if (!m) return { form: 'invalid', path: rawUrl, query: '', originForm: rawUrl };
    host = (m[1] as string).replace(/^[^@]*@/, ''); // userinfo never goes on
    const rest = m[2] as string;
    originForm = rest === '' ? '/' : rest[0] === '?' ? `/${rest}` : rest;
    form = 'absolute';
  }
  const hash = originForm.indexOf('#');
  if (hash >= 0) originForm = originForm.slice(0, hash); // a fragment is never part of a request
  const q = originForm.indexOf('?');
  const path = q < 0 ? originForm : originForm.slice(0, q);
  const query = q < 0 ? '' : originForm.slice(q + 1);
  return { form, path, query, originForm, ...(host !== undefined ? { host } : {}) };
}

/** Whether a path needs normalising before it is matched: dot segments (also encoded) or encoded unreserved characters. */
export function needsNormalising(path: string): boolean {
  return path.includes('/.') || path.includes('%');
}

const UNRESERVED = /%(2[dDeE]|3[0-9]|[46][1-9a-fA-F]|[57][0-9aA]|5[fF]|7[eE])/g;

/**
 * RFC 3986 normalisation of a path: percent-encoded unreserved characters
 * decoded (`%7E` -> `~`, `%2e` -> `.`), hex digits of other escapes upper-
 * cased, dot segments removed (`/a/./b/../c` -> `/a/c`). Encoded slashes and
 * everything reserved stay encoded: they are data.
 */
export function normalisePath(path: string): string {
  const decoded = path.replace(UNRESERVED, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))).replace(/%[0-9a-f]{2}/gi, (m) => m.toUpperCase());
  return removeDotSegments(decoded);
}

/** RFC 3986 §5.2.4. */
export function removeDotSegments(path: string): string {
  if (!path.includes('.')) return path;
  const segments = path.split('/');
  const out: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    const last = i === segments.length - 1;
    if (segment === '.') {
      if (last) out.push('');
    } else if (segment === '..') {
      if (out.length > 1) out.pop();
      if (last) out.push('');
    } else out.push(segment);
  }
  const joined = out.join('/');
  return joined.startsWith('/') ? joined : `/${joined}`;
}

/** A way some servers read a path that others do not. */
export type Reading = 'matrix-parameters' | 'encoded-slash' | 'backslash' | 'letter-case';

/**
 * The path as servers that apply a reading would see it: matrix parameters
 * dropped (`/a;x=1/b` -> `/a/b`, as servlet containers do), `%2F` and `\`
 * read as `/` (as some frameworks and IIS do). Letter case is tried by the
 * router itself. Only readings that change the path are returned.
 */
export function alternativeReadings(path: string): Array<{ path: string; readings: Reading[] }> {
  const out: Array<{ path: string; readings: Reading[] }> = [];
  let all = path;
  const readings: Reading[] = [];
  if (path.includes(';')) {
    const stripped = path.split('/').map((s) => s.replace(/;.*$/, '')).join('/');
    out.push({ path: removeDotSegments(stripped), readings: ['matrix-parameters'] });
    all = all.split('/').map((s) => s.replace(/;.*$/, '')).join('/');
    readings.push('matrix-parameters');
  }
  if (/%2f/i.test(path)) {
    out.push({ path: removeDotSegments(path.replace(/%2f/gi, '/')), readings: ['encoded-slash'] });
    all = all.replace(/%2f/gi, '/');
    readings.push('encoded-slash');
  }
  if (/\\|%5c/i.test(path)) {
    out.push({ path: removeDotSegments(path.replace(/\\|%5c/gi, '/')), readings: ['backslash'] });
    all = all.replace(/\\|%5c/gi, '/');
    readings.push('backslash');
  }
  if (readings.length > 1) out.push({ path: removeDotSegments(all), readings });
  return out;
}
