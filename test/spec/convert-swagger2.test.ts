import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSpec, listOperations, type Spec } from '../../src/spec/index.js';
import { resolveSlos } from '../../src/slo/index.js';
import { startMock, type RunningMock } from '../../src/mock/mock.js';
import { call, closeAfterEach, proxyFor, settle, startUpstream } from '../proxy/harness.js';
import { cli, fixture, rejection, ROOT } from '../helpers.js';

closeAfterEach();
const mocks: RunningMock[] = [];
afterEach(async () => {
  for (const m of mocks.splice(0)) await m.close();
});
async function mockOf(name: string): Promise<RunningMock> {
  const mock = await startMock({ spec: await load(name), port: 0, adminPort: null });
  mocks.push(mock);
  return mock;
}

const load = (name: string) => loadSpec(fixture(name), { cwd: ROOT });
const at = (spec: Spec, pointer: string) => {
  const l = spec.locate(pointer);
  return `${l.file}:${l.line}:${l.column}`;
};
const PETSTORE = 'test/fixtures/swagger2/petstore.yaml';

describe('Swagger 2.0, converted on loading', () => {
  it('loads as OpenAPI 3.0 with the operations of its OpenAPI 3 equivalent', async () => {
    const spec = await load('swagger2/petstore.yaml');
    const equivalent = await load('swagger2/petstore.openapi.yaml');
    expect([spec.convertedFrom, spec.openapi, spec.title, spec.apiVersion]).toEqual(['swagger-2.0', '3.0.0', 'Swagger petstore', '1.0.0']);
    const shape = (s: Spec) => listOperations(s).map((o) => `${o.operationId} ${o.method.toUpperCase()} ${o.path}`);
    expect(shape(spec)).toEqual(['listPets GET /pets', 'createPet POST /pets', 'getPet GET /pets/{petId}']);
    expect(shape(spec)).toEqual(shape(equivalent));
    expect(spec.document.servers).toEqual([{ url: 'https://pets.example.com/v1' }]);
  });

  it('resolves its x-slo blocks (root, path item, operation, tiers) exactly as the OpenAPI 3 equivalent', async () => {
    const resolve = async (name: string) => {
      const spec = await load(name);
      return resolveSlos(spec, listOperations(spec));
    };
    const swagger = await resolve('swagger2/petstore.yaml');
    expect(swagger.problems).toEqual([]);
    expect(swagger.service).toBe('petstore');
    const byId = Object.fromEntries(swagger.operations.map((o) => [o.id, o]));
    // The root's 99.9, the operation's own 99.95, the path item's latency threshold over the root's.
    expect(byId.listPets?.promise?.availability?.target).toBe(99.9);
    expect(byId.createPet?.promise?.availability?.target).toBe(99.95);
    const latency = (id: string) => byId[id]?.promise?.latency.map((l) => (l.kind === 'threshold' ? [l.name, l.threshold.ms, l.target] : l.name));
    expect(latency('listPets')).toEqual([['fast', 500, 99]]);
    expect(latency('getPet')).toEqual([['fast', 300, 99]]);
    expect(byId.getPet?.tiers.gold?.availability?.target).toBe(99.99);
    expect(swagger).toEqual(await resolve('swagger2/petstore.openapi.yaml'));
  });

  it('explain names the lines of the Swagger file', async () => {
    const { code, stdout, stderr } = await cli(['explain', PETSTORE, '--at', '2026-01-01T00:00:00Z']);
    expect([code, stderr]).toEqual([0, '']);
    expect(stdout).toContain(`Swagger petstore 1.0.0 · ${PETSTORE} · OpenAPI 3.0.0 · 3 operations`);
    expect(stdout).toContain(`listPets  GET /pets  ${PETSTORE}:34:5`);
    expect(stdout).toContain(`createPet  POST /pets  ${PETSTORE}:47:5`);
    expect(stdout).toContain(`availability  99.95% of valid events good (error budget 0.05%)  ← ${PETSTORE}:51:24`);
  });

  it('lint names the original file, line and column of every finding', async () => {
    const { code, stdout } = await cli(['lint', 'test/fixtures/swagger2/lint-errors.yaml', '--format', 'json']);
    expect(code).toBe(1);
    const findings = (JSON.parse(stdout) as { findings: Array<{ rule: string; file: string; line: number; column: number; message: string }> }).findings;
    expect(findings.map((f) => `${f.rule} ${f.file}:${f.line}:${f.column}`)).toEqual([
      // the path's {ownerId} has no parameter in GET (PUT declares it)
      'path-parameter-missing test/fixtures/swagger2/lint-errors.yaml:10:5',
      'x-slo-schema test/fixtures/swagger2/lint-errors.yaml:13:9',
      // a query parameter's `maximum`: its `schema` in OpenAPI 3, the parameter itself in Swagger
      'openapi-schema test/fixtures/swagger2/lint-errors.yaml:18:11',
      // a response header's `minimum`
      'openapi-schema test/fixtures/swagger2/lint-errors.yaml:25:15',
      // inside the body parameter, which became the request body
      'pattern-unsupported test/fixtures/swagger2/lint-errors.yaml:39:36',
      // in `definitions`, which became components/schemas
      'openapi-schema test/fixtures/swagger2/lint-errors.yaml:47:28',
    ]);
    expect(findings.find((f) => f.line === 47)?.message).toContain('minLenght');
  });

  it('locates converted constructs at what they were made from', async () => {
    const spec = await load('swagger2/petstore.yaml');
    expect(at(spec, '/servers/0/url')).toBe(`${PETSTORE}:15:1`); // host
    expect(at(spec, '/components/securitySchemes/apiKey')).toBe(`${PETSTORE}:21:3`); // securityDefinitions
    expect(at(spec, '/components/parameters/petId/schema/minimum')).toBe(`${PETSTORE}:28:5`);
    expect(at(spec, '/paths/~1pets/get/parameters/0/schema/maximum')).toBe(`${PETSTORE}:40:11`);
    expect(at(spec, '/paths/~1pets/post/requestBody')).toBe(`${PETSTORE}:53:11`); // the `in: body` parameter
    expect(at(spec, '/paths/~1pets/post/requestBody/content/application~1json/schema')).toBe(`${PETSTORE}:56:11`);
    expect(at(spec, '/paths/~1pets/post/responses/201/content/application~1json/schema')).toBe(`${PETSTORE}:60:11`);
    expect(at(spec, '/components/schemas/Pet/properties/name')).toBe(`${PETSTORE}:80:7`);
  });

  it('locates a Swagger document spread over files in the file each part was written in', async () => {
    const spec = await load('swagger2/multi/api.yaml');
    expect(listOperations(spec).map((o) => o.operationId)).toEqual(['listPets', 'createPet', 'listOwners']);
    // The root first; the referenced files are read concurrently, in no fixed order.
    const [first, ...rest] = [...spec.sources.keys()].map((p) => p.slice(p.lastIndexOf('/') + 1));
    expect([first, rest.sort()]).toEqual(['api.yaml', ['definitions.yaml', 'paths.yaml']]);
    const dir = 'test/fixtures/swagger2/multi';
    expect(at(spec, '/paths/~1pets/get')).toBe(`${dir}/paths.yaml:2:3`);
    expect(at(spec, '/paths/~1pets/post/requestBody/content/application~1json/schema')).toBe(`${dir}/paths.yaml:16:9`);
    expect(at(spec, '/paths/~1owners/get')).toBe(`${dir}/api.yaml:10:5`);
    expect(at(spec, '/components/schemas/Pet/properties/name')).toBe(`${dir}/definitions.yaml:5:5`);
    // Owner, first met through a $ref, is a component swagger2openapi named itself.
    expect(at(spec, '/paths/~1owners/get/responses/200/content/*~1*/schema/items/properties/email')).toBe(`${dir}/definitions.yaml:10:5`);
    const { stdout } = await cli(['explain', `${dir}/api.yaml`]);
    expect(stdout).toContain(`createPet  POST /pets  ${dir}/paths.yaml:10:3`);
  });

  it('reads an unquoted `swagger: 2.0` (a YAML number)', async () => {
    const spec = await load('swagger2/unquoted-version.yaml');
    expect([spec.convertedFrom, spec.title]).toEqual(['swagger-2.0', 'Version as a number']);
    expect(listOperations(spec).map((o) => o.operationId)).toEqual(['health']);
  });

  it('refuses Swagger 1.2 with SWORN_ERR_SWAGGER2 at its version', async () => {
    const error = await rejection(load('swagger2/swagger-1.2.json'));
    expect(error.code).toBe('SWORN_ERR_SWAGGER2');
    expect(error.message).toContain('Swagger 1.2');
    expect(error.location).toMatchObject({ file: 'test/fixtures/swagger2/swagger-1.2.json', line: 2, column: 3, pointer: '/swaggerVersion' });
  });

  it('a document the converter refuses is SWORN_ERR_CONVERT at the construct it names, exit 2', async () => {
    const error = await rejection(load('swagger2/broken-info.yaml'));
    expect(error.code).toBe('SWORN_ERR_CONVERT');
    expect(error.message).toContain('info must be an object');
    expect(error.location).toMatchObject({ file: 'test/fixtures/swagger2/broken-info.yaml', line: 2, column: 1, pointer: '/info' });
    const run = await cli(['lint', 'test/fixtures/swagger2/broken-info.yaml']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('SWORN_ERR_CONVERT: test/fixtures/swagger2/broken-info.yaml:2:1');
  });

  it('keeps what the converter went past as notes, at the Swagger line', async () => {
    const spec = await load('swagger2/warnings.yaml');
    expect(spec.conversionNotes.map((n) => `${at(spec, n.pointer)} ${n.message}`)).toEqual([
      'test/fixtures/swagger2/warnings.yaml:10:11 collectionFormat:ssv is no longer supported except for in:query parameters',
      'test/fixtures/swagger2/warnings.yaml:16:11 collectionFormat:tsv is no longer supported',
      'test/fixtures/swagger2/warnings.yaml:44:7 the parameter $ref "#/parameters/missing" resolves to nothing, so the converted operation lacks that parameter',
      'test/fixtures/swagger2/warnings.yaml:50:5 the operation has both a body parameter and formData parameters (Swagger 2.0 allows one or the other); the converted request body keeps only one of them',
    ]);
    // No marker of the converter's is left in the document.
    expect(JSON.stringify(spec.document)).not.toMatch(/x-s2o-/);
    // formData parameters became one multipart body; a `type: file` one a binary string.
    const upload = (spec.document.paths?.['/reports/{ids}'] as Record<string, { requestBody?: unknown }>).post?.requestBody;
    expect(upload).toEqual({ content: { 'multipart/form-data': { schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' }, note: { type: 'string' } } } } } });
    expect(at(spec, '/paths/~1reports~1{ids}/post/requestBody/content/multipart~1form-data/schema/properties/note')).toBe('test/fixtures/swagger2/warnings.yaml:35:11');
  });
});

describe('every command reads Swagger 2.0', () => {
  it('mock: serves the Swagger examples under its basePath, and checks requests against its parameters', async () => {
    const mock = await mockOf('swagger2/petstore.yaml');
    expect(mock.routes.map((r) => `${r.method.toUpperCase()} ${r.path}`)).toEqual(['GET /v1/pets', 'POST /v1/pets', 'GET /v1/pets/{petId}']);
    const pet = await call(`${mock.url}/v1/pets/7`);
    expect([pet.status, pet.json()]).toEqual([200, { id: 7, name: 'seven' }]);
    // petId has `minimum: 1` (a Swagger parameter's own keyword, now its schema's)
    expect((await call(`${mock.url}/v1/pets/0`)).status).toBe(422);
    // createPet's security: the apiKey securityDefinition
    expect((await call(`${mock.url}/v1/pets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id": 1, "name": "a"}' })).status).toBe(401);
  });

  it('proxy: a response that breaks the Swagger schema is a contract violation', async () => {
    const upstream = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify([{ id: 'seven', name: 'a' }]));
    });
    const proxy = await proxyFor(upstream.url, { specFile: fixture('swagger2/petstore.yaml'), violationLogsPerSecond: 1000 });
    const res = await call(`${proxy.url}/v1/pets`, { headers: { 'x-request-id': 'swagger-1' } });
    expect(res.status).toBe(200);
    await settle();
    const violations = proxy.logs.lines.filter((l) => l.requestId === 'swagger-1').map((l) => [l.operationId, l.code, l.pointer]);
    expect(violations).toEqual([['listPets', 'response-body-invalid', '/0/id']]);
  });

  it('diff: a Swagger document and its OpenAPI 3 equivalent do not differ; a removed operation is breaking', async () => {
    const same = await cli(['diff', PETSTORE, 'test/fixtures/swagger2/petstore.openapi.yaml']);
    expect([same.code, same.stdout]).toEqual([0, expect.stringContaining('0 breaking, 0 warning(s), 0 safe')]);
    const dir = mkdtempSync(join(tmpdir(), 'sworn-swagger-'));
    const text = readFileSync(fixture('swagger2/petstore.openapi.yaml'), 'utf8');
    writeFileSync(join(dir, 'head.yaml'), text.slice(0, text.indexOf('  /pets/{petId}:')));
    const removed = await cli(['diff', PETSTORE, join(dir, 'head.yaml'), '--format', 'json']);
    expect(removed.code).toBe(1);
    expect((JSON.parse(removed.stdout) as { summary: { breaking: number } }).summary.breaking).toBeGreaterThan(0);
  });

  it('test: contract tests from the Swagger document pass against a mock of it', async () => {
    const mock = await mockOf('swagger2/petstore.yaml');
    const run = await cli(['test', PETSTORE, '--target', `${mock.url}/v1`, '--generate', '1']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('ok   getPet GET /pets/');
    expect(run.stdout).toMatch(/contract kept: \d+ passed, 0 failed/);
  });
});
