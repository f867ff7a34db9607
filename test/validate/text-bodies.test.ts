import { describe, expect, it } from 'vitest';
import { validateResponse, validateRequest } from '../../src/validate/index.js';
import { compiledFrom, document } from './spec-from.js';

const answer = (schema: unknown, mediaType: string) => ({
  get: { operationId: 'get', responses: { '200': { description: 'ok', content: { [mediaType]: { schema } } } } },
  post: { operationId: 'post', requestBody: { content: { [mediaType]: { schema } } }, responses: { '204': { description: 'ok' } } },
});
const codes = (violations: Array<{ code: string; keyword: string | null }>) => violations.map((v) => `${v.code} ${v.keyword}`);

describe('text bodies', () => {
  it('a number or boolean spelled as text/plain meets a number, integer or boolean schema; other text does not', async () => {
    const { op } = await compiledFrom(document({ '/n': answer({ type: 'integer', minimum: 1 }, 'text/plain') }));
    const check = (text: string) => validateResponse(op('get'), { status: 200, headers: { 'content-type': 'text/plain' }, body: Buffer.from(text), bodyTooLarge: false, bodyless: false });
    expect(await check('3')).toEqual([]);
    expect(await check(' 42\n')).toEqual([]);
    expect(codes(await check('0'))).toEqual(['response-body-invalid minimum']);
    expect(codes(await check('three'))).toEqual(['response-body-invalid type']);
    expect(codes(await check('1.5'))).toEqual(['response-body-invalid type']);
    expect(codes(await check('0x10'))).toEqual(['response-body-invalid type']);
    const bool = await compiledFrom(document({ '/b': answer({ type: 'boolean' }, 'text/plain') }));
    expect(await validateRequest(bool.op('post'), { params: {}, query: '', headers: { 'content-type': 'text/plain' }, body: Buffer.from('true'), bodyTooLarge: false })).toEqual([]);
    expect(codes(await validateRequest(bool.op('post'), { params: {}, query: '', headers: { 'content-type': 'text/plain' }, body: Buffer.from('yes'), bodyTooLarge: false }))).toEqual(['request-body-invalid type']);
    // A string schema still takes the text as it is.
    const text = await compiledFrom(document({ '/s': answer({ type: 'string', maxLength: 2 }, 'text/plain') }));
    expect(codes(await validateResponse(text.op('get'), { status: 200, headers: { 'content-type': 'text/plain' }, body: Buffer.from('123'), bodyTooLarge: false, bodyless: false }))).toEqual(['response-body-invalid maxLength']);
  });

  it('text/xml is XML, not text: not checked as a string against an object schema', async () => {
    const { op } = await compiledFrom(document({ '/x': answer({ type: 'object', required: ['id'] }, 'text/xml') }));
    expect(await validateResponse(op('get'), { status: 200, headers: { 'content-type': 'text/xml' }, body: Buffer.from('<pet id="1"/>'), bodyTooLarge: false, bodyless: false })).toEqual([]);
  });
});
