import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { ROOT } from '../helpers.js';

// specs/openapi-x-slo.schema.json is what an editor is pointed at for a whole OpenAPI document.
// It is compiled here as an editor does: from its file, every other schema fetched by the
// reference it makes, resolved against where it lives (never from a host).
const SPECS = join(ROOT, 'specs');
const read = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(SPECS, name), 'utf8')) as Record<string, unknown>;

const fetched: string[] = [];
let compiled: Promise<ValidateFunction> | undefined;
const editorSchema = (): Promise<ValidateFunction> =>
  (compiled ??= new Ajv2020({ allErrors: true, strict: false, loadSchema: async (uri) => {
    fetched.push(uri);
    if (/^[a-z][a-z0-9+.-]*:/i.test(uri)) throw new Error(`the schema asked for ${uri}, which an editor cannot resolve next to the file`);
    return read(uri);
  } }).compileAsync(read('openapi-x-slo.schema.json')));

const errorsOf = (validate: ValidateFunction, document: unknown) => {
  validate(document);
  return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
};

const minimal = (extra: Record<string, unknown>, version = '3.1.0') => ({ openapi: version, info: { title: 't', version: '1' }, paths: {}, ...extra });

describe('the editor schema for a whole OpenAPI document', () => {
  it('accepts specs/petstore.yaml and specs/orders.yaml whole, fetching x-slo.schema.json by its relative path', async () => {
    const validate = await editorSchema();
    for (const name of ['petstore.yaml', 'orders.yaml']) {
      const document = parse(readFileSync(join(SPECS, name), 'utf8')) as unknown;
      expect(errorsOf(validate, document), name).toEqual([]);
    }
    expect(fetched).toEqual(['x-slo.schema.json']);
  });

  it('has $ids that name no host: each resolves to the file itself', () => {
    expect(read('x-slo.schema.json').$id).toBe('x-slo.schema.json');
    expect(read('openapi-x-slo.schema.json').$id).toBe('openapi-x-slo.schema.json');
  });

  it('rejects a bad x-slo inside an operation, on a path item, at info and at the root, with the pointer to it', async () => {
    const validate = await editorSchema();
    const inOperation = minimal({ paths: { '/pets': { get: { responses: { '200': { description: 'ok' } }, 'x-slo': { availability: { target: 101 } } } } } });
    expect(errorsOf(validate, inOperation)).toContainEqual(expect.stringMatching(/^\/paths\/~1pets\/get\/x-slo\/availability\/target /));
    const onPathItem = minimal({ paths: { '/pets': { 'x-slo': { availabilty: 99 } } } }, '3.0.3');
    expect(errorsOf(validate, onPathItem)).toContainEqual(expect.stringMatching(/^\/paths\/~1pets\/x-slo must NOT have additional properties/));
    const atInfo = minimal({ info: { title: 't', version: '1', 'x-slo': { window: '28 days' } } });
    expect(errorsOf(validate, atInfo)).toContainEqual(expect.stringMatching(/^\/info\/x-slo\/window /));
    // `service` belongs to the document's block, not an operation's.
    const serviceBelow = minimal({ paths: { '/pets': { post: { 'x-slo': { service: 'pets' } } } } });
    expect(errorsOf(validate, serviceBelow)).toContainEqual(expect.stringMatching(/^\/paths\/~1pets\/post\/x-slo /));
    const atRoot = minimal({ 'x-slo': true });
    expect(errorsOf(validate, atRoot)).toContainEqual(expect.stringMatching(/^\/x-slo /));
  });

  it('accepts OpenAPI 3.0 and 3.1 with x-slo everywhere sworn reads it, opt-outs included, and nothing else of OpenAPI checked', async () => {
    const validate = await editorSchema();
    const operation = { 'x-slo': { availability: 99.9, latency: { p99: '300ms' } }, 'x-anything': [1], responses: {} };
    for (const version of ['3.0.3', '3.1.0', '3.1.1']) {
      const document = minimal({ info: { title: 't', version: '1', 'x-slo': { service: 's', window: '28d', availability: 99.5 } }, paths: { '/a': { 'x-slo': false, get: operation, post: { 'x-slo': false } }, 'x-paths-extension': { 'x-slo': 'not a path item' } }, components: { schemas: { Anything: { type: 'whatever' } } } }, version);
      expect(errorsOf(validate, document), version).toEqual([]);
    }
    expect(errorsOf(validate, minimal({ 'x-slo': { availability: 99 } }))).toEqual([]);
  });

  it('rejects what is not an OpenAPI 3.0 or 3.1 document, and x-slo both at the root and at info', async () => {
    const validate = await editorSchema();
    expect(errorsOf(validate, { swagger: '2.0', info: {}, paths: {} })).toContainEqual(expect.stringContaining("must have required property 'openapi'"));
    expect(errorsOf(validate, minimal({}, '2.0'))).toContainEqual(expect.stringMatching(/^\/openapi must match pattern/));
    expect(errorsOf(validate, minimal({}, '3.2.0'))).toContainEqual(expect.stringMatching(/^\/openapi must match pattern/));
    const both = minimal({ 'x-slo': { availability: 99 }, info: { title: 't', version: '1', 'x-slo': { availability: 99 } } });
    expect(errorsOf(validate, both)).toEqual([' must NOT be valid']);
  });
});
