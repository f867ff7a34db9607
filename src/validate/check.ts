import { kMaxLength } from 'node:buffer';
import type { IncomingHttpHeaders } from 'node:http';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate, type ZlibOptions, type BrotliOptions } from 'node:zlib';
import type { ValidateFunction } from 'ajv';
import type { CompiledMedia, CompiledOperation, CompiledParam, CompiledResponse } from './compile.js';
import { matchMediaType, readBody, essence, kindOf, MAX_JSON_DEPTH } from './media.js';
import { deserializeQuery, deserializeScalar, parseCookies } from './params.js';
import { describeSchemaError, describeSchemaErrors } from './schemas.js';
import { CredentialReader, describeCredential, securityMet } from './security.js';
import type { Violation, ViolationCode } from './violation.js';

export interface RequestInput {
  /** Path parameters from the router, percent-decoded. */
  params: Record<string, string>;
  /** The raw query string, without `?`. */
  query: string;
  headers: IncomingHttpHeaders;
  /** The body as received, or `undefined` when there was none. */
  body: Buffer | undefined;
  /** True when the body exceeded the copy limit: it was forwarded but is not validated. */
  bodyTooLarge: boolean;
  /**
   * The most bytes a body may decode to (`Content-Encoding` undone, every
   * layer); beyond it the body is `not-validated: body-too-large`. The proxy
   * passes `--max-body`. Default `DEFAULT_MAX_DECODED` (1 MiB).
   */
  maxDecoded?: number;
}

export interface ResponseInput {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer | undefined;
  bodyTooLarge: boolean;
  /** HEAD requests and 204/304 carry no body. */
  bodyless: boolean;
  /** As in `RequestInput`: the most bytes the body may decode to. */
  maxDecoded?: number;
}

/** What `validateRequest` checks beyond the contract every caller shares. */
export interface RequestCheckOptions {
  /**
   * Name every schema error the validators report, one violation each, not
   * only the first: with validators compiled `allErrors` (the refusal path
   * of the mock and of enforce mode).
   */
  everyError?: boolean;
  /**
   * Refuse unencoded reserved characters (`/?#[]@!$&'()*,;=`) in the
   * values of form fields whose `encoding` does not set `allowReserved:
   * true` (as Prism). The mock's: real servers accept them, so the proxy
   * does not check it.
   */
  reservedCharacters?: boolean;
}

/** The decoded-size limit when the caller gives none: 1 MiB (the proxy's default --max-body). */
export const DEFAULT_MAX_DECODED = 1_048_576;

type Draft = Omit<Violation, 'operationId' | 'direction'>;

function violation(code: ViolationCode, location: string, pointer: string, message: string, keyword: string | null = null): Draft {
  return { code, location, pointer, keyword, message };
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function checkParam(p: CompiledParam, value: unknown, side: 'request' | 'response', out: Draft[], every = false): void {
  const label = side === 'request' ? `${p.in} parameter \`${p.name}\`` : `response header \`${p.name}\``;
  if (value === undefined) {
    if (p.required) out.push(violation(side === 'request' ? 'request-parameter-missing' : 'response-header-missing', p.in, p.name, `the ${side === 'request' ? 'request' : 'response'} lacks required ${label}`, 'required'));
    return;
  }
  if (!p.validate) return;
  const verdict = run(p.validate, value);
  if (verdict === true) return;
  if (verdict === 'threw') {
    out.push(violation(side === 'request' ? 'request-parameter-invalid' : 'response-header-invalid', p.in, p.name, `${label} could not be checked (the validator failed on it); refused`));
    return;
  }
  for (const detail of every ? describeSchemaErrors(p.validate.errors, label) : [describeSchemaError(p.validate.errors, label)]) {
    out.push(violation(side === 'request' ? 'request-parameter-invalid' : 'response-header-invalid', p.in, p.name + (detail.pointer ? detail.pointer : ''), detail.message + (p.secret ? ' (value not shown)' : ''), detail.keyword));
  }
}

async function checkBody(media: CompiledMedia, body: Buffer, contentType: string | undefined, side: 'request' | 'response', out: Draft[], every: boolean): Promise<void> {
  if (!media.validate) return;
  const parsed = await readBody(body, contentType);
  if (!parsed.ok) {
    if (parsed.tooDeep) out.push(violation(side === 'request' ? 'request-body-too-deep' : 'response-body-too-deep', 'body', '', `the ${side} body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels; sworn refuses to check it`));
    else out.push(violation(side === 'request' ? 'request-body-malformed' : 'response-body-malformed', 'body', '', `the ${side} body (${media.mediaType}): ${parsed.reason}`));
    return;
  }
  let verdict = run(media.validate, parsed.value);
  // A text body is a string; under a number, integer or boolean schema it stands for that value (`3` under
  // `text/plain` with `type: integer`). Tried only when the string fails: valid bodies pay nothing.
  if (verdict === false && typeof parsed.value === 'string' && kindOf(essence(contentType)) === 'text') {
    const scalar = textScalar(parsed.value);
    if (scalar !== undefined) {
      // Judged as the value it spells: `0` under `minimum: 1` breaks the minimum, not the type.
      const asScalar = run(media.validate, scalar);
      if (asScalar === true) return;
      // The value's type fits the schema: its errors stand; else the text is judged as text.
      verdict = asScalar === false && !media.validate.errors?.some((e) => e.keyword === 'type') ? asScalar : run(media.validate, parsed.value);
    }
  }
  if (verdict === true) return;
  if (verdict === 'threw') {
    out.push(violation(side === 'request' ? 'request-body-invalid' : 'response-body-invalid', 'body', '', `the ${side} body (${media.mediaType}) could not be checked (the validator failed on it); refused`));
    return;
  }
  for (const detail of every ? describeSchemaErrors(media.validate.errors, `the ${side} body`) : [describeSchemaError(media.validate.errors, `the ${side} body`)]) {
    out.push(violation(side === 'request' ? 'request-body-invalid' : 'response-body-invalid', 'body', detail.pointer, detail.message, detail.keyword));
  }
}

/** Reserved characters OpenAPI's `allowReserved: false` wants percent-encoded (Prism's set: `+` is a space in forms, `:` passes). */
const RESERVED = /[/?#[\]@!$&'()*,;=]/;

/** Form fields whose encoding does not allow reserved characters, each named once when its raw value has one. */
function checkReserved(fields: readonly string[], body: Buffer, out: Draft[]): void {
  const strict = new Set(fields);
  const named = new Set<string>();
  for (const part of body.toString('utf8').split('&')) {
    const equals = part.indexOf('=');
    if (equals < 0) continue;
    let name = part.slice(0, equals);
    try {
      name = decodeURIComponent(name.replace(/\+/g, ' '));
    } catch {
      // a malformed escape: the name as written
    }
    if (!strict.has(name) || named.has(name) || !RESERVED.test(part.slice(equals + 1))) continue;
    named.add(name);
    out.push(violation('request-body-invalid', 'body', `/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`, `the request body's field \`${name}\` has unencoded reserved characters; percent-encode them (its encoding does not set allowReserved: true)`, 'allowReserved'));
  }
}

/** The number or boolean a text body spells (JSON's spelling, surrounding whitespace allowed); undefined for any other text. */
function textScalar(text: string): number | boolean | undefined {
  const trimmed = text.trim();
  if (trimmed === 'true') return true;
  if (trimmed === 'false') return false;
  if (trimmed.length > 64 || !/^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}

/** A compiled validator's verdict; an exception (a stack overflow, say) is `'threw'`, never thrown on. */
function run(validate: ValidateFunction, value: unknown): boolean | 'threw' {
  try {
    return validate(value) === true;
  } catch {
    return 'threw';
  }
}

type Decoder = (body: Buffer, options: ZlibOptions & BrotliOptions) => Promise<Buffer>;

const DECODERS: Record<string, Decoder> = {
  gzip: promisify(gunzip) as Decoder,
  'x-gzip': promisify(gunzip) as Decoder,
  deflate: promisify(inflate) as Decoder,
  br: promisify(brotliDecompress) as Decoder,
};

type Decoded = { kind: 'ok'; body: Buffer } | { kind: 'too-large' } | { kind: 'undecodable' };

/**
 * The body as its media type reads it: `Content-Encoding` undone (gzip,
 * deflate, br; asynchronously, off the event loop's critical work). Each
 * layer may produce at most `limit` bytes: zlib stops there (a 1.7 KB
 * brotli body that would inflate to 1 GiB costs 1 MiB, not 2 GB).
 */
async function decoded(body: Buffer, headers: IncomingHttpHeaders, limit: number): Promise<Decoded> {
  const encoding = headerValue(headers, 'content-encoding');
  if (!encoding || body.length === 0) return { kind: 'ok', body };
  const maxOutputLength = Math.max(1, Math.min(Math.floor(limit) || 1, kMaxLength));
  let current = body;
  for (const coding of encoding.split(',').map((c) => c.trim().toLowerCase()).filter((c) => c !== 'identity' && c !== '').reverse()) {
    const decode = DECODERS[coding];
    if (!decode) return { kind: 'undecodable' };
    try {
      current = await decode(current, { maxOutputLength });
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? { kind: 'too-large' } : { kind: 'undecodable' };
    }
  }
  return { kind: 'ok', body: current };
}

/** The body's media type must be declared; then the body is checked by it (unless it was too large to keep). */
async function checkContent(media: ReadonlyMap<string, CompiledMedia>, headers: IncomingHttpHeaders, body: Buffer, tooLarge: boolean, limit: number, side: 'request' | 'response', context: string, out: Draft[], options: RequestCheckOptions = {}): Promise<void> {
  const contentType = headerValue(headers, 'content-type');
  const match = matchMediaType(media, contentType);
  if (!match) {
    out.push(violation(side === 'request' ? 'request-content-type' : 'response-content-type', 'content-type', '', `the ${side}'s content type ${essence(contentType) || '(none)'} is not declared${context}; declared: ${[...media.keys()].join(', ')}`));
  } else if (tooLarge) {
    out.push(violation('not-validated', 'body', '', `not-validated: body-too-large (the ${side} body was forwarded unchecked; raise --max-body to check it)`));
  } else if (match[1].validate || (options.reservedCharacters && match[1].reserved)) {
    const plain = await decoded(body, headers, limit);
    // The keyword tells enforce mode why: a body that cannot be decoded, or decodes past the limit, is refused there (415, 413).
    if (plain.kind === 'too-large') out.push(violation('not-validated', 'body', '', `not-validated: body-too-large (the ${side} body decodes (${headerValue(headers, 'content-encoding')}) to more than ${limit} bytes; it was forwarded unchecked; raise --max-body to check it)`, 'maxDecodedLength'));
    else if (plain.kind === 'undecodable') out.push(violation('not-validated', 'body', '', `not-validated: content-encoding ${headerValue(headers, 'content-encoding')} (the ${side} body was forwarded unchecked; sworn decodes gzip, deflate and br)`, 'contentEncoding'));
    else {
      if (options.reservedCharacters && match[1].reserved) checkReserved(match[1].reserved, plain.body, out);
      await checkBody(match[1], plain.body, contentType, side, out, options.everyError === true);
    }
  }
}

/**
 * Checks a request against its operation. Returns violations (the
 * consumer's breaches); never throws for bad input.
 */
export async function validateRequest(op: CompiledOperation, input: RequestInput, options: RequestCheckOptions = {}): Promise<Violation[]> {
  const out: Draft[] = [];
  const every = options.everyError === true;
  let query: URLSearchParams | undefined;
  let cookies: Map<string, string> | undefined;
  for (const p of op.params) {
    let value: unknown;
    if (p.in === 'path') value = input.params[p.name] === undefined ? undefined : deserializeScalar(input.params[p.name] as string, p);
    else if (p.in === 'query') value = deserializeQuery((query ??= new URLSearchParams(input.query)), p);
    else if (p.in === 'header') {
      const raw = headerValue(input.headers, p.name);
      value = raw === undefined ? undefined : deserializeScalar(raw, p);
    } else {
      const raw = (cookies ??= parseCookies(headerValue(input.headers, 'cookie'))).get(p.name);
      value = raw === undefined ? undefined : deserializeScalar(raw, p);
    }
    checkParam(p, value, 'request', out, every);
  }

  if (op.security.length > 0 && !securityMet(op, new CredentialReader(input, query, cookies))) {
    const wanted = op.security.map((alternative) => alternative.map((c) => describeCredential(c)).join(' and ')).join(', or ');
    out.push(violation('request-security', 'security', '', `the request carries none of the declared credentials (${wanted})`, 'security'));
  }

  const hasBody = input.body !== undefined && (input.body.length > 0 || input.bodyTooLarge);
  if (op.body) {
    if (!hasBody) {
      if (op.body.required) out.push(violation('request-body-missing', 'body', '', 'the request has no body, but the operation requires one', 'required'));
    } else {
      await checkContent(op.body.media, input.headers, input.body as Buffer, input.bodyTooLarge, input.maxDecoded ?? DEFAULT_MAX_DECODED, 'request', '', out, options);
    }
  } else if (hasBody || Number(headerValue(input.headers, 'content-length') ?? 0) > 0) {
    // As Prism: a body the operation declares no room for is refused (415), not silently dropped.
    out.push(violation('request-body-unexpected', 'body', '', `the request has a body (${essence(headerValue(input.headers, 'content-type')) || 'no content type'}), but the operation declares no requestBody`));
  }
  return out.map((d) => ({ ...d, operationId: op.operation.id, direction: 'request' }));
}

/** The declared response for a status: exact, then `2XX`, then `default`. */
export function responseFor(op: CompiledOperation, status: number): CompiledResponse | undefined {
  return op.responses.get(String(status)) ?? op.responses.get(`${String(status)[0]}XX`) ?? op.responses.get('DEFAULT');
}

/**
 * Checks a response against its operation: the provider's breaches.
 * `everyError`: as for requests (with validators compiled `allErrors`).
 */
export async function validateResponse(op: CompiledOperation, input: ResponseInput, options: Pick<RequestCheckOptions, 'everyError'> = {}): Promise<Violation[]> {
  const out: Draft[] = [];
  const every = options.everyError === true;
  const declared = responseFor(op, input.status);
  if (!declared) {
    out.push(violation('response-status-undeclared', 'status', String(input.status), `the response status ${input.status} is not declared (declared: ${[...op.responses.keys()].join(', ') || 'none'})`));
    return out.map((d) => ({ ...d, operationId: op.operation.id, direction: 'response' }));
  }
  for (const h of declared.headers) {
    const raw = headerValue(input.headers, h.name);
    checkParam(h, raw === undefined ? undefined : deserializeScalar(raw, h), 'response', out, every);
  }
  const hasBody = !input.bodyless && input.body !== undefined && (input.body.length > 0 || input.bodyTooLarge);
  if (hasBody && declared.media.size > 0) {
    await checkContent(declared.media, input.headers, input.body as Buffer, input.bodyTooLarge, input.maxDecoded ?? DEFAULT_MAX_DECODED, 'response', ` for status ${input.status}`, out, { everyError: every });
  }
  return out.map((d) => ({ ...d, operationId: op.operation.id, direction: 'response' }));
}
