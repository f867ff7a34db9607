import { describe, expect, it } from 'vitest';
import { loadSpec, listOperations } from '../../src/spec/index.js';
import { compileValidators, validateRequest, validateResponse } from '../../src/validate/index.js';
import { GITHUB_SPEC } from '../helpers.js';

describe('compileValidators on GitHub\'s REST API', () => {
  it('compiles every operation (OpenAPI 3.0, 1,200+ operations) and validates real shapes', async () => {
    const spec = await loadSpec(GITHUB_SPEC);
    const operations = listOperations(spec);
    const compiled = compileValidators(spec, operations);
    expect(compiled.size).toBe(operations.length);
    const get = compiled.get(operations.find((o) => o.id === 'repos/get')!)!;
    expect(get.params.map((p) => `${p.in}:${p.name}`)).toEqual(['path:owner', 'path:repo']);
    expect(await validateRequest(get, { params: { owner: 'octocat', repo: 'hello' }, query: '', headers: {}, body: undefined, bodyTooLarge: false })).toEqual([]);
    // A response missing nearly everything a repository has.
    const bad = await validateResponse(get, { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"id": 1}'), bodyTooLarge: false, bodyless: false });
    expect(bad.map((v) => [v.code, v.keyword])).toEqual([['response-body-invalid', 'required']]);
    const list = compiled.get(operations.find((o) => o.id === 'issues/list-for-repo')!)!;
    const perPage = await validateRequest(list, { params: { owner: 'o', repo: 'r' }, query: 'per_page=abc&state=weird', headers: {}, body: undefined, bodyTooLarge: false });
    expect(perPage.map((v) => v.pointer).sort()).toEqual(['per_page', 'state']);
  }, 60_000);
});
