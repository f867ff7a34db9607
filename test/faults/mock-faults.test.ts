import http from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/spec/index.js';
import { startMock, type RunningMock } from '../../src/mock/mock.js';
import { call, tempDir } from '../proxy/harness.js';

const SPEC = `openapi: 3.1.0
info: {title: Mock faults, version: 1.0.0}
paths:
  /payments:
    post:
      operationId: createPayment
      responses:
        '201':
          description: created
          content:
            application/json:
              example: {id: p1, state: accepted}
        '503':
          description: payments are down
          content:
            application/json:
              example: {code: PAYMENTS_DOWN, retry: true}
  /refunds:
    post:
      operationId: createRefund
      responses:
        '201': {description: created}
        '5XX':
          description: refunds are failing
          content:
            application/json:
              example: {code: REFUNDS_FAILING}
        default:
          description: anything else
          content:
            application/problem+json:
              example: {title: refund refused}
  /payments/{id}:
    get:
      operationId: getPayment
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        '200':
          description: ok
          content:
            application/json:
              example: {id: p1, note: "a payment with a body long enough to cut in half"}
`;

const open: RunningMock[] = [];
afterEach(async () => {
  for (const m of open.splice(0)) await m.close();
});

async function mock(token?: string) {
  const dir = tempDir();
  writeFileSync(join(dir, 'payments.yaml'), SPEC);
  const slept: number[] = [];
  const m = await startMock({ spec: await loadSpec(join(dir, 'payments.yaml')), port: 0, adminPort: 0, ...(token ? { adminToken: token } : {}), sleep: async (ms) => void slept.push(ms) });
  open.push(m);
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const admin = (path: string, method = 'GET', body?: unknown) => call(`${m.adminUrl}${path}`, { method, headers: { ...auth, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const post = () => call(`${m.url}/payments`, { method: 'POST' });
  return { m, admin, post, slept };
}

describe('faults on the mock', () => {
  it('an error with a status the operation declares answers the spec\'s own response for it; one it does not, problem+json', async () => {
    const { admin, post, m } = await mock();
    expect((await post()).json()).toEqual({ id: 'p1', state: 'accepted' });
    expect((await admin('/faults', 'POST', { kind: 'error', status: 503, operations: ['createPayment'] })).status).toBe(201);
    const declared = await post();
    expect([declared.status, declared.json(), declared.headers['sworn-fault']]).toEqual([503, { code: 'PAYMENTS_DOWN', retry: true }, 'f1=error']);
    await admin('/faults', 'DELETE');
    await admin('/faults', 'POST', { kind: 'error', status: 500, operations: ['createPayment'] });
    const undeclared = await post();
    expect([undeclared.status, undeclared.headers['content-type']]).toEqual([500, 'application/problem+json']);
    // Another operation is not in scope.
    expect((await call(`${m.url}/payments/p1`)).status).toBe(200);
  });

  it('an error whose status the operation declares only by class (5XX) or as default answers that response\'s example, with the fault\'s status', async () => {
    const { admin, m } = await mock();
    const refund = () => call(`${m.url}/refunds`, { method: 'POST' });
    expect((await admin('/faults', 'POST', { kind: 'error', status: 502, operations: ['createRefund'] })).status).toBe(201);
    const byClass = await refund();
    expect([byClass.status, byClass.headers['content-type'], byClass.json()]).toEqual([502, 'application/json', { code: 'REFUNDS_FAILING' }]);
    await admin('/faults', 'DELETE');
    await admin('/faults', 'POST', { kind: 'error', status: 409, operations: ['createRefund'] });
    const byDefault = await refund();
    expect([byDefault.status, byDefault.headers['content-type'], byDefault.json()]).toEqual([409, 'application/problem+json', { title: 'refund refused' }]);
  });

  it('refuses a fault scoped to consumers or tiers (the mock identifies no consumer) with SWORN_ERR_FAULT, and an unknown operation', async () => {
    const { admin, m } = await mock();
    for (const fault of [{ kind: 'reset', consumers: ['checkout'] }, { kind: 'reset', tiers: ['gold'] }]) {
      const res = await admin('/faults', 'POST', fault);
      expect(res.status).toBe(400);
      expect(res.json()).toMatchObject({ code: 'SWORN_ERR_FAULT', detail: expect.stringContaining('the mock does not identify consumers') });
    }
    const op = await admin('/faults', 'POST', { kind: 'reset', operations: ['getPaymnt'] });
    expect([op.status, (op.json() as { hint: string }).hint]).toEqual([400, expect.stringContaining('Did you mean "getPayment"?')]);
    expect(m.faults.size).toBe(0);
  });

  it('the admin token protects GET, POST and DELETE /faults; /healthz stays open', async () => {
    const { m, admin } = await mock('tok');
    for (const method of ['GET', 'POST', 'DELETE']) {
      const res = await call(`${m.adminUrl}/faults`, { method, ...(method === 'POST' ? { body: '{"kind":"reset"}' } : {}) });
      expect([method, res.status]).toEqual([method, 401]);
    }
    expect((await call(`${m.adminUrl}/faults`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    expect(m.faults.size).toBe(0);
    expect((await call(`${m.adminUrl}/healthz`)).status).toBe(200);
    expect((await admin('/faults', 'POST', { kind: 'latency', add: '1ms' })).status).toBe(201);
    expect((await admin('/faults')).json()).toMatchObject({ faults: [{ id: 'f1', kind: 'latency' }] });
    expect((await admin('/faults/f1', 'DELETE')).status).toBe(200);
  });

  it('added latency delays the answer by the time added (jitter within bounds)', async () => {
    const { admin, post, slept } = await mock();
    await admin('/faults', 'POST', { kind: 'latency', add: '300ms', operations: ['createPayment'] });
    const res = await post();
    expect([res.status, res.headers['sworn-fault']]).toEqual([201, 'f1=latency']);
    expect(slept).toEqual([300]);
    await admin('/faults', 'DELETE');
    await admin('/faults', 'POST', { kind: 'latency', add: '300ms', jitter: '100ms' });
    for (let i = 0; i < 20; i++) await post();
    expect(slept.slice(1)).toHaveLength(20);
    for (const ms of slept.slice(1)) {
      expect(ms).toBeGreaterThanOrEqual(200);
      expect(ms).toBeLessThanOrEqual(400);
    }
  });

  it('a real wait: the call takes at least the added latency', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'payments.yaml'), SPEC);
    const m = await startMock({ spec: await loadSpec(join(dir, 'payments.yaml')), port: 0, adminPort: 0 });
    open.push(m);
    m.faults.add({ action: { kind: 'latency', addMs: 200, factor: 1, jitterMs: 0 }, scope: { percent: 100 }, ttlMs: 60_000, seed: 1 });
    const start = performance.now();
    expect((await call(`${m.url}/payments/p1`)).status).toBe(200);
    expect(performance.now() - start).toBeGreaterThanOrEqual(200 - 1); // timers have millisecond granularity
  });

  it('truncate: the client gets part of the declared body and a closed connection', async () => {
    const { m, admin } = await mock();
    await admin('/faults', 'POST', { kind: 'truncate', keep: 0.5, operations: ['getPayment'] });
    const res = await new Promise<{ length: number; bytes: number; complete: boolean }>((resolve) => {
      http.get(`${m.url}/payments/p1`, { agent: false }, (r) => {
        let bytes = 0;
        r.on('data', (c: Buffer) => (bytes += c.length));
        const done = () => resolve({ length: Number(r.headers['content-length']), bytes, complete: r.complete });
        r.on('end', done);
        r.on('aborted', done);
        r.on('error', done);
      });
    });
    expect(res.length).toBeGreaterThan(1);
    expect(res.bytes).toBe(Math.floor(res.length / 2));
    expect(res.complete).toBe(false);
  });
});

