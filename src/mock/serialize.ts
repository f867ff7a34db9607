import { STATUS_CODES } from 'node:http';
import type { Spec } from '../spec/load-spec.js';
import type { Operation } from '../spec/operations.js';
import { essence } from '../validate/media.js';
import { toXml } from './xml.js';

/** JSON bodies as values (Prism validates them against the schema), anything else as text; no body as null. */
export function parseBody(body: Buffer, contentType: string | undefined): unknown {
  if (body.length === 0) return null;
  const text = body.toString('utf8');
  if (contentType && /^application\/([\w.+-]*\+)?json\b/i.test(contentType)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text; // Prism reports it as not matching the schema
    }
  }
  return text;
}

/** How a media type's bodies are written. */
export type BodyFormat = 'json' | 'xml' | 'text' | 'form' | 'other';

/** `application/json` and `+json` types are JSON; `application/xml`, `text/xml` and `+xml` types are XML; then `text/*`, forms, the rest. */
export function formatOf(contentType: string | undefined): BodyFormat {
  const type = essence(contentType);
  if (type === 'application/json' || type.endsWith('+json')) return 'json';
  if (type === 'application/xml' || type === 'text/xml' || type.endsWith('+xml')) return 'xml';
  if (type.startsWith('text/')) return 'text';
  if (type === 'application/x-www-form-urlencoded') return 'form';
  return 'other';
}

/** An answer's bytes as text, `undefined` for no body; or why the body cannot be written as its media type, and what to do. */
export type Serialized = { text: string | undefined } | { error: string; hint: string };

/**
 * The answer body prism-http chose (an example, or data generated from the schema) written the way its
 * media type says: JSON; XML from the value and the schema's `xml` objects (see xml.ts); strings as they
 * are under any other type, numbers and booleans as their text; an object or array under `text/*` or a
 * binary type cannot be written (Prism answers 500 too), except as `application/x-www-form-urlencoded`.
 *
 * `schema` is the response's schema as written (`answerSchema`), which XML needs for its names.
 *
 * @example
 * serializeAnswer({ id: 1 }, 'application/xml', { $ref: '#/components/schemas/Pet' }, spec); // { text: '<Pet><id>1</id></Pet>' }
 * serializeAnswer({ id: 1 }, 'text/plain', undefined, spec); // { error: 'the body is an object, and text/plain has no way to write one', hint: … }
 */
export function serializeAnswer(body: unknown, contentType: string | undefined, schema: unknown, spec: Spec): Serialized {
  if (body === undefined) return { text: undefined };
  const format = formatOf(contentType);
  if (format === 'json') {
    try {
      return { text: JSON.stringify(body) };
    } catch (error) {
      return { error: `the body cannot be written as JSON (${(error as Error).message})`, hint: 'Give this response an example that is plain JSON data.' };
    }
  }
  if (format === 'xml') return toXml(body, schema, spec);
  if (typeof body === 'string') return { text: body };
  if (typeof body === 'number' || typeof body === 'boolean') return { text: String(body) };
  if (body === null) return { text: '' };
  if (format === 'form' && typeof body === 'object' && !Array.isArray(body)) return { text: formBody(body as Record<string, unknown>) };
  const type = essence(contentType) || '(no media type)';
  return {
    error: `the body is ${Array.isArray(body) ? 'an array' : typeof body === 'object' ? 'an object' : `a ${typeof body}`}, and ${type} has no way to write one`,
    hint: `Declare application/json (or application/xml) for this response, or give it a string example under ${type}.`,
  };
}

/** `application/x-www-form-urlencoded`: one field per property (each item of an array a field of its own), objects as JSON. */
function formBody(body: Record<string, unknown>): string {
  const form = new URLSearchParams();
  const text = (value: unknown): string => (value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value));
  for (const [name, value] of Object.entries(body)) {
    if (Array.isArray(value)) for (const item of value) form.append(name, text(item));
    else form.append(name, text(value));
  }
  return form.toString();
}

/**
 * The schema of an operation's answer, as written (a `$ref` stays, so XML can name the root after its
 * component): `responses[status]`, else its range (`2XX`), else `default`; then the content whose media
 * type is `contentType` exactly, else by its type alone (parameters ignored), else `type/*`, else `*\/*`.
 * `undefined` when nothing is declared.
 *
 * @example
 * answerSchema(spec, operation, 200, 'application/xml; charset=utf-8'); // { $ref: '#/components/schemas/Pet' }
 */
export function answerSchema(spec: Spec, operation: Operation | undefined, status: number, contentType: string | undefined): unknown {
  const responses = deref(spec, operation?.operation.responses) as Record<string, unknown> | undefined;
  if (responses === null || typeof responses !== 'object') return undefined;
  const codes = Object.keys(responses);
  const code = String(status);
  const range = `${code[0]}XX`;
  const key = codes.find((c) => c === code) ?? codes.find((c) => c.toUpperCase() === range) ?? codes.find((c) => c.toLowerCase() === 'default');
  if (key === undefined) return undefined;
  const response = deref(spec, responses[key]) as { content?: unknown } | undefined;
  const content = response && typeof response === 'object' ? response.content : undefined;
  if (content === null || typeof content !== 'object') return undefined;
  const media = content as Record<string, unknown>;
  const keys = Object.keys(media);
  const wanted = (contentType ?? '').trim().toLowerCase();
  const type = essence(contentType);
  const found =
    keys.find((k) => k.trim().toLowerCase() === wanted) ??
    keys.find((k) => essence(k) === type) ??
    keys.find((k) => essence(k) === `${type.split('/')[0]}/*`) ??
    keys.find((k) => essence(k) === '*/*');
  if (found === undefined) return undefined;
  const mediaType = deref(spec, media[found]) as { schema?: unknown } | undefined;
  return mediaType && typeof mediaType === 'object' ? mediaType.schema : undefined;
}

function deref(spec: Spec, value: unknown): unknown {
  try {
    return spec.deref(value);
  } catch {
    return undefined; // a malformed pointer
  }
}

/**
 * A problem-details answer (RFC 9457: `application/problem+json`, `application/problem+xml`) made to
 * match the status it is sent with: its `status` member is set to that status (the RFC asks a generator
 * to use the same code in the body and the answer; a `default` response's example cannot know it), and
 * the placeholders prism-http generates from a schema without examples (`type: "string"`,
 * `title: "string"`) become `about:blank` and the status's reason phrase. Any other body is returned as
 * it is; the input is never changed.
 *
 * @example
 * problemFor({ type: 'string', title: 'string', status: 0 }, 404, 'application/problem+json');
 * // { type: 'about:blank', title: 'Not Found', status: 404 }
 */
export function problemFor(body: unknown, status: number, contentType: string | undefined): unknown {
  if (!/^application\/problem\+(json|xml)$/.test(essence(contentType))) return body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const problem = { ...(body as Record<string, unknown>) };
  if (typeof problem.status === 'number' || typeof problem.status === 'string') problem.status = typeof problem.status === 'string' ? String(status) : status;
  if (problem.type === 'string') problem.type = 'about:blank';
  if (problem.title === 'string') problem.title = STATUS_CODES[status] ?? `Status ${status}`;
  return problem;
}
