import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/spec/index.js';
import { listOperations } from '../../src/spec/operations.js';
import { lazyValidators, type CompiledOperation, type Violation } from '../../src/validate/index.js';
import { answerProblem, answerViolations, formatAnswerViolations, slViolations } from '../../src/mock/examples.js';
import { fixture } from '../helpers.js';

async function compiled(): Promise<Record<string, CompiledOperation>> {
  const spec = await loadSpec(fixture('mock/bad-examples.yaml'));
  const operations = listOperations(spec);
  const validators = lazyValidators(spec, operations);
  return Object.fromEntries(operations.map((o) => [o.id, validators.get(o)]));
}

const JSON_TYPE = { 'content-type': 'application/json' };
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const rows = (violations: Violation[]) => violations.map((v) => `${v.code} ${v.location} ${v.pointer} ${v.keyword}`);

describe('answerViolations', () => {
  it('finds nothing wrong with an answer built from a valid example', async () => {
    const ops = await compiled();
    expect(await answerViolations(ops.listPets!, 200, { ...JSON_TYPE, 'x-rate-limit': '100' }, json([{ id: 1, name: 'Rex' }]))).toEqual([]);
    expect(await answerViolations(ops.getPet!, 204, {}, undefined)).toEqual([]);
  });

  it('finds an example that breaks its schema, a bad or missing header, a writeOnly property', async () => {
    const ops = await compiled();
    const bad = await answerViolations(ops.listPets!, 200, { 'Content-Type': 'application/json', 'X-Rate-Limit': '100' }, json([{ id: 'one', name: 'Tom' }]));
    expect(rows(bad)).toEqual(['response-body-invalid body /0/id type']);
    expect(bad[0]).toMatchObject({ operationId: 'listPets', direction: 'response', message: 'the response body at /0/id must be integer' });
    const pet = await answerViolations(ops.getPet!, 200, { ...JSON_TYPE, 'x-rate-limit': 'many' }, json({ id: 1, password: 's3cret' }));
    expect(rows(pet)).toEqual(['response-header-invalid header x-rate-limit type', 'response-body-invalid body  required']);
    const secret = await answerViolations(ops.getPet!, 200, { ...JSON_TYPE, 'x-rate-limit': '1' }, json({ id: 1, name: 'Rex', password: 's3cret' }));
    expect(rows(secret)).toEqual(['response-body-invalid body /password writeOnly']);
    expect(rows(await answerViolations(ops.listPets!, 200, JSON_TYPE, json([])))).toEqual(['response-header-missing header x-rate-limit required']);
  });

  it('finds a status or media type the operation does not declare', async () => {
    const ops = await compiled();
    expect(rows(await answerViolations(ops.listPets!, 404, JSON_TYPE, json({})))).toEqual(['response-status-undeclared status 404 null']);
    expect(rows(await answerViolations(ops.listPets!, 200, { 'content-type': 'text/plain', 'x-rate-limit': '1' }, Buffer.from('hi')))).toEqual(['response-content-type content-type  null']);
  });
});

describe('formatAnswerViolations', () => {
  it('gives no header for a clean answer, else Sworn-Violations and Prism\'s sl-violations', async () => {
    const ops = await compiled();
    expect(formatAnswerViolations([])).toEqual({});
    const violations = await answerViolations(ops.getPet!, 200, { ...JSON_TYPE, 'x-rate-limit': 'many' }, json([{ id: 'x' }]));
    const headers = formatAnswerViolations(violations);
    expect(Object.keys(headers)).toEqual(['sworn-violations', 'sl-violations']);
    expect(JSON.parse(headers['sworn-violations']!)).toEqual([
      { code: 'response-header-invalid', direction: 'response', location: 'header', pointer: 'x-rate-limit' },
      { code: 'response-body-invalid', direction: 'response', location: 'body', pointer: '' },
    ]);
    expect(JSON.parse(headers['sl-violations']!)).toEqual([
      { location: ['response', 'header', 'x-rate-limit'], severity: 'Error', code: 'type', message: 'response header `x-rate-limit` must be integer' },
      { location: ['response', 'body'], severity: 'Error', code: 'type', message: 'the response body must be object' },
    ]);
  });

  it('keeps sl-violations valid ASCII JSON within its cap, counting what it leaves out', async () => {
    const ops = await compiled();
    const [one] = await answerViolations(ops.listPets!, 200, { ...JSON_TYPE, 'x-rate-limit': '1' }, json([{ id: 'one', name: 'Tom' }]));
    const many = Array.from({ length: 50 }, (_, i) => ({ ...one!, pointer: `/${i}/naïve`, message: `the response body at /${i}/naïve must be integer` }));
    const text = slViolations(many, 1024);
    expect(text.length).toBeLessThanOrEqual(1024);
    expect(/^[\x20-\x7e]*$/.test(text)).toBe(true);
    const items = JSON.parse(text) as Array<{ location: string[]; code: string; message: string }>;
    expect(items[0]).toEqual({ location: ['response', 'body', '0', 'naïve'], severity: 'Error', code: 'type', message: 'the response body at /0/naïve must be integer' });
    const last = items[items.length - 1]!;
    expect(last).toEqual({ location: ['response'], severity: 'Error', code: 'truncated', message: `${50 - (items.length - 1)} more violations not shown` });
  });
});

describe('answerProblem', () => {
  it('names the operation, the status and each violation, for a 500 problem+json', async () => {
    const ops = await compiled();
    const violations = await answerViolations(ops.listPets!, 200, { ...JSON_TYPE, 'x-rate-limit': '1' }, json([{ id: 'one', name: 'Tom' }]));
    expect(answerProblem('listPets', 200, violations)).toEqual({
      status: 500,
      title: 'Internal Server Error',
      detail: 'the mock\'s 200 answer for listPets breaks the API contract (1 violation): fix the example (or the schema) in the spec, or run without --errors to serve it with a Sworn-Violations header',
      extra: { violations: [{ code: 'response-body-invalid', direction: 'response', location: 'body', pointer: '/0/id', keyword: 'type', message: 'the response body at /0/id must be integer' }] },
    });
  });
});
