import type { IncomingHttpHeaders } from 'node:http';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate } from 'node:zlib';
import type { CompiledMedia, CompiledOperation, CompiledParam, CompiledResponse } from './compile.js';
import { matchMediaType, readBody, essence } from './media.js';
import { deserializeQuery, deserializeScalar, parseCookies } from './params.js';
import { describeSchemaError } from './schemas.js';
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
}

export interface ResponseInput {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer | undefined;
  bodyTooLarge: boolean;
  /** HEAD requests and 204/304 carry no body. */
  bodyless: boolean;
}

type Draft = Omit<Violation, 'operationId' | 'direction'>;

function violation(code: ViolationCode, location: string, pointer: string, message: string, keyword: string | null = null): Draft {
  return { code, location, pointer, keyword, message };
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function checkParam(p: CompiledParam, value: unknown, side: 'request' | 'response', out: Draft[]): void {
  const label = side === 'request' ? `${p.in} parameter \`${p.name}\`` : `response header \`${p.name}\``;
  if (value === undefined) {
    if (p.required) out.push(violation(side === 'request' ? 'request-parameter-missing' : 'response-header-missing', p.in, p.name, `the ${side === 'request' ? 'request' : 'response'} lacks required ${label}`, 'required'));
    return;
  }
  if (!p.validate || p.validate(value)) return;
  const detail = describeSchemaError(p.validate.errors, label);
  out.push(violation(side === 'request' ? 'request-parameter-invalid' : 'response-header-invalid', p.in, p.name + (detail.pointer ? detail.pointer : ''), detail.message + (p.secret ? ' (value not shown)' : ''), detail.keyword));
}

async function checkBody(media: CompiledMedia, body: Buffer, contentType: string | undefined, side: 'request' | 'response', out: Draft[]): Promise<void> {
  if (!media.validate) return;
  const parsed = await readBody(body, contentType);
  if (!parsed.ok) {
    out.push(violation(side === 'request' ? 'request-body-malformed' : 'response-body-malformed', 'body', '', `the ${side} body (${media.mediaType}): ${parsed.reason}`));
    return;
  }
  if (media.validate(parsed.value)) return;
  const detail = describeSchemaError(media.validate.errors, `the ${side} body`);
  out.push(violation(side === 'request' ? 'request-body-invalid' : 'response-body-invalid', 'body', detail.pointer, detail.message, detail.keyword));
}

const DECODERS: Record<string, (body: Buffer) => Promise<Buffer>> = {
  gzip: promisify(gunzip),
  'x-gzip': promisify(gunzip),
  deflate: promisify(inflate),
  br: promisify(brotliDecompress),
};

/**
 * The body as its media type reads it: `Content-Encoding` undone (gzip,
 * deflate, br; asynchronously, off the event loop's critical work). An
 * encoding that cannot be undone yields `undefined`.
 */
async function decoded(body: Buffer, headers: IncomingHttpHeaders): Promise<Buffer | undefined> {
  const encoding = headerValue(headers, 'content-encoding');
  if (!encoding || body.length === 0) return body;
  let current = body;
  for (const coding of encoding.split(',').map((c) => c.trim().toLowerCase()).filter((c) => c !== 'identity').reverse()) {
    const decode = DECODERS[coding];
    if (!decode) return undefined;
    try {
      current = await decode(current);
    } catch {
      return undefined;
    }
  }
  return current;
}

/** The body's media type must be declared; then the body is checked by it (unless it was too large to keep). */
async function checkContent(media: ReadonlyMap<string, CompiledMedia>, headers: IncomingHttpHeaders, body: Buffer, tooLarge: boolean, side: 'request' | 'response', context: string, out: Draft[]): Promise<void> {
  const contentType = headerValue(headers, 'content-type');
  const match = matchMediaType(media, contentType);
  if (!match) {
    out.push(violation(side === 'request' ? 'request-content-type' : 'response-content-type', 'content-type', '', `the ${side}'s content type ${essence(contentType) || '(none)'} is not declared${context}; declared: ${[...media.keys()].join(', ')}`));
  } else if (tooLarge) {
    out.push(violation('not-validated', 'body', '', `not-validated: body-too-large (the ${side} body was forwarded unchecked; raise --max-body to check it)`));
  } else if (match[1].validate) {
    const plain = await decoded(body, headers);
    if (plain === undefined) out.push(violation('not-validated', 'body', '', `not-validated: content-encoding ${headerValue(headers, 'content-encoding')} (the ${side} body was forwarded unchecked; sworn decodes gzip, deflate and br)`));
    else await checkBody(match[1], plain, contentType, side, out);
  }
}

/**
 * Checks a request against its operation. Returns violations (the
 * consumer's breaches); never throws for bad input.
 */
export async function validateRequest(op: CompiledOperation, input: RequestInput): Promise<Violation[]> {
  const out: Draft[] = [];
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
    checkParam(p, value, 'request', out);
  }

  if (op.security.length > 0 && !op.security.some((alternative) => alternative.every((c) => credentialPresent(c, input, (query ??= new URLSearchParams(input.query)), (cookies ??= parseCookies(headerValue(input.headers, 'cookie'))))))) {
    const wanted = op.security.map((alternative) => alternative.map((c) => describeCredential(c)).join(' and ')).join(', or ');
    out.push(violation('request-security', 'security', '', `the request carries none of the declared credentials (${wanted})`, 'security'));
  }

  const hasBody = input.body !== undefined && (input.body.length > 0 || input.bodyTooLarge);
  if (op.body) {
    if (!hasBody) {
      if (op.body.required) out.push(violation('request-body-missing', 'body', '', 'the request has no body, but the operation requires one', 'required'));
    } else {
      await checkContent(op.body.media, input.headers, input.body as Buffer, input.bodyTooLarge, 'request', '', out);
    }
  }
  return out.map((d) => ({ ...d, operationId: op.operation.id, direction: 'request' }));
}

function credentialPresent(c: CompiledOperation['security'][number][number], input: RequestInput, query: URLSearchParams, cookies: Map<string, string>): boolean {
  const authorization = headerValue(input.headers, 'authorization') ?? '';
  switch (c.type) {
    case 'apiKey':
      if (c.in === 'header') return headerValue(input.headers, c.name as string) !== undefined;
      if (c.in === 'query') return query.has(c.name as string);
      return cookies.has(c.name as string);
    case 'bearer':
      return /^bearer\s+\S/i.test(authorization);
    case 'basic':
      return /^basic\s+\S/i.test(authorization);
    default:
      return true; // mutualTLS and unknown schemes cannot be seen from HTTP; not judged
  }
}

function describeCredential(c: CompiledOperation['security'][number][number]): string {
  if (c.type === 'apiKey') return `API key ${c.in} \`${c.name}\``;
  if (c.type === 'bearer') return 'Authorization: Bearer';
  if (c.type === 'basic') return 'Authorization: Basic';
  return c.scheme;
}

/** The declared response for a status: exact, then `2XX`, then `default`. */
export function responseFor(op: CompiledOperation, status: number): CompiledResponse | undefined {
  return op.responses.get(String(status)) ?? op.responses.get(`${String(status)[0]}XX`) ?? op.responses.get('DEFAULT');
}

/** Checks a response against its operation: the provider's breaches. */
export async function validateResponse(op: CompiledOperation, input: ResponseInput): Promise<Violation[]> {
  const out: Draft[] = [];
  const declared = responseFor(op, input.status);
  if (!declared) {
    out.push(violation('response-status-undeclared', 'status', String(input.status), `the response status ${input.status} is not declared (declared: ${[...op.responses.keys()].join(', ') || 'none'})`));
    return out.map((d) => ({ ...d, operationId: op.operation.id, direction: 'response' }));
  }
  for (const h of declared.headers) {
    const raw = headerValue(input.headers, h.name);
    checkParam(h, raw === undefined ? undefined : deserializeScalar(raw, h), 'response', out);
  }
  const hasBody = !input.bodyless && input.body !== undefined && (input.body.length > 0 || input.bodyTooLarge);
  if (hasBody && declared.media.size > 0) {
    await checkContent(declared.media, input.headers, input.body as Buffer, input.bodyTooLarge, 'response', ` for status ${input.status}`, out);
  }
  return out.map((d) => ({ ...d, operationId: op.operation.id, direction: 'response' }));
}
