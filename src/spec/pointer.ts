/** RFC 6901 JSON pointers. */

export function escapeSegment(segment: string | number): string {
  return String(segment).replace(/~/g, '~0').replace(/\//g, '~1');
}

export function unescapeSegment(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** `['paths', '/pets', 'get']` -> `/paths/~1pets/get`. */
export function toPointer(segments: ReadonlyArray<string | number>): string {
  return segments.map((s) => '/' + escapeSegment(s)).join('');
}

/** `/paths/~1pets/get` -> `['paths', '/pets', 'get']`. Accepts a leading `#`. */
export function parsePointer(pointer: string): string[] {
  const bare = pointer.startsWith('#') ? decodeURIComponent(pointer.slice(1)) : pointer;
  if (bare === '' || bare === '/') return bare === '/' ? [''] : [];
  if (!bare.startsWith('/')) throw new Error(`not a JSON pointer: ${pointer}`);
  return bare.slice(1).split('/').map(unescapeSegment);
}

export function appendPointer(pointer: string, ...segments: Array<string | number>): string {
  return pointer + toPointer(segments);
}
