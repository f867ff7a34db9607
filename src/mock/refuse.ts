import type { ServerResponse } from 'node:http';
import { sendProblem, violationList } from '../http/problem.js';
import type { Violation, ViolationCode } from '../validate/violation.js';

/** Violations a 415 answers (as Prism: a body of a type the operation does not take, or a body it takes none of). */
const UNSUPPORTED: ReadonlySet<ViolationCode> = new Set(['request-body-unexpected', 'request-content-type']);

/**
 * The mock's answer to a request that breaks the contract, in Prism's order:
 * 401 when credentials are missing (with `WWW-Authenticate`), else 415 when
 * the body's media type is not taken, else 422. Every violation is named, in
 * one shape (`violationList`).
 */
export function refuse(res: ServerResponse, operation: string, violations: Violation[], challenge?: string): void {
  const named = { violations: violationList(violations) };
  if (violations.some((v) => v.code === 'request-security')) {
    if (challenge !== undefined) res.setHeader('www-authenticate', challenge);
    return sendProblem(res, 401, 'Unauthorized', `the request does not meet the security requirements of ${operation}`, named);
  }
  if (violations.some((v) => UNSUPPORTED.has(v.code))) {
    return sendProblem(res, 415, 'Unsupported Media Type', `the request's body is not one ${operation} takes (${count(violations)})`, named);
  }
  sendProblem(res, 422, 'Unprocessable Entity', `the request breaks the API contract of ${operation} (${count(violations)})`, named);
}

function count(violations: Violation[]): string {
  return `${violations.length} violation${violations.length === 1 ? '' : 's'}`;
}

/** One entry of prism-http's 422 `validation` list. */
export interface PrismValidation {
  location?: string[];
  code?: unknown;
  message: string;
}

/**
 * prism-http's validation findings (for requests our router does not route,
 * such as `/things/` for `/things/{id}`) in sworn's violation shape:
 * `['query', 'limit']` is location `query`, pointer `limit`;
 * `['body', 'a', 'b']` is location `body`, pointer `/a/b`; ajv's keyword
 * (prism's `code`) is the keyword; a `required` one is `…-missing`.
 */
export function fromPrismValidation(validation: PrismValidation[], operationId: string | null): Violation[] {
  return validation.map((v) => {
    const [where, ...rest] = Array.isArray(v.location) ? v.location.map(String) : [];
    const keyword = typeof v.code === 'string' && v.code !== '' && !/^\d+$/.test(v.code) ? v.code : null;
    const missing = keyword === 'required' ? /'([^']+)'/.exec(v.message)?.[1] : undefined;
    if (where === 'path' || where === 'query' || where === 'header' || where === 'cookie') {
      const name = rest[0] ?? missing ?? '';
      const code: ViolationCode = missing !== undefined && rest.length === 0 ? 'request-parameter-missing' : 'request-parameter-invalid';
      const message = code === 'request-parameter-missing' ? `the request lacks required ${where} parameter \`${name}\`` : v.message;
      return { code, operationId, direction: 'request', location: where, pointer: name, keyword, message };
    }
    const pointer = rest.map((segment) => `/${segment.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
    const code: ViolationCode = keyword === 'required' && rest.length === 0 && missing === undefined ? 'request-body-missing' : 'request-body-invalid';
    return { code, operationId, direction: 'request', location: 'body', pointer, keyword, message: v.message };
  });
}
