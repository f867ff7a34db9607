import { afterEach, describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/spec/index.js';
import { startMock, type RunningMock } from '../../src/mock/mock.js';
import { call } from '../proxy/harness.js';
import { fixture } from '../helpers.js';

const open: RunningMock[] = [];
afterEach(async () => {
  for (const m of open.splice(0)) await m.close();
});

async function mock(errors: boolean): Promise<RunningMock> {
  const spec = await loadSpec(fixture('mock/bad-examples.yaml'));
  // `errors` is MockOptions' `--errors` switch (answer 500 when the mock's own answer breaks the spec).
  const options = { spec, port: 0, adminPort: null, errors };
  const m = await startMock(options);
  open.push(m);
  return m;
}

const BAD_BODY = [{ code: 'response-body-invalid', direction: 'response', location: 'body', pointer: '/0/id', keyword: 'type', message: 'the response body at /0/id must be integer' }];

describe('the mock checks its own answers', () => {
  it('with --errors, answers 500 problem+json naming the operation, the status and the violations', async () => {
    const m = await mock(true);
    const bad = await call(`${m.url}/pets`, { headers: { prefer: 'example=bad' } });
    expect([bad.status, bad.headers['content-type']]).toEqual([500, 'application/problem+json']);
    expect(bad.json()).toEqual({
      type: 'https://sworn.dev/problems/500',
      title: 'Internal Server Error',
      status: 500,
      detail: 'the mock\'s 200 answer for listPets breaks the API contract (1 violation): fix the example (or the schema) in the spec, or run without --errors to serve it with a Sworn-Violations header',
      violations: BAD_BODY,
    });
    expect(JSON.parse(String(bad.headers['sl-violations']))).toEqual([{ location: ['response', 'body', '0', 'id'], severity: 'Error', code: 'type', message: 'the response body at /0/id must be integer' }]);
    // A valid example is served as it is, without a violations header; so is a declared answer with no body.
    const good = await call(`${m.url}/pets`, { headers: { prefer: 'example=good' } });
    expect([good.status, good.json(), good.headers['sworn-violations'], good.headers['sl-violations']]).toEqual([200, [{ id: 1, name: 'Rex' }], undefined, undefined]);
    expect((await call(`${m.url}/pets/1`, { headers: { prefer: 'code=204' } })).status).toBe(204);
  });

  it('without --errors, serves the answer with Sworn-Violations and Prism\'s sl-violations headers, every time (cached answers too)', async () => {
    const m = await mock(false);
    for (let i = 0; i < 2; i++) {
      const bad = await call(`${m.url}/pets`, { headers: { prefer: 'example=bad' } });
      expect([bad.status, bad.json()]).toEqual([200, [{ id: 'one', name: 'Tom' }]]);
      expect(JSON.parse(String(bad.headers['sworn-violations']))).toEqual([{ code: 'response-body-invalid', direction: 'response', location: 'body', pointer: '/0/id' }]);
      expect(JSON.parse(String(bad.headers['sl-violations']))).toEqual([{ location: ['response', 'body', '0', 'id'], severity: 'Error', code: 'type', message: 'the response body at /0/id must be integer' }]);
    }
    const pet = await call(`${m.url}/pets/1`);
    expect(pet.status).toBe(200);
    // Every error of the answer is named (the header's value and both of the body's), not only the first.
    expect(JSON.parse(String(pet.headers['sworn-violations'])).map((v: { code: string; pointer: string }) => `${v.code} ${v.pointer}`)).toEqual(['response-header-invalid x-rate-limit', 'response-body-invalid ', 'response-body-invalid /password']);
    const good = await call(`${m.url}/pets`, { headers: { prefer: 'example=good' } });
    expect([good.status, good.headers['sworn-violations']]).toEqual([200, undefined]);
  });
});
