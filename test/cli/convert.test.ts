import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadSpec } from '../../src/spec/index.js';
import { cli, fixture, ROOT } from '../helpers.js';

const PETSTORE = 'test/fixtures/swagger2/petstore.yaml';
const temp = () => mkdtempSync(join(tmpdir(), 'sworn-convert-'));

describe('sworn convert', () => {
  it('writes the OpenAPI 3 document as YAML to standard output, the summary to standard error', async () => {
    const { code, stdout, stderr } = await cli(['convert', PETSTORE]);
    expect(code).toBe(0);
    expect(stderr).toBe(`converted ${PETSTORE} from Swagger 2.0 to OpenAPI 3.0.0\n`);
    expect(stdout.startsWith('openapi: 3.0.0\ninfo:\n  title: Swagger petstore\n')).toBe(true);
    const written = parse(stdout) as Record<string, unknown>;
    expect(written).toEqual((await loadSpec(fixture('swagger2/petstore.yaml'))).document);
    // x-slo promises kept where they were
    expect((written['x-slo'] as { service: string }).service).toBe('petstore');
    expect(written.paths).toMatchObject({ '/pets': { 'x-slo': { latency: [{ name: 'fast', threshold: '500ms' }] }, post: { 'x-slo': { availability: { target: 99.95 } } } } });
  });

  it('-o file.json writes JSON to the file; what it wrote reads back as the same spec, with no change', async () => {
    const dir = temp();
    const out = join(dir, 'petstore.json');
    const { code, stdout, stderr } = await cli(['convert', PETSTORE, '-o', out]);
    expect([code, stdout]).toEqual([0, '']);
    expect(stderr).toBe(`converted ${PETSTORE} from Swagger 2.0 to OpenAPI 3.0.0; wrote ${out}\n`);
    const text = readFileSync(out, 'utf8');
    expect(text.startsWith('{\n  "openapi": "3.0.0",')).toBe(true);
    expect(JSON.parse(text)).toEqual((await loadSpec(fixture('swagger2/petstore.yaml'))).document);
    const diff = await cli(['diff', PETSTORE, out]);
    expect([diff.code, diff.stdout]).toEqual([0, expect.stringContaining('no changes')]);
  });

  it('--format json to standard output; --format yaml into a .json file', async () => {
    const json = await cli(['convert', 'test/fixtures/postman/pets-v2.1.json', '--format', 'json']);
    expect(json.code).toBe(0);
    expect(json.stderr).toBe('converted test/fixtures/postman/pets-v2.1.json from Postman collection v2.1 to OpenAPI 3.0.0\n');
    expect(Object.keys((JSON.parse(json.stdout) as { paths: object }).paths)).toEqual(['/v1/pets', '/v1/pets/{id}', '/v1/owners/{ownerId}']);
    const out = join(temp(), 'x.json');
    await cli(['convert', PETSTORE, '-o', out, '--format', 'yaml']);
    expect(readFileSync(out, 'utf8').startsWith('openapi: 3.0.0\n')).toBe(true);
  });

  it('prints what the converter went past, each at its file:line:column', async () => {
    const { code, stderr } = await cli(['convert', 'test/fixtures/swagger2/warnings.yaml']);
    expect(code).toBe(0);
    expect(stderr).toBe([
      'converted test/fixtures/swagger2/warnings.yaml from Swagger 2.0 to OpenAPI 3.0.0',
      '  warning: test/fixtures/swagger2/warnings.yaml:10:11 collectionFormat:ssv is no longer supported except for in:query parameters',
      '  warning: test/fixtures/swagger2/warnings.yaml:16:11 collectionFormat:tsv is no longer supported',
      '  warning: test/fixtures/swagger2/warnings.yaml:44:7 the parameter $ref "#/parameters/missing" resolves to nothing, so the converted operation lacks that parameter',
      '  warning: test/fixtures/swagger2/warnings.yaml:50:5 the operation has both a body parameter and formData parameters (Swagger 2.0 allows one or the other); the converted request body keeps only one of them',
      '',
    ].join('\n'));
  });

  it('writes an OpenAPI 3 file unchanged, byte for byte, and says so; bundles one spread over files', async () => {
    const same = await cli(['convert', 'test/fixtures/swagger2/petstore.openapi.yaml']);
    expect(same.code).toBe(0);
    expect(same.stdout).toBe(readFileSync(fixture('swagger2/petstore.openapi.yaml'), 'utf8'));
    expect(same.stderr).toBe('test/fixtures/swagger2/petstore.openapi.yaml is already OpenAPI 3.0.3, nothing to convert: written unchanged\n');
    const asJson = await cli(['convert', 'specs/petstore.yaml', '--format', 'json']);
    expect(asJson.stderr).toBe('specs/petstore.yaml is already OpenAPI 3.1.0, nothing to convert: written as JSON\n');
    expect(JSON.parse(asJson.stdout)).toEqual((await loadSpec(join(ROOT, 'specs/petstore.yaml'))).document);
    const bundled = await cli(['convert', 'test/fixtures/multi/openapi.yaml']);
    expect(bundled.stderr).toBe('test/fixtures/multi/openapi.yaml is already OpenAPI 3.0.3, nothing to convert: written with its 4 referenced files bundled in, as YAML\n');
    const refs = [...bundled.stdout.matchAll(/\$ref: ["']?([^"'\n]*)/g)].map((m) => m[1] as string);
    expect(refs.length).toBeGreaterThan(0);
    expect(refs.filter((ref) => !ref.startsWith('#'))).toEqual([]);
  });

  it('a document that cannot be converted: exit 2, the error at its line, nothing written', async () => {
    const out = join(temp(), 'never.yaml');
    const { code, stdout, stderr } = await cli(['convert', 'test/fixtures/swagger2/broken-info.yaml', '-o', out]);
    expect([code, stdout]).toEqual([2, '']);
    expect(stderr).toContain('SWORN_ERR_CONVERT: test/fixtures/swagger2/broken-info.yaml:2:1 swagger2openapi cannot convert this Swagger 2.0 document: info must be an object');
    expect(existsSync(out)).toBe(false);
  });
});
