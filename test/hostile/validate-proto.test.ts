import { describe, expect, it } from 'vitest';
import { validateRequest, type CompiledOperation } from '../../src/validate/index.js';
import { compiledFrom, document } from '../validate/spec-from.js';

const closed = { type: 'object', properties: { name: { type: 'string' }, constructor: { type: 'string' } }, additionalProperties: false };
const spec = document({
  '/forms': {
    post: {
      operationId: 'forms',
      parameters: [
        { name: 'filter', in: 'query', style: 'deepObject', explode: true, schema: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false } },
        { name: 'x-obj', in: 'header', explode: true, schema: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false } },
        { name: 'pairs', in: 'query', explode: false, schema: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false } },
      ],
      requestBody: { content: { 'application/x-www-form-urlencoded': { schema: closed }, 'multipart/form-data': { schema: closed }, 'application/json': { schema: closed } } },
      responses: { 200: { description: 'ok' } },
    },
  },
  '/needs': {
    post: {
      operationId: 'needs',
      requestBody: { content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', required: ['constructor', 'toString'] } }, 'application/json': { schema: { type: 'object', required: ['constructor', 'toString'] } } } },
      responses: { 200: { description: 'ok' } },
    },
  },
});

function multipart(fields: Array<[string, string]>): { body: Buffer; type: string } {
  const boundary = 'sworn-boundary';
  const parts = fields.map(([name, value]) => `--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  return { body: Buffer.from(`${parts.join('')}--${boundary}--\r\n`), type: `multipart/form-data; boundary=${boundary}` };
}

const send = (op: CompiledOperation, input: { query?: string; headers?: Record<string, string>; body?: string | Buffer }) =>
  validateRequest(op, { params: {}, query: input.query ?? '', headers: input.headers ?? {}, body: input.body === undefined ? undefined : Buffer.from(input.body), bodyTooLarge: false });
const found = (list: Array<{ code: string; message: string }>) => list.map((v) => `${v.code}: ${v.message}`);

describe('__proto__, constructor and prototype are ordinary keys', () => {
  it('in urlencoded and multipart bodies: an undeclared `__proto__` is seen, a declared `constructor` is a string', async () => {
    const { op } = await compiledFrom(spec);
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    expect(found(await send(op('forms'), { headers: form, body: '__proto__=x&name=a' }))).toEqual(['request-body-invalid: the request body has undeclared property `__proto__`']);
    expect(found(await send(op('forms'), { headers: form, body: '__proto__=x&__proto__=y' }))).toEqual(['request-body-invalid: the request body has undeclared property `__proto__`']);
    expect(found(await send(op('forms'), { headers: form, body: 'prototype=x' }))).toEqual(['request-body-invalid: the request body has undeclared property `prototype`']);
    expect(await send(op('forms'), { headers: form, body: 'constructor=x&name=a' })).toEqual([]);
    const bad = multipart([['__proto__', 'x'], ['name', 'a']]);
    expect(found(await send(op('forms'), { headers: { 'content-type': bad.type }, body: bad.body }))).toEqual(['request-body-invalid: the request body has undeclared property `__proto__`']);
    const good = multipart([['constructor', 'x']]);
    expect(await send(op('forms'), { headers: { 'content-type': good.type }, body: good.body })).toEqual([]);
  });

  it('in JSON bodies: `__proto__` is a property; inherited members do not satisfy `required`', async () => {
    const { op } = await compiledFrom(spec);
    const json = { 'content-type': 'application/json' };
    expect(found(await send(op('forms'), { headers: json, body: '{"__proto__": {"name": 1}}' }))).toEqual(['request-body-invalid: the request body has undeclared property `__proto__`']);
    expect(found(await send(op('needs'), { headers: json, body: '{}' }))).toEqual(['request-body-invalid: the request body is missing required property `constructor`']);
    expect(found(await send(op('needs'), { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'constructor=1' }))).toEqual(['request-body-invalid: the request body is missing required property `toString`']);
    expect(await send(op('needs'), { headers: json, body: '{"constructor": 1, "toString": 2}' })).toEqual([]);
  });

  it('in deepObject, form and simple object parameters', async () => {
    const { op } = await compiledFrom(spec);
    expect(found(await send(op('forms'), { query: 'filter[__proto__]=x' }))).toEqual(['request-parameter-invalid: query parameter `filter` has undeclared property `__proto__`']);
    expect(found(await send(op('forms'), { query: 'filter[constructor]=x' }))).toEqual(['request-parameter-invalid: query parameter `filter` has undeclared property `constructor`']);
    expect(found(await send(op('forms'), { query: 'pairs=__proto__,x' }))).toEqual(['request-parameter-invalid: query parameter `pairs` has undeclared property `__proto__`']);
    expect(found(await send(op('forms'), { headers: { 'x-obj': '__proto__=x' } }))).toEqual(['request-parameter-invalid: header parameter `x-obj` has undeclared property `__proto__`']);
    expect(await send(op('forms'), { query: 'filter[a]=1&pairs=a,2', headers: { 'x-obj': 'a=3' } })).toEqual([]);
  });

  it('never touches Object.prototype', async () => {
    const { op } = await compiledFrom(spec);
    await send(op('forms'), { headers: { 'content-type': 'application/json' }, body: '{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}' });
    await send(op('forms'), { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '__proto__[polluted]=yes&constructor[prototype][polluted]=yes' });
    await send(op('forms'), { query: 'filter[__proto__][polluted]=yes' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
  });
});
