import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/spec/index.js';
import { lintSpec, type Finding } from '../../src/lint/index.js';
import { cli, fixture, GITHUB_SPEC, ROOT } from '../helpers.js';

const AT = Date.parse('2026-11-22T00:00:00Z');

async function examples(name: string): Promise<Finding[]> {
  const { findings } = lintSpec(await loadSpec(fixture(name), { cwd: ROOT }), { at: AT });
  return findings.filter((f) => f.rule === 'example-invalid');
}

/** The 1-based line and column where `text` starts in the fixture (it must occur once): findings point at the key of the example's entry. */
function positionOf(name: string, text: string): { line: number; column: number } {
  const lines = readFileSync(fixture(name), 'utf8').split('\n');
  const hits = lines.flatMap((line, i) => (line.includes(text) ? [{ line: i + 1, column: line.indexOf(text) + 1 }] : []));
  expect(hits).toHaveLength(1);
  return hits[0]!;
}

describe('example-invalid (OpenAPI 3.0)', () => {
  it('checks every place an example can be, each in its direction, naming where, the keyword and the path inside the example', async () => {
    const findings = await examples('lint/examples.yaml');
    expect(findings.every((f) => f.severity === 'error')).toBe(true);
    expect(findings.map((f) => [f.location.pointer, f.message])).toEqual([
      ['/paths/~1pets/get/parameters/0/example', 'example of query parameter "limit" of GET /pets: must be integer (type)'],
      ['/paths/~1pets/get/responses/200/headers/X-Rate-Limit/example', 'example of header "X-Rate-Limit" of GET /pets 200: must be integer (type)'],
      ['/paths/~1pets/get/responses/200/content/application~1json/examples/cat/value', 'example "cat" of GET /pets 200 application/json: /0/id must be integer (type)'],
      ['/paths/~1pets/post/requestBody/content/application~1json/examples/withId/value', 'example "withId" of POST /pets request body application/json: /id is readOnly: it may appear in responses, not in requests (readOnly)'],
      ['/paths/~1pets/post/requestBody/content/application~1json/examples/tagged/value', 'example "tagged" of POST /pets request body application/json: /tag must be string (type)'],
      ['/paths/~1pets/post/responses/201/content/application~1json/example', 'example of POST /pets 201 application/json: must have required property \'id\' (required)'],
      ['/paths/~1pets~1{petId}/get/responses/default/content/application~1json/example', 'example of GET /pets/{petId} default application/json: must be string (type); must be integer (type); must be boolean (type); must be array (type); must be object (type); and 1 more'],
      ['/components/schemas/Pet/properties/name/example', 'example of schema #/components/schemas/Pet/properties/name: must be string (type)'],
      ['/components/schemas/Pet/properties/tag/default', 'default of schema #/components/schemas/Pet/properties/tag: must be string (type)'],
      ['/components/examples/BadPets/value', 'example "shared" (#/components/examples/BadPets) of GET /pets 200 application/json: /0 must have required property \'name\' (required) (used in 1 more place with the same schema)'],
      ['/components/responses/NotFound/content/application~1json/example', 'example of response #/components/responses/NotFound application/json: must have required property \'message\' (required)'],
    ]);
  });

  it('reports each at the example\'s own line and column, with the operations that use it', async () => {
    const findings = await examples('lint/examples.yaml');
    const at = (pointer: string) => findings.find((f) => f.location.pointer === pointer)!;
    const cat = at('/paths/~1pets/get/responses/200/content/application~1json/examples/cat/value');
    expect(cat.location).toMatchObject({ file: 'test/fixtures/lint/examples.yaml', ...positionOf('lint/examples.yaml', 'value: [{id: one, name: Tom}]') });
    expect(cat.operations).toEqual(['listPets']);
    // A $ref'd Example Object: found where it is written, once for the two operations that use it with one schema.
    const shared = at('/components/examples/BadPets/value');
    expect(shared.location).toMatchObject(positionOf('lint/examples.yaml', 'value: [{id: 3}]'));
    expect(shared.operations).toEqual(['listPets', 'getPet']);
    const notFound = at('/components/responses/NotFound/content/application~1json/example');
    expect(notFound.location).toMatchObject(positionOf('lint/examples.yaml', 'example: {error: gone}'));
    expect(notFound.operations).toEqual(['listPets', 'addPet']);
    expect(at('/paths/~1pets/get/parameters/0/example').location).toMatchObject(positionOf('lint/examples.yaml', "example: '10'"));
  });

  it('passes valid examples: readOnly in responses, writeOnly in requests, nullable null, form fields as text, a schema example showing both', async () => {
    const flagged = new Set((await examples('lint/examples.yaml')).map((f) => f.location.pointer));
    for (const pointer of [
      '/paths/~1pets/get/parameters/1/examples/two/value',
      '/paths/~1pets/get/responses/200/content/application~1json/examples/good/value', // nickname: null, nullable in 3.0
      '/paths/~1pets/post/requestBody/content/application~1json/examples/new/value', // the readOnly id may be missing from a request
      '/paths/~1pets/post/requestBody/content/application~1x-www-form-urlencoded/example', // age '3' arrives as text anyway
      '/paths/~1pets~1{petId}/parameters/0/example',
      '/components/schemas/Pet/properties/nickname/example',
      '/components/schemas/Pet/example', // readOnly id and writeOnly password both belong in the schema's own example
    ]) expect(flagged.has(pointer), pointer).toBe(false);
    // Not checked: XML (not read by sworn) and externalValue (not fetched).
    expect([...flagged].filter((p) => p.includes('xml') || p.includes('remote'))).toEqual([]);
    expect(await examples('lint/examples-valid.yaml')).toEqual([]);
  });
});

describe('example-invalid (OpenAPI 3.1)', () => {
  it('reads type arrays, schema `examples`, parameter content, $ref\'d request examples and webhooks', async () => {
    const findings = await examples('lint/examples-31.yaml');
    const at = (text: string) => {
      const { line, column } = positionOf('lint/examples-31.yaml', text);
      return `${line}:${column}`;
    };
    expect(findings.map((f) => `${f.location.line}:${f.location.column} ${f.message}`)).toEqual([
      `${at('example: {size: big}')} example of query parameter "filter" of GET /things application/json: /size must be integer (type)`,
      `${at('value: {id: 2, label: 3}')} example "numberLabel" of GET /things 200 application/json: /label must be string,null (type)`,
      // The API sends a webhook's request: readOnly id belongs; the label does not match.
      `${at('example: {id: 4, label: [x]}')} example of webhook thingChanged POST request body application/json: /label must be string,null (type)`,
      `${at('large')} examples[1] of schema #/components/schemas/Thing/properties/size: must be integer (type)`,
      `${at('value: {id: 9, label: stored}')} example "stored" (#/components/examples/StoredThing) of PUT /things request body application/json: /id is readOnly: it may appear in responses, not in requests (readOnly)`,
    ]);
    expect(findings.find((f) => f.message.includes('nullLabel'))).toBeUndefined();
  });
});

describe('sworn lint with invalid examples', () => {
  it('exits 1 and prints each at file:line; a spec whose examples are all valid exits 0', async () => {
    const bad = await cli(['lint', fixture('lint/examples.yaml'), '--at', '2026-11-22T00:00:00Z']);
    expect(bad.code).toBe(1);
    const { line, column } = positionOf('lint/examples.yaml', 'value: [{id: one, name: Tom}]');
    expect(bad.stdout).toContain(`test/fixtures/lint/examples.yaml:${line}:${column}  error    example-invalid  example "cat" of GET /pets 200 application/json: /0/id must be integer (type)`);
    expect(bad.stdout).toContain('✖ 11 errors, 0 warnings');
    const good = await cli(['lint', fixture('lint/examples-valid.yaml'), '--at', '2026-11-22T00:00:00Z']);
    expect([good.code, good.stdout]).toEqual([0, '✔ 0 errors, 0 warnings\n']);
  });

  it('finds GitHub\'s real invalid examples, e.g. /meta\'s fingerprints written as numbers', async () => {
    const findings = lintSpec(await loadSpec(GITHUB_SPEC), { at: AT }).findings.filter((f) => f.rule === 'example-invalid');
    expect(findings.length).toBeGreaterThan(100);
    const meta = findings.find((f) => f.location.pointer === '/components/examples/api-overview/value');
    expect(meta?.message).toBe('example "default" (#/components/examples/api-overview) of GET /meta 200 application/json: /ssh_key_fingerprints/SHA256_RSA must be string (type); /ssh_key_fingerprints/SHA256_DSA must be string (type); /ssh_key_fingerprints/SHA256_ECDSA must be string (type); /ssh_key_fingerprints/SHA256_ED25519 must be string (type)');
    expect(meta?.operations).toEqual(['meta/get']);
  });
});

describe('example-invalid on hostile specs', () => {
  it('never throws: unresolvable and uncompilable schemas, $ref loops between examples, junk, a deeply nested example', async () => {
    const deep = (depth: number, leaf: unknown): unknown => {
      let value: unknown = leaf;
      for (let i = 0; i < depth; i++) value = { a: value };
      return value;
    };
    const document = {
      openapi: '3.1.0',
      info: { title: 'hostile', version: '1' },
      paths: {
        '/x': {
          get: {
            operationId: 'getX',
            parameters: [{ name: 'q', in: 'query', schema: { $ref: '#/components/schemas/Nope' }, example: 1 }, 'junk', null],
            responses: {
              '200': {
                description: 'ok',
                headers: 'nope',
                content: {
                  'application/json': {
                    schema: { $ref: '#/components/schemas/Tree' },
                    examples: { loop: { $ref: '#/components/examples/A' }, nothing: null, deepValid: { value: deep(1000, {}) }, deepInvalid: { value: deep(1000, 5) } },
                  },
                },
              },
              '201': null,
            },
          },
        },
      },
      components: {
        schemas: { Tree: { type: 'object', properties: { a: { $ref: '#/components/schemas/Tree' } } }, Bad: { type: 12, example: 1 } },
        examples: { A: { $ref: '#/components/examples/B' }, B: { $ref: '#/components/examples/A' } },
      },
    };
    const file = join(mkdtempSync(join(tmpdir(), 'sworn-examples-')), 'hostile.json');
    writeFileSync(file, JSON.stringify(document));
    const findings = lintSpec(await loadSpec(file), { at: AT }).findings.filter((f) => f.rule === 'example-invalid');
    expect(findings.map((f) => f.location.pointer)).toEqual(['/paths/~1x/get/responses/200/content/application~1json/examples/deepInvalid/value']);
    expect(findings[0]!.message).toBe(`example "deepInvalid" of GET /x 200 application/json: ${'/a'.repeat(1000)} must be object (type)`);
  });
});
