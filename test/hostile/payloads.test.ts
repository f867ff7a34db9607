import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { request } from 'undici';
import { call, closeAfterEach, settle } from '../proxy/harness.js';
import { hostileProxy, rssMb, startHostileUpstream, underAttack } from './harness.js';

closeAfterEach();

const deep = (levels: number) => `{"value":1,"children":[${'{"children":['.repeat(levels)}${']}'.repeat(levels)}]}`;

describe('payloads that attack the checks', () => {
  it('a catastrophic pattern never blocks the event loop: the background stream and /healthz go on', async () => {
    const upstream = await startHostileUpstream();
    const proxy = await hostileProxy(upstream.url, { mode: 'enforce' });
    await underAttack(proxy.url, async () => {
      const evil = `${'a'.repeat(40)}!`;
      const answers = await Promise.all(Array.from({ length: 5 }, () => call(`${proxy.url}/v1/pets?name=${evil}`)));
      expect(answers.map((a) => a.status)).toEqual(Array(5).fill(400));
      expect((await call(`${proxy.adminUrl}/healthz`)).status).toBe(200);
    });
    expect((await call(`${proxy.url}/v1/pets?name=aaaa`)).status).toBe(200);
  });

  it('a decompression bomb is not inflated past --max-body: reported body-too-large, RSS bounded, traffic unharmed', async () => {
    const upstream = await startHostileUpstream();
    const proxy = await hostileProxy(upstream.url, { maxBody: 1_048_576 });
    // 256 MiB of zeros in a few hundred bytes of brotli, and a gzip one beside it.
    const zeros = Buffer.alloc(16 * 1_048_576);
    const bomb = brotliCompressSync(Buffer.concat(Array(16).fill(zeros)), { params: { [zlib.BROTLI_PARAM_QUALITY]: 5 } });
    const gzipBomb = gzipSync(zeros, { level: 9 });
    expect(bomb.length).toBeLessThan(64 * 1024);
    const before = rssMb();
    await underAttack(proxy.url, async () => {
      for (const [encoding, body] of [['br', bomb], ['gzip', gzipBomb]] as const) {
        const res = await call(`${proxy.url}/v1/trees`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': encoding }, body });
        expect(res.status).toBe(200); // observe: the upstream's answer, unchanged
      }
      await settle();
    });
    expect(rssMb() - before).toBeLessThan(200);
    const codesOf = () => proxy.stats.report().operations.find((o) => o.operationId === 'plantTree')!.violations.byCode;
    for (let i = 0; i < 500 && (codesOf()['not-validated'] ?? 0) < 2; i++) await new Promise((r) => setTimeout(r, 10)); // the checks run after the answers
    const codes = codesOf();
    expect(codes['not-validated']).toBeGreaterThanOrEqual(2);
    expect(codes['request-body-malformed']).toBeUndefined();
    proxy.store.flush();
    const samples = proxy.store.samples({ operation: 'plantTree', code: 'not-validated' });
    expect(JSON.stringify(samples)).toContain('body-too-large');
  });

  it('deep JSON: observe passes the upstream answer unchanged (Sworn-Violations on), enforce answers 400, and the sample and log line are kept', async () => {
    const upstream = await startHostileUpstream();
    const body = deep(5_000);
    const observe = await hostileProxy(upstream.url, { violationsHeader: true });
    await underAttack(observe.url, async () => {
      const res = await request(`${observe.url}/v1/trees`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const echoed = await res.body.text();
      expect(res.statusCode).toBe(200);
      expect(echoed).toBe(body);
      expect(String(res.headers['sworn-violations'])).toContain('request-body-too-deep');
    });
    await settle();
    observe.store.flush();
    expect(observe.store.samples({ operation: 'plantTree', code: 'request-body-too-deep' })).toHaveLength(1);
    expect(observe.logs.lines.some((l) => l.code === 'request-body-too-deep')).toBe(true);
    const enforce = await hostileProxy(upstream.url, { mode: 'enforce' });
    const refused = await call(`${enforce.url}/v1/trees`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('request-body-too-deep');
  });

  it('__proto__ keys stay data: a polluting body is checked as written and Object.prototype is untouched', async () => {
    const upstream = await startHostileUpstream();
    const proxy = await hostileProxy(upstream.url, { mode: 'enforce' });
    const res = await call(`${proxy.url}/v1/pets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"rex","__proto__":{"polluted":true}}' });
    expect(res.status).toBe(400); // additionalProperties: false sees the own property __proto__
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const ok = await call(`${proxy.url}/v1/pets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"rex"}' });
    expect(ok.status).toBe(201);
  });

  it('invalid UTF-8 and huge JSON are findings, never failures', async () => {
    const upstream = await startHostileUpstream();
    const proxy = await hostileProxy(upstream.url, { mode: 'enforce', maxBody: 8 * 1_048_576 });
    await underAttack(proxy.url, async () => {
      const broken = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]);
      const res = await call(`${proxy.url}/v1/pets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: broken });
      expect([201, 400]).toContain(res.status);
      const huge = JSON.stringify(Array.from({ length: 60_000 }, (_v, i) => ({ name: `pet-${i}`, tag: 'x'.repeat(64) })));
      expect(huge.length).toBeGreaterThan(4_000_000);
      const put = await call(`${proxy.url}/v1/pets`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: huge });
      expect(put.status).toBe(200);
    });
  });

  it('enforce mode refuses bodies it cannot check because of their coding: 415 for an unknown or broken one, 413 for one that inflates past --max-body', async () => {
    const upstream = await startHostileUpstream((req, res) => {
      if (req.url === '/v1/pets?name=a') {
        // A response that inflates past the limit: forwarded, not replaced, even under --enforce-responses.
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipSync(Buffer.alloc(4 * 1_048_576, 0x20)));
        return true;
      }
      return false;
    });
    const proxy = await hostileProxy(upstream.url, { mode: 'enforce', enforceResponses: true });
    const invalid = '{"name":12345,"evil":true}';
    for (const encoding of ['foo', 'zstd', 'identity;q=1', '"identity"']) {
      const res = await call(`${proxy.url}/v1/pets`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': encoding }, body: invalid });
      expect(res.status, encoding).toBe(415);
    }
    expect((await call(`${proxy.url}/v1/pets`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: invalid })).status).toBe(415); // not gzip at all
    const bomb = gzipSync(Buffer.concat([Buffer.from('{"name":12345,"pad":"'), Buffer.alloc(2 * 1_048_576, 0x61), Buffer.from('"}')]));
    expect(bomb.length).toBeLessThan(8_192);
    expect((await call(`${proxy.url}/v1/pets`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: bomb })).status).toBe(413);
    expect((await call(`${proxy.url}/v1/pets`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync('{"name":12345}') })).status).toBe(400);
    expect((await call(`${proxy.url}/v1/pets`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync('{"name":"rex"}') })).status).toBe(201);
    expect(upstream.seen.filter((s) => s.method === 'POST')).toHaveLength(1);
    const inflating = await call(`${proxy.url}/v1/pets?name=a`);
    expect(inflating.status).toBe(200);
  });
});
