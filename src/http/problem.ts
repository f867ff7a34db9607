import type { ServerResponse } from 'node:http';
import type { Violation } from '../validate/violation.js';

/** RFC 9457 problem details, written by the proxy itself (502, 504, enforce-mode 400/401). */
export function sendProblem(res: ServerResponse, status: number, title: string, detail: string, extra: Record<string, unknown> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = problemBody(status, title, detail, extra);
  res.writeHead(status, { 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

/** An RFC 9457 problem details body (also for answers written on a raw socket). */
export function problemBody(status: number, title: string, detail: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ type: `https://sworn.dev/problems/${status}`, title, status, detail, ...extra });
}

/** The violations as problem+json fields: no values, only where and why. */
export function violationList(violations: Violation[]): Array<Pick<Violation, 'code' | 'direction' | 'location' | 'pointer' | 'keyword' | 'message'>> {
  return violations.map(({ code, direction, location, pointer, keyword, message }) => ({ code, direction, location, pointer, keyword, message }));
}

/** The `Sworn-Violations` header: JSON, capped in size (a header must stay small). */
export function violationsHeader(violations: Violation[], maxBytes = 2048): string {
  const items = violations.map((v) => ({ code: v.code, direction: v.direction, location: v.location, pointer: v.pointer }));
  return cappedJsonList(items, maxBytes, (more) => ({ code: 'truncated', more }), (text) => text.replace(/[^\x20-\x7e]/g, '?'));
}

/**
 * A JSON list of `items` in at most `maxBytes` (when it would not fit: the longest prefix that fits with
 * `marker(left out)` after it, at least one item), each item written once: linear in the list, however
 * long (a header is capped, the list it comes from is not). `encode` maps each written item (and the
 * marker) to its final text, keeping lengths comparable.
 */
export function cappedJsonList<T, M>(items: readonly T[], maxBytes: number, marker: (more: number) => M, encode: (text: string) => string = (text) => text): string {
  const parts: string[] = [];
  let length = 2; // [ ]
  for (let i = 0; i < items.length; i++) {
    const part = encode(JSON.stringify(items[i]));
    const next = length + (parts.length > 0 ? 1 : 0) + Buffer.byteLength(part);
    if (next > maxBytes && parts.length > 0) {
      // Make room for the marker: drop items from the end until it fits (each at most once).
      let room = length;
      for (;;) {
        const end = encode(JSON.stringify(marker(items.length - parts.length)));
        if (room + 1 + Buffer.byteLength(end) <= maxBytes || parts.length === 1) return `[${[...parts, end].join(',')}]`;
        room -= Buffer.byteLength(parts.pop() as string) + 1;
      }
    }
    parts.push(part);
    length = next;
  }
  return `[${parts.join(',')}]`;
}
