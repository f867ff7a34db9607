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

/** What a body is, parsed by its actual content type, or why it cannot be read. */
export async function readBody(body: Buffer, contentType: string | undefined): Promise<{ ok: true; value: unknown } | { ok: false; reason: string }> {
  const type = essence(contentType);
  const kind = kindOf(type);
  if (kind === 'json') {
    if (body.length === 0) return { ok: false, reason: 'the body is empty, not JSON' };
    try {
      return { ok: true, value: JSON.parse(body.toString('utf8')) };
    } catch (error) {
      return { ok: false, reason: `the body is not valid JSON (${(error as Error).message.replace(/ in JSON at position.*$/, '').replace(/, ".*$/, '')})` };
    }
  }
  if (kind === 'form') {
    const object: Record<string, string | string[]> = {};
    for (const [key, value] of new URLSearchParams(body.toString('utf8'))) {
      const known = object[key];
      object[key] = known === undefined ? value : Array.isArray(known) ? [...known, value] : [known, value];
    }
    return { ok: true, value: object };
  }
  if (kind === 'multipart') {
    try {
      const form = await new Response(new Uint8Array(body.buffer, body.byteOffset, body.byteLength) as unknown as BodyInit, { headers: { 'content-type': contentType ?? '' } }).formData();
      const object: Record<string, unknown> = {};
      for (const [key, value] of form) {
        const v = typeof value === 'string' ? value : `<file ${value.size} bytes>`;
        const known = object[key];
        object[key] = known === undefined ? v : Array.isArray(known) ? [...known, v] : [known, v];
      }
      return { ok: true, value: object };
    } catch {
      return { ok: false, reason: 'the multipart body cannot be parsed (check the boundary)' };
    }
  }
  if (kind === 'text') return { ok: true, value: body.toString('utf8') };
  return { ok: true, value: undefined };
}
