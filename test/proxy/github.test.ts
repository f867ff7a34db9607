import { describe, expect, it } from 'vitest';
import { loadSpec, listOperations } from '../../src/spec/index.js';
import { call, closeAfterEach, proxyFor, settle, startUpstream } from './harness.js';
import { GITHUB_SPEC } from '../helpers.js';

closeAfterEach();

describe('the proxy in front of GitHub\'s REST API description', () => {
  it('routes a request for every one of its 1,200+ operations to that operation', async () => {
    const upstream = await startUpstream((_req, res) => res.writeHead(204).end());
    const proxy = await proxyFor(upstream.url, { specFile: GITHUB_SPEC, violationLogsPerSecond: 0 });
    const operations = listOperations(await loadSpec(GITHUB_SPEC));
    const batch = 32;
    for (let i = 0; i < operations.length; i += batch) {
      await Promise.all(operations.slice(i, i + batch).map((op) => call(`${proxy.url}${op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => `v-${name}`)}`, { method: op.method.toUpperCase() })));
    }
    await settle();
    const report = proxy.stats.report();
    expect(report.unknownRoutes).toEqual([]);
    const counted = report.operations.filter((o) => o.requests === 1).length;
    expect(counted).toBe(operations.length);
    expect(upstream.seen.length).toBe(operations.length);
  }, 120_000);
});
