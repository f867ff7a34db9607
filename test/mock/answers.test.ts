import { afterEach, describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/spec/index.js';
import { startMock, type RunningMock } from '../../src/mock/mock.js';
import { call } from '../proxy/harness.js';
import { fixture } from '../helpers.js';

const open: RunningMock[] = [];
afterEach(async () => {
  for (const m of open.splice(0)) await m.close();
});
async function mock(file: string, errors = false): Promise<RunningMock> {
  const m = await startMock({ spec: await loadSpec(fixture(file)), port: 0, adminPort: null, errors });
  open.push(m);
  return m;
}

describe('problem answers agree with their status', () => {
  it('Prefer: code=404 served from a `default` problem response says 404, not the generator\'s 0', async () => {
    const m = await mock('mock/problems.yaml');
    for (const [how, headers] of [['header', { prefer: 'code=404' }], ['query', {}]] as const) {
      const answer = await call(`${m.url}/things/1${how === 'query' ? '?__code=404' : ''}`, { headers });
      expect([answer.status, answer.headers['content-type']]).toEqual([404, 'application/problem+json']);
      expect(answer.json()).toMatchObject({ type: 'about:blank', title: 'Not Found', status: 404 });
      expect(answer.headers['sworn-violations']).toBeUndefined();
    }
    const teapot = await call(`${m.url}/things/1`, { headers: { prefer: 'code=503' } });
    expect([teapot.status, teapot.json()]).toMatchObject([503, { title: 'Service Unavailable', status: 503 }]);
  });

  it('the same under XML (problem+xml)', async () => {
    const m = await mock('mock/xml.yaml');
    const answer = await call(`${m.url}/ranges?__code=500`);
    expect(answer.status).toBe(500);
    expect(answer.text).toBe('<problem xmlns="urn:ietf:rfc:7807"><title>Internal Server Error</title><status>500</status></problem>');
  });
});

describe('--errors on a generated answer', () => {
  it('blames the generator, not the spec, when a generated body of a recursive schema breaks it', async () => {
    const m = await mock('cyclic/tree.yaml', true);
    const answer = await call(`${m.url}/trees`, { headers: { prefer: 'dynamic=true' } });
    // Seed 1: the generator cuts the tree at depth 3 with `{}`, which lacks the required `name`.
    expect(answer.status).toBe(500);
    expect(String(answer.json().detail)).toContain('generated 200 answer for getTree');
    expect(String(answer.json().detail)).toContain('give the response an example');
  });
});
