import { describe, expect, it } from 'vitest';
import http from 'node:http';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { generateKeyPair, exportJWK, SignJWT } from 'jose';
import { call, proxyFor, settle, startUpstream, tempDir, type Upstream, closeAfterEach } from './harness.js';
import type { RunningProxy } from '../../src/proxy/index.js';
import { fixture } from '../helpers.js';

let upstream: Upstream | undefined;
let proxy: RunningProxy | undefined;
closeAfterEach();

describe('OpenAPI 3.0 dialect', () => {
  it.each([
    ['a valid body', { count: 1, note: null, when: '2026-11-22T08:00:00Z' }, []],
    ['nullable: true admits null', { count: 1, note: null }, []],
    ['exclusiveMinimum: true excludes the minimum', { count: 0 }, ['request-body-invalid']],
    ['null where nullable is not set', { count: null }, ['request-body-invalid']],
    ['a bad date-time', { count: 2, when: 'yesterday' }, ['request-body-invalid']],
  ])('%s', async (_name, body, expected) => {
    upstream = await startUpstream((_req, res) => res.writeHead(201).end());
    proxy = await proxyFor(upstream.url, { specFile: fixture('proxy/api-3.0.yaml'), mode: 'enforce' });
    const res = await call(`${proxy.url}/things`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(expected.length === 0 ? 201 : 400);
    if (expected.length > 0) expect((res.json().violations as Array<{ code: string }>).map((v) => v.code)).toEqual(expected);
    await proxy.close();
    proxy = undefined;
  });
});

describe('JWT verification with a JWKS URL', () => {
  it('fetches the key set over HTTP and identifies the consumer', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), alg: 'RS256', kid: 'r1', use: 'sig' }] });
    const keyServer = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
    keyServer.listen(0, '127.0.0.1');
    await once(keyServer, 'listening');
    try {
      const dir = tempDir();
      writeFileSync(join(dir, 'api.yaml'), `openapi: 3.1.0\ninfo:\n  title: t\n  version: "1"\n  x-slo:\n    consumers:\n      identify: [{jwt: {claim: sub, tierClaim: plan, jwks: "http://127.0.0.1:${(keyServer.address() as AddressInfo).port}/jwks.json", issuer: https://id.example}}]\n      tiers: {gold: {}}\npaths:\n  /me:\n    get: {responses: {"200": {description: ok}}}\n`);
      upstream = await startUpstream((_req, res) => res.end());
      proxy = await proxyFor(upstream.url, { specFile: join(dir, 'api.yaml') });
      const token = await new SignJWT({ plan: 'gold' }).setProtectedHeader({ alg: 'RS256', kid: 'r1' }).setIssuer('https://id.example').setSubject('remote-user').setExpirationTime('5m').sign(privateKey);
      const wrongIssuer = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'r1' }).setIssuer('https://evil.example').setSubject('eve').setExpirationTime('5m').sign(privateKey);
      await call(`${proxy.url}/me`, { headers: { authorization: `Bearer ${token}` } });
      await call(`${proxy.url}/me`, { headers: { authorization: `Bearer ${wrongIssuer}` } });
      await settle();
      expect(proxy.stats.report().consumers.map((c) => `${c.consumer}/${c.tier}`).sort()).toEqual(['anonymous/default', 'remote-user/gold']);
    } finally {
      keyServer.closeAllConnections();
      keyServer.close();
    }
  });
});

describe('readiness while draining', () => {
  it('answers /readyz 503 once SIGTERM-style shutdown has begun', async () => {
    upstream = await startUpstream((_req, res) => setTimeout(() => res.end('late'), 300));
    const p = await proxyFor(upstream.url);
    const pending = call(`${p.url}/api/items/1`);
    for (let i = 0; i < 100 && p.inFlight() === 0; i++) await new Promise((r) => setTimeout(r, 5));
    const closing = p.close();
    const ready = await call(`${p.adminUrl}/readyz`);
    expect([ready.status, ready.json().status]).toEqual([503, 'draining']);
    expect((await pending).text).toBe('late');
    await closing;
  });
});
