import { describe, expect, it } from 'vitest';
import { call, closeAfterEach, proxyFor, startUpstream } from './harness.js';
import { fixture } from '../helpers.js';

closeAfterEach();

const SPEC = fixture('checks/api.yaml');
const REALM = 'realm="Checks \\"API\\""';
const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;
const ok = () => startUpstream((req, res) => {
  if (req.method === 'DELETE') return void res.writeHead(204).end();
  if (req.url?.startsWith('/forms')) return void res.writeHead(204).end();
  res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' }).end(req.url?.startsWith('/things') ? '{"name":"a","size":1,"kind":"small"}' : '{"ok":true}');
});
type Entry = Record<string, unknown>;

describe('enforce mode: 401 with WWW-Authenticate', () => {
  it('names a challenge per lacking scheme; malformed credentials are refused; valid ones pass', async () => {
    const upstream = await ok();
    const proxy = await proxyFor(upstream.url, { specFile: SPEC, mode: 'enforce' });
    const anonymous = await call(`${proxy.url}/basic`);
    expect([anonymous.status, anonymous.headers['www-authenticate']]).toEqual([401, `Basic ${REALM}`]);
    expect((await call(`${proxy.url}/basic`, { headers: { authorization: 'Basic abc123' } })).status).toBe(401);
    expect((await call(`${proxy.url}/bearer`, { headers: { authorization: 'Bearer' } })).headers['www-authenticate']).toBe(`Bearer ${REALM}`);
    expect((await call(`${proxy.url}/key`)).headers['www-authenticate']).toBe(`ApiKey ${REALM}, in="header", name="x-api-key"`);
    const digest = await call(`${proxy.url}/digest`);
    expect(digest.status).toBe(401);
    expect(String(digest.headers['www-authenticate'])).toMatch(/^Digest realm="Checks \\"API\\"", qop="auth", nonce="[0-9a-f]{32}", algorithm=SHA-256$/);
    const either = String((await call(`${proxy.url}/either`)).headers['www-authenticate']);
    expect(either.split(/, (?=Basic|Bearer|Digest|ApiKey)/).map((c) => c.split(' ')[0])).toEqual(['Basic', 'Bearer', 'Digest', 'ApiKey']);
    expect(upstream.seen).toHaveLength(0);
    const passed = await call(`${proxy.url}/basic`, { headers: { authorization: basic('user:secret') } });
    expect([passed.status, passed.headers['www-authenticate']]).toEqual([200, undefined]);
    expect((await call(`${proxy.url}/digest`, { headers: { authorization: 'Digest username="u", realm="r", nonce="n", uri="/digest", response="x"' } })).status).toBe(200);
    expect(upstream.seen).toHaveLength(2);
  });

  it('observe mode records a missing credential and forwards, with no challenge of its own', async () => {
    const upstream = await ok();
    const proxy = await proxyFor(upstream.url, { specFile: SPEC, violationsHeader: true });
    const res = await call(`${proxy.url}/basic`, { headers: { authorization: 'Basic abc123' } });
    expect([res.status, res.headers['www-authenticate']]).toEqual([200, undefined]);
    expect(JSON.parse(String(res.headers['sworn-violations'])).map((v: Entry) => v.code)).toEqual(['request-security']);
  });
});

describe('a body sent to an operation without requestBody', () => {
  it('is reported in observe mode and refused 415 in enforce mode', async () => {
    const upstream = await ok();
    const observe = await proxyFor(upstream.url, { specFile: SPEC, violationsHeader: true });
    const seen = await call(`${observe.url}/ping`, { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(seen.status).toBe(204);
    expect(JSON.parse(String(seen.headers['sworn-violations']))).toEqual([{ code: 'request-body-unexpected', direction: 'request', location: 'body', pointer: '' }]);
    expect(upstream.seen).toHaveLength(1);
    const enforce = await proxyFor(upstream.url, { specFile: SPEC, mode: 'enforce' });
    const refused = await call(`${enforce.url}/ping`, { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(refused.status).toBe(415);
    expect((refused.json().violations as Entry[]).map((v) => v.code)).toEqual(['request-body-unexpected']);
    expect(upstream.seen).toHaveLength(1);
    expect((await call(`${enforce.url}/ping`, { method: 'DELETE' })).status).toBe(204);
  });
});

describe('enforce refusals name every violation', () => {
  it('a body with three errors: three entries in sworn\'s shape, the request not forwarded', async () => {
    const upstream = await ok();
    const proxy = await proxyFor(upstream.url, { specFile: SPEC, mode: 'enforce' });
    const res = await call(`${proxy.url}/things`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: '', size: -1, kind: 'medium' }) });
    expect(res.status).toBe(400);
    const problem = res.json() as { detail: string; violations: Entry[] };
    expect(problem.detail).toBe('the request breaks the API contract of createThing (3 violations)');
    expect(problem.violations.map((v) => [v.code, v.pointer, v.keyword])).toEqual([
      ['request-body-invalid', '/name', 'minLength'],
      ['request-body-invalid', '/size', 'minimum'],
      ['request-body-invalid', '/kind', 'enum'],
    ]);
    for (const v of problem.violations) expect(Object.keys(v).sort()).toEqual(['code', 'direction', 'keyword', 'location', 'message', 'pointer']);
    expect(upstream.seen).toHaveLength(0);
    const valid = await call(`${proxy.url}/things`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'a', size: 1, kind: 'small' }) });
    expect(valid.status).toBe(201);
  });

  it('forwards unencoded reserved characters in form fields (real servers accept them; only the mock refuses)', async () => {
    const upstream = await ok();
    const proxy = await proxyFor(upstream.url, { specFile: SPEC, mode: 'enforce' });
    const res = await call(`${proxy.url}/forms`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'strict=c/d' });
    expect(res.status).toBe(204);
    expect(upstream.seen.map((s) => s.body.toString())).toEqual(['strict=c/d']);
  });
});
