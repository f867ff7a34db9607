import { afterEach, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadSpec, type Spec } from '../../src/spec/index.js';
import { startMock, type MockExchange, type RunningMock } from '../../src/mock/mock.js';
import { slViolations } from '../../src/mock/examples.js';
import { violationsHeader } from '../../src/http/problem.js';
import { lintSpec } from '../../src/lint/index.js';
import type { Violation } from '../../src/validate/index.js';
import { call, tempDir } from '../proxy/harness.js';
import { rejection } from '../helpers.js';

const open: RunningMock[] = [];
afterEach(async () => {
  for (const m of open.splice(0)) await m.close();
});
async function specOf(document: Record<string, unknown> | string, name = 'spec.yaml'): Promise<Spec> {
  const file = join(tempDir(), name);
  writeFileSync(file, typeof document === 'string' ? document : stringify(document));
  return loadSpec(file);
}
async function mock(spec: Spec, exchanges?: MockExchange[]): Promise<RunningMock> {
  const m = await startMock({ spec, port: 0, adminPort: null, ...(exchanges ? { onExchange: (e: MockExchange) => void exchanges.push(e) } : {}) });
  open.push(m);
  return m;
}
const strings = { openapi: '3.1.0', info: { title: 'Hostile', version: '1' }, paths: { '/p': { post: { operationId: 'post', requestBody: { content: { 'application/json': { schema: { type: 'array', items: { type: 'string' } } } } }, responses: { '204': { description: 'ok' } } } } } };

describe('violation lists a client can make long', () => {
  it('caps the Sworn-Violations and sl-violations headers in one pass, however many violations (20,000 here)', () => {
    const one: Violation = { code: 'response-body-invalid', operationId: 'v', direction: 'response', location: 'body', pointer: '/0', keyword: 'type', message: 'the response body at /0 must be string' };
    const many = Array.from({ length: 20_000 }, (_, i) => ({ ...one, pointer: `/${i}` }));
    const header = violationsHeader(many);
    const list = JSON.parse(header) as Array<{ code: string; more?: number }>;
    expect(Buffer.byteLength(header)).toBeLessThanOrEqual(2048);
    expect(list.at(-1)).toEqual({ code: 'truncated', more: 20_000 - (list.length - 1) });
    const prism = slViolations(many);
    expect(prism.length).toBeLessThanOrEqual(2048);
    expect((JSON.parse(prism) as Array<{ message: string }>).at(-1)?.message).toMatch(/^\d+ more violations not shown$/);
  });

  it('names at most 100 errors of a body, then how many more; a body over 64 KB keeps its first error only', async () => {
    const m = await mock(await specOf(strings));
    const send = (items: number) => call(`${m.url}/p`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(Array.from({ length: items }, () => 1)) });
    const small = await send(5_000);
    const listed = small.json().violations as Array<{ keyword: string; message: string }>;
    expect([small.status, listed.length]).toEqual([422, 101]);
    expect(listed[100]).toMatchObject({ keyword: 'truncated', message: 'the request body: 4900 more errors not listed' });
    const big = await send(40_000); // 80 KB
    expect([big.status, (big.json().violations as unknown[]).length]).toEqual([422, 1]);
  });
});

describe('the request log keeps secrets out', () => {
  it('redacts the spec\'s API key names (whatever they are called) and userinfo of an absolute-form target', async () => {
    const spec = await specOf({
      openapi: '3.1.0', info: { title: 'Keys', version: '1' },
      components: { securitySchemes: { key: { type: 'apiKey', in: 'query', name: 'appid' } } },
      security: [{ key: [] }],
      paths: { '/a': { get: { operationId: 'a', responses: { '200': { description: 'ok', content: { 'application/json': { example: { ok: true } } } } } } } },
    });
    const exchanges: MockExchange[] = [];
    const m = await mock(spec, exchanges);
    expect((await call(`${m.url}/a?appid=TOPSECRET123&x=1`)).status).toBe(200);
    const { port } = new URL(m.url);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.end('GET http://alice:HUNTER2@example.invalid/a?appid=TOPSECRET123 HTTP/1.1\r\nHost: example.invalid\r\nConnection: close\r\n\r\n'));
      socket.on('data', () => undefined).on('close', () => resolve()).on('error', reject);
    });
    for (let i = 0; i < 50 && exchanges.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(exchanges.map((e) => e.url)).toEqual(['/a?appid=REDACTED&x=1', 'http://REDACTED@example.invalid/a?appid=REDACTED']);
    expect(JSON.stringify(exchanges)).not.toMatch(/TOPSECRET|HUNTER2/);
  });
});

describe('preferences a client can bend', () => {
  it('refuses codes that are not final statuses (000, 099, 100, 199, 600) with 422, query form and header alike', async () => {
    const m = await mock(await specOf({ openapi: '3.1.0', info: { title: 'Codes', version: '1' }, paths: { '/a': { get: { operationId: 'a', responses: { '200': { description: 'ok' }, default: { description: 'any' } } } } } }));
    for (const code of ['000', '099', '100', '199', '600']) {
      expect((await call(`${m.url}/a?__code=${code}`)).status).toBe(422);
      expect((await call(`${m.url}/a`, { headers: { prefer: `code=${code}` } })).status).toBe(422);
    }
    expect((await call(`${m.url}/a?__code=503`)).status).toBe(503);
  });

  it('refuses Basic credentials that are not base64 (Buffer.from would decode `YTpiY`)', async () => {
    const m = await mock(await specOf({ openapi: '3.1.0', info: { title: 'Basic', version: '1' }, components: { securitySchemes: { basic: { type: 'http', scheme: 'basic' } } }, security: [{ basic: [] }], paths: { '/a': { get: { operationId: 'a', responses: { '200': { description: 'ok' } } } } } }));
    expect((await call(`${m.url}/a`, { headers: { authorization: 'Basic YTpiY' } })).status).toBe(401);
    expect((await call(`${m.url}/a`, { headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } })).status).toBe(200);
  });
});

describe('specs that would hang or crash every command', () => {
  it('refuses a YAML alias used inside the value it names, at its line, instead of looping', async () => {
    const error = await rejection(specOf('openapi: 3.0.3\ninfo: {title: T, version: "1"}\npaths: {}\nx-a: &x\n  b: *x\n'));
    expect(error.code).toBe('SWORN_ERR_SPEC_PARSE');
    expect(error.message).toContain('would contain itself');
    expect(error.location).toMatchObject({ line: 5, pointer: '/x-a/b' });
    // Shared (not cyclic) aliases are fine.
    const shared = await specOf('openapi: 3.0.3\ninfo: {title: T, version: "1"}\npaths: {}\nx-a: &x {b: 1}\nx-b: *x\n');
    expect(shared.title).toBe('T');
  });

  it('refuses an alias bomb with SWORN_ERR_SPEC_PARSE, not an internal error', async () => {
    const bomb = ['openapi: 3.0.3', 'info: {title: T, version: "1"}', 'paths: {}', 'a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (const name of 'bcdefgh') bomb.push(`${name}: &${name} [${Array.from({ length: 10 }, () => `*${String.fromCharCode(name.charCodeAt(0) - 1)}`).join(', ')}]`);
    expect((await rejection(specOf(bomb.join('\n') + '\n'))).code).toBe('SWORN_ERR_SPEC_PARSE');
  });

  it('lints JSON nested 10,000 levels deep without a crash, and locates inside it exactly (the position index does not recurse)', async () => {
    const deep = `{"openapi":"3.1.0","info":{"title":"Deep","version":"1"},"paths":{},"x-deep":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const spec = await specOf(deep, 'deep.json');
    const at = deep.indexOf('[') + 2; // the third `[`: /x-deep/0/0
    expect(spec.locate('/x-deep/0/0')).toMatchObject({ line: 1, column: at + 1 });
    expect(() => spec.locate(`/x-deep${'/0'.repeat(9_000)}`)).not.toThrow();
    expect(() => lintSpec(spec, { at: Date.parse('2026-12-01T00:00:00Z') })).not.toThrow();
  });
});

describe('generated answers a schema makes huge', () => {
  it('refuses to generate what would hold up every other request (minItems 200,000), and still serves its example', async () => {
    const list = (schema: Record<string, unknown>, example?: unknown) => ({ '200': { description: 'ok', content: { 'application/json': { schema, ...(example !== undefined ? { example } : {}) } } } });
    const m = await mock(await specOf({
      openapi: '3.1.0', info: { title: 'Huge', version: '1' },
      paths: {
        '/huge': { get: { operationId: 'huge', responses: list({ type: 'array', minItems: 200_000, items: { type: 'string' } }, ['a']) } },
        '/nested': { get: { operationId: 'nested', responses: list({ type: 'array', maxItems: 1_000, items: { type: 'array', maxItems: 1_000, items: { type: 'integer' } } }) } },
        '/fine': { get: { operationId: 'fine', responses: list({ type: 'array', maxItems: 50, items: { type: 'object', properties: { id: { type: 'integer' } } } }) } },
      },
    }));
    for (const path of ['/huge', '/nested']) {
      const refused = await call(`${m.url}${path}`, { headers: { prefer: 'dynamic=true' } });
      expect(refused.status).toBe(500);
      expect(String(refused.json().detail)).toContain('more than 100,000 values');
    }
    expect((await call(`${m.url}/huge`)).json()).toEqual(['a']);
    const fine = await call(`${m.url}/fine`, { headers: { prefer: 'dynamic=true' } });
    expect([fine.status, (fine.json() as unknown as unknown[]).length]).toEqual([200, 50]);
  });
});
