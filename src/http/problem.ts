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
  let text = JSON.stringify(items);
  while (Buffer.byteLength(text) > maxBytes && items.length > 1) {
    items.pop();
    text = JSON.stringify([...items, { code: 'truncated', more: violations.length - items.length }]);
  }
  return text.replace(/[^\x20-\x7e]/g, '?');
}
