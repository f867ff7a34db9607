import { timingSafeEqual } from 'node:crypto';

/**
 * Whether an `Authorization` header carries the admin token: the scheme is
 * case-insensitive (RFC 9110 §11.1), the token compared in constant time.
 * Always true when no token is required.
 */
export function bearerAuthorizer(token: string | undefined): (header: string | undefined) => boolean {
  const expected = token ? Buffer.from(token) : undefined;
  return (header) => {
    if (!expected) return true;
    const m = /^bearer +(.*)$/i.exec(header ?? '');
    const given = Buffer.from(m?.[1] ?? '');
    return m !== null && given.length === expected.length && timingSafeEqual(given, expected);
  };
}
