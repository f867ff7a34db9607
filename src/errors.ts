/**
 * Every failure sworn throws is a {@link SwornError} with a stable `code`.
 * Match on `error.code`, not on `instanceof`. Contract findings are never
 * thrown: they are returned as data (see `Finding`).
 *
 * Each code is documented in docs/errors.md; a test keeps the two in step.
 */

/** Where in a source file something is. Lines and columns are 1-based. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
  /** JSON pointer inside `file` (RFC 6901), `''` for the document root. */
  pointer: string;
}

export const ERROR_CODES = {
  SWORN_ERR_USAGE: 'The command line is wrong: an unknown flag, a missing argument or a bad value.',
  SWORN_ERR_SPEC_NOT_FOUND: 'The spec file (or a file it references) does not exist or cannot be read.',
  SWORN_ERR_SPEC_PARSE: 'The spec file is not well-formed YAML or JSON.',
  SWORN_ERR_SPEC_REF: 'A $ref points at a file or a location that does not exist.',
  SWORN_ERR_SPEC_VERSION: 'The document is not OpenAPI 3.0.x or 3.1.x, Swagger 2.0 or a Postman collection v2.0/v2.1.',
  SWORN_ERR_SWAGGER2: 'The document is Swagger of a version other than 2.0 (1.x), which sworn cannot convert.',
  SWORN_ERR_CONVERT: 'A Swagger 2.0 document or Postman collection cannot be converted to OpenAPI 3.',
  SWORN_ERR_SPEC_STRUCTURE: 'The document is too broken to list its operations (for example `paths` is not an object).',
  SWORN_ERR_SLO_INVALID: 'An x-slo block is invalid, so its promise cannot be resolved.',
  SWORN_ERR_POLICY: 'The policy file cannot be read or is not a valid policy.',
  SWORN_ERR_OPERATION_NOT_FOUND: 'No operation has the id given with --operation.',
  SWORN_ERR_TIER_NOT_FOUND: 'No consumer tier has the name given with --tier.',
  SWORN_ERR_CONSUMER_NOT_FOUND: 'No consumer with the name given with --consumer was ever seen in the store (or by Prometheus).',
  SWORN_ERR_TARGET_UNREACHABLE: 'The service given with --target answered none of the requests: it refused the connection, its name does not resolve, or it never answered in time.',
  SWORN_ERR_WEAKER_PROMISE: 'baseline --write would weaken a promise the spec makes, and --allow-weaker was not given.',
  SWORN_ERR_CONFIG: 'The config file cannot be read, or a setting (from the file, the environment or a flag) has a bad value.',
  SWORN_ERR_LISTEN: 'The proxy or admin server cannot listen on the address given.',
  SWORN_ERR_STORE: 'The store (SQLite file) cannot be opened or written.',
  SWORN_ERR_CONSUMERS: 'An API-key map or JWKS file named in x-slo consumers.identify cannot be read, or JWT verification is impossible.',
  SWORN_ERR_FAULT: 'A fault (POST /faults, or a game-day step) is invalid: an unknown kind or setting, a bad duration or share, an operation or tier the spec does not have.',
  SWORN_ERR_GAMEDAY: 'A game-day plan is invalid, its target or hypothesis source cannot be reached, or the steady state did not hold before the first step.',
  SWORN_ERR_PROMETHEUS: 'Prometheus (--prometheus) cannot be reached, refused a query, or holds no sworn metrics for the service.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface SwornErrorOptions {
  /** What the user should do next. */
  hint?: string;
  location?: SourceLocation;
  cause?: unknown;
  /** Further problems of the same kind (for example every broken $ref). */
  details?: Array<{ message: string; location?: SourceLocation }>;
}

export class SwornError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly location: SourceLocation | undefined;
  readonly details: Array<{ message: string; location?: SourceLocation }>;

  constructor(code: ErrorCode, message: string, options: SwornErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SwornError';
    this.code = code;
    this.hint = options.hint;
    this.location = options.location;
    this.details = options.details ?? [];
  }
}

/** `file:line:col` for messages. */
export function formatLocation(location: SourceLocation): string {
  return `${location.file}:${location.line}:${location.column}`;
}

/** One human-readable block: code, where, what, what to do next. */
export function describeError(error: SwornError): string {
  const lines: string[] = [];
  const where = error.location ? `${formatLocation(error.location)} ` : '';
  const pointer = error.location ? ` (at #${error.location.pointer})` : '';
  lines.push(`${error.code}: ${where}${error.message}${pointer}`);
  for (const detail of error.details) {
    const at = detail.location ? `${formatLocation(detail.location)} (at #${detail.location.pointer}) ` : '';
    lines.push(`  - ${at}${detail.message}`);
  }
  if (error.hint) lines.push(`  hint: ${error.hint}`);
  return lines.join('\n');
}
