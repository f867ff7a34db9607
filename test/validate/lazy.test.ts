import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSpec, listOperations, type Operation, type Spec } from '../../src/spec/index.js';
import {
  SchemaCompiler, allSecretNames, compileValidators, lazyValidators, unsupportedPatterns, validateRequest, validateResponse,
  type CompiledOperation,
} from '../../src/validate/index.js';
import { fixture, GITHUB_SPEC } from '../helpers.js';
import { document, specFrom } from './spec-from.js';

/** What a CompiledOperation says, without the validator functions (whether there is one instead). */
function shape(op: CompiledOperation): unknown {
  const param = (p: CompiledOperation['params'][number]) => ({ name: p.name, in: p.in, style: p.style, explode: p.explode, shape: p.shape, properties: p.properties, required: p.required, secret: p.secret, validates: p.validate !== undefined });
  const media = (m: Map<string, { mediaType: string; kind: string; validate: unknown }>) => [...m].map(([k, v]) => [k, v.mediaType, v.kind, v.validate !== undefined]);
  return {
    id: op.operation.id,
    params: op.params.map(param),
    body: op.body ? { required: op.body.required, media: media(op.body.media) } : undefined,
    responses: [...op.responses].map(([code, r]) => [code, r.headers.map(param), media(r.media)]),
    security: op.security,
    secretNames: [...op.secretNames].sort(),
  };
}

const BODIES = ['{}', '[]', '"text"', '1', 'null', '{"id":1,"name":"n"}', '[{"id":"x"}]', 'not json', '{"a":{"b":[1,2,{"c":null}]}}'];
const VALUES = ['x', '1', '-1', 'true', '2020-01-01', 'a,b'];

/** Requests and responses of every kind an operation declares, and some it does not: the violations of each. */
async function exercise(op: CompiledOperation): Promise<unknown[]> {
  const out: unknown[] = [];
  const path: Record<string, string> = {};
  for (const p of op.params) if (p.in === 'path') path[p.name] = VALUES[p.name.length % VALUES.length]!;
  const query = op.params.filter((p) => p.in === 'query');
  const headerParams = op.params.filter((p) => p.in === 'header');
  const mediaTypes = op.body ? [...op.body.media.keys()] : ['application/json'];
  for (const value of VALUES) {
    const q = query.map((p) => `${encodeURIComponent(p.name)}=${encodeURIComponent(value)}`).join('&');
    const headers: Record<string, string> = Object.fromEntries(headerParams.map((p) => [p.name, value]));
    out.push(await validateRequest(op, { params: Object.fromEntries(Object.keys(path).map((k) => [k, value])), query: q, headers, body: undefined, bodyTooLarge: false }));
  }
  for (const mediaType of mediaTypes) {
    for (const body of BODIES) out.push(await validateRequest(op, { params: path, query: '', headers: { 'content-type': mediaType }, body: Buffer.from(body), bodyTooLarge: false }));
  }
  const statuses = new Set([200, 201, 204, 404, 500]);
  for (const code of op.responses.keys()) statuses.add(/^\d+$/.test(code) ? Number(code) : code === 'DEFAULT' ? 599 : Number(code[0]) * 100 + 1);
  for (const status of statuses) {
    const declared = op.responses.get(String(status));
    const headers = declared ? Object.fromEntries(declared.headers.map((h) => [h.name, 'x'])) : {};
    for (const mediaType of declared ? [...declared.media.keys(), 'application/json'] : ['application/json']) {
      for (const body of BODIES) out.push(await validateResponse(op, { status, headers: { ...headers, 'content-type': mediaType }, body: Buffer.from(body), bodyTooLarge: false, bodyless: false }));
    }
  }
  return out;
}

/** Validators made per operation on first use, and the same made eagerly (the document copied whole, every operation compiled at once). */
async function both(spec: Spec, operations = listOperations(spec)) {
  const eager = compileValidators(spec, operations, new SchemaCompiler(spec, { lazy: false }));
  const lazy = lazyValidators(spec, operations);
  return { operations, eager, lazy };
}

async function expectSame(spec: Spec, operations?: Operation[]): Promise<void> {
  const { eager, lazy, operations: ops } = await both(spec, operations);
  for (const operation of ops) {
    const e = eager.get(operation)!;
    const l = lazy.get(operation);
    expect(shape(l)).toEqual(shape(e));
    expect(await exercise(l)).toEqual(await exercise(e));
  }
}

const FIXTURES = ['hostile/api.yaml', 'proxy/api.yaml', 'proxy/api-3.0.yaml', 'petstore-3.0.json', 'mock/api.yaml', 'multi/openapi.yaml', 'literal-refs/openapi.yaml', 'engine-spec.yaml'];

describe('lazyValidators gives what compileValidators gives', () => {
  it.each(FIXTURES)('%s: the same compiled operations and the same violations', async (name) => {
    await expectSame(await loadSpec(fixture(name)));
  }, 60_000);

  it('specs/petstore.yaml: the same compiled operations and the same violations', async () => {
    await expectSame(await loadSpec(fixture('../../specs/petstore.yaml')));
  }, 60_000);

  it('a schema with an $id its references resolve against (3.1): the views give way to the eager copies, with the same results', async () => {
    const spec = await specFrom(document({
      '/things': {
        post: {
          operationId: 'make',
          requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } },
          responses: { 200: { description: 'ok', content: { 'application/json': { schema: { type: 'object', properties: { thing: { $ref: '#/components/schemas/Thing' } } } } } } },
        },
      },
    }, { schemas: { Thing: { $id: 'https://example.com/thing', type: 'object', required: ['name'], properties: { name: { $ref: '#/$defs/Name' } }, $defs: { Name: { type: 'string', minLength: 2 } } } } }));
    await expectSame(spec);
    const operation = listOperations(spec)[0]!;
    const validators = lazyValidators(spec, [operation]);
    expect(validators.compiler.materializedSchemas).toBe(0);
    const bad = await validateRequest(validators.get(operation), { params: {}, query: '', headers: { 'content-type': 'application/json' }, body: Buffer.from('{"name":"x"}'), bodyTooLarge: false });
    expect(bad.map((v) => v.keyword)).toEqual(['minLength']);
    expect(validators.compiler.materializedSchemas).toBe('all'); // the $id was met: compiled against the whole copies since
  });

  it('YAML with aliases (shared nodes): the document is copied whole, as before, with the same results', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sworn-lazy-'));
    const file = join(dir, 'api.yaml');
    writeFileSync(file, [
      'openapi: 3.0.3',
      'info: {title: aliases, version: "1"}',
      'paths:',
      '  /a:',
      '    post:',
      '      operationId: a',
      '      requestBody:',
      '        content:',
      '          application/json:',
      '            schema: &thing {type: object, required: [id, name], properties: {id: {type: integer, readOnly: true}, name: {type: string, minLength: 2}}}',
      '      responses:',
      '        "200": {description: ok, content: {application/json: {schema: *thing}}}',
      '',
    ].join('\n'));
    const spec = await loadSpec(file);
    expect(new SchemaCompiler(spec).materializedSchemas).toBe('all');
    await expectSame(spec);
  });
});

describe('lazyValidators on GitHub\'s REST API', () => {
  let spec: Spec;
  let operations: Operation[];
  let eager: Map<Operation, CompiledOperation>;
  beforeAll(async () => {
    spec = await loadSpec(GITHUB_SPEC);
    operations = listOperations(spec);
    eager = compileValidators(spec, operations, new SchemaCompiler(spec, { lazy: false }));
  }, 180_000);

  it('allSecretNames() and unsupportedPatterns() equal the eager ones, without compiling anything', () => {
    const lazy = lazyValidators(spec, operations);
    expect([...lazy.allSecretNames()].sort()).toEqual([...allSecretNames(eager)].sort());
    expect(lazy.allSecretNames().size).toBeGreaterThan(20);
    expect(lazy.unsupportedPatterns()).toEqual(unsupportedPatterns(eager));
    expect(lazy.secretPathOperations().map((o) => o.id)).toEqual(operations.filter((o) => eager.get(o)!.params.some((p) => p.in === 'path' && p.secret)).map((o) => o.id));
    expect(lazy.compiledCount()).toBe(0);
    expect(lazy.compiler.compiledCount).toBe(0);
    expect(lazy.compiler.materializedSchemas).toBe(0);
  });

  it('a sample of operations: the same compiled operations and the same violations', async () => {
    const lazy = lazyValidators(spec, operations);
    const named = ['repos/get', 'issues/list-for-repo', 'issues/create', 'repos/create-or-update-file-contents', 'actions/create-or-update-repo-secret', 'git/create-tree'];
    const sample = operations.filter((o, i) => i % 20 === 0 || named.includes(o.id));
    for (const operation of sample) {
      const l = lazy.get(operation);
      const e = eager.get(operation)!;
      expect(shape(l)).toEqual(shape(e));
      expect(await exercise(l)).toEqual(await exercise(e));
    }
    // Only what the sample used was copied for ajv: far from the whole document.
    expect(lazy.compiler.materializedSchemas).toBeLessThan(Object.keys(spec.document.components!.schemas!).length);
  }, 120_000);
});

describe('OperationValidators compiles on first use', () => {
  it('makes an operation at its first get, and its validators at their first use; the second get is the same object', async () => {
    const spec = await loadSpec(fixture('hostile/api.yaml'));
    const operations = listOperations(spec);
    const validators = lazyValidators(spec, operations);
    expect(validators.compiledCount()).toBe(0);
    const [first, second] = operations as [Operation, Operation];
    expect(validators.isCompiled(first)).toBe(false);
    const op = validators.get(first);
    expect(validators.isCompiled(first)).toBe(true);
    expect(validators.isCompiled(second)).toBe(false);
    expect(validators.compiledCount()).toBe(1);
    expect(validators.get(first)).toBe(op);
    expect(validators.compiledCount()).toBe(1);
    // No validator compiled yet: the first read of one compiles it, later reads give the same function.
    expect(validators.compiler.compiledCount).toBe(0);
    const withValidator = [...op.params, ...(op.body ? op.body.media.values() : [])].find((p) => p.validate !== undefined)!;
    const count = validators.compiler.compiledCount;
    expect(count).toBeGreaterThan(0);
    expect(withValidator.validate).toBe(withValidator.validate);
    expect(validators.compiler.compiledCount).toBe(count);
    validators.get(second);
    expect(validators.compiledCount()).toBe(2);
    expect(validators.compileAll().size).toBe(operations.length);
    expect(validators.compiledCount()).toBe(operations.length);
  });

  it('refuses an operation it was not made for', async () => {
    const spec = await loadSpec(fixture('hostile/api.yaml'));
    const [first, ...rest] = listOperations(spec);
    expect(() => lazyValidators(spec, rest).get(first!)).toThrow(/not one of the operations/);
  });

  it('adds the given secret names to every operation, not to allSecretNames()', async () => {
    const spec = await loadSpec(fixture('hostile/api.yaml'));
    const operations = listOperations(spec);
    const validators = lazyValidators(spec, operations, { secretNames: ['x-consumer-key'] });
    expect(validators.get(operations[0]!).secretNames.has('x-consumer-key')).toBe(true);
    expect(validators.allSecretNames().has('x-consumer-key')).toBe(false);
    expect([...validators.allSecretNames()].sort()).toEqual([...allSecretNames(compileValidators(spec, operations))].sort());
  });

  it('hostile/api.yaml: allSecretNames(), unsupportedPatterns() and secretPathOperations() equal the eager ones', async () => {
    const spec = await loadSpec(fixture('hostile/api.yaml'));
    const operations = listOperations(spec);
    const { eager, lazy } = await both(spec, operations);
    expect([...lazy.allSecretNames()].sort()).toEqual([...allSecretNames(eager)].sort());
    expect(lazy.unsupportedPatterns()).toEqual(unsupportedPatterns(eager));
    expect(lazy.secretPathOperations()).toEqual(operations.filter((o) => eager.get(o)!.params.some((p) => p.in === 'path' && p.secret)));
    expect(lazy.compiler.compiledCount).toBe(0);
  });
});

/** Unsupported patterns (a lookahead or a backreference each, all different) in every place a schema can hold one. */
function patternDocument(version: string): Record<string, unknown> {
  let n = 0;
  const u = () => (n++ % 2 ? `^(?=a${n})\\w+$` : `^(a)\\1${n}$`);
  const v30 = version.startsWith('3.0');
  const shared = { type: 'object', properties: { deep: { type: 'string', pattern: u() }, list: { type: 'array', items: { type: 'string', pattern: u() } } }, patternProperties: { [u()]: { type: 'integer' } }, additionalProperties: false };
  return {
    openapi: version,
    info: { title: 'patterns', version: '1' },
    paths: {
      '/a/{id}': {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: u() } }],
        get: {
          operationId: 'a',
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: u() } },
            { name: 'q', in: 'query', schema: { $ref: '#/components/schemas/Q' } },
            { $ref: '#/components/parameters/P' },
            { name: 'c', in: 'query', content: { 'application/json': { schema: { type: 'object', properties: { z: { pattern: u() } } } } } },
          ],
          responses: {
            200: { description: 'ok', headers: { 'x-h': { schema: { type: 'string', pattern: u() } } }, content: { 'application/json': { schema: { $ref: '#/components/schemas/Shared' } } } },
            default: { $ref: '#/components/responses/R' },
          },
        },
        post: {
          operationId: 'b',
          requestBody: {
            content: {
              'application/json': { schema: { allOf: [{ $ref: '#/components/schemas/Shared' }, { type: 'object', properties: { w: { type: 'string', writeOnly: true, pattern: u() }, r: { type: 'string', readOnly: true, pattern: u() } } }] } },
              'application/x-www-form-urlencoded': { schema: { type: 'object', properties: { f: { type: 'string', pattern: u() } } } },
              'text/plain': { schema: { type: 'string', pattern: u() } },
            },
          },
          responses: {
            201: {
              description: 'x',
              content: {
                'application/json': {
                  schema: {
                    anyOf: [{ pattern: u() }, { type: 'string', pattern: u() }],
                    oneOf: [{ pattern: u() }, {}],
                    not: { pattern: u() },
                    if: { pattern: u() }, then: { pattern: u() }, else: { description: 'nothing' },
                    propertyNames: { pattern: u() },
                    dependencies: { a: { properties: { b: { pattern: u() } } }, c: ['d'] },
                    items: v30 ? [{ pattern: u() }, { pattern: u() }] : { pattern: u() },
                    additionalItems: { pattern: u() },
                    contains: { pattern: u() },
                    'x-patternProperties': { [u()]: { type: 'string' } },
                    prefixItems: [{ pattern: u() }],
                    dependentSchemas: { e: { pattern: u() } },
                    unevaluatedProperties: { pattern: u() },
                    properties: { byte: { type: 'string', format: 'byte', pattern: u() }, ...(v30 ? { nul: null } : {}), ro: { readOnly: true, pattern: u() } },
                  },
                },
              },
            },
          },
        },
      },
      '/b': {
        get: {
          operationId: 'c',
          responses: {
            200: {
              description: 'ok',
              content: {
                'application/json': { schema: { anyOf: [{ readOnly: true }, { pattern: u() }] } },
                'application/xml': { schema: { anyOf: [{ writeOnly: true }, { pattern: u() }] } },
                'application/octet-stream': { schema: { pattern: u() } },
                'text/csv': { schema: { type: 'object', patternProperties: { [u()]: {} } } },
                'text/html': { schema: { type: 'object', patternProperties: { [u()]: {} }, additionalProperties: {} } },
                'application/ld+json': { schema: { $ref: '#/components/schemas/Shared/properties/deep' } },
              },
            },
          },
        },
      },
    },
    components: {
      schemas: { Shared: shared, Q: { type: 'string', pattern: u() }, Unused: { type: 'string', pattern: u() }, Cycle: { type: 'object', properties: { self: { $ref: '#/components/schemas/Cycle' }, p: { pattern: u() } } } },
      parameters: { P: { name: 'p', in: 'header', schema: { $ref: '#/components/schemas/Cycle' } } },
      responses: { R: { description: 'r', content: { 'application/json': { schema: { type: 'string', pattern: u() } } } } },
    },
  };
}

describe('unsupportedPatterns() without compiling', () => {
  it.each(['3.0.3', '3.1.0'])('OpenAPI %s: the same list, in the same order, as the compiled validators meet them', async (version) => {
    const spec = await specFrom(patternDocument(version));
    const { eager, lazy } = await both(spec);
    const expected = unsupportedPatterns(eager);
    expect(expected.length).toBeGreaterThan(25);
    expect(lazy.unsupportedPatterns()).toEqual(expected);
    expect(lazy.compiler.compiledCount).toBe(0);
    // Schemas no operation uses are not listed (the compiled validators never meet them).
    const unused = (spec.document.components!.schemas!.Unused as { pattern: string }).pattern;
    expect(lazy.unsupportedPatterns().map((p) => p.pattern)).not.toContain(unused);
    // compileValidators still lists them in the order it compiled them.
    expect(unsupportedPatterns(compileValidators(spec, listOperations(spec)))).toEqual(expected);
  });
});
