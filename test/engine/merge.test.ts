import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { loadSpec, listOperations } from '../../src/spec/index.js';
import { resolveSlos } from '../../src/slo/index.js';
import { SloEngine, type EngineEvent, type EngineSnapshot } from '../../src/engine/index.js';
import { SparseLatency } from '../../src/engine/sparse.js';
import { fileURLToPath } from 'node:url';

const T = Date.parse('2026-03-30T08:00:00Z');

async function slo() {
  const spec = await loadSpec(fileURLToPath(new URL('../fixtures/engine-spec.yaml', import.meta.url)));
  return resolveSlos(spec, listOperations(spec));
}

/** One exchange per second from `from`, with the given durations (one each), every 50th a 503. */
function events(consumer: string, durations: number[], from: number): EngineEvent[] {
  return durations.map((durationMs, i) => ({ at: from + i * 1_000, operationId: 'listOrders', consumer, tier: 'free', status: i % 50 === 49 ? 503 : 200, durationMs, outcome: 'response' as const }));
}

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
/** Many distinct durations: an HdrHistogram cell. Few: a sparse one. */
const MANY = range(1, 1_000);
const FEW = [10, 20, 20, 30, 40];

/** What a histogram says, whichever way it is encoded. */
function percentiles(encoded: string): Record<string, number> {
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000, numberOfSignificantValueDigits: 3, bitBucketSize: 32, useWebAssembly: true, autoResize: true });
  if (encoded.startsWith('sparse:')) SparseLatency.decode(encoded.slice('sparse:'.length)).addInto(h);
  else {
    const stored = hdr.decodeFromCompressedBase64(encoded, 'packed', true);
    h.add(stored);
    stored.destroy();
  }
  const out = { count: h.totalCount, p50: h.getValueAtPercentile(50), p90: h.getValueAtPercentile(90), p99: h.getValueAtPercentile(99), max: h.maxValue, kind: encoded.startsWith('sparse:') ? 1 : 0 };
  h.destroy();
  return out;
}

function latencyOf(snapshot: EngineSnapshot): Record<string, Record<string, number>> {
  return Object.fromEntries(snapshot.latency.map((l) => [`${l.scope} ${l.consumer} ${l.index}`, percentiles(l.encoded)]));
}

function countsOf(snapshot: EngineSnapshot): Record<string, number[]> {
  return Object.fromEntries(snapshot.counts.map((c) => [`${c.consumer} ${c.resolution} ${c.index}`, Array.from(c.data, (n) => Math.round(n * 1e9) / 1e9)]));
}

describe('the engine snapshot of everything, and restore with merge', () => {
  it('takeSnapshot({ all: true }) returns every bucket and histogram held, changed or not, and leaves nothing changed', async () => {
    const engine = new SloEngine(await slo(), { now: () => T + 3_600_000, latencyIntervalMs: 3_600_000 });
    for (const e of [...events('acme', MANY, T), ...events('hobby', FEW, T - 86_400_000)]) engine.record(e);
    const changed = engine.takeSnapshot({ force: true });
    expect(engine.takeSnapshot({ force: true })).toEqual({ counts: [], latency: [] });
    const all = engine.takeSnapshot({ all: true }); // latency too, whatever the interval
    expect(all.counts.length).toBe(changed.counts.length);
    expect(all.counts.length).toBeGreaterThan(20); // 17 + 1 minutes, 2 hours, 2 days
    expect(countsOf(all)).toEqual(countsOf(changed));
    expect(latencyOf(all)).toEqual(latencyOf(changed));
    expect(all.latency.length).toBe(changed.latency.length);
    engine.record(events('acme', [5], T + 10)[0]!);
    engine.takeSnapshot({ all: true });
    expect(engine.takeSnapshot({ force: true })).toEqual({ counts: [], latency: [] });
  });

  it('merge adds stored counts and histograms into those held (sparse and HdrHistogram cells, each way), as one engine that saw everything', async () => {
    const resolved = await slo();
    const now = T + 2 * 3_600_000;
    const stored = new SloEngine(resolved, { now: () => now });
    const live = new SloEngine(resolved, { now: () => now });
    const oracle = new SloEngine(resolved, { now: () => now });
    const plan: Array<[consumer: string, storedDurations: number[], liveDurations: number[]]> = [
      ['hdr-into-sparse', MANY, FEW],
      ['sparse-into-hdr', FEW, MANY],
      ['hdr-into-hdr', MANY, range(500, 1_000)],
      ['sparse-into-sparse', FEW, [10, 50, 60]],
      ['sparse-promoted', range(1, 300), range(301, 300)],
      ['stored-only', FEW, []],
      ['live-only', [], FEW],
    ];
    for (const [consumer, a, b] of plan) {
      for (const e of events(consumer, a, T)) (stored.record(e), oracle.record(e));
      for (const e of events(consumer, b, T + 500)) (live.record(e), oracle.record(e));
    }
    live.takeSnapshot({ force: true }); // the live engine's own state is written already: only sums are changed below

    const { restored, skipped } = live.restore(stored.takeSnapshot({ all: true }), { merge: true });
    expect(skipped).toBe(0);
    expect(restored).toBeGreaterThan(0);

    expect(live.figures('listOrders')).toEqual(oracle.figures('listOrders'));
    for (const [consumer] of plan) expect(live.figures('listOrders', { consumer }), consumer).toEqual(oracle.figures('listOrders', { consumer }));
    // Cell by cell, the same histograms (and the same kind of cell) as the oracle's.
    const merged = live.takeSnapshot({ force: true });
    expect(latencyOf(live.takeSnapshot({ all: true }))).toEqual(latencyOf(oracle.takeSnapshot({ all: true })));
    expect(countsOf(live.takeSnapshot({ all: true }))).toEqual(countsOf(oracle.takeSnapshot({ all: true })));

    // The sums are marked changed (written back at the next flush); what only the store held is not rewritten.
    const changedConsumers = new Set(merged.counts.map((c) => c.consumer));
    expect([...changedConsumers].sort()).toEqual(plan.filter(([, a, b]) => a.length > 0 && b.length > 0).map(([c]) => c).sort());
    expect(merged.latency.some((l) => l.scope === 'operation-day')).toBe(true);
    expect(merged.latency.filter((l) => l.scope === 'consumer-day').map((l) => l.consumer).sort()).toEqual([...changedConsumers].sort());
  });

  it('restore without merge still replaces the buckets and histograms held', async () => {
    const resolved = await slo();
    const a = new SloEngine(resolved, { now: () => T + 3_600_000 });
    const b = new SloEngine(resolved, { now: () => T + 3_600_000 });
    for (const e of events('acme', FEW, T)) a.record(e);
    for (const e of events('acme', [900, 800, 700, 600, 500], T)) b.record({ ...e, status: 503 });
    b.restore(a.takeSnapshot({ all: true }));
    expect(b.figures('listOrders')).toEqual(a.figures('listOrders'));
  });
});
