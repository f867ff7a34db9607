import { describe, expect, it } from 'vitest';
import { cpSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { join } from 'node:path';
import { call, closeAfterEach, proxyFor, settle, startUpstream, tempDir } from './harness.js';
import { fixture } from '../helpers.js';

closeAfterEach();

const token = 'pr0be-t0ken';
const auth = { authorization: `Bearer ${token}` };

describe('the probes with an admin token set', () => {
  it('answers /healthz and /readyz without the token, while /report, /metrics, /tallies and /faults still answer 401', async () => {
    const upstream = await startUpstream((_req, res) => res.end());
    const store = join(tempDir(), 'sworn.db');
    const proxy = await proxyFor(upstream.url, { adminToken: token, store });
    await call(`${proxy.url}/api/items/mine`);
    await settle();
    const admin = proxy.adminUrl!;

    expect((await call(`${admin}/healthz`)).status).toBe(200);
    const ready = await call(`${admin}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', store: { state: 'ok', errors: 0 }, reload: { succeeded: 0, failed: 0 } });
    // Without the token: states and counts, not the store's file path.
    expect(ready.text).not.toContain(store);
    expect(ready.json().store).not.toHaveProperty('path');

    for (const path of ['/report', '/metrics', '/tallies', '/faults']) {
      const denied = await call(`${admin}${path}`);
      expect(denied.status, path).toBe(401);
      expect(denied.headers['www-authenticate'], path).toContain('Bearer');
    }
    const post = await call(`${admin}/faults`, { method: 'POST', body: JSON.stringify({ kind: 'latency', add: '1s' }) });
    expect(post.status).toBe(401);
    expect((await call(`${admin}/faults`, { headers: auth })).json()).toEqual({ faults: [] });

    // With the token, the whole body.
    const full = await call(`${admin}/readyz`, { headers: auth });
    expect(full.json()).toMatchObject({ status: 'ready', store: { state: 'ok', path: store } });
    // A wrong token is treated as none: the probe still answers, without the free text.
    const wrong = await call(`${admin}/readyz`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(200);
    expect(wrong.text).not.toContain(store);
  });

  it('leaves out the cause of a failing store and the error of a failed reload, which name files, but keeps their states and counts', async () => {
    const upstream = await startUpstream((_req, res) => res.end());
    const dir = tempDir();
    const blocker = join(dir, 'secret-dir-name');
    writeFileSync(blocker, 'a file where the store directory should be');
    const store = join(blocker, 'sworn.db');
    // The spec with the files it names (key maps), copied so that it can be broken.
    cpSync(dirname(fixture('proxy/api.yaml')), join(dir, 'spec'), { recursive: true });
    const specFile = join(dir, 'spec', 'api.yaml');
    const proxy = await proxyFor(upstream.url, { adminToken: token, store, specFile });
    writeFileSync(specFile, 'openapi: 3.0.3\ninfo: [not, a, mapping\n');
    await proxy.reload();
    const admin = proxy.adminUrl!;

    const full = (await call(`${admin}/readyz`, { headers: auth })).json() as { store: { cause?: string }; reload: { lastError?: string } };
    expect(full).toMatchObject({ status: 'degraded', store: { state: 'unavailable', path: store }, reload: { failed: 1 } });
    expect(full.store.cause).toEqual(expect.any(String));
    expect(full.reload.lastError).toEqual(expect.any(String));

    const open = await call(`${admin}/readyz`);
    expect(open.status).toBe(200);
    expect(open.json()).toMatchObject({ status: 'degraded', store: { state: 'unavailable', errors: expect.any(Number) }, reload: { succeeded: 0, failed: 1, lastAt: expect.any(String) } });
    expect(open.json().store).not.toHaveProperty('cause');
    expect(open.json().reload).not.toHaveProperty('lastError');
    expect(open.text).not.toContain('secret-dir-name');
    expect(open.text).not.toContain(dir);
  });

  it('answers /readyz 503 without the token once draining has begun, so the pod leaves the Service', async () => {
    const upstream = await startUpstream((_req, res) => setTimeout(() => res.end('late'), 300));
    const proxy = await proxyFor(upstream.url, { adminToken: token });
    expect((await call(`${proxy.adminUrl}/readyz`)).status).toBe(200);
    const pending = call(`${proxy.url}/api/items/1`);
    for (let i = 0; i < 100 && proxy.inFlight() === 0; i++) await new Promise((r) => setTimeout(r, 5));
    const closing = proxy.close();
    const ready = await call(`${proxy.adminUrl}/readyz`);
    expect([ready.status, ready.json().status]).toEqual([503, 'draining']);
    expect((await pending).text).toBe('late');
    await closing;
  });
});
