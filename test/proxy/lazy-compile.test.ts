import { describe, expect, it } from 'vitest';
import { call, closeAfterEach, proxyFor, settle, startUpstream } from './harness.js';
import { fixture } from '../helpers.js';

closeAfterEach();

describe('validators compiled on first use', () => {
  const spec = fixture('broken-schema/api.yaml');
  const post = (url: string) => call(`${url}/things`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"x"}' });

  it('a schema that cannot be compiled spoils only its operation: the proxy starts, serves the others, and says the request went unchecked', async () => {
    const upstream = await startUpstream((_req, res) => res.writeHead(201).end());
    const proxy = await proxyFor(upstream.url, { specFile: spec });
    expect((await call(`${proxy.url}/ok`)).status).toBe(201);
    expect((await post(proxy.url)).status).toBe(201);
    await settle();
    const op = proxy.stats.report().operations.find((o) => o.operationId === 'createThing')!;
    expect([op.requests, op.violations.byCode]).toEqual([1, { 'not-validated': 1 }]);
    expect(upstream.seen.map((s) => s.url)).toEqual(['/ok', '/things']);
  });

  it('enforce mode never forwards what it could not check: 500, the upstream untouched', async () => {
    const upstream = await startUpstream((_req, res) => res.writeHead(201).end());
    const proxy = await proxyFor(upstream.url, { specFile: spec, mode: 'enforce' });
    const res = await post(proxy.url);
    expect(res.status).toBe(500);
    expect(res.json()).toMatchObject({ title: 'Internal Server Error', operationId: 'createThing', violations: [{ code: 'not-validated', keyword: 'schemaCompile' }] });
    expect((await call(`${proxy.url}/ok`)).status).toBe(201);
    expect(upstream.seen.map((s) => s.url)).toEqual(['/ok']);
  });
});
