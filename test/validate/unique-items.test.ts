import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import AjvImport from 'ajv';
import type { Ajv, ErrorObject } from 'ajv';
import { canonicalJson, describeSchemaError, linearUniqueItems } from '../../src/validate/schemas.js';
import { validateRequest, validateResponse } from '../../src/validate/index.js';
import { built, runIsolated } from './isolated.js';
import { compiledFrom, document, specFrom } from './spec-from.js';

const AjvDraft07 = AjvImport as unknown as typeof import('ajv').default;

/** Seeded and bounded: the same cases on every run. */
const runs = (numRuns: number) => ({ seed: 20261204, numRuns, endOnFailure: true });

type Options = { coerceTypes?: 'array' };
/** ajv as it comes, and ajv with the linear `uniqueItems`, both as SchemaCompiler configures them. */
function pair(draft: '2020' | '07', options: Options = {}): { stock: Ajv; linear: Ajv } {
  const make = () => {
    const common = { strict: false, allErrors: false, ownProperties: true, logger: false as const, ...options };
    return (draft === '07' ? new AjvDraft07(common) : new Ajv2020(common)) as unknown as Ajv;
  };
  const linear = make();
  linearUniqueItems(linear);
  return { stock: make(), linear };
}

/** Verdict and first error (what sworn reports), of a validator on a copy of the data (coercion changes it). */
function verdict(ajv: Ajv, schema: Record<string, unknown>, data: unknown): { valid: boolean; error?: Partial<ErrorObject>; data: unknown } {
  const validate = ajv.compile(schema);
  const copy = structuredClone(data);
  const valid = validate(copy);
  const error = validate.errors?.[0];
  return { valid, data: copy, ...(error ? { error: { keyword: error.keyword, instancePath: error.instancePath, schemaPath: error.schemaPath, params: error.params, message: error.message } } : {}) };
}

const SCHEMAS: Array<Record<string, unknown>> = [
  { type: 'array', uniqueItems: true },
  { type: 'array', uniqueItems: true, items: { type: 'string' } },
  { type: 'array', uniqueItems: true, items: { type: ['string', 'null'] } },
  { type: 'array', uniqueItems: true, items: { type: ['integer', 'boolean', 'string'] } },
  { type: 'array', uniqueItems: true, items: { type: 'number' } },
  { type: 'array', uniqueItems: true, items: { type: 'object' } },
  { type: 'array', uniqueItems: true, items: { type: ['array', 'string'] } },
  { type: 'array', uniqueItems: true, items: { anyOf: [{ type: 'string' }, { type: 'integer' }] } },
  { type: 'array', uniqueItems: true, maxItems: 5, contains: { type: 'integer' } },
  { type: 'array', uniqueItems: false },
  { type: 'object', properties: { tags: { type: 'array', uniqueItems: true } } },
];

describe('uniqueItems in one pass', () => {
  it('canonicalJson: one text for values JSON Schema calls equal, different ones otherwise', () => {
    const equal: Array<[unknown, unknown]> = [
      [{ a: 1, b: 2 }, { b: 2, a: 1 }],
      [{ x: { a: [1, { c: 3, d: 4 }], b: null } }, { x: { b: null, a: [1, { d: 4, c: 3 }] } }],
      [1, 1.0], [0, -0], [1e2, 100], [null, null], [true, true], [{}, {}], [[], []], ['', ''], [[[]], [[]]],
      [JSON.parse('{"__proto__":1,"a":2}'), JSON.parse('{"a":2,"__proto__":1}')],
    ];
    const unequal: Array<[unknown, unknown]> = [
      [[1, 2], [2, 1]], ['1', 1], [null, 'null'], [null, 0], [null, false], [true, 'true'], [false, 0], [{}, []], [{}, null], [[], ''],
      [{ a: 1 }, { a: 1, b: 1 }], [{ a: 1 }, { b: 1 }], [{ a: '1' }, { a: 1 }], [[1], [[1]]], [[1, [2]], [1, 2]], ['a,b', ['a', 'b']], ['{}', {}],
      [Infinity, null], [JSON.parse('{"__proto__":1}'), {}], [{ 'a":1,"b': 2 }, { a: 1, b: 2 }], [['a', 'b'], ['a,b']],
    ];
    for (const [a, b] of equal) expect(canonicalJson(a), `${JSON.stringify(a)} = ${JSON.stringify(b)}`).toBe(canonicalJson(b));
    for (const [a, b] of unequal) expect(canonicalJson(a), `${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`).not.toBe(canonicalJson(b));
    expect(canonicalJson({ b: [1.0, '1'], a: null })).toBe('{"a":null,"b":[1,"1"]}');
    expect(canonicalJson(JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`))).toHaveLength(200_000); // iterative
  });

  it('gives ajv\'s verdicts and errors on a table of equal and unequal items, in both drafts, with and without coercion', () => {
    const table: unknown[] = [
      [{ a: 1, b: 2 }, { b: 2, a: 1 }],
      [{ a: { x: [1, 2], y: null } }, { a: { y: null, x: [1, 2] } }],
      [{ a: { x: [1, 2] } }, { a: { x: [2, 1] } }],
      [[1, 2], [2, 1]], [[1, 2], [1, 2]],
      [1, 1.0], ['1', 1], [1, '1', 1], ['1', '1'],
      [null, null], [null, 'null'], [null, 0, false, '', [], {}],
      [true, true], [true, 'true'], [false, 0],
      [{}, {}], [[], []], [{}, []], [[[]], [[]]],
      [1, 2, 3, 2, 1], [3, 'a', 3, 'a', null, null], ['x', 1, 'x', 1],
      [{ a: 1 }, { a: 1, b: 1 }], ['a', { a: 'a' }, ['a'], 'a'],
      [0], [], 'not an array', [1.5, 1.5], ['a', 1, 1], [[1], { 0: 1 }],
    ];
    for (const draft of ['2020', '07'] as const) {
      for (const options of [{}, { coerceTypes: 'array' as const }]) {
        const { stock, linear } = pair(draft, options);
        for (const schema of SCHEMAS) {
          for (const items of table) {
            const data = schema.type === 'object' ? { tags: items } : items;
            expect(verdict(linear, schema, data), `${draft} ${JSON.stringify(options)} ${JSON.stringify(schema)} ${JSON.stringify(data)}`).toEqual(verdict(stock, schema, data));
          }
        }
      }
    }
  });

  it('gives ajv\'s verdicts and errors on random arrays', () => {
    const scalar = fc.oneof(fc.constantFrom(0, 1, 1.5, -0, '', '0', '1', 'a', true, false, null), fc.integer({ min: -3, max: 3 }));
    const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('object'), tie('array')),
      object: fc.dictionary(fc.constantFrom('a', 'b', 'c'), tie('node'), { maxKeys: 3 }),
      array: fc.array(tie('node'), { maxLength: 3 }),
    })).node;
    const instances = (['2020', '07'] as const).flatMap((draft) => [pair(draft), pair(draft, { coerceTypes: 'array' })]);
    fc.assert(fc.property(fc.array(value, { maxLength: 12 }), fc.constantFrom(...SCHEMAS), fc.constantFrom(...instances.keys()), (items, schema, which) => {
      const { stock, linear } = instances[which]!;
      const data = schema.type === 'object' ? { tags: items } : items;
      expect(verdict(linear, schema, data)).toEqual(verdict(stock, schema, data));
    }), runs(3_000));
  });

  it('reports `uniqueItems` through sworn, with ajv\'s message, for bodies, responses and parameters', async () => {
    const list = { type: 'array', uniqueItems: true };
    const { op } = await compiledFrom(document({
      '/sets': {
        post: {
          operationId: 'sets',
          parameters: [{ name: 'ids', in: 'query', schema: { type: 'array', uniqueItems: true, items: { type: 'integer' } } }],
          requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { tags: list } } } } },
          responses: { 200: { description: 'ok', content: { 'application/json': { schema: list } } } },
        },
      },
    }));
    const base = { params: {}, query: '', headers: { 'content-type': 'application/json' }, bodyTooLarge: false };
    const body = await validateRequest(op('sets'), { ...base, body: Buffer.from(JSON.stringify({ tags: [{ a: 1, b: [1, 2] }, 'x', { b: [1, 2], a: 1.0 }] })) });
    expect(body.map((v) => [v.code, v.keyword, v.pointer, v.message])).toEqual([['request-body-invalid', 'uniqueItems', '/tags', 'the request body at /tags must NOT have duplicate items (items ## 0 and 2 are identical)']]);
    expect(await validateRequest(op('sets'), { ...base, body: Buffer.from(JSON.stringify({ tags: [{ a: 1, b: [1, 2] }, { a: 1, b: [2, 1] }] })) })).toEqual([]);
    const query = await validateRequest(op('sets'), { ...base, query: 'ids=1&ids=2&ids=1', body: undefined });
    expect(query.map((v) => [v.code, v.keyword])).toEqual([['request-parameter-invalid', 'uniqueItems']]);
    expect(await validateRequest(op('sets'), { ...base, query: 'ids=1&ids=2', body: undefined })).toEqual([]);
    const response = await validateResponse(op('sets'), { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from('[[],{},[],{}]'), bodyTooLarge: false, bodyless: false });
    expect(response.map((v) => [v.code, v.keyword, v.message])).toEqual([['response-body-invalid', 'uniqueItems', 'the response body must NOT have duplicate items (items ## 1 and 3 are identical)']]);
    expect(describeSchemaError([{ keyword: 'uniqueItems', instancePath: '/x', schemaPath: '#/uniqueItems', params: { i: 3, j: 1 }, message: 'must NOT have duplicate items (items ## 1 and 3 are identical)' }], 'the request body'))
      .toEqual({ pointer: '/x', keyword: 'uniqueItems', message: 'the request body at /x must NOT have duplicate items (items ## 1 and 3 are identical)' });
  });

  it.each(['3.1.0', '3.0.3'])('OpenAPI %s: 200,000 strings and 100,000 objects are checked at once in a child process (pairwise comparison would take minutes and be killed)', async (version) => {
    const spec = await specFrom(document({
      '/sets': { post: { operationId: 'sets', requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { any: { type: 'array', uniqueItems: true }, objects: { type: 'array', uniqueItems: true, items: { type: 'object' } } } } } } }, responses: { 200: { description: 'ok' } } } },
    }, {}, version));
    const result = runIsolated(`
      const { loadSpec, listOperations } = await import(${built('spec/index.js')});
      const { compileValidators, validateRequest } = await import(${built('validate/index.js')});
      const spec = await loadSpec(${JSON.stringify(spec.file)});
      const op = [...compileValidators(spec, listOperations(spec)).values()][0];
      const check = async (body) => (await validateRequest(op, { params: {}, query: '', headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)), bodyTooLarge: false })).map((v) => v.keyword + ' ' + v.pointer + ' ' + v.message);
      const strings = Array.from({ length: 200000 }, (_, i) => 'x' + i);
      const objects = Array.from({ length: 100000 }, (_, i) => ({ a: i, b: [i, { c: 'y' }] }));
      const out = {
        strings: await check({ any: strings }),
        stringsDuplicate: await check({ any: [...strings, 'x7'] }),
        objects: await check({ objects }),
        objectsDuplicate: await check({ objects: [...objects, { b: [5, { c: 'y' }], a: 5.0 }] }),
      };
      process.stdout.write(JSON.stringify(out));
    `);
    expect(result.signal, 'uniqueItems took so long (pairwise comparison) that the child was killed').toBe(null);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      strings: [],
      stringsDuplicate: ['uniqueItems /any the request body at /any must NOT have duplicate items (items ## 7 and 200000 are identical)'],
      objects: [],
      objectsDuplicate: ['uniqueItems /objects the request body at /objects must NOT have duplicate items (items ## 5 and 100000 are identical)'],
    });
  });
});
