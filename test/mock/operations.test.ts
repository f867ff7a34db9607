import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import prismHttp from '@stoplight/prism-http';
import type { IHttpOperation } from '@stoplight/types';
import pino from 'pino';
import { prismOperationsOf } from '../../src/mock/operations.js';
import { startMock, type RunningMock } from '../../src/mock/mock.js';
import { loadSpec, type Spec } from '../../src/spec/load-spec.js';
import { listOperations } from '../../src/spec/operations.js';
import { fixture, GITHUB_SPEC, ROOT } from '../helpers.js';
import { call } from '../proxy/harness.js';

const { getHttpOperationsFromSpec, createInstance } = prismHttp;

const mocks: RunningMock[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const m of mocks.splice(0)) await m.close();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** prism-http's reading of the whole document, as the mock made it before: the reference. */
async function wholeDocument(spec: Spec): Promise<Map<string, IHttpOperation>> {
  const operations = await getHttpOperationsFromSpec(structuredClone(spec.document) as object);
  return new Map(operations.map((o) => [`${o.method} ${o.path}`, o]));
}

/** Every object and array inside a value (each once). */
function objectsOf(value: unknown): object[] {
  const seen = new Set<object>();
  const stack = [value];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    if (next === null || typeof next !== 'object' || seen.has(next)) continue;
    seen.add(next);
    stack.push(...Object.values(next));
  }
  return [...seen];
}

async function specFile(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sworn-operations-'));
  dirs.push(dir);
  const file = join(dir, 'api.yaml');
  await writeFile(file, text);
  return file;
}

const BROKEN = `openapi: 3.0.3
info: {title: One broken operation, version: "1"}
paths:
  /good:
    get:
      operationId: good
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object, properties: {a: {type: string}}}, example: {a: x}}}}
  /bad:
    get:
      operationId: bad
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Missing'}}}}
components:
  schemas: {}
`;

describe("prism-http's operations, each made on first use", () => {
  it.each([['specs/petstore.yaml'], ['test/fixtures/mock/api.yaml'], ['test/fixtures/mock/recursive.yaml']])('reads every operation of %s exactly as getHttpOperationsFromSpec reads the whole document', async (file) => {
    const spec = await loadSpec(join(ROOT, file));
    const snapshot = structuredClone(spec.document);
    const reference = await wholeDocument(spec);
    const prism = await prismOperationsOf(spec);
    const operations = listOperations(spec);
    expect(operations.length).toBe(reference.size);
    for (const operation of operations) {
      const mine = await prism.of(operation);
      const theirs = reference.get(`${operation.method} ${operation.path}`);
      expect(theirs).toBeDefined();
      expect(mine).toStrictEqual(theirs); // ids included: http-spec derives them from paths and methods, none is random
    }
    expect(await prism.all()).toStrictEqual([...reference.values()]); // same operations, same order
    expect(isDeepStrictEqual(spec.document, snapshot)).toBe(true); // every $ref still in place: prism-http read a copy
  });

  it("reads 50 of GitHub's operations (recursive and shared schemas) exactly as the whole document reads them, and leaves the document as loaded", async () => {
    const spec = await loadSpec(GITHUB_SPEC);
    const snapshot = structuredClone(spec.document);
    const reference = await wholeDocument(spec);
    const prism = await prismOperationsOf(spec);
    const operations = listOperations(spec);
    const sample = Array.from({ length: 50 }, (_v, i) => operations[Math.floor((i * operations.length) / 50)]!);
    sample.push(operations.find((o) => o.id === 'pulls/list')!, operations.find((o) => o.id === 'issues/list-events-for-timeline')!);
    for (const operation of sample) {
      const mine = await prism.of(operation);
      expect(isDeepStrictEqual(mine, reference.get(`${operation.method} ${operation.path}`)), operation.id).toBe(true);
    }
    // What prism-http made is its own: changing all of it changes nothing of ours.
    for (const operation of sample) for (const object of objectsOf(await prism.of(operation))) if (!Array.isArray(object)) Object.assign(object, { changed: true });
    expect(isDeepStrictEqual(spec.document, snapshot)).toBe(true);
    expect(() => JSON.stringify(spec.document)).not.toThrow(); // not made cyclic
  }, 60_000);

  it('converts an operation once: concurrent first requests share one conversion, on a copy', async () => {
    const spec = await loadSpec(fixture('mock/recursive.yaml'));
    const snapshot = structuredClone(spec.document);
    const prism = await prismOperationsOf(spec);
    const [tree, name] = listOperations(spec) as [ReturnType<typeof listOperations>[number], ReturnType<typeof listOperations>[number]];
    const [a, b, c] = await Promise.all([prism.of(tree), prism.of(tree), prism.of(name)]);
    expect(a).toBeDefined();
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    expect(await prism.of(tree)).toBe(a);
    expect((await prism.all()).find((o) => o.path === '/tree')).toBe(a);
    expect(isDeepStrictEqual(spec.document, snapshot)).toBe(true);
    expect(() => JSON.stringify(spec.document)).not.toThrow(); // the recursive Node not made cyclic
  });

  it('an operation prism-http cannot read fails alone: it rejects naming itself, the others are read', async () => {
    const spec = await loadSpec(await specFile(BROKEN));
    await expect(getHttpOperationsFromSpec(structuredClone(spec.document) as object)).rejects.toThrow(/Missing/); // the whole document: nothing at all
    const prism = await prismOperationsOf(spec);
    const [good, bad] = listOperations(spec) as [ReturnType<typeof listOperations>[number], ReturnType<typeof listOperations>[number]];
    const failure = await prism.of(bad).then(() => undefined, (error: unknown) => error as { code: string; message: string; hint: string; location: { line: number; pointer: string } });
    expect(failure).toMatchObject({ code: 'SWORN_ERR_SPEC_STRUCTURE', location: { line: 10, pointer: '/paths/~1bad/get' }, hint: expect.stringContaining('sworn lint') });
    expect(failure!.message).toMatch(/^the mock cannot read bad in .*api\.yaml: .*#\/components\/schemas\/Missing/);
    await expect(prism.of(bad)).rejects.toBe(failure); // decided once
    expect((await prism.of(good))?.path).toBe('/good');
    expect((await prism.all()).map((o) => o.path)).toEqual(['/good']);
  });

  it('the mock answers a broken operation 500, naming it, and the others as usual', async () => {
    const spec = await loadSpec(await specFile(BROKEN));
    const m = await startMock({ spec, port: 0, adminPort: null });
    mocks.push(m);
    const bad = await call(`${m.url}/bad`);
    expect(bad.status).toBe(500);
    expect(bad.json()).toMatchObject({ detail: expect.stringMatching(/the mock cannot read bad in .*Missing/) });
    const good = await call(`${m.url}/good`);
    expect([good.status, good.json()]).toEqual([200, { a: 'x' }]);
  });

  it('answers a request no operation of ours matched as prism-http does from every operation, converting none (404, 405) or only the one its router picks', async () => {
    const spec = await loadSpec(join(ROOT, 'specs/petstore.yaml'));
    const prism = await prismOperationsOf(spec);
    const instance = createInstance({ mock: { dynamic: false }, checkSecurity: false, validateRequest: false, validateResponse: false, errors: false, upstreamProxy: undefined, isProxy: false }, { logger: pino({ level: 'silent', customLevels: { success: 31 } }) as never });
    const answer = async (method: string, path: string, operations: IHttpOperation[]) => {
      const result = await instance.request({ method: method as never, url: { path }, headers: {} }, operations)();
      return result._tag === 'Left' ? { left: prismHttp.ProblemJsonError.toProblemJson(result.left) } : { status: result.right.output.statusCode, body: result.right.output.body };
    };
    const every = await prism.all();
    const routed = listOperations(spec).find((o) => o.method === 'get' && o.path === '/pets/{petId}')!;
    for (const [method, path] of [['get', '/nowhere'], ['delete', '/pets'], ['patch', '/pets/7'], ['get', '/pets/7']] as const) {
      const theirs = await answer(method, path, every);
      expect(await answer(method, path, await prism.unmatched(method, path)), `${method} ${path}`).toStrictEqual(theirs);
    }
    expect(await answer('get', '/nowhere', await prism.unmatched('get', '/nowhere'))).toMatchObject({ left: { status: 404, title: 'Route not resolved, no path matched', detail: "The route /nowhere hasn't been found in the specification file" } });
    expect(await answer('delete', '/pets', await prism.unmatched('delete', '/pets'))).toMatchObject({ left: { status: 405, title: 'Route resolved, but no method matched' } });
    expect(await prism.unmatched('get', '/pets/7')).toEqual([await prism.of(routed)]);

    const github = await prismOperationsOf(await loadSpec(GITHUB_SPEC));
    const stubs = await github.unmatched('get', '/nowhere/at/all');
    expect(stubs.length).toBeGreaterThan(1000);
    expect(stubs.every((o) => o.responses.length === 0)).toBe(true); // paths and methods only: nothing converted
  }, 30_000);
});
