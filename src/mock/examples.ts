import { validateResponse, type CompiledOperation, type Violation } from '../validate/index.js';
import { cappedJsonList, violationList, violationsHeader } from '../http/problem.js';
import { unescapeSegment } from '../spec/pointer.js';

/**
 * The mock's own answers checked against the spec, as Prism does (its
 * `sl-violations` header, and a 500 with `--errors`): an example (or a
 * generated body) that breaks its schema, a required header without a
 * value, a status or media type the operation does not declare.
 */

/**
 * The violations of an answer the mock built: status, headers and body
 * checked with the operation's response validators (`validateResponse`,
 * as the proxy checks an upstream's answer). Cheap once the status's
 * validators are compiled (at the first answer with that status); the mock
 * calls it once per answer it caches and keeps the result with it. A
 * schema that cannot be compiled checks nothing (empty list), as does a
 * body past the decoding limit (`not-validated` is not the example's
 * fault). `everyError`: every error of each schema (with validators compiled
 * `allErrors`), not only the first. Never rejects.
 *
 * @example
 * const violations = await answerViolations(validators.get(operation), 200, { 'content-type': 'application/json' }, Buffer.from('[{"id":"one"}]'));
 * violations.map((v) => `${v.code} ${v.pointer}`); // ['response-body-invalid /0/id']
 */
export async function answerViolations(compiled: CompiledOperation, status: number, headers: Record<string, string>, body: Buffer | undefined, options: { everyError?: boolean } = {}): Promise<Violation[]> {
  if (compiled.broken !== undefined) return [];
  const lower: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) lower[name.toLowerCase()] = value;
  try {
    const violations = await validateResponse(compiled, { status, headers: lower, body, bodyTooLarge: false, bodyless: status < 200 || status === 204 || status === 304 }, { everyError: options.everyError === true });
    return violations.filter((v) => v.code !== 'not-validated');
  } catch {
    return []; // a validator that cannot be compiled: the answer cannot be judged
  }
}

/**
 * The headers that name an answer's violations (none when there are
 * none): `Sworn-Violations` (`violationsHeader`: code, direction,
 * location, pointer) and, for clients written against Prism,
 * `sl-violations` in Prism's format (`slViolations`).
 *
 * @example
 * formatAnswerViolations(violations);
 * // {'sworn-violations': '[{"code":"response-body-invalid",…}]', 'sl-violations': '[{"location":["response","body","0","id"],…}]'}
 */
export function formatAnswerViolations(violations: readonly Violation[]): Record<string, string> {
  if (violations.length === 0) return {};
  return { 'sworn-violations': violationsHeader([...violations]), 'sl-violations': slViolations(violations) };
}

/** One item of Prism's `sl-violations` header. */
export interface PrismViolation {
  /** `['response', 'body', '0', 'id']`, `['response', 'header', 'x-rate-limit']`, `['response']`. */
  location: string[];
  severity: 'Error';
  /** The JSON Schema keyword that failed (`type`, `required`), else sworn's violation code. */
  code: string;
  message: string;
}

/**
 * Prism's `sl-violations` value: a JSON array of `{location, severity,
 * code, message}`, `location` starting with `response` and, for a body,
 * the path inside it segment by segment. Capped at `maxBytes` (Prism's
 * cap is 8 KiB less 100 bytes, past which it sends invalid JSON): items
 * are dropped from the end and one `truncated` item says how many, so the
 * value always parses. Non-ASCII characters are escaped (`\u00e9`): a
 * header value is ASCII.
 */
export function slViolations(violations: readonly Violation[], maxBytes = 2048): string {
  const ascii = (text: string) => text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const items: PrismViolation[] = violations.map((v) => ({ location: prismLocation(v), severity: 'Error', code: v.keyword ?? v.code, message: v.message }));
  return cappedJsonList(items, maxBytes, (more): PrismViolation => ({ location: ['response'], severity: 'Error', code: 'truncated', message: `${more} more violation${more === 1 ? '' : 's'} not shown` }), ascii);
}

function prismLocation(v: Violation): string[] {
  if (v.location === 'body') return ['response', 'body', ...(v.pointer === '' ? [] : v.pointer.slice(1).split('/').map(unescapeSegment))];
  if (v.location === 'header') return ['response', 'header', ...v.pointer.split('/').filter((s) => s !== '')];
  return ['response'];
}

/**
 * The `--errors` answer to an answer that breaks the spec: 500
 * problem+json naming the operation, the status and each violation
 * (`violationList`), for `sendProblem(res, p.status, p.title, p.detail,
 * p.extra)`. Prism answers the same case 500 too (type `…#VIOLATIONS`,
 * title "Request/Response not valid", the list under `validation`).
 */
export function answerProblem(operationId: string, status: number, violations: readonly Violation[], generated = false): { status: 500; title: string; detail: string; extra: { violations: ReturnType<typeof violationList> } } {
  const n = violations.length;
  if (generated) {
    return {
      status: 500,
      title: 'Internal Server Error',
      detail: `the mock's generated ${status} answer for ${operationId} breaks the API contract (${n} violation${n === 1 ? '' : 's'}): the generator cuts recursive schemas at depth 3 and cannot meet every keyword; give the response an example, or run without --errors to serve it with a Sworn-Violations header`,
      extra: { violations: violationList([...violations]) },
    };
  }
  return {
    status: 500,
    title: 'Internal Server Error',
    detail: `the mock's ${status} answer for ${operationId} breaks the API contract (${n} violation${n === 1 ? '' : 's'}): fix the example (or the schema) in the spec, or run without --errors to serve it with a Sworn-Violations header`,
    extra: { violations: violationList([...violations]) },
  };
}
