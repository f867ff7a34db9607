import { describe, expect, it } from 'vitest';
import { copyFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { once } from 'node:events';
import { join } from 'node:path';
import { generateKeyPair, exportJWK, SignJWT } from 'jose';
import { call, proxyFor, settle, startUpstream, tempDir, type Upstream, closeAfterEach } from './harness.js';
import type { RunningProxy } from '../../src/proxy/index.js';
import { SwornError } from '../../src/errors.js';
import { fixture } from '../helpers.js';

let upstream: Upstream | undefined;
let proxy: RunningProxy | undefined;
closeAfterEach();

const listing = (items: unknown) => (_req: unknown, res: import('node:http').ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json', 'x-total': '1' });
  res.end(JSON.stringify(items));
};

describe('observe and enforce', () => {
  it('observe never changes traffic: an invalid request is forwarded, an invalid response passes unmarked', async () => {
    upstream = await startUpstream(listing([{ id: 'bad' }]));
    proxy = await proxyFor(upstream.url);
    const res = await call(`${proxy.url}/api/items?limit=0`);
    expect(res.status).toBe(200);
    expect(res.headers['sworn-violations']).toBeUndefined();
    expect(res.text).toBe('[{"id":"bad"}]');
    expect(upstream.seen).toHaveLength(1);
  });

  it('observe with --violations-header marks both sides in Sworn-Violations', async () => {
    upstream = await startUpstream(listing([{ id: 'bad' }]));
    proxy = await proxyFor(upstream.url, { violationsHeader: true });
    const res = await call(`${proxy.url}/api/items?limit=0`);
    expect(res.status).toBe(200);
    const header = JSON.parse(String(res.headers['sworn-violations'])) as Array<{ code: string; direction: string }>;
    expect(header.map((v) => `${v.direction}:${v.code}`)).toEqual(['request:request-parameter-invalid', 'response:response-body-invalid']);
  });

  it('enforce answers an invalid request with 400 problem+json listing the violations, without forwarding', async () => {
    upstream = await startUpstream(listing([]));
    proxy = await proxyFor(upstream.url, { mode: 'enforce' });
    const res = await call(`${proxy.url}/api/items?limit=0`, { headers: { 'x-api-key': 'secret-value' } });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json');
    const problem = res.json() as { violations: Array<{ code: string; location: string; pointer: string }>; operationId: string };
    expect(problem.operationId).toBe('listItems');
    expect(problem.violations).toEqual([expect.objectContaining({ code: 'request-parameter-invalid', location: 'query', pointer: 'limit' })]);
    expect(res.text).not.toContain('secret-value');
    expect(upstream.seen).toHaveLength(0);
  });

  it('enforce answers missing credentials with 401', async () => {
    upstream = await startUpstream((_req, res) => res.end());
    proxy = await proxyFor(upstream.url, { mode: 'enforce' });
    expect((await call(`${proxy.url}/api/secure/header`)).status).toBe(401);
    expect((await call(`${proxy.url}/api/secure/header`, { headers: { 'x-api-key': 'k' } })).status).toBe(200);
    expect(upstream.seen).toHaveLength(1);
  });

  it('enforce forwards a valid request body it buffered, byte for byte', async () => {
    upstream = await startUpstream((_req, res, body) => res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 1, ...JSON.parse(body.toString()) })));
    proxy = await proxyFor(upstream.url, { mode: 'enforce' });
    const res = await call(`${proxy.url}/api/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"a"}' });
    expect(res.status).toBe(201);
    expect(upstream.seen[0]!.body.toString()).toBe('{"name":"a"}');
  });

  it('enforce passes an invalid response with Sworn-Violations, or replaces it with 502 under --enforce-responses', async () => {
    upstream = await startUpstream(listing([{ id: 'bad' }]));
    proxy = await proxyFor(upstream.url, { mode: 'enforce' });
    const marked = await call(`${proxy.url}/api/items`);
    expect(marked.status).toBe(200);
    expect(JSON.parse(String(marked.headers['sworn-violations']))[0]).toMatchObject({ code: 'response-body-invalid', direction: 'response', pointer: '/0' });
    await proxy.close();
    proxy = await proxyFor(upstream.url, { mode: 'enforce', enforceResponses: true });
    const replaced = await call(`${proxy.url}/api/items`);
    expect(replaced.status).toBe(502);
    expect(replaced.json()).toMatchObject({ title: 'Bad Gateway', operationId: 'listItems' });
  });

  it('caps the Sworn-Violations header', async () => {
    upstream = await startUpstream(listing([]));
    proxy = await proxyFor(upstream.url, { violationsHeader: true });
    const query = Array.from({ length: 40 }, (_v, i) => `filter[k${i}]=1`).join('&');
    const res = await call(`${proxy.url}/api/items?${query}&limit=0&ids=x&pipes=y&words=toolong`);
    expect(Buffer.byteLength(String(res.headers['sworn-violations']))).toBeLessThanOrEqual(2048);
  });
});

describe('consumers', () => {
  async function consumersAfter(requests: Array<Record<string, string>>, options: Parameters<typeof proxyFor>[1] = {}) {
    upstream = await startUpstream((_req, res) => res.end());
    proxy = await proxyFor(upstream.url, options);
    for (const headers of requests) await call(`${proxy.url}/api/items/mine`, { headers });
    await settle();
    return proxy.stats.report().consumers.map((c) => `${c.consumer}/${c.tier}/${c.requests}`).sort();
  }

  it('from a header, an API-key map (with tiers), and the client address', async () => {
    expect(await consumersAfter([{ 'x-consumer-id': 'mobile' }, { 'x-api-key': 'key-gold' }, { 'x-api-key': 'unknown' }])).toEqual(['127.0.0.1/free/1', 'acme/gold/1', 'mobile/free/1']);
    await proxy!.close();
    proxy = undefined;
    expect(await consumersAfter([{ 'x-api-key': 'key-plain' }])).toEqual(['hobbyist/free/1']); // a plain map entry: the default tier
  });

  it('beyond maxTracked, new consumers are "other"', async () => {
    expect(await consumersAfter(['a', 'b', 'c', 'd', 'e', 'a'].map((id) => ({ 'x-consumer-id': id })))).toEqual(['a/free/2', 'b/free/1', 'c/free/1', 'other/free/2']);
  });

  it('from a verified JWT claim, with the tier from another claim; forged tokens do not count', async () => {
    const dir = tempDir();
    for (const f of ['api.yaml', 'keys.yaml']) copyFileSync(fixture(`proxy/${f}`), join(dir, f));
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), alg: 'ES256', kid: 'k1' }] }));
    const token = await new SignJWT({ plan: 'gold' }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setSubject('jwt-user').setExpirationTime('1h').sign(privateKey);
    const other = await generateKeyPair('ES256');
    const forged = await new SignJWT({ plan: 'gold' }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setSubject('mallory').setExpirationTime('1h').sign(other.privateKey);
    expect(await consumersAfter([{ authorization: `Bearer ${token}` }, { authorization: `Bearer ${token}` }, { authorization: `Bearer ${forged}` }], { specFile: join(dir, 'api.yaml') })).toEqual(['127.0.0.1/free/1', 'jwt-user/gold/2']);
  });

  it('reads unverified JWT claims only behind an explicit flag', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'api.yaml'), 'openapi: 3.1.0\ninfo:\n  title: t\n  version: "1"\n  x-slo:\n    consumers:\n      identify: [{jwt: {claim: sub}}]\npaths:\n  /api/items/mine:\n    get: {responses: {"200": {description: ok}}}\n');
    upstream = await startUpstream((_req, res) => res.end());
    const error = await proxyFor(upstream.url, { specFile: join(dir, 'api.yaml') }).catch((e: unknown) => e);
    expect((error as SwornError).code).toBe('SWORN_ERR_CONSUMERS');
    expect((error as SwornError).hint).toContain('--jwt-unverified');
    const { privateKey } = await generateKeyPair('ES256');
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).setSubject('dev-user').sign(privateKey);
    expect(await consumersAfter([{ authorization: `Bearer ${token}` }], { specFile: join(dir, 'api.yaml'), jwtUnverified: true })).toEqual(['dev-user/default/1']);
  });
});

describe('request bodies of unknown length (chunked)', () => {
  async function postChunked(url: string, parts: string[]): Promise<{ status: number; text: string }> {
    const { port } = new URL(url);
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/api/items', headers: { 'content-type': 'application/json' } });
    for (const part of parts) req.write(part);
    req.end();
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    let text = '';
    for await (const chunk of res) text += chunk;
    return { status: res.statusCode ?? 0, text };
  }

  it('observe: reads them up to --max-body, forwards them unchanged and still checks them', async () => {
    upstream = await startUpstream((_req, res, body) => res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 1, ...JSON.parse(body.toString()) })));
    proxy = await proxyFor(upstream.url);
    const res = await postChunked(proxy.url, ['{"na', 'me":""', '}']);
    expect(res.status).toBe(201);
    expect(upstream.seen[0]!.headers['content-length']).toBe('11');
    expect(upstream.seen[0]!.body.toString()).toBe('{"name":""}');
    await settle();
    expect(proxy.stats.report().operations.find((o) => o.operationId === 'createItem')!.violations.byCode).toMatchObject({ 'request-body-invalid': 1 });
  });

  it('enforce: reads them up to --max-body, then forwards or rejects', async () => {
    upstream = await startUpstream((_req, res, body) => res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 1, ...JSON.parse(body.toString()) })));
    proxy = await proxyFor(upstream.url, { mode: 'enforce', maxBody: 64 });
    expect((await postChunked(proxy.url, ['{"name":', '"ok"}'])).status).toBe(201);
    expect((await postChunked(proxy.url, ['{"name":', '""}'])).status).toBe(400);
    const long = JSON.stringify({ name: 'x'.repeat(200) });
    const over = await postChunked(proxy.url, [long.slice(0, 50), long.slice(50, 120), long.slice(120)]);
    expect(over.status).toBe(201); // over the limit: forwarded unchecked
    expect(upstream.seen.map((s) => s.body.toString())).toEqual(['{"name":"ok"}', long]);
  });
});
