import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { request } from 'undici';
import { call, proxyFor, settle, startUpstream, tempDir, type Upstream, closeAfterEach } from './harness.js';
import type { RunningProxy } from '../../src/proxy/index.js';
import { Store } from '../../src/store/index.js';

let upstream: Upstream | undefined;
let proxy: RunningProxy | undefined;
closeAfterEach();

describe('the store', () => {
  it('keeps counts across a restart, and redacted samples of each violation', async () => {
    upstream = await startUpstream((_req, res) => res.writeHead(201, { 'content-type': 'application/json', 'set-cookie': 'sid=abc' }).end('{"id":1,"name":"a","secret":"leak"}'));
    const file = join(tempDir(), 'sworn.db');
    proxy = await proxyFor(upstream.url, { store: file });
    const body = JSON.stringify({ name: '', password: 'hunter2' });
    for (let i = 0; i < 3; i++) await call(`${proxy.url}/api/items?api_key=qk`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer tok123', cookie: 'session=s1', 'x-api-key': 'key-gold' }, body });
    await settle();
    await proxy.close();

    proxy = await proxyFor(upstream.url, { store: file });
    await call(`${proxy.url}/api/items`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'key-gold' }, body });
    await settle();
    const report = proxy.stats.report();
    const create = report.operations.find((o) => o.operationId === 'createItem')!;
    expect(create.requests).toBe(4);
    expect(create.violations).toEqual({ request: 4, response: 4, byCode: { 'request-body-invalid': 4, 'response-body-invalid': 4 } });
    expect(report.consumers).toEqual([expect.objectContaining({ consumer: 'acme', tier: 'gold', requests: 4 })]);
    await proxy.close();
    proxy = undefined;

    const store = new Store(file);
    const samples = store.samples({ operation: 'createItem' });
    store.close();
    expect(samples.length).toBe(8);
    const text = JSON.stringify(samples);
    for (const secret of ['hunter2', 'tok123', 's1', 'key-gold', 'qk', 'sid=abc', 'leak']) expect(text, secret).not.toContain(secret);
    expect(text).toContain('[REDACTED]');
    expect(samples[0]).toMatchObject({ operation: 'createItem', consumer: 'acme' });
  });
});

describe('the admin server', () => {
  it('serves /healthz, /readyz, /metrics and /report, behind a bearer token', async () => {
    upstream = await startUpstream((_req, res) => res.end());
    proxy = await proxyFor(upstream.url, { adminToken: 't0ken' });
    await call(`${proxy.url}/api/items/mine`, { headers: { 'x-consumer-id': 'shop' } });
    await call(`${proxy.url}/api/nowhere`);
    await settle();
    const admin = proxy.adminUrl!;
    expect((await call(`${admin}/healthz`)).status).toBe(200);
    expect((await call(`${admin}/report`)).status).toBe(401);
    const auth = { authorization: 'Bearer t0ken' };
    expect((await call(`${admin}/readyz`, { headers: auth })).json()).toMatchObject({ status: 'ready', store: { state: 'ok', errors: 0, pending: expect.any(Number) } });
    const metrics = await call(`${admin}/metrics`, { headers: auth });
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.text).toContain('sworn_requests_total{service="api",operation="myItems",status_class="2xx"} 1');
    expect(metrics.text).toContain('sworn_violations_total{service="api",operation="(unknown)",direction="request",code="unknown-route"} 1');
    expect(metrics.text).toContain('sworn_consumer_violations_total{service="api",consumer="127.0.0.1",direction="request",code="unknown-route"} 1');
    expect(metrics.text).toContain('sworn_consumer_events_total{service="api",consumer="shop",tier="free",outcome="good"} 1');
    expect(metrics.text).toMatch(/sworn_request_duration_seconds_bucket\{le="\+Inf",service="api",operation="myItems"\} 1/);
    const report = (await call(`${admin}/report`, { headers: auth })).json() as Record<string, unknown>;
    expect(Object.keys(report)).toEqual(['spec', 'since', 'until', 'window', 'operations', 'consumers', 'unknownRoutes', 'refused', 'summary']);
    expect(report.spec).toEqual({ title: 'Proxy test API', version: '1.0.0' });
    expect(report.unknownRoutes).toEqual([{ method: 'GET', path: '/api/nowhere', count: 1 }]);
  });

  it('listens on loopback by default', async () => {
    upstream = await startUpstream((_req, res) => res.end());
    proxy = await proxyFor(upstream.url);
    expect(new URL(proxy.adminUrl!).hostname).toBe('127.0.0.1');
    const res = await request(`${proxy.adminUrl}/nope`);
    expect(res.statusCode).toBe(404);
    await res.body.dump();
  });
});

describe('usage records', () => {
  it('keep which operations, parameters and statuses each consumer exercised', async () => {
    upstream = await startUpstream((req, res) => res.writeHead(req.url?.includes('/2') ? 404 : 200).end());
    const file = join(tempDir(), 'sworn.db');
    proxy = await proxyFor(upstream.url, { store: file });
    await call(`${proxy.url}/api/items/1`, { headers: { 'x-consumer-id': 'shop' } });
    await call(`${proxy.url}/api/items/2`, { headers: { 'x-consumer-id': 'shop' } });
    await call(`${proxy.url}/api/items/1`, { headers: { 'x-consumer-id': 'shop' } });
    await call(`${proxy.url}/api/items?limit=3`, { headers: { 'x-consumer-id': 'app' } });
    await settle();
    await proxy.close();
    proxy = undefined;
    const store = new Store(file);
    const usage = store.usage().map((u) => `${u.consumer} ${u.operation} ${u.kind} ${u.name} ${u.count}`).sort();
    store.close();
    expect(usage).toEqual(['app listItems parameter query:limit 1', 'app listItems status 200 1', 'shop getItem status 200 2', 'shop getItem status 404 1']);
  });
});

describe('unknown routes', () => {
  it('keep at most 1,000 distinct paths, the rest under "(other paths)", in the report and the store', async () => {
    upstream = await startUpstream((_req, res) => res.writeHead(404).end());
    const file = join(tempDir(), 'sworn.db');
    proxy = await proxyFor(upstream.url, { store: file, violationLogsPerSecond: 0 });
    for (let i = 0; i < 1_010; i++) await call(`${proxy.url}/scan/${i}`);
    await settle();
    const report = proxy.stats.report();
    expect(report.unknownRoutes).toHaveLength(1_001);
    expect(report.unknownRoutes[0]).toEqual({ method: 'GET', path: '(other paths)', count: 10 });
    await proxy.close();
    proxy = undefined;
    const store = new Store(file);
    const stored = store.load().unknownRoutes;
    store.close();
    expect(stored).toHaveLength(1_001);
    expect(stored.find((u) => u.path === '(other paths)')?.count).toBe(10);
  });
});
