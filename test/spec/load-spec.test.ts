import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSpec, listOperations } from '../../src/spec/index.js';
import { fixture, GITHUB_SPEC, ROOT, rejection } from '../helpers.js';

describe('loadSpec', () => {
  it('loads the petstore example and lists its operations in document order', async () => {
    const spec = await loadSpec('specs/petstore.yaml', { cwd: ROOT });
    expect(spec.version).toBe('3.1');
    expect(spec.title).toBe('Swagger Petstore (sworn example)');
    const ops = listOperations(spec);
    expect(ops.map((o) => o.id)).toEqual(['listPets', 'createPet', 'listMyPets', 'showPetById', 'DELETE /pets/{petId}', 'health']);
    expect(ops[0]!.basePaths).toEqual(['/v1']);
    expect(spec.locate(ops[0]!.pointer)).toEqual({ file: 'specs/petstore.yaml', line: 64, column: 5, pointer: '/paths/~1pets/get' });
  });

  it('loads GitHub\'s REST API description (13 MB, 1,200+ operations) with unique ids', async () => {
    const spec = await loadSpec(GITHUB_SPEC);
    const ops = listOperations(spec);
    expect(ops.length).toBeGreaterThan(1200);
    expect(new Set(ops.map((o) => o.id)).size).toBe(ops.length);
    const get = ops.find((o) => o.id === 'repos/get');
    expect(get).toMatchObject({ method: 'get', path: '/repos/{owner}/{repo}' });
    const location = spec.locate(get!.pointer);
    expect(location.pointer).toBe('/paths/~1repos~1{owner}~1{repo}/get');
    expect(location.line).toBeGreaterThan(1000);
  });

  it('bundles multi-file $refs, keeps circular schemas, and locates pointers in the file they were written in', async () => {
    const spec = await loadSpec(fixture('multi/openapi.yaml'), { cwd: ROOT });
    const ops = listOperations(spec);
    expect(ops.map((o) => o.id)).toEqual(['listAnimals', 'createAnimal', 'GET /animals/{animalId}', 'listKeepers']);
    // The operation lives in paths/animals.yaml, which starts with it.
    expect(spec.locate('/paths/~1animals/get')).toMatchObject({ file: 'test/fixtures/multi/paths/animals.yaml', line: 1, column: 1 });
    expect(spec.locate('/paths/~1animals/get/x-slo/latency/p99')).toMatchObject({ file: 'test/fixtures/multi/paths/animals.yaml', line: 4, column: 15 });
    // The animal schema refers to itself (offspring) and to keeper, which refers back: still a finite document.
    const animal = spec.deref(spec.get('/paths/~1animals/get/responses/200/content/application~1json/schema/items')) as { properties: Record<string, unknown> };
    expect(Object.keys(animal.properties)).toEqual(['name', 'keeper', 'offspring']);
    expect(() => JSON.stringify(spec.document)).not.toThrow();
    expect(ops[0]!.basePaths.sort()).toEqual(['/api/v1', '/api/v2']);
    expect(ops[3]!.basePaths).toEqual(['/staff']);
  });

  it('leaves $ref inside example values alone (literal data), while bundling real external refs', async () => {
    const spec = await loadSpec(fixture('literal-refs/openapi.yaml'), { cwd: ROOT });
    const content = spec.get('/paths/~1stats/get/responses/200/content/application~1json') as { schema: { example: unknown }; examples: { documented: { value: unknown } } };
    expect(content.examples.documented.value).toEqual({ actions: { $ref: 'not-a-file.yaml' }, note: 'a JSON Reference shown as data' });
    expect(spec.deref(content.schema) as unknown).toMatchObject({ type: 'object', example: { $ref: 'data-in-an-external-file.yaml' } });
    expect(spec.get('/components/examples/Shared/value')).toEqual({ $ref: 'also-data.yaml' });
  });

  it('loads GitHub Enterprise Cloud\'s description, whose examples contain literal $refs', async () => {
    const spec = await loadSpec(GITHUB_SPEC.replace('api.github.com.json', 'ghec.json'));
    expect(listOperations(spec).length).toBeGreaterThan(1200);
  });

  it('bundles external $refs of a JSON document, even when its text spells the key with escapes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sworn-json-refs-'));
    writeFileSync(join(dir, 'schemas.json'), JSON.stringify({ Pet: { type: 'object', properties: { name: { type: 'string' } } } }));
    const paths = (ref: string) => ({ '/pets': { get: { responses: { 200: { description: 'ok', content: { 'application/json': { schema: { $ref: ref } } } } } } } });
    const plain = JSON.stringify({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths: paths('./schemas.json#/Pet') }, null, 2);
    for (const [name, text] of [['plain.json', plain], ['escaped.json', plain.replace('"$ref"', '"\\u0024ref"')], ['internal.json', JSON.stringify({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths: paths('#/components/schemas/Pet'), components: { schemas: { Pet: { type: 'string' } } } })]] as const) {
      writeFileSync(join(dir, name), text);
      const spec = await loadSpec(join(dir, name));
      const schema = spec.get('/paths/~1pets/get/responses/200/content/application~1json/schema') as { $ref: string };
      expect(spec.deref(schema), name).toMatchObject({ type: name === 'internal.json' ? 'string' : 'object' });
      expect(spec.sources.size, name).toBe(name === 'internal.json' ? 1 : 2);
    }
  });

  it('reads JSON specs and OpenAPI 3.0', async () => {
    const spec = await loadSpec(fixture('petstore-3.0.json'), { cwd: ROOT });
    expect(spec.version).toBe('3.0');
    expect(listOperations(spec).map((o) => o.id)).toEqual(['listPets', 'GET /pets/{petId}']);
    expect(spec.locate('/paths/~1pets~1{petId}/get/x-slo/availability')).toMatchObject({ line: 19, column: 19 });
  });

  it('names file, line, column and pointer for malformed YAML', async () => {
    const error = await rejection(loadSpec(fixture('broken/malformed.yaml'), { cwd: ROOT }));
    expect(error.code).toBe('SWORN_ERR_SPEC_PARSE');
    expect(error.location).toEqual({ file: 'test/fixtures/broken/malformed.yaml', line: 11, column: 1, pointer: '/paths/~1pets/get/responses/200/description' });
  });

  it('names the position of a JSON syntax error', async () => {
    const error = await rejection(loadSpec(fixture('broken/malformed.json'), { cwd: ROOT }));
    expect(error.code).toBe('SWORN_ERR_SPEC_PARSE');
    expect(error.location).toMatchObject({ file: 'test/fixtures/broken/malformed.json', line: 6, column: 5 });
    expect(error.message).toContain('CommaExpected');
  });

  it('reports every bad $ref at the $ref itself: a missing file and a missing pointer', async () => {
    const error = await rejection(loadSpec(fixture('broken/bad-ref.yaml'), { cwd: ROOT }));
    expect(error.code).toBe('SWORN_ERR_SPEC_REF');
    expect(error.message).toContain('./missing-schemas.yaml#/Pet');
    expect(error.location).toEqual({ file: 'test/fixtures/broken/bad-ref.yaml', line: 12, column: 17, pointer: '/paths/~1pets/get/responses/200/content/application~1json/schema/$ref' });
    expect(error.details).toHaveLength(1);
    expect(error.details[0]!.message).toContain('"#/Owner" does not exist');
    expect(error.details[0]!.location).toMatchObject({ line: 20, column: 24 });
  });

  it('reads Swagger 2.0 as OpenAPI 3.0 and refuses Swagger 1.x with a way forward', async () => {
    const spec = await loadSpec(fixture('broken/swagger2.yaml'), { cwd: ROOT });
    expect([spec.convertedFrom, spec.openapi, spec.title]).toEqual(['swagger-2.0', '3.0.0', 'Old']);
    expect(spec.locate('/info/title')).toMatchObject({ line: 2, pointer: '/info/title' });
    const error = await rejection(loadSpec(fixture('broken/swagger12.json'), { cwd: ROOT }));
    expect(error.code).toBe('SWORN_ERR_SWAGGER2');
    expect(error.location).toMatchObject({ line: 2, column: 3, pointer: '/swaggerVersion' });
    expect(error.message).toContain('Swagger 1.2');
    expect(error.hint).toContain('Swagger 2.0');
  });

  it('refuses documents that are not OpenAPI 3, and missing files', async () => {
    expect((await rejection(loadSpec(fixture('broken/not-openapi.yaml')))).code).toBe('SWORN_ERR_SPEC_VERSION');
    const missing = await rejection(loadSpec(fixture('broken/nope.yaml'), { cwd: ROOT }));
    expect(missing.code).toBe('SWORN_ERR_SPEC_NOT_FOUND');
    expect(missing.message).toContain('test/fixtures/broken/nope.yaml');
  });
});
