import { isDeepStrictEqual } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { startMock, type RunningMock } from '../../src/mock/mock.js';
import { loadSpec } from '../../src/spec/load-spec.js';
import { fixture, GITHUB_SPEC } from '../helpers.js';
import { call, closeAfterEach, proxyFor } from '../proxy/harness.js';

closeAfterEach();
const mocks: RunningMock[] = [];
afterEach(async () => {
  for (const m of mocks.splice(0)) await m.close();
});

interface Case {
  file: string;
  /** The request answered from an example: its method, path, body (if any), status and example. */
  answer: { method: string; path: string; body?: unknown; status: number; example: unknown };
  /** A valid request body (to the answer's operation when that has one, else to `post`). */
  valid: { path: string; body: unknown; status: number };
  /** A request body with a bad value deep inside the shared or cyclic schema, and the violation named. */
  invalid: { path: string; body: unknown; pointer: string; keyword: string };
  /** What a generated answer is at its top level. */
  shape: (body: unknown) => boolean;
  /** No cycle: a generated answer is valid throughout (prism-http's generator cuts a cycle at depth 3 with `{}`). */
  acyclic?: true;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const nullableLabel = (v: unknown) => v === null || (typeof v === 'string' && v.length <= 20);

// prism-http resolves $refs in the document it reads, in place: given ours, a cyclic schema made our document
// cyclic (our schema compiler then overflowed the stack) and a schema referenced twice became one object
// shared by two places (converted twice: `Type ["string","null"] is not a valid type`).
const CASES: Case[] = [
  {
    file: 'cyclic/tree.yaml',
    answer: { method: 'GET', path: '/trees', status: 200, example: { name: 'root', children: [{ name: 'trunk', children: [{ name: 'leaf' }] }] } },
    valid: { path: '/trees', body: { name: 'a', parent: { name: 'b', parent: { name: 'c' } }, children: [{ name: 'd', children: [] }] }, status: 201 },
    invalid: { path: '/trees', body: { name: 'root', children: [{ name: 'trunk', children: [{ name: '' }] }] }, pointer: '/children/0/children/0/name', keyword: 'minLength' },
    shape: (b) => isObject(b) && typeof b.name === 'string' && b.name !== '' && (b.children === undefined || Array.isArray(b.children)),
  },
  {
    file: 'cyclic/nested-arrays.yaml',
    answer: { method: 'GET', path: '/nests', status: 200, example: [[], [[], [[]]]] },
    valid: { path: '/nests', body: [[[[]]], []], status: 201 },
    invalid: { path: '/nests', body: [[], [[], [[5]]]], pointer: '/1/1/0/0', keyword: 'type' },
    shape: (b) => Array.isArray(b) && b.every(Array.isArray),
  },
  {
    file: 'cyclic/mutual.yaml',
    answer: { method: 'GET', path: '/people', status: 200, example: { name: 'ada', pets: [{ name: 'rex', owner: { name: 'ada', pets: [] } }] } },
    valid: { path: '/people', body: { name: 'bob', pets: [{ name: 'tom', owner: { name: 'bob', pets: [{ name: 'tom' }] } }] }, status: 201 },
    invalid: { path: '/people', body: { name: 'ada', pets: [{ name: 'rex', owner: { name: 7 } }] }, pointer: '/pets/0/owner/name', keyword: 'type' },
    shape: (b) => isObject(b) && typeof b.name === 'string' && (b.pets === undefined || (Array.isArray(b.pets) && b.pets.every((p) => isObject(p) && typeof p.name === 'string'))),
  },
  {
    file: 'cyclic/nullable-twice.yaml',
    answer: { method: 'GET', path: '/labels', status: 200, example: { primary: 'urgent', secondary: null } },
    valid: { path: '/labels', body: { primary: null, secondary: null }, status: 204 },
    invalid: { path: '/labels', body: { primary: null, secondary: 'x'.repeat(21) }, pointer: '/secondary', keyword: 'maxLength' },
    shape: (b) => isObject(b) && nullableLabel(b.primary) && nullableLabel(b.secondary),
    acyclic: true,
  },
  {
    file: 'cyclic/shared.yaml',
    answer: { method: 'POST', path: '/addresses', body: { street: '2 Side St', zip: '54321' }, status: 201, example: { street: '1 Main St', zip: '12345', apartment: null, geo: { lat: 1.5, lon: 2.5 } } },
    valid: { path: '/addresses', body: { street: '3 High St', zip: '00001', apartment: null, geo: { lat: 0, lon: 0 } }, status: 201 },
    invalid: { path: '/addresses', body: { street: '4 Low St', zip: '99999', geo: { lat: 'north', lon: 0 } }, pointer: '/geo/lat', keyword: 'type' },
    shape: (b) => isObject(b) && typeof b.street === 'string' && /^[0-9]{5}$/.test(String(b.zip)),
    acyclic: true,
  },
];

const json = { 'content-type': 'application/json' };
const send = (url: string, method: string, body: unknown, headers: Record<string, string> = {}) =>
  call(url, { method, headers: body === undefined ? headers : { ...json, ...headers }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

describe('the mock on specs with cyclic and shared schemas', () => {
  it.each(CASES)('$file: answers from the example and generated, refuses a bad nested value naming it, and leaves the document as loaded', async ({ file, answer, valid, invalid, shape, acyclic }) => {
    const spec = await loadSpec(fixture(file));
    const snapshot = structuredClone(spec.document);
    const m = await startMock({ spec, port: 0, adminPort: null });
    mocks.push(m);

    const example = await send(`${m.url}${answer.path}`, answer.method, answer.body);
    expect([example.status, example.headers['content-type']]).toEqual([answer.status, 'application/json']);
    expect(example.json()).toEqual(answer.example);

    // Generated from the schema, through the proxy: what the proxy finds wrong with it (nothing, without a
    // cycle) the mock's own Sworn-Violations header names too.
    const proxy = await proxyFor(m.url, { specFile: fixture(file), violationLogsPerSecond: 100_000 });
    const generated = await send(`${proxy.url}${answer.path}`, answer.method, answer.body, { prefer: 'dynamic=true', 'x-request-id': 'generated' });
    expect([generated.status, generated.headers['content-type']]).toEqual([answer.status, 'application/json']);
    expect(generated.json()).not.toEqual(answer.example);
    expect(shape(generated.json())).toBe(true);
    const found = proxy.logs.lines.filter((l) => l.requestId === 'generated' && l.code !== undefined).map(({ code, direction, location, pointer }) => ({ code, direction, location, pointer }));
    const named = generated.headers['sworn-violations'];
    // The proxy records the first error of each body; the mock names every one: the proxy's are among them.
    const namedList = named === undefined ? [] : (JSON.parse(String(named)) as unknown[]);
    if (found.length === 0) expect(namedList).toEqual([]);
    else expect(namedList).toEqual(expect.arrayContaining(found));
    if (acyclic) expect(found).toEqual([]);

    expect((await send(`${m.url}${valid.path}`, 'POST', valid.body)).status).toBe(valid.status);
    const refused = await send(`${m.url}${invalid.path}`, 'POST', invalid.body);
    expect([refused.status, refused.headers['content-type']]).toEqual([422, 'application/problem+json']);
    expect(refused.json().violations).toEqual([expect.objectContaining({ direction: 'request', location: 'body', pointer: invalid.pointer, keyword: invalid.keyword })]);

    expect(isDeepStrictEqual(spec.document, snapshot)).toBe(true);
    expect(() => JSON.stringify(spec.document)).not.toThrow();
  });

  it('a nullable schema referenced twice from one response and from another operation: each answers, null accepted in each place', async () => {
    const spec = await loadSpec(fixture('cyclic/nullable-twice.yaml'));
    const snapshot = structuredClone(spec.document);
    const m = await startMock({ spec, port: 0, adminPort: null });
    mocks.push(m);
    const one = await call(`${m.url}/labels/7`);
    expect([one.status, one.json()]).toEqual([200, { label: null }]);
    const generated = await call(`${m.url}/labels/7`, { headers: { prefer: 'dynamic=true' } });
    expect(generated.status).toBe(200);
    const label = (generated.json() as { label?: unknown }).label;
    expect(label === undefined || label === null || (typeof label === 'string' && label.length <= 20)).toBe(true);
    expect((await send(`${m.url}/labels`, 'POST', { primary: 'a', secondary: 'b' })).status).toBe(204);
    const bad = await send(`${m.url}/labels`, 'POST', { primary: 5 });
    expect([bad.status, bad.json().violations]).toEqual([422, [expect.objectContaining({ pointer: '/primary', keyword: 'type' })]]);
    expect((await call(`${m.url}/labels/seven`)).status).toBe(422);
    expect(isDeepStrictEqual(spec.document, snapshot)).toBe(true);
  });

  it("GitHub's description (1,200+ operations, recursive and shared schemas): answers an operation from its example, 404 for a path it does not describe, and leaves the document as loaded", async () => {
    const spec = await loadSpec(GITHUB_SPEC);
    const snapshot = structuredClone(spec.document);
    const m = await startMock({ spec, port: 0, adminPort: null });
    mocks.push(m);
    const examples = (spec.document as unknown as { components: { examples: Record<string, { value: unknown }> } }).components.examples;
    const repo = await call(`${m.url}/repos/octocat/hello-world`, { headers: { accept: 'application/json' } });
    expect([repo.status, repo.headers['content-type']]).toEqual([200, 'application/json']);
    expect(repo.json()).toEqual(examples['full-repository-default-response']!.value); // repos/get's example, its $ref followed
    const generated = await call(`${m.url}/repos/octocat/hello-world`, { headers: { accept: 'application/json', prefer: 'dynamic=true' } });
    expect(generated.status).toBe(200);
    expect(generated.json()).toMatchObject({ id: expect.any(Number), full_name: expect.any(String), owner: { login: expect.any(String) } });
    const nowhere = await call(`${m.url}/definitely/not/github`, { headers: { accept: 'application/json' } });
    expect(nowhere.status).toBe(404);
    expect(nowhere.headers['content-type']).toBe('application/problem+json');
    const badQuery = await call(`${m.url}/repos/octocat/hello-world/issues?per_page=many`, { headers: { accept: 'application/json' } });
    expect([badQuery.status, badQuery.json().violations]).toEqual([422, [expect.objectContaining({ location: 'query', pointer: 'per_page' })]]);
    expect(isDeepStrictEqual(spec.document, snapshot)).toBe(true);
  }, 120_000);
});
