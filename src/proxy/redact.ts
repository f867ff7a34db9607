import type { IncomingHttpHeaders } from 'node:http';
import { looksLikeCredential, type CompiledOperation } from '../validate/compile.js';

export const REDACTED = '[REDACTED]';
/** What stands for a part of a body excerpt deeper than `EXCERPT_DEPTH`. */
export const TRUNCATED = '[…]';
/** Arrays and objects nested deeper than this are replaced by `TRUNCATED` in body excerpts. */
export const EXCERPT_DEPTH = 32;

/** A name is secret when the operation says so, or by its words (`looksLikeCredential`); `filter[password]` by its bracketed parts too. */
function isSecret(name: string, secretNames: ReadonlySet<string>): boolean {
  if (secretNames.has(name) || secretNames.has(name.toLowerCase()) || looksLikeCredential(name)) return true;
  const open = name.indexOf('[');
  if (open < 0) return false;
  return name
    .slice(open)
    .split(/[[\]]+/)
    .some((part) => part !== '' && (secretNames.has(part) || secretNames.has(part.toLowerCase())));
}

/** Headers with secret ones (credentials, cookies, API keys) replaced. */
export function redactHeaders(headers: IncomingHttpHeaders, secretNames: ReadonlySet<string>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = isSecret(name, secretNames) ? REDACTED : value;
  }
  return out;
}

function decodeQueryPart(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** A query string (without `?`) with the values of secret parameters replaced; everything else as sent. */
export function redactQuery(query: string, secretNames: ReadonlySet<string>): string {
  if (query === '') return '';
  return query
    .split('&')
    .map((pair) => {
      const at = pair.indexOf('=');
      const rawName = at < 0 ? pair : pair.slice(0, at);
      return isSecret(decodeQueryPart(rawName), secretNames) ? `${rawName}=${REDACTED}` : pair;
    })
    .join('&');
}

/**
 * A copy of a parsed JSON value with secret fields replaced (not booleans
 * or null: they hold no secret) and everything nested deeper than
 * `maxDepth` replaced by `TRUNCATED`. Iterative: no depth overflows it, and
 * the copy is shallow enough for `JSON.stringify`. The copy's objects have
 * no prototype, so a field `__proto__` is an ordinary field. It copies all
 * of the value, however large: excerpts use `redactExcerpt`, which stops
 * at its budget.
 */
export function redactValue(value: unknown, secretNames: ReadonlySet<string>, maxDepth = EXCERPT_DEPTH): unknown {
  const root: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const stack: Array<[node: unknown, holder: Record<string | number, unknown>, key: string | number, depth: number]> = [[value, root, 'value', 0]];
  while (stack.length > 0) {
    const [node, holder, key, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') {
      holder[key] = node;
    } else if (depth >= maxDepth) {
      holder[key] = TRUNCATED;
    } else if (Array.isArray(node)) {
      const copy: unknown[] = new Array(node.length);
      holder[key] = copy;
      for (let i = node.length - 1; i >= 0; i--) stack.push([node[i], copy as unknown as Record<number, unknown>, i, depth + 1]);
    } else {
      const copy = Object.create(null) as Record<string, unknown>;
      holder[key] = copy;
      const entries = Object.entries(node);
      for (const [k, v] of entries) copy[k] = isSecret(k, secretNames) && v !== null && typeof v !== 'boolean' ? REDACTED : undefined; // keys in their order
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, v] = entries[i]!;
        if (copy[k] !== REDACTED) stack.push([v, copy, k, depth + 1]);
      }
    }
  }
  return root.value;
}

/** What the excerpt of a body came to: the redacted copy when its JSON fits, else the JSON's first `max` characters. */
export type Excerpt = { complete: true; value: unknown } | { complete: false; text: string };

/**
 * `JSON.stringify(text)`, or, when `text` is longer than `room`, the
 * quoted form of its first `room + 1` characters only: longer than `room`
 * too, so the excerpt is cut inside it, and alike up to the cut (a pair
 * split at `room` is escaped past it). A megabyte string costs `room`.
 */
function quote(text: string, room: number): string {
  return JSON.stringify(text.length > room ? text.slice(0, Math.max(room, 0) + 1) : text);
}

/**
 * The excerpt of a parsed JSON value, redacted as `redactValue` does it,
 * on a budget: the JSON text is written while walking, and the walk stops
 * as soon as it passes `max` characters. The work (nodes visited, names
 * checked by `isSecret`, characters written) is bounded by `max`, not by
 * the value: of an object with 85,000 keys only the first few hundred are
 * read. Secret values are never written, so no cut shows one. When all of
 * it fits, the copy (objects without prototype) is returned instead: its
 * `JSON.stringify` is the text written. Iterative.
 *
 * @example
 * redactExcerpt({ password: 'p', name: 'n' }, new Set(), 4096); // { complete: true, value: { password: '[REDACTED]', name: 'n' } }
 * redactExcerpt({ list: [1, 2, 3] }, new Set(), 10);            // { complete: false, text: '{"list":[1' }
 */
export function redactExcerpt(value: unknown, secretNames: ReadonlySet<string>, max: number, maxDepth = EXCERPT_DEPTH): Excerpt {
  type Frame = { node: unknown[]; copy: unknown[]; keys: undefined; i: number; depth: number } | { node: Record<string, unknown>; copy: Record<string, unknown>; keys: string[]; i: number; depth: number };
  const stack: Frame[] = [];
  let text = '';
  /** Writes `node` (a scalar whole, a container its opening bracket) and returns its copy. */
  const open = (node: unknown, depth: number): unknown => {
    if (node === null || typeof node !== 'object') {
      text += typeof node === 'string' ? quote(node, max - text.length) : JSON.stringify(node);
      return node;
    }
    if (depth >= maxDepth) {
      text += JSON.stringify(TRUNCATED);
      return TRUNCATED;
    }
    if (Array.isArray(node)) {
      const copy: unknown[] = [];
      text += '[';
      stack.push({ node: node as unknown[], copy, keys: undefined, i: 0, depth });
      return copy;
    }
    const copy = Object.create(null) as Record<string, unknown>;
    text += '{';
    stack.push({ node: node as Record<string, unknown>, copy, keys: Object.keys(node), i: 0, depth });
    return copy;
  };
  const root = open(value, 0);
  while (stack.length > 0 && text.length <= max) {
    const frame = stack[stack.length - 1]!;
    if (frame.keys === undefined) {
      if (frame.i >= frame.node.length) {
        text += ']';
        stack.pop();
        continue;
      }
      if (frame.i > 0) text += ',';
      const i = frame.i++;
      frame.copy[i] = open(frame.node[i], frame.depth + 1);
    } else {
      if (frame.i >= frame.keys.length) {
        text += '}';
        stack.pop();
        continue;
      }
      const key = frame.keys[frame.i++]!;
      text += `${frame.i > 1 ? ',' : ''}${quote(key, max - text.length)}:`;
      if (text.length > max) break; // cut in the name: its value is never read, nor the name judged
      const node = frame.node[key];
      if (node !== null && typeof node !== 'boolean' && isSecret(key, secretNames)) {
        text += JSON.stringify(REDACTED);
        frame.copy[key] = REDACTED;
      } else frame.copy[key] = open(node, frame.depth + 1);
    }
  }
  return text.length <= max ? { complete: true, value: root } : { complete: false, text: text.slice(0, max) };
}

/**
 * A body excerpt for a violation sample: JSON with secret fields (password
 * formats, writeOnly, credential-like names) replaced and nesting past
 * `EXCERPT_DEPTH` cut; other media types only by size. Capped at `max`
 * characters: a value whose JSON is longer comes as the JSON's first `max`
 * characters and `…`. Parsing aside, the cost is bounded by `max`, not by
 * the body (`redactExcerpt`).
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
  const excerpt = redactExcerpt(value, secretNames, max);
  return excerpt.complete ? excerpt.value : `${excerpt.text}…`;
}

function decodeSegment(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A regular expression for `value` as it may appear in a raw path: each character as is or percent-encoded (either case). */
function encodedForms(value: string): RegExp {
  const parts = Array.from(value, (c) => {
    const literal = c.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
    const encoded = [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0').replace(/[a-f]/g, (h) => `[${h}${h.toUpperCase()}]`)}`).join('');
    return `(?:${literal}|${encoded})`;
  });
  return new RegExp(parts.join(''), 'g');
}

/** A raw path segment with every occurrence of the values (as sent: raw, percent-encoded or mixed) replaced; wholly replaced if one remains. */
function redactSegment(segment: string, values: string[]): string {
  let out = segment;
  for (const value of values) {
    const decoded = decodeSegment(out);
    if (!decoded.includes(value)) continue;
    out = decoded === value ? REDACTED : out.replace(encodedForms(value), REDACTED);
  }
  return values.some((v) => decodeSegment(out).includes(v)) ? REDACTED : out;
}

/**
 * The request path with the values of secret path parameters (a
 * `format: password`, writeOnly or credential-named parameter:
 * `CompiledParam.secret`) replaced by `[REDACTED]`. `params` are the
 * router's percent-decoded values; the raw path may carry them encoded, in
 * any mix, after a base path. Segments matching the template's literal
 * segments are kept; every other segment loses any occurrence of a secret
 * value. Anything after `?` is kept as is (see `redactUrl`). When a value
 * still shows (it spans segments), the whole path gives way to the
 * operation's template with the secrets replaced: nothing leaks.
 *
 * @example
 * redactPath('/v1/vaults/s%33cret/items/7', { vault: 's3cret', item: '7' }, op); // '/v1/vaults/[REDACTED]/items/7'
 */
export function redactPath(path: string, params: Record<string, string>, operation: CompiledOperation): string {
  const secrets = operation.params.filter((p) => p.in === 'path' && p.secret).map((p) => p.name);
  const values = secrets.map((name) => params[name]).filter((v): v is string => typeof v === 'string' && v !== '');
  if (values.length === 0) return path;
  values.sort((a, b) => b.length - a.length); // a value containing another goes first
  const q = path.indexOf('?');
  const rest = q < 0 ? '' : path.slice(q);
  const segments = (q < 0 ? path : path.slice(0, q)).split('/');
  // The template's literal segments, aligned from the end (a base path may come first).
  const template = operation.operation.path.split('/').filter((s) => s !== '');
  const filled = segments.flatMap((s, i) => (s === '' ? [] : [i]));
  const literals = new Map<number, string>();
  if (filled.length >= template.length) template.forEach((t, j) => !t.includes('{') && literals.set(filled[filled.length - template.length + j]!, t.toLowerCase()));
  const isLiteral = (segment: string, i: number) => literals.get(i) === decodeSegment(segment).toLowerCase();
  const redacted = segments.map((segment, i) => (isLiteral(segment, i) ? segment : redactSegment(segment, values)));
  const result = redacted.join('/');
  if (values.some((v) => v.includes('/') && decodeSegment(result).includes(v))) {
    return operation.operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => (secrets.includes(name) ? REDACTED : encodeURIComponent(params[name] ?? ''))) + rest;
  }
  return result + rest;
}

/**
 * A request URL for log lines: the query's secret parameters replaced
 * (`redactQuery`), user-info in an absolute URL replaced, and, given the
 * route, secret path parameters too (`redactPath`).
 *
 * @example
 * redactUrl('/pets?api_key=k1&limit=5', op.secretNames); // '/pets?api_key=[REDACTED]&limit=5'
 */
export function redactUrl(rawUrl: string, secretNames: ReadonlySet<string>, route?: { params: Record<string, string>; operation: CompiledOperation }): string {
  let prefix = '';
  let rest = rawUrl;
  const origin = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(rawUrl);
  if (origin) {
    prefix = origin[0].replace(/^([^:]+:\/\/)[^@]*@/, `$1${REDACTED}@`);
    rest = rawUrl.slice(origin[0].length);
  }
  const q = rest.indexOf('?');
  let path = q < 0 ? rest : rest.slice(0, q);
  if (route) path = redactPath(path, route.params, route.operation);
  return q < 0 ? prefix + path : `${prefix}${path}?${redactQuery(rest.slice(q + 1), secretNames)}`;
}
