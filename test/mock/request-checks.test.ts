import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadSpec, type Spec } from '../../src/spec/index.js';
import { startMock, type MockExchange, type RunningMock } from '../../src/mock/mock.js';
import { call } from '../proxy/harness.js';
import { fixture } from '../helpers.js';

const open: RunningMock[] = [];
afterEach(async () => {
  for (const m of open.splice(0)) await m.close();
});

let spec: Spec;
beforeAll(async () => {
  spec = await loadSpec(fixture('checks/api.yaml'));
});

async function mock(onExchange?: (record: MockExchange) => void): Promise<RunningMock> {
  const m = await startMock({ spec, port: 0, ...(onExchange ? { onExchange } : {}) });
  open.push(m);
  return m;
}

const REALM = 'realm="Checks \\"API\\""';
const DIGEST = /^Digest realm="Checks \\"API\\"", qop="auth", nonce="([0-9a-f]{32})", algorithm=SHA-256$/;
const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;
const KEYS = ['code', 'direction', 'keyword', 'location', 'message', 'pointer'];

type Entry = Record<string, unknown>;
const entries = (res: { json(): Record<string, unknown> }) => res.json().violations as Entry[];

describe('401 names its challenges (WWW-Authenticate, RFC 9110 §11.6.1)', () => {
  it('one per declared scheme: Basic, Bearer (HTTP, OAuth 2), Digest with a fresh nonce, API key', async () => {
    const m = await mock();
    const basicOnly = await call(`${m.url}/basic`);
    expect([basicOnly.status, basicOnly.headers['www-authenticate']]).toEqual([401, `Basic ${REALM}`]);
    expect(basicOnly.json()).toMatchObject({ title: 'Unauthorized', violations: [{ code: 'request-security', location: 'security' }] });
    expect((await call(`${m.url}/bearer`)).headers['www-authenticate']).toBe(`Bearer ${REALM}`);
    expect((await call(`${m.url}/oauth`)).headers['www-authenticate']).toBe(`Bearer ${REALM}`);
    expect((await call(`${m.url}/key`)).headers['www-authenticate']).toBe(`ApiKey ${REALM}, in="header", name="x-api-key"`);
    const first = DIGEST.exec(String((await call(`${m.url}/digest`)).headers['www-authenticate']));
    const second = DIGEST.exec(String((await call(`${m.url}/digest`)).headers['www-authenticate']));
    expect(first).not.toBeNull();
    expect(second).not.toBeNull();
    expect(first![1]).not.toBe(second![1]);
  });

  it('one per alternative, comma-joined in the declared order; only what is lacking', async () => {
    const m = await mock();
    const either = String((await call(`${m.url}/either`)).headers['www-authenticate']);
    expect(either.startsWith(`Basic ${REALM}, Bearer ${REALM}, Digest ${REALM}, qop="auth", nonce="`)).toBe(true);
    expect(either.endsWith(`", algorithm=SHA-256, ApiKey ${REALM}, in="header", name="x-api-key"`)).toBe(true);
    // {queryKey AND basic}: the key is there, Basic is what is lacking.
    const both = await call(`${m.url}/both?api_key=k`);
    expect([both.status, both.headers['www-authenticate']]).toEqual([401, `Basic ${REALM}`]);
    expect((await call(`${m.url}/both`)).headers['www-authenticate']).toBe(`ApiKey ${REALM}, in="query", name="api_key", Basic ${REALM}`);
    expect((await call(`${m.url}/both?api_key=k`, { headers: { authorization: basic('u:p') } })).status).toBe(200);
    // Credentials met: no challenge on the answer.
    const ok = await call(`${m.url}/either`, { headers: { 'x-api-key': 'k' } });
    expect([ok.status, ok.headers['www-authenticate']]).toEqual([200, undefined]);
  });

  it('401 before 422, as Prism: a request lacking credentials is not judged further first', async () => {
    const m = await mock();
    const res = await call(`${m.url}/guarded?n=abc`);
    expect([res.status, res.headers['www-authenticate']]).toEqual([401, `ApiKey ${REALM}, in="header", name="x-api-key"`]);
    expect(entries(res).map((v) => v.code)).toEqual(['request-parameter-invalid', 'request-security']);
    expect((await call(`${m.url}/guarded?n=abc`, { headers: { 'x-api-key': 'k' } })).status).toBe(422);
  });
});

describe('credential formats', () => {
  it.each([
    ['/basic', basic('user:secret'), 200],
    ['/basic', basic('user:pa:ss'), 200],
    ['/basic', 'basic ' + Buffer.from('u:p').toString('base64'), 200],
    ['/basic', 'Basic abc123', 401],
    ['/basic', basic('no-colon'), 401],
    ['/basic', 'Basic', 401],
    ['/basic', 'Bearer abc', 401],
    ['/bearer', 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig-_~+/=', 200],
    ['/bearer', 'Bearer', 401],
    ['/bearer', 'Bearer two words', 401],
    ['/bearer', basic('u:p'), 401],
    ['/digest', 'Digest username="u", realm="Checks", nonce="abc", uri="/digest", response="6629fae49393a05397450978507c4ef1", qop=auth, nc=00000001, cnonce="x"', 200],
    ['/digest', 'digest username="u",realm="r",nonce="n",uri="/digest",response="r"', 200],
    ['/digest', 'Digest username="u", realm="r", nonce="n", response="r"', 401],
    ['/digest', 'Digest username="", realm="", nonce="", uri="", response=""', 200], // Prism's AC-23: present, empty

    ['/digest', 'Digest username="u" realm="r" nonce="n" uri="/digest" response="r"', 401],
    ['/digest', 'Digest x', 401],
    ['/digest', basic('u:p'), 401],
  ])('%s with %s: %i', async (path, authorization, status) => {
    const m = await mock();
    const res = await call(`${m.url}${path}`, { headers: { authorization } });
    expect(res.status).toBe(status);
    expect(res.headers['www-authenticate'] !== undefined).toBe(status === 401);
  });

  it('an empty API key is no API key (as Prism)', async () => {
    const m = await mock();
    expect((await call(`${m.url}/key`, { headers: { 'x-api-key': '' } })).status).toBe(401);
    expect((await call(`${m.url}/both?api_key=`, { headers: { authorization: basic('u:p') } })).status).toBe(401);
  });
});

describe('415 for a body the operation does not take', () => {
  it('a body sent to an operation without requestBody: request-body-unexpected', async () => {
    const m = await mock();
    const res = await call(`${m.url}/ping`, { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(res.status).toBe(415);
    expect(res.json()).toMatchObject({ title: 'Unsupported Media Type', status: 415 });
    expect(entries(res)).toEqual([{ code: 'request-body-unexpected', direction: 'request', location: 'body', pointer: '', keyword: null, message: 'the request has a body (application/json), but the operation declares no requestBody' }]);
    expect((await call(`${m.url}/ping`, { method: 'DELETE' })).status).toBe(204);
    expect((await call(`${m.url}/ping`, { method: 'DELETE', headers: { 'content-length': '0' } })).status).toBe(204);
  });

  it('a media type the operation does not declare: 415 too (as Prism)', async () => {
    const m = await mock();
    const res = await call(`${m.url}/things`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect(res.status).toBe(415);
    expect(entries(res).map((v) => v.code)).toEqual(['request-content-type']);
  });
});

describe('422 names every violation, in one shape', () => {
  it('a body with three errors and a bad query parameter: four entries, the same keys each', async () => {
    const seen: MockExchange[] = [];
    const m = await mock((record) => seen.push(record));
    const res = await call(`${m.url}/things?limit=abc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: '', size: -1, kind: 'medium' }) });
    expect(res.status).toBe(422);
    expect(res.json().detail).toBe('the request breaks the API contract of createThing (4 violations)');
    const list = entries(res);
    expect(list.map((v) => [v.code, v.location, v.pointer, v.keyword])).toEqual([
      ['request-parameter-invalid', 'query', 'limit', 'type'],
      ['request-body-invalid', 'body', '/name', 'minLength'],
      ['request-body-invalid', 'body', '/size', 'minimum'],
      ['request-body-invalid', 'body', '/kind', 'enum'],
    ]);
    for (const v of list) expect(Object.keys(v).sort()).toEqual(KEYS);
    const missing = await call(`${m.url}/things`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(entries(missing).map((v) => v.message)).toEqual([
      'the request body is missing required property `name`',
      'the request body is missing required property `size`',
      'the request body is missing required property `kind`',
    ]);
    // The request log names what the 422 named.
    expect(seen.find((r) => r.status === 422)!.violations).toHaveLength(4);
    // A valid request after the thorough path: still answered.
    expect((await call(`${m.url}/things`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'a', size: 1, kind: 'small' }) })).status).toBe(201);
  });

  it('a missing path parameter (a request prism-http routes, ours does not) in the same shape, named by its operation', async () => {
    const m = await mock();
    const res = await call(`${m.url}/things/`);
    expect(res.status).toBe(422);
    expect(res.json().detail).toBe('the request breaks the API contract of getThing (1 violation)');
    expect(entries(res)).toEqual([{ code: 'request-parameter-missing', direction: 'request', location: 'path', pointer: 'id', keyword: 'required', message: 'the request lacks required path parameter `id`' }]);
    const invalid = await call(`${m.url}/things/0`);
    expect(Object.keys(entries(invalid)[0]!).sort()).toEqual(KEYS);
  });
});

describe('encoding.allowReserved of form fields', () => {
  const post = (m: RunningMock, body: string) => call(`${m.url}/forms`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

  it('a field whose encoding does not allow reserved characters must percent-encode them; others may not', async () => {
    const m = await mock();
    const res = await post(m, 'open=a/b?c&strict=c/d&unlisted=e@f');
    expect(res.status).toBe(422);
    expect(entries(res)).toEqual([{ code: 'request-body-invalid', direction: 'request', location: 'body', pointer: '/strict', keyword: 'allowReserved', message: "the request body's field `strict` has unencoded reserved characters; percent-encode them (its encoding does not set allowReserved: true)" }]);
    expect((await post(m, 'strict=c%2Fd&open=a/b')).status).toBe(204);
    expect((await post(m, 'strict=two+words')).status).toBe(204); // `+` is a space in a form
    expect((await post(m, 'strict=12:30')).status).toBe(204); // `:` passes, as in Prism
    expect((await post(m, 'strict=a[0]')).status).toBe(422);
  });
});
