import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startMock, type RunningMock } from '../../src/mock/mock.js';
import { loadSpec } from '../../src/spec/load-spec.js';
import { fixture, GITHUB_SPEC } from '../helpers.js';
import { call, closeAfterEach, proxyFor } from '../proxy/harness.js';

closeAfterEach();
const mocks: RunningMock[] = [];
afterEach(async () => {
  for (const m of mocks.splice(0)) await m.close();
});
const mock = async (file: string, dynamic = false) => {
  const spec = await loadSpec(file);
  const m = await startMock({ spec, port: 0, adminPort: null, dynamic });
  mocks.push(m);
  return { m, spec };
};

// prism-http resolves $refs inside the document it is given: given ours, it made it cyclic (a hang or
// "Maximum call stack size exceeded" in our schema compiler) and aliased shared schemas (a nullable one
// converted twice). It gets a copy of its own; our document stays as loaded.
describe('specs with recursive and shared schemas', () => {
  it('mocks a recursive schema and a nullable schema referenced twice, from examples and generated, and leaves the document untouched', async () => {
    for (const dynamic of [false, true]) {
      const { m, spec } = await mock(fixture('mock/recursive.yaml'), dynamic);
      const before = JSON.stringify(spec.document);
      const tree = await call(`${m.url}/tree`);
      expect(tree.status).toBe(200);
      expect(tree.json()).toMatchObject({ name: expect.any(String), children: expect.any(Array) });
      const names = await call(`${m.url}/name`);
      expect(names.status).toBe(200);
      expect(JSON.stringify(spec.document)).toBe(before); // serialisable: not made cyclic
    }
  });

  it('proxies the same spec: the recursive answer is validated, the nullable one accepts null', async () => {
    const { m } = await mock(fixture('mock/recursive.yaml'));
    const proxy = await proxyFor(m.url, { specFile: fixture('mock/recursive.yaml') });
    expect((await call(`${proxy.url}/tree`)).status).toBe(200);
    expect((await call(`${proxy.url}/name`)).status).toBe(200);
    expect(proxy.stats.report().operations.reduce((n, o) => n + o.violations.response, 0)).toBe(0);
  });

  it('mocks GitHub\'s description (1,200+ operations, recursive schemas)', async () => {
    const { m } = await mock(GITHUB_SPEC);
    const res = await request(`${m.url}/repos/octo/hello/issues`, { headers: { accept: 'application/json' } });
    expect(res.statusCode).toBe(200);
    expect(Array.isArray(await res.body.json())).toBe(true);
  }, 120_000);
});
