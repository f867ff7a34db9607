/** Media types: matching a Content-Type against declared `content` keys, and reading a body by kind. */

export type BodyKind = 'json' | 'form' | 'multipart' | 'text' | 'other';

/** `application/json; charset=utf-8` -> `application/json`. */
export function essence(contentType: string | undefined): string {
  if (contentType === undefined) return '';
  const end = contentType.indexOf(';');
  return (end < 0 ? contentType : contentType.slice(0, end)).trim().toLowerCase();
}

export function kindOf(mediaType: string): BodyKind {
  if (mediaType === 'application/json' || mediaType.endsWith('+json')) return 'json';
  if (mediaType === 'application/x-www-form-urlencoded') return 'form';
  if (mediaType.startsWith('multipart/')) return 'multipart';
  // XML is not read (its mapping to a schema needs the `xml` objects): text/xml is XML, not text.
  if (mediaType === 'text/xml' || mediaType.endsWith('+xml')) return 'other';
  if (mediaType.startsWith('text/')) return 'text';
  return 'other';
}

/**
 * The declared media-type key that applies to a Content-Type: the exact type,
 * else `type/*`, else `*\/*`. Parameters in declared keys are ignored.
 */
export function matchMediaType<T>(declared: ReadonlyMap<string, T>, contentType: string | undefined): [string, T] | undefined {
  const actual = essence(contentType);
  if (actual === '') return undefined;
  const exact = declared.get(actual);
  if (exact !== undefined) return [actual, exact];
  const range = `${actual.split('/')[0]}/*`;
  const ranged = declared.get(range);
  if (ranged !== undefined) return [range, ranged];
  const any = declared.get('*/*');
  return any !== undefined ? ['*/*', any] : undefined;
}

/**
 * The deepest JSON nesting sworn checks: arrays and objects inside one
 * another, up to 256 levels. A deeper body is refused (`*-body-too-deep`)
 * before it is parsed, so neither ajv (whose recursive schemas recurse per
 * level) nor any walker of the value can overflow the stack.
 */
export const MAX_JSON_DEPTH = 256;

/**
 * True when the JSON text nests arrays/objects deeper than `limit`: one pass
 * over the bytes, brackets inside strings ignored (UTF-8 continuation bytes
 * never look like ASCII brackets or quotes). Not a parser: malformed text
 * is JSON.parse's to reject.
 */
export function jsonNestsDeeper(body: Uint8Array, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (inString) {
      if (byte === 0x5c) i++; // backslash: the next byte is escaped
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) inString = true;
    else if (byte === 0x5b || byte === 0x7b) {
      if (++depth > limit) return true;
    } else if (byte === 0x5d || byte === 0x7d) depth--;
  }
  return false;
}

/**
 * Adds one more value for `key` to a null-prototype record (a key
 * `__proto__` or `constructor` is an ordinary own property); repeated keys
 * collect into an array, in place (copying it per value made 100,000
 * repeats of one field cost minutes).
 */
function append(object: Record<string, unknown>, key: string, value: unknown): void {
  const known = Object.hasOwn(object, key) ? object[key] : undefined;
  if (known === undefined) object[key] = value;
  else if (Array.isArray(known)) known.push(value);
  else object[key] = [known, value];
}

/** What a body is, parsed by its actual content type, or why it cannot be read (`tooDeep`: JSON nested past `MAX_JSON_DEPTH`). */
export async function readBody(body: Buffer, contentType: string | undefined): Promise<{ ok: true; value: unknown } | { ok: false; reason: string; tooDeep?: true }> {
  const type = essence(contentType);
  const kind = kindOf(type);
  if (kind === 'json') {
    if (body.length === 0) return { ok: false, reason: 'the body is empty, not JSON' };
    if (jsonNestsDeeper(body, MAX_JSON_DEPTH)) return { ok: false, reason: `the body nests deeper than ${MAX_JSON_DEPTH} levels`, tooDeep: true };
    try {
      return { ok: true, value: JSON.parse(body.toString('utf8')) };
    } catch (error) {
      return { ok: false, reason: `the body is not valid JSON (${(error as Error).message.replace(/ in JSON at position.*$/, '').replace(/, ".*$/, '')})` };
    }
  }
  if (kind === 'form') {
    const object = Object.create(null) as Record<string, unknown>;
    for (const [key, value] of new URLSearchParams(body.toString('utf8'))) append(object, key, value);
    return { ok: true, value: object };
  }
  if (kind === 'multipart') {
    try {
      const form = await new Response(new Uint8Array(body.buffer, body.byteOffset, body.byteLength) as unknown as BodyInit, { headers: { 'content-type': contentType ?? '' } }).formData();
      const object = Object.create(null) as Record<string, unknown>;
      for (const [key, value] of form) append(object, key, typeof value === 'string' ? value : `<file ${value.size} bytes>`);
      return { ok: true, value: object };
    } catch {
      return { ok: false, reason: 'the multipart body cannot be parsed (check the boundary)' };
    }
  }
  if (kind === 'text') return { ok: true, value: body.toString('utf8') };
  return { ok: true, value: undefined };
}
