import { describe, expect, it } from 'vitest';
import { loadSpec, listOperations } from '../../src/spec/index.js';
import { compileRouter } from '../../src/router/index.js';
import { GITHUB_SPEC, fixture } from '../helpers.js';

describe('compileRouter', () => {
  it('routes every path of GitHub\'s REST API to its own operation, with its parameters', async () => {
    const spec = await loadSpec(GITHUB_SPEC);
    const operations = listOperations(spec);
    const router = compileRouter(operations);
    expect(router.conflicts).toEqual([]);
    let checked = 0;
    for (const operation of operations) {
      const concrete = operation.path.replace(/\{([^}]+)\}/g, (_m, name: string) => `v-${name}`);
      const match = router.match(operation.method.toUpperCase(), concrete);
      expect(match?.operation, `${operation.method} ${operation.path}`).toBe(operation);
      for (const [name, value] of Object.entries(match!.params)) expect(value).toBe(`v-${name}`);
      checked++;
    }
    expect(checked).toBeGreaterThan(1200);
  });

  it('prefers static segments, decodes parameters, ignores trailing slashes, and knows base paths', async () => {
    const router = compileRouter(listOperations(await loadSpec(fixture('proxy/api.yaml'))));
    expect(router.match('GET', '/api/items/mine')?.operation.id).toBe('myItems');
    expect(router.match('GET', '/api/items/42')).toMatchObject({ operation: { id: 'getItem' }, params: { id: '42' } });
    expect(router.match('GET', '/api/items/42/')?.operation.id).toBe('getItem');
    expect(router.match('GET', '/api/files/a%20b%2Fc')?.params).toEqual({ name: 'a b/c' });
    expect(router.match('GET', '/items/42')).toBeUndefined();
    expect(router.match('PATCH', '/api/items/42')).toBeUndefined();
    expect(router.match('HEAD', '/api/items/42')?.operation.id).toBe('getItem'); // HEAD is GET without the body
    expect(router.match('HEAD', '/api/shapes')).toBeUndefined(); // POST only
  });

  it('mounts each method at its first request, and reports conflicts in the operations\' order', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'sworn-router-')), 'spec.yaml');
    const op = (id: string) => `{operationId: ${id}, responses: {"200": {description: ok}}}`;
    writeFileSync(file, `openapi: 3.1.0\ninfo: {title: t, version: "1"}\npaths:\n  /a/{x}:\n    get: ${op('ax')}\n  /b/{p}:\n    post: ${op('bp')}\n  /a/{y}:\n    get: ${op('ay')}\n    delete: ${op('day')}\n  /b/{q}:\n    post: ${op('bq')}\n`);
    const router = compileRouter(listOperations(await loadSpec(file)));
    expect(router.match('DELETE', '/a/1')).toMatchObject({ operation: { id: 'day' }, params: { y: '1' } });
    expect(router.match('GET', '/a/1')).toMatchObject({ operation: { id: 'ax' }, params: { x: '1' } });
    expect(router.match('PUT', '/a/1')).toBeUndefined();
    expect(router.match('get', '/a/1')).toBeUndefined();
    expect(router.conflicts.map((c) => c.operation.operationId)).toEqual(['ay', 'bq']);
    expect(router.conflicts[0]!.message).toMatch(/^GET \/a\/\{y\}: /);
    expect(router.match('POST', '/b/2')).toMatchObject({ operation: { id: 'bp' }, params: { p: '2' } });
  });

  it('handles templates inside a segment and colons in static text', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'sworn-router-')), 'spec.yaml');
    writeFileSync(file, 'openapi: 3.1.0\ninfo: {title: t, version: "1"}\npaths:\n  /files/{name}.{ext}:\n    get: {operationId: file, responses: {"200": {description: ok}}}\n  /v1/{resource}:cancel:\n    post: {operationId: cancel, responses: {"200": {description: ok}}}\n');
    const router = compileRouter(listOperations(await loadSpec(file)));
    expect(router.match('GET', '/files/report.pdf')).toMatchObject({ operation: { id: 'file' }, params: { name: 'report', ext: 'pdf' } });
    expect(router.match('POST', '/v1/jobs:cancel')).toMatchObject({ operation: { id: 'cancel' }, params: { resource: 'jobs' } });
  });
});
