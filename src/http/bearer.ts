import { timingSafeEqual } from 'node:crypto';

/**
 * Whether an `Authorization` header carries the admin token: `Bearer
 * <token>`, or `Basic` with the token as the password (any user name: what a
 * browser sends for the dashboard after its login prompt). The scheme is
 * case-insensitive (RFC 9110 §11.1), the token compared in constant time.
 * Always true when no token is required.
 */
export function bearerAuthorizer(token: string | undefined): (header: string | undefined) => boolean {
  const expected = token ? Buffer.from(token) : undefined;
  return (header) => {
    if (!expected) return true;
    const m = /^(bearer|basic) +(.*)$/i.exec(header ?? '');
    if (m === null) return false;
    let given = Buffer.from(m[2]!);
    if (m[1]!.toLowerCase() === 'basic') {
      const pair = Buffer.from(m[2]!.trim(), 'base64');
      const colon = pair.indexOf(0x3a);
      if (colon < 0) return false;
      given = pair.subarray(colon + 1);
    }
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
}
