import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SloEngine } from '../../src/engine/engine.js';
import { DURATION_BUCKETS } from '../../src/ledger/ledger.js';
import { resolveSlos } from '../../src/slo/resolve.js';
import { loadSpec } from '../../src/spec/load-spec.js';
import { listOperations } from '../../src/spec/operations.js';
import { tempDir } from '../proxy/harness.js';

async function engineFor(xslo: string): Promise<SloEngine> {
  const file = join(tempDir(), 'spec.yaml');
  writeFileSync(file, `openapi: 3.1.0\ninfo:\n  title: t\n  version: '1'\n  x-slo: ${xslo}\npaths:\n  /a:\n    get:\n      operationId: a\n      responses: {'200': {description: ok}}\n`);
  const spec = await loadSpec(file);
  return new SloEngine(resolveSlos(spec, listOperations(spec)));
}

describe('the duration histogram\'s bucket edges', () => {
  it('include every threshold and percentile max of the spec, tiers included, once each', async () => {
    const engine = await engineFor('{availability: 99, latency: [{name: fast, threshold: 300ms, target: 99}, {name: p99, percentile: 99, max: 800ms}], consumers: {identify: [{header: X-C}], tiers: {gold: {latency: [{name: fast, threshold: 200ms}]}}}}');
    const edges = engine.durationEdges(DURATION_BUCKETS);
    expect(edges).toEqual([...new Set([...DURATION_BUCKETS, 0.2, 0.3, 0.8])].sort((a, b) => a - b));
  });

  it('add one edge above a max at or beyond the highest default, so a percentile can be seen to exceed it', async () => {
    const top = DURATION_BUCKETS.at(-1)!;
    const engine = await engineFor(`{availability: 99, latency: [{name: p99, percentile: 99, max: ${top}s}]}`);
    expect(engine.durationEdges(DURATION_BUCKETS).slice(-2)).toEqual([top, top * 2]);
    const plain = await engineFor('{availability: 99}');
    expect(plain.durationEdges(DURATION_BUCKETS)).toEqual([...DURATION_BUCKETS]);
  });
});
