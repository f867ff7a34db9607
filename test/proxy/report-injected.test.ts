import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';
import { join } from 'node:path';
import { call, closeAfterEach, proxyFor, settle, startUpstream } from './harness.js';

closeAfterEach();

describe('GET /report: figures with and without injected faults', () => {
  it('lists, per operation x consumer, the injected exchanges and the availability with and without them', async () => {
    const upstream = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('[{"id":1,"name":"Rex"}]');
    });
    const proxy = await proxyFor(upstream.url, { specFile: join(ROOT, 'specs/petstore.yaml') });
    const before = (await call(`${proxy.adminUrl}/report`)).json();
    expect(before.injected).toBeUndefined(); // nothing injected: the report is as it always was
    const added = await call(`${proxy.adminUrl}/faults`, { method: 'POST', body: JSON.stringify({ kind: 'error', status: 503, operations: ['listPets'], consumers: ['mobile-app'], percent: 25, ttl: '1m' }) });
    expect(added.status).toBe(201);
    for (let i = 0; i < 40; i++) {
      await call(`${proxy.url}/v1/pets?limit=1`, { headers: { 'x-api-key': 'demo-key-mobile' } });
      await call(`${proxy.url}/v1/pets?limit=1`, { headers: { 'x-api-key': 'demo-key-web' } });
    }
    await settle();
    const report = (await call(`${proxy.adminUrl}/report`)).json() as { injected: Array<Record<string, unknown>> };
    // Only the consumer in scope had faults: 25% of its 40 calls, each a bad event.
    expect(report.injected).toEqual([{ operationId: 'listPets', consumer: 'mobile-app', tier: 'partner', requests: 40, injected: 10, injectedBad: 10, availability: 75, availabilityWithoutInjected: 100 }]);
  });
});
