import { afterEach, describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/spec/index.js';
import { startMock, type RunningMock } from '../../src/mock/mock.js';
import { runContractTests, type ContractOptions } from '../../src/contract/run.js';
import { parseChaos } from '../../src/mock/chaos.js';
import { closeAfterEach, startUpstream } from '../proxy/harness.js';
import { cli, fixture } from '../helpers.js';

closeAfterEach();
let mock: RunningMock | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

const OPTIONS: Omit<ContractOptions, 'target'> = { examples: true, generate: 5, seed: 1, headers: { 'x-api-key': 'k' }, unsafe: true, concurrency: 4, timeoutMs: 5_000 };

describe('sworn test against a live service', () => {
  it('passes a service that keeps its contract (the mock), with the same requests for the same seed', async () => {
    const spec = await loadSpec(fixture('mock/api.yaml'));
    mock = await startMock({ spec, port: 0, adminPort: null });
    const report = await runContractTests(spec, { ...OPTIONS, target: `${mock.url}/api` });
    expect(report.summary).toMatchObject({ failed: 0, operations: 4 });
    expect(report.summary.passed).toBeGreaterThan(20);
    expect(new Set(report.results.map((r) => r.kind))).toEqual(new Set(['example', 'generated', 'negative']));
    // Every negative request was refused with 4xx.
    expect(report.results.filter((r) => r.kind === 'negative').every((r) => r.status! >= 400 && r.status! < 500)).toBe(true);
    const again = await runContractTests(spec, { ...OPTIONS, target: `${mock.url}/api` });
    expect(again.results.map((r) => `${r.method} ${r.path}`)).toEqual(report.results.map((r) => `${r.method} ${r.path}`));
    const other = await runContractTests(spec, { ...OPTIONS, seed: 2, target: `${mock.url}/api` });
    expect(other.results.map((r) => r.path)).not.toEqual(report.results.map((r) => r.path));
    // Safe methods only, unless --unsafe.
    const safe = await runContractTests(spec, { ...OPTIONS, unsafe: false, target: `${mock.url}/api` });
    expect(safe.results.some((r) => r.method === 'POST')).toBe(false);
  });

  it('fails a service that breaks its contract, naming each breach', async () => {
    const upstream = await startUpstream((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/api/items' && req.method === 'GET') return void res.writeHead(200, { 'content-type': 'application/json' }).end('[{"id": 1}]'); // `name` missing; accepts any limit
      if (url.pathname === '/api/items' && req.method === 'POST') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"id": 1, "name": "x"}'); // 200 where 201 is declared
      if (url.pathname.startsWith('/api/items/')) return void res.writeHead(500).end('boom'); // server errors
      res.writeHead(200).end();
    });
    const spec = await loadSpec(fixture('mock/api.yaml'));
    const report = await runContractTests(spec, { ...OPTIONS, target: `${upstream.url}/api` });
    const failuresOf = (operationId: string) => report.results.filter((r) => r.operationId === operationId).flatMap((r) => r.failures);
    expect(failuresOf('listItems')).toContainEqual(expect.stringMatching(/^response-body-invalid: .*name/));
    expect(failuresOf('listItems')).toContainEqual(expect.stringMatching(/^accepted a request that breaks the contract \(query parameter `limit` must be integer\) with 200$/));
    expect(failuresOf('createItem')).toContainEqual(expect.stringMatching(/^response-status-undeclared: /));
    expect(failuresOf('getItem')).toContainEqual('server error 500 answering a valid request');
    expect(failuresOf('getItem')).toContainEqual('answered a request that breaks the contract with a server error 500 instead of 4xx');
    expect(failuresOf('maintained')).toEqual([]);
    expect(report.summary.failed).toBeGreaterThan(10);

    const run = await cli(['test', fixture('mock/api.yaml'), '--target', `${upstream.url}/api`, '--unsafe', '--header', 'X-Api-Key: k', '--format', 'junit']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/<testsuite name="getItem" tests="\d+" failures="\d+" skipped="0">/);
    expect(run.stdout).toContain('<failure message="server error 500 answering a valid request">');
    const text = await cli(['test', fixture('mock/api.yaml'), '--target', `${upstream.url}/api`, '--operation', 'getItem', '--examples']);
    expect(text.stdout).toMatch(/^FAIL getItem GET \/items\/254 500 \d+ms examples$/m);
    expect(text.stdout).toMatch(/^contract broken: 0 passed, 2 failed, 0 skipped · 1 operation\(s\)/m);
  });

  it('warns, without failing, when a run is slower than the x-slo promises', async () => {
    const spec = await loadSpec(fixture('mock/api.yaml'));
    mock = await startMock({ spec, port: 0, adminPort: null, behave: 'slo', seed: 2, chaos: parseChaos('latency=20x,error=0x') });
    const report = await runContractTests(spec, { ...OPTIONS, operations: ['getItem'], generate: 3, target: `${mock.url}/api` });
    expect(report.summary.failed).toBe(0);
    expect(report.latency).toContainEqual(expect.objectContaining({ operationId: 'getItem', objective: 'p50', target: 40, met: false, samples: 4 }));
    const text = await cli(['test', fixture('mock/api.yaml'), '--target', `${mock.url}/api`, '--operation', 'getItem', '--generate', '3']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^warning getItem: latency p50 [\d.]+ misses 40 over 4 request\(s\) of this run/m);
  });

  it('says what to type for a bad flag or an unknown operation', async () => {
    const badTarget = await cli(['test', fixture('mock/api.yaml'), '--target', 'localhost:8080']);
    expect(badTarget.stderr).toContain('hint: Write e.g. --target http://127.0.0.1:8080/v1');
    const badOp = await cli(['test', fixture('mock/api.yaml'), '--target', 'http://127.0.0.1:1', '--operation', 'nope']);
    expect(badOp.stderr).toContain('SWORN_ERR_OPERATION_NOT_FOUND');
  });
});
