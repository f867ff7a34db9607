import type { ServerResponse } from 'node:http';
import { sendProblem } from '../http/problem.js';

/** 401 for missing credentials, else 422 naming the violations (problem+json). */
export function refuse(res: ServerResponse, operation: string, security: boolean, violations: unknown[]): void {
  if (security) return sendProblem(res, 401, 'Unauthorized', `the request does not meet the security requirements of ${operation}`, violations.length > 0 ? { violations } : {});
  sendProblem(res, 422, 'Unprocessable Entity', `the request breaks the API contract of ${operation} (${violations.length} violation${violations.length === 1 ? '' : 's'})`, { violations });
}
