import net from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadSpec, listOperations } from '../../src/spec/index.js';
import { compileRouter, normalisePath, removeDotSegments } from '../../src/router/index.js';
import { redactBody } from '../../src/proxy/redact.js';
import { call, closeAfterEach } from '../proxy/harness.js';
import { HOSTILE_SPEC, background, hostileProxy, startHostileUpstream } from './harness.js';

closeAfterEach();

/** Seeded and bounded: the same cases on every run, a few hundred at most. */
const runs = (numRuns: number) => ({ seed: 20261202, numRuns, endOnFailure: true });

const segment = fc.oneof(
  fc.constantFrom('.', '..', '%2e', '%2E%2e', 'v1', 'pets', 'PETS', 'x', '', ';a=1', '%2F', '%5C', '\\', '%70ets', '%', '%zz', '%00', '~', 'é', '%C3%A9'),
  fc.string({ unit: 'grapheme-ascii', maxLength: 6 }),
);
const pathArb = fc.array(segment, { maxLength: 8 }).map((s) => `/${s.join('/')}`);

describe('properties of path reading', async () => {
  const router = compileRouter(listOperations(await loadSpec(HOSTILE_SPEC)));

  it('normalising is idempotent, leaves no dot segments, and resolving never throws', () => {
    fc.assert(fc.property(pathArb, fc.constantFrom('GET', 'POST', 'PUT', 'HEAD', 'DELETE', 'get'), (path, method) => {
      const once = normalisePath(path);
      expect(normalisePath(once)).toBe(once);
      expect(once.split('/').filter((s) => s === '.' || s === '..')).toEqual([]);
      expect(removeDotSegments(once)).toBe(once);
      const resolved = router.resolve(method, path);
      // A path and its normal form reach the same operation.
      expect(router.resolve(method, once).match?.operation).toBe(resolved.match?.operation);
    }), runs(3_000));
  });

  it('inserting dot segments never changes which operation a path reaches', () => {
    fc.assert(fc.property(fc.constantFrom('/v1/pets', '/v1/trees', '/v1/vault/abc', '/v1/echo'), fc.array(fc.constantFrom('.', 'x/..', 'a/b/../..', '%2e'), { maxLength: 4 }), (path, dots) => {
      const [head, ...rest] = path.split('/').filter(Boolean);
      const spelled = `/${head}/${dots.join('/')}${dots.length > 0 ? '/' : ''}${rest.join('/')}`;
      const method = path === '/v1/pets' || path.startsWith('/v1/vault') ? 'GET' : 'POST';
      expect(router.resolve(method, spelled).match?.operation.id).toBe(router.resolve(method, path).match?.operation.id);
    }), runs(500));
  });
});

describe('properties of redaction', () => {
  it('no value under a credential-looking name survives in a sample, at any depth', () => {
    const secretKey = fc.constantFrom('password', 'pin', 'cvv', 'apiKey', 'X-Auth', 'accessToken', 'client_secret', 'otp', 'cardPin', 'session');
    const plainKey = fc.constantFrom('name', 'tag', 'items', 'keyboard', 'author', 'count', 'a', 'b');
    let n = 0;
    const secret = fc.constant(null).map(() => `SECRET${++n}X`);
    const tree: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, fc.string({ maxLength: 5 }), fc.integer(), tie('object'), tie('array')),
      object: fc.array(fc.oneof(fc.tuple(secretKey, secret), fc.tuple(plainKey, tie('node'))), { maxLength: 5 }).map((entries) => Object.fromEntries(entries)),
      array: fc.array(tie('node'), { maxLength: 4 }),
    })).node;
    fc.assert(fc.property(tree, (value) => {
      const text = JSON.stringify(redactBody(Buffer.from(JSON.stringify(value)), 'application/json', new Set()) ?? null);
      expect(text).not.toMatch(/SECRET\d+X/);
    }), runs(2_000));
  });
});

/** An independent reading of the Pet schema: an object with a name of 1-40 characters, an optional string tag, nothing else. */
function isPet(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  const v = value as Record<string, unknown>;
  if (!keys.every((k) => k === 'name' || k === 'tag')) return false;
  if (typeof v.name !== 'string' || [...v.name].length < 1 || [...v.name].length > 40) return false;
  return v.tag === undefined || typeof v.tag === 'string';
}

describe('properties of enforce mode, through real sockets', () => {
  it('forwards exactly the bodies the schema accepts, byte for byte, and refuses every other with 400', async () => {
    const upstream = await startHostileUpstream();
    const proxy = await hostileProxy(upstream.url, { mode: 'enforce' });
    const nearPet = fc.record({ name: fc.oneof(fc.string({ maxLength: 45 }), fc.integer(), fc.constant(null)), tag: fc.option(fc.oneof(fc.string({ maxLength: 5 }), fc.integer()), { nil: undefined }) }, { requiredKeys: [] });
    const body = fc.oneof({ arbitrary: nearPet, weight: 4 }, fc.jsonValue({ maxDepth: 3 }), fc.dictionary(fc.constantFrom('name', 'tag', '__proto__', 'constructor', 'extra'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }));
    let forwarded = 0;
    await fc.assert(fc.asyncProperty(body, async (value) => {
      const text = JSON.stringify(value) ?? 'null';
      const seen = upstream.seen.length;
      const res = await call(`${proxy.url}/v1/pets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
      const valid = isPet(JSON.parse(text));
      expect(res.status, text).toBe(valid ? 201 : 400);
      if (valid) {
        forwarded++;
        expect(upstream.seen[seen]!.body.toString()).toBe(text);
      } else expect(upstream.seen.length).toBe(seen);
    }), runs(400));
    expect(forwarded).toBeGreaterThan(25); // both verdicts were exercised (38 of 400 valid with this seed)
  });

  it('mutated HTTP never crashes or fools the proxy: every connection is answered or closed, no request with two framings reaches the upstream, and the background stream is intact', async () => {
    const upstream = await startHostileUpstream();
    const proxy = await hostileProxy(upstream.url, { mode: 'enforce', headerTimeoutMs: 2_000, bodyTimeoutMs: 1_000 });
    const { port } = new URL(proxy.url);
    const stream = background(proxy.url, { max: 100_000 });
    const header = fc.oneof(
      fc.constantFrom('Content-Length: 5', 'Content-Length: 0', 'Content-Length: -1', 'Content-Length: 5, 5', 'Content-Length: 99999999999999999999', 'Transfer-Encoding: chunked', 'Transfer-Encoding: gzip, chunked', 'Transfer-Encoding:  chunked', 'Transfer-Encoding: chunked\r\nContent-Length: 3', 'Host: other', 'Connection: Upgrade\r\nUpgrade: websocket', 'Expect: 100-continue', 'X-Consumer-Id: fuzz', 'Content-Type: application/json', ' folded: yes', 'Bad Header: x', 'X-Null: a\u0000b'),
      fc.tuple(fc.string({ unit: 'grapheme-ascii', maxLength: 10 }), fc.string({ unit: 'binary-ascii', maxLength: 20 })).map(([n, v]) => `${n}: ${v}`),
    );
    const request = fc.record({
      method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'get', 'PATCH', 'CONNECT', 'TRACE', 'BREW'),
      target: fc.oneof(pathArb.map((p) => `/v1${p}`), fc.constantFrom('/v1/pets', '/v1/trees', '/v1/ws?room=lobby', '*', 'http://x/v1/pets', '/v1/pets?name=' + 'a'.repeat(30) + '!', '/v1/vault/%ZZ')),
      version: fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/1.2', 'HTTP/9', ''),
      headers: fc.array(header, { maxLength: 5 }),
      body: fc.oneof(fc.constant(''), fc.constantFrom('{"name":"rex"}', '5\r\nhello\r\n0\r\n\r\n', '0\r\n\r\nGET /v1/pets HTTP/1.1\r\nHost: x\r\n\r\n'), fc.string({ unit: 'binary-ascii', maxLength: 40 })),
    });
    await fc.assert(fc.asyncProperty(request, async (r) => {
      const bytes = `${r.method} ${r.target} ${r.version}\r\nHost: x\r\n${r.headers.map((h) => `${h}\r\n`).join('')}Connection: close\r\n\r\n${r.body}`;
      const answered = await new Promise<string>((resolve) => {
        const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(bytes));
        let text = '';
        const timer = setTimeout(() => socket.destroy(), 4_000);
        socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
        socket.on('error', () => undefined);
        socket.on('close', () => {
          clearTimeout(timer);
          resolve(text);
        });
      });
      expect(answered === '' || /^HTTP\/1\.[01] \d{3} /.test(answered), answered.slice(0, 80)).toBe(true);
    }), runs(300));
    const result = await stream.stop();
    expect(result).toMatchObject({ lost: 0, altered: 0 });
    expect(result.ok).toBeGreaterThan(0);
    for (const s of upstream.seen) expect(s.headers['transfer-encoding'] !== undefined && s.headers['content-length'] !== undefined, JSON.stringify(s.headers)).toBe(false);
    expect((await call(`${proxy.adminUrl}/healthz`)).status).toBe(200);
  }, 180_000);
});
