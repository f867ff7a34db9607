import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/spec/load-spec.js';
import { fixture, GITHUB_SPEC } from '../helpers.js';
import { call, closeAfterEach, proxyFor, settle, startUpstream } from './harness.js';

closeAfterEach();

interface Exchange {
  method: string;
  path: string;
  /** The request body, sent as JSON. */
  body?: unknown;
  /** What the upstream answers. */
  status: number;
  answer?: unknown;
  /** The violations the proxy reports, as [direction, code, pointer]. */
  violations: Array<[string, string, string]>;
}

const CASES: Array<{ file: string; exchanges: Exchange[] }> = [
  {
    file: 'cyclic/tree.yaml',
    exchanges: [
      { method: 'GET', path: '/trees', status: 200, answer: { name: 'root', parent: { name: 'up' }, children: [{ name: 'trunk', children: [{ name: 'leaf', children: [] }] }] }, violations: [] },
      { method: 'GET', path: '/trees', status: 200, answer: { name: 'root', children: [{ name: 'trunk', children: [{ name: 3 }] }] }, violations: [['response', 'response-body-invalid', '/children/0/children/0/name']] },
      { method: 'GET', path: '/trees', status: 200, answer: { name: 'a', parent: { name: 'b', parent: {} } }, violations: [['response', 'response-body-invalid', '/parent/parent']] },
      { method: 'POST', path: '/trees', body: { name: 'a', children: [{ name: 'b', parent: { name: '' } }] }, status: 201, answer: { name: 'a' }, violations: [['request', 'request-body-invalid', '/children/0/parent/name']] },
    ],
  },
  {
    file: 'cyclic/nested-arrays.yaml',
    exchanges: [
      { method: 'GET', path: '/nests', status: 200, answer: [[], [[], [[]]]], violations: [] },
      { method: 'GET', path: '/nests', status: 200, answer: [[], [[1]]], violations: [['response', 'response-body-invalid', '/1/0/0']] },
    ],
  },
  {
    file: 'cyclic/mutual.yaml',
    exchanges: [
      { method: 'GET', path: '/people', status: 200, answer: { name: 'ada', pets: [{ name: 'rex', owner: { name: 'ada', pets: [{ name: 'rex' }] } }] }, violations: [] },
      { method: 'GET', path: '/people', status: 200, answer: { name: 'ada', pets: [{ name: 'rex', owner: { name: 'ada', pets: [{ name: false }] } }] }, violations: [['response', 'response-body-invalid', '/pets/0/owner/pets/0/name']] },
    ],
  },
  {
    file: 'cyclic/nullable-twice.yaml',
    exchanges: [
      { method: 'GET', path: '/labels', status: 200, answer: { primary: null, secondary: null }, violations: [] },
      { method: 'GET', path: '/labels', status: 200, answer: { primary: 'ok', secondary: 5 }, violations: [['response', 'response-body-invalid', '/secondary']] },
      { method: 'GET', path: '/labels/1', status: 200, answer: { label: null }, violations: [] },
      { method: 'GET', path: '/labels/1', status: 200, answer: { label: 'x'.repeat(21) }, violations: [['response', 'response-body-invalid', '/label']] },
      { method: 'POST', path: '/labels', body: { primary: null, secondary: 'b' }, status: 204, violations: [] },
      { method: 'POST', path: '/labels', body: { primary: 1 }, status: 204, violations: [['request', 'request-body-invalid', '/primary']] },
    ],
  },
  {
    file: 'cyclic/shared.yaml',
    exchanges: [
      { method: 'POST', path: '/addresses', body: { street: 'x', zip: '12345', apartment: null }, status: 201, answer: { street: 'x', zip: '12345', apartment: null, geo: { lat: 1, lon: 2 } }, violations: [] },
      { method: 'POST', path: '/addresses', body: { street: 'x', zip: '12345' }, status: 201, answer: { street: 'x', zip: '12345', geo: { lat: 'north', lon: 2 } }, violations: [['response', 'response-body-invalid', '/geo/lat']] },
      { method: 'POST', path: '/addresses', body: { street: 'x', zip: 'abc', geo: { lat: 1, lon: 2 } }, status: 201, answer: { street: 'x', zip: '12345' }, violations: [['request', 'request-body-invalid', '/zip']] },
    ],
  },
];

describe('the proxy on specs with cyclic and shared schemas', () => {
  it.each(CASES)('$file: forwards every exchange and reports each nested violation at its pointer, leaving the document as loaded', async ({ file, exchanges }) => {
    const upstream = await startUpstream((req, res) => {
      const wanted = JSON.parse(String(req.headers['x-respond'])) as { status: number; answer?: unknown };
      if (wanted.answer === undefined) return void res.writeHead(wanted.status).end();
      res.writeHead(wanted.status, { 'content-type': 'application/json' }).end(JSON.stringify(wanted.answer));
    });
    const spec = await loadSpec(fixture(file));
    const snapshot = structuredClone(spec.document);
    const proxy = await proxyFor(upstream.url, { spec, violationLogsPerSecond: 100_000 });
    for (const [i, exchange] of exchanges.entries()) {
      const requestId = `exchange-${i}`;
      const headers: Record<string, string> = { 'x-request-id': requestId, 'x-respond': JSON.stringify({ status: exchange.status, answer: exchange.answer }) };
      if (exchange.body !== undefined) headers['content-type'] = 'application/json';
      const res = await call(`${proxy.url}${exchange.path}`, { method: exchange.method, headers, ...(exchange.body === undefined ? {} : { body: JSON.stringify(exchange.body) }) });
      expect(res.status, `${exchange.method} ${exchange.path} #${i}`).toBe(exchange.status); // observed, not changed
      if (exchange.answer !== undefined) expect(res.json()).toEqual(exchange.answer);
      await settle();
      const reported = proxy.logs.lines.filter((l) => l.requestId === requestId && l.code !== undefined).map((l) => [l.direction, l.code, l.pointer]);
      expect(reported, `${exchange.method} ${exchange.path} #${i}`).toEqual(exchange.violations);
    }
    expect(upstream.seen.length).toBe(exchanges.length);
    expect(isDeepStrictEqual(spec.document, snapshot)).toBe(true);
  });

  it("starts on GitHub's description and reports a nested violation in a real upstream's answer", async () => {
    const spec = await loadSpec(GITHUB_SPEC);
    const examples = (spec.document as unknown as { components: { examples: Record<string, { value: Record<string, unknown> }> } }).components.examples;
    // GitHub's example leaves out the required `language`, at the top and in `source`.
    const example = examples['full-repository-default-response']!.value as { source: Record<string, unknown> };
    const good = { ...example, language: null, source: { ...example.source, language: null } };
    const bad = structuredClone(good) as unknown as { parent: { owner: { login: unknown } } };
    bad.parent.owner.login = 5;
    const upstream = await startUpstream((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(req.headers['x-request-id'] === 'bad' ? bad : good));
    });
    const snapshot = structuredClone(spec.document);
    const proxy = await proxyFor(upstream.url, { spec, violationLogsPerSecond: 100_000 });
    for (const requestId of ['good', 'bad']) {
      const res = await call(`${proxy.url}/repos/octocat/hello-world`, { headers: { 'x-request-id': requestId, accept: 'application/json' } });
      expect(res.status).toBe(200);
    }
    await settle();
    const reported = (requestId: string) => proxy.logs.lines.filter((l) => l.requestId === requestId && l.code !== undefined).map((l) => [l.operationId, l.direction, l.code, l.pointer]);
    expect(reported('good')).toEqual([]);
    expect(reported('bad')).toEqual([['repos/get', 'response', 'response-body-invalid', '/parent/owner/login']]);
    expect(upstream.seen.map((s) => `${s.method} ${s.url}`)).toEqual(['GET /repos/octocat/hello-world', 'GET /repos/octocat/hello-world']);
    expect(isDeepStrictEqual(spec.document, snapshot)).toBe(true);
  }, 120_000);
});
