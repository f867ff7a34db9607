import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, validateRequest, validateResponse, type CompiledOperation } from '../../src/validate/index.js';
import { redactBody, TRUNCATED, EXCERPT_DEPTH } from '../../src/proxy/redact.js';
import { compiledFrom, document } from '../validate/spec-from.js';

const arrays = (depth: number, inner = '') => `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;
const objects = (depth: number, leaf = '1') => `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`;

/** A chain of `length` schemas, each `allOf` the next (ajv calls one function per link), the last one nesting back to the first. */
function chain(length: number): Record<string, unknown> {
  const schemas: Record<string, unknown> = {};
  for (let i = 0; i < length - 1; i++) schemas[`S${i}`] = { allOf: [{ $ref: `#/components/schemas/S${i + 1}` }] };
  schemas[`S${length - 1}`] = { type: 'object', properties: { a: { $ref: '#/components/schemas/S0' } } };
  return schemas;
}

const spec = document({
  '/lists': { post: { operationId: 'lists', requestBody: { content: { 'application/json': { schema: { type: 'array' } } } }, responses: { 200: { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Node' } } } } } } },
  '/trees': { post: { operationId: 'trees', requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Node' } } } }, responses: { 200: { description: 'ok' } } } },
  '/chains': { post: { operationId: 'chains', requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/S0' } } } }, responses: { 200: { description: 'ok' } } } },
}, { schemas: { Node: { type: 'object', properties: { a: { anyOf: [{ $ref: '#/components/schemas/Node' }, { type: 'integer' }] } } }, ...chain(100) } });

const post = (op: CompiledOperation, body: string) => validateRequest(op, { params: {}, query: '', headers: { 'content-type': 'application/json' }, body: Buffer.from(body), bodyTooLarge: false });
const codes = (list: Array<{ code: string }>) => list.map((v) => v.code);

describe('deeply nested JSON bodies', () => {
  it(`refuses nesting past ${MAX_JSON_DEPTH} levels before parsing, in both directions, however deep`, async () => {
    const { op } = await compiledFrom(spec);
    expect(MAX_JSON_DEPTH).toBe(256);
    expect(codes(await post(op('lists'), arrays(5_000)))).toEqual(['request-body-too-deep']);
    expect(codes(await post(op('trees'), objects(5_000)))).toEqual(['request-body-too-deep']);
    expect(codes(await post(op('trees'), objects(200_000)))).toEqual(['request-body-too-deep']);
    expect(codes(await post(op('lists'), arrays(MAX_JSON_DEPTH + 1)))).toEqual(['request-body-too-deep']);
    const response = await validateResponse(op('lists'), { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(objects(5_000)), bodyTooLarge: false, bodyless: false });
    expect(response.map((v) => [v.code, v.direction, v.message])).toEqual([['response-body-too-deep', 'response', `the response body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels; sworn refuses to check it`]]);
  });

  it(`checks a recursive schema at exactly ${MAX_JSON_DEPTH} levels; brackets inside strings do not count`, async () => {
    const { op } = await compiledFrom(spec);
    expect(await post(op('trees'), objects(MAX_JSON_DEPTH))).toEqual([]);
    expect((await post(op('trees'), objects(MAX_JSON_DEPTH, '"x"'))).map((v) => [v.code, v.pointer.length])).toEqual([['request-body-invalid', 2 * MAX_JSON_DEPTH]]);
    expect(await post(op('lists'), arrays(MAX_JSON_DEPTH))).toEqual([]);
    expect(await post(op('lists'), `["${'['.repeat(10_000)}\\"${'{'.repeat(10_000)}"]`)).toEqual([]);
  });

  it('turns a validator that overflows the stack (a 100-schema $ref chain per level) into a finding, never a throw', async () => {
    const { op } = await compiledFrom(spec);
    const result = await post(op('chains'), objects(MAX_JSON_DEPTH));
    expect(result.map((v) => [v.code, v.message])).toEqual([['request-body-invalid', 'the request body (application/json) could not be checked (the validator failed on it); refused']]);
    expect(await post(op('chains'), objects(3, '{}'))).toEqual([]); // shallow bodies are checked as usual
    expect(codes(await post(op('chains'), objects(3)))).toEqual(['request-body-invalid']);
  });
});

describe('body excerpts of deep bodies', () => {
  it('redacts iteratively and cuts the excerpt at a fixed depth (a 100,000-deep body does not overflow)', () => {
    const excerpt = redactBody(Buffer.from(objects(100_000)), 'application/json', new Set());
    let node = excerpt as Record<string, unknown>;
    for (let depth = 1; depth < EXCERPT_DEPTH; depth++) node = node.a as Record<string, unknown>;
    expect(node.a).toBe(TRUNCATED);
    expect(redactBody(Buffer.from(arrays(100_000)), 'application/json', new Set())).toBeDefined();
    const secret = redactBody(Buffer.from(`{"items":[${'{"token":"t0p","keep":1},'.repeat(3)}{}],"deep":${objects(50_000)}}`), 'application/json', new Set());
    expect(JSON.stringify(secret)).not.toContain('t0p');
    expect((secret as { items: unknown[] }).items[0]).toEqual({ token: '[REDACTED]', keep: 1 });
  });

  it('keeps the 4096-character cap', () => {
    const excerpt = redactBody(Buffer.from(JSON.stringify({ list: Array.from({ length: 2_000 }, (_, i) => i) })), 'application/json', new Set());
    expect(typeof excerpt).toBe('string');
    expect((excerpt as string).length).toBe(4097);
  });
});
