import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { call, proxyFor, settle, startUpstream, type Upstream } from './harness.js';
import type { RunningProxy } from '../../src/proxy/index.js';
import type { Violation } from '../../src/validate/index.js';

/** The upstream answers what the `x-respond` header asks for (default 200 with an empty body). */
let upstream: Upstream;
let proxy: RunningProxy & { logs: { lines: Array<Record<string, unknown>> } };

beforeAll(async () => {
  upstream = await startUpstream((req, res) => {
    const spec = JSON.parse(String(req.headers['x-respond'] ?? '{}')) as { status?: number; headers?: Record<string, string>; body?: unknown };
    res.writeHead(spec.status ?? 200, spec.headers ?? {});
    res.end(spec.body === undefined ? undefined : typeof spec.body === 'string' ? spec.body : JSON.stringify(spec.body));
  });
  proxy = await proxyFor(upstream.url, { violationLogsPerSecond: 100_000 });
});
afterAll(async () => {
  await proxy.close();
  await upstream.close();
});

const OK_LIST = { status: 200, headers: { 'content-type': 'application/json', 'x-total': '1' }, body: [{ id: 1, name: 'a' }] };

/** Sends one request and returns the violations the proxy reported for it (read from its NDJSON log). */
async function violationsOf(path: string, init: { method?: string; headers?: Record<string, string>; body?: string; respond?: unknown } = {}): Promise<Array<Pick<Violation, 'code' | 'direction' | 'location' | 'pointer'>>> {
  const requestId = `t-${Math.random().toString(36).slice(2)}`;
  const res = await call(`${proxy.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { 'x-request-id': requestId, 'x-respond': JSON.stringify(init.respond ?? { status: 200 }), ...init.headers },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  expect(res.status).toBe((init.respond as { status?: number } | undefined)?.status ?? 200); // observe mode never changes traffic
  await settle();
  return proxy.logs.lines
    .filter((l) => l.requestId === requestId)
    .map((l) => ({ code: l.code as Violation['code'], direction: l.direction as Violation['direction'], location: l.location as string, pointer: l.pointer as string }));
}

const codes = (vs: Array<{ code: string }>) => vs.map((v) => v.code).sort();

describe('request parameters, every style', () => {
  it.each([
    ['form, exploded array', '/api/items?tags=a&tags=b', []],
    ['form, exploded array, bad item', '/api/items?tags=a&tags=z', ['request-parameter-invalid']],
    ['form, not exploded', '/api/items?ids=1,2,3', []],
    ['form, not exploded, bad item', '/api/items?ids=1,x', ['request-parameter-invalid']],
    ['integer coercion', '/api/items?limit=50', []],
    ['integer above maximum', '/api/items?limit=51', ['request-parameter-invalid']],
    ['not an integer', '/api/items?limit=many', ['request-parameter-invalid']],
    ['spaceDelimited', '/api/items?words=ab%20cd', []],
    ['spaceDelimited, item too long', '/api/items?words=ab%20cdef', ['request-parameter-invalid']],
    ['pipeDelimited', '/api/items?pipes=1|2', []],
    ['pipeDelimited, bad item', '/api/items?pipes=1|b', ['request-parameter-invalid']],
    ['deepObject', '/api/items?filter[min]=1&filter[max]=9', []],
    ['deepObject, undeclared key', '/api/items?filter[avg]=1', ['request-parameter-invalid']],
  ])('%s', async (_name, path, expected) => {
    expect(codes(await violationsOf(path, { respond: OK_LIST }))).toEqual(expected);
  });

  it('header and cookie parameters', async () => {
    expect(codes(await violationsOf('/api/items', { headers: { 'x-trace': '0123abcd', cookie: 'theme=dark; other=1' }, respond: OK_LIST }))).toEqual([]);
    const bad = await violationsOf('/api/items', { headers: { 'x-trace': 'nope', cookie: 'theme=pink' }, respond: OK_LIST });
    expect(bad.map((v) => [v.code, v.location, v.pointer])).toEqual([['request-parameter-invalid', 'header', 'x-trace'], ['request-parameter-invalid', 'cookie', 'theme']]);
  });

  it('path parameters: simple, label and matrix styles', async () => {
    expect(codes(await violationsOf('/api/items/5'))).toEqual([]);
    expect(codes(await violationsOf('/api/items/0'))).toEqual(['request-parameter-invalid']);
    expect(codes(await violationsOf('/api/label/.3,4'))).toEqual([]);
    expect(codes(await violationsOf('/api/label/.3'))).toEqual(['request-parameter-invalid']);
    expect(codes(await violationsOf('/api/matrix/;x=1;y=2'))).toEqual([]);
    expect(codes(await violationsOf('/api/matrix/;x=1'))).toEqual(['request-parameter-invalid']);
  });
});

describe('request bodies, by media type', () => {
  const post = (contentType: string, body: string) => violationsOf('/api/items', { method: 'POST', headers: { 'content-type': contentType }, body, respond: { status: 201, headers: { 'content-type': 'application/json' }, body: { id: 1, name: 'x' } } });
  it.each([
    ['JSON', 'application/json', '{"name":"a"}', []],
    ['JSON with charset', 'application/json; charset=utf-8', '{"name":"a"}', []],
    ['JSON missing a required property', 'application/json', '{}', ['request-body-invalid']],
    ['JSON sending a readOnly property', 'application/json', '{"name":"a","id":3}', ['request-body-invalid']],
    ['JSON that does not parse', 'application/json', '{"name":', ['request-body-malformed']],
    ['+json vendor type', 'application/vnd.items+json', '{"name":"a"}', []],
    ['+json vendor type, invalid', 'application/vnd.items+json', '{"name":""}', ['request-body-invalid']],
    ['form-urlencoded with coercion', 'application/x-www-form-urlencoded', 'name=a&count=3', []],
    ['form-urlencoded, bad field', 'application/x-www-form-urlencoded', 'name=a&count=three', ['request-body-invalid']],
    ['text', 'text/plain', 'short', []],
    ['text too long', 'text/plain', 'much too long for ten', ['request-body-invalid']],
    ['undeclared media type', 'application/xml', '<a/>', ['request-content-type']],
  ])('%s', async (_name, contentType, body, expected) => {
    expect(codes(await post(contentType, body))).toEqual(expected);
  });

  it('multipart fields', async () => {
    const boundary = 'XyZ';
    const part = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const file = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\n\x00\x01\r\n`;
    expect(codes(await post(`multipart/form-data; boundary=${boundary}`, part('name', 'a') + file + `--${boundary}--\r\n`))).toEqual([]);
    expect(codes(await post(`multipart/form-data; boundary=${boundary}`, file + `--${boundary}--\r\n`))).toEqual(['request-body-invalid']);
  });

  it('a required body that is missing', async () => {
    expect(codes(await violationsOf('/api/items', { method: 'POST', respond: { status: 201, headers: { 'content-type': 'application/json' }, body: { id: 1, name: 'x' } } }))).toEqual(['request-body-missing']);
  });

  it('oneOf with a discriminator', async () => {
    const shape = (body: unknown) => violationsOf('/api/shapes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), respond: { status: 201 } });
    expect(codes(await shape({ kind: 'circle', radius: 2 }))).toEqual([]);
    expect(codes(await shape({ kind: 'circle', side: 2 }))).toEqual(['request-body-invalid']);
  });
});

describe('security requirements', () => {
  it.each([
    ['/api/secure/header', { 'x-api-key': 'k' }, []],
    ['/api/secure/header', {}, ['request-security']],
    ['/api/secure/query?api_key=k', {}, []],
    ['/api/secure/query', {}, ['request-security']],
    ['/api/secure/cookie', { cookie: 'session=s' }, []],
    ['/api/secure/cookie', {}, ['request-security']],
    ['/api/secure/either', { authorization: 'Bearer abc' }, []],
    ['/api/secure/either', { authorization: 'Basic YTpi' }, []],
    ['/api/secure/either', { authorization: 'Digest x' }, ['request-security']],
    ['/api/secure/optional', {}, []],
  ])('%s %j', async (path, headers, expected) => {
    expect(codes(await violationsOf(path, { headers: headers as Record<string, string> }))).toEqual(expected);
  });
});

describe('responses', () => {
  it.each([
    ['conforming', OK_LIST, []],
    ['undeclared status (no 5XX, no default)', { status: 503 }, ['response-status-undeclared']],
    ['4XX range is declared', { status: 404, headers: { 'content-type': 'application/problem+json' }, body: { title: 'x' } }, []],
    ['missing required header', { status: 200, headers: { 'content-type': 'application/json' }, body: [] }, ['response-header-missing']],
    ['invalid header', { status: 200, headers: { 'content-type': 'application/json', 'x-total': '-1' }, body: [] }, ['response-header-invalid']],
    ['undeclared media type', { status: 200, headers: { 'content-type': 'text/html', 'x-total': '1' }, body: '<p>' }, ['response-content-type']],
    ['body breaks schema', { status: 200, headers: { 'content-type': 'application/json', 'x-total': '1' }, body: [{ id: 'one', name: 'a' }] }, ['response-body-invalid']],
    ['writeOnly property in a response', { status: 200, headers: { 'content-type': 'application/json', 'x-total': '1' }, body: [{ id: 1, name: 'a', secret: 's' }] }, ['response-body-invalid']],
    ['body does not parse', { status: 200, headers: { 'content-type': 'application/json', 'x-total': '1' }, body: '[{' }, ['response-body-malformed']],
  ])('%s', async (_name, respond, expected) => {
    const vs = await violationsOf('/api/items', { respond });
    expect(codes(vs)).toEqual(expected);
    for (const v of vs) expect(v.direction).toBe('response');
  });

  it('says which side broke the contract, and never echoes secret values', async () => {
    await violationsOf('/api/items?limit=500', { headers: { 'x-api-key': 'SUPERSECRET' }, respond: { status: 200, headers: { 'content-type': 'application/json', 'x-total': '1' }, body: [{ id: 'x', name: 'a' }] } });
    const lines = proxy.logs.lines.filter((l) => String(l.msg).includes('limit') || String(l.msg).includes('response body'));
    expect(lines.some((l) => String(l.msg).startsWith('consumer broke the contract: query parameter `limit`'))).toBe(true);
    expect(lines.some((l) => String(l.msg).startsWith('provider broke the contract: the response body'))).toBe(true);
    expect(JSON.stringify(proxy.logs.lines)).not.toContain('SUPERSECRET');
  });
});

describe('violation logs', () => {
  it('are rate-limited, with the suppressed ones counted in one line', async () => {
    const limited = await proxyFor(upstream.url, { violationLogsPerSecond: 3 });
    try {
      for (let i = 0; i < 10; i++) await call(`${limited.url}/api/items?limit=0`, { headers: { 'x-respond': JSON.stringify(OK_LIST) } });
      await settle();
      const warnings = limited.logs.lines.filter((l) => l.code === 'request-parameter-invalid');
      expect(warnings.length).toBe(3);
      // Every violation is still counted, logged or not.
      expect(limited.stats.report().operations.find((o) => o.operationId === 'listItems')!.violations.request).toBe(10);
      await new Promise((r) => setTimeout(r, 1_050));
      await call(`${limited.url}/api/items?limit=0`, { headers: { 'x-respond': JSON.stringify(OK_LIST) } });
      await settle();
      expect(limited.logs.lines.find((l) => l.suppressed !== undefined)).toMatchObject({ suppressed: 7 });
    } finally {
      await limited.close();
    }
  });
});

describe('compressed bodies', () => {
  it('checks gzip, deflate and br bodies decoded, passes the bytes as sent, and reports unknown encodings as not validated', async () => {
    const { gzipSync, deflateSync, brotliCompressSync } = await import('node:zlib');
    const json = Buffer.from(JSON.stringify([{ id: 1, name: 'a' }]));
    const bad = Buffer.from(JSON.stringify([{ id: 'x', name: 'a' }]));
    const cases: Array<[string, Buffer, string[]]> = [
      ['gzip', gzipSync(json), []],
      ['deflate', deflateSync(json), []],
      ['br', brotliCompressSync(json), []],
      ['gzip', gzipSync(bad), ['response-body-invalid']],
      ['zstd', json, ['not-validated']],
    ];
    for (const [encoding, body, expected] of cases) {
      const compressedUpstream = await startUpstream((_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding, 'x-total': '1' }).end(body));
      const p = await proxyFor(compressedUpstream.url, { violationLogsPerSecond: 100_000 });
      const requestId = `gz-${encoding}-${expected.join()}`;
      const res = await request(`${p.url}/api/items`, { headers: { 'x-request-id': requestId, 'accept-encoding': encoding } });
      const received = Buffer.from(await res.body.arrayBuffer());
      expect(received.equals(body), encoding).toBe(true); // forwarded as sent, still encoded
      await settle();
      expect(p.logs.lines.filter((l) => l.requestId === requestId).map((l) => l.code), `${encoding} ${expected}`).toEqual(expected);
      await p.close();
      await compressedUpstream.close();
    }
  });
});
