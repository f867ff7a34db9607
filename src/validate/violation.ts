/**
 * A contract violation: data, never an exception. `direction` says which side
 * broke the contract: `request` is the consumer's breach, `response` the
 * provider's. Messages never echo values of secret parameters or fields.
 */
export interface Violation {
  code: ViolationCode;
  operationId: string | null;
  direction: 'request' | 'response';
  /** Where in the exchange: `path`, `query`, `header`, `cookie`, `body`, `status`, `content-type`, `security`, `route`. */
  location: string;
  /** JSON pointer into the body, or the parameter name for parameters. */
  pointer: string;
  /** The JSON Schema keyword that failed, when one did. */
  keyword: string | null;
  message: string;
  consumer?: string;
  requestId?: string;
  at?: string;
}

export const VIOLATION_CODES = {
  'unknown-route': 'request', // no operation matches the method and path
  'request-path-ambiguous': 'request', // the path matches only under a reading servers disagree on (matrix parameters, %2F, case)
  'request-parameter-missing': 'request',
  'request-parameter-invalid': 'request',
  'request-body-missing': 'request',
  'request-body-unexpected': 'request', // a body sent to an operation that declares no requestBody (the mock answers 415, as Prism)
  'request-content-type': 'request', // the body's media type is not declared
  'request-body-malformed': 'request', // the body does not parse (e.g. broken JSON)
  'request-body-invalid': 'request',
  'request-body-too-deep': 'request', // JSON nested deeper than MAX_JSON_DEPTH (256): refused, not parsed
  'request-security': 'request', // no declared security requirement is met
  'response-status-undeclared': 'response',
  'response-header-missing': 'response',
  'response-header-invalid': 'response',
  'response-content-type': 'response',
  'response-body-malformed': 'response',
  'response-body-invalid': 'response',
  'response-body-too-deep': 'response',
  'not-validated': 'request', // the body was over --max-body: forwarded, not checked (direction as it happened)
} as const;

export type ViolationCode = keyof typeof VIOLATION_CODES;
