import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPlan } from '../../src/gameday/plan.js';
import { runGameday } from '../../src/gameday/run.js';
import { StoreTallies } from '../../src/gameday/store-source.js';
import type { TallySnapshot } from '../../src/gameday/steady.js';
import { SwornError } from '../../src/errors.js';
import { call, closeAfterEach, proxyFor, startUpstream } from '../proxy/harness.js';

// The steady state read from sworn stores: real proxies writing real store
// files in front of a real upstream, a real consumer process driving calls,
// and the game day reading the files as they are written.

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const SPEC = join(FIXTURES, 'api-percentile.yaml');

closeAfterEach();
const folders: string[] = [];
afterEach(() => {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sworn-gameday-store-'));
  folders.push(dir);
  copyFileSync(join(FIXTURES, 'consumer.mjs'), join(dir, 'consumer.mjs'));
  copyFileSync(SPEC, join(dir, 'api.yaml'));
  return dir;
}

/** An upstream answering GET /things after `delayMs` (per call), and proxies in front of it, each writing its own store in `dir`. */
async function fleet(dir: string, pods = 1) {
  const state = { delayMs: 0 };
  const upstream = await startUpstream((_req, res) => {
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('[{"id":1}]');
    }, state.delayMs);
  });
  const proxies = [];
  for (let i = 0; i < pods; i++) {
    const proxy = await proxyFor(upstream.url, { specFile: join(dir, 'api.yaml'), store: join(dir, `pod-${i}.db`), flushIntervalMs: 100 });
    for (let k = 0; k < 3; k++) await call(`${proxy.url}/things`, { headers: { 'x-consumer-id': 'warm-up' } });
    proxies.push(proxy);
  }
  return { state, upstream, proxies };
}

/** Polls until the store's snapshot shows `n` events of `consumer` (the proxies flush every 100ms), bounded. */
async function until(source: StoreTallies, consumer: string, n: number): Promise<TallySnapshot> {
  for (let i = 0; i < 200; i++) {
    const snap = await source.tallies(consumer);
    const events = snap.rows.reduce((a, r) => a + r.outcomes.reduce((x, y) => x + y, 0), 0);
    if (events >= n) return snap;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`the stores never showed ${n} events of ${consumer}`);
}

const proxyTallies = async (adminUrl: string, consumer: string) => (await call(`${adminUrl}/tallies?consumer=${consumer}`)).json() as unknown as { edges: number[]; rows: Array<{ operationId: string; outcomes: number[]; buckets: number[]; allowance: number }> };

describe('the steady state read from stores', () => {
  it('counts what the proxies counted: two pods\' stores add up, and the within-limit counts (threshold and percentile) equal the proxies\' own tallies', async () => {
    const dir = folder();
    const { state, proxies } = await fleet(dir, 2);
    const source = await StoreTallies.open([join(dir, 'pod-0.db'), join(dir, 'pod-1.db')], { cwd: dir });
    try {
      const before = await source.tallies('mobile-app');
      expect(before.rows).toEqual([]);
      expect(before.source).toBe('store pod-0.db + pod-1.db');
      expect(before.injectedUnknown).toBe(true);
      // Pod 0: 12 fast calls; pod 1: 6 fast and 4 slow ones (past both limits: 200ms and the p90's 250ms).
      for (let i = 0; i < 12; i++) expect((await call(`${proxies[0]!.url}/things`, { headers: { 'x-consumer-id': 'mobile-app' } })).status).toBe(200);
      for (let i = 0; i < 6; i++) await call(`${proxies[1]!.url}/things`, { headers: { 'x-consumer-id': 'mobile-app' } });
      state.delayMs = 300;
      await Promise.all(Array.from({ length: 4 }, () => call(`${proxies[1]!.url}/things`, { headers: { 'x-consumer-id': 'mobile-app' } })));
      const after = await until(source, 'mobile-app', 22);
      expect(after.rows).toHaveLength(1);
      const row = after.rows[0]!;
      expect(row).toMatchObject({ operationId: 'listThings', consumer: 'mobile-app', tier: 'free', outcomes: [22, 0, 0, 0] });
      expect(row.promise).toEqual({ availability: 99, latency: [{ name: 'fast', kind: 'threshold', limitMs: 200, target: 90 }, { name: 'p90', kind: 'percentile', limitMs: 250, target: 90 }] });
      // Edges are every limit of the spec: 200ms and 250ms; 18 calls under both, 4 past both.
      expect(after.edges).toEqual([0.2, 0.25]);
      expect(row.buckets).toEqual([18, 0, 4]);
      // The proxies' own cumulative tallies of the same calls, summed over the pods, agree.
      const pods = await Promise.all(proxies.map((p) => proxyTallies(p.adminUrl!, 'mobile-app')));
      const within = (edgeSeconds: number) => pods.reduce((a, t) => a + t.rows.reduce((x, r) => x + r.buckets.slice(0, t.edges.findIndex((e) => e > edgeSeconds + 1e-9)).reduce((p, q) => p + q, 0), 0), 0);
      expect(within(0.2)).toBe(18);
      expect(within(0.25)).toBe(18);
      expect(pods.reduce((a, t) => a + t.rows.reduce((x, r) => x + r.allowance, 0), 0)).toBeCloseTo(row.allowance, 9);
      expect(row.allowance).toBeCloseTo(22 * 0.01, 9);
    } finally {
      source.close();
    }
  });

  it('the day so far is not the game day\'s: calls made before the source opened are not counted, for the percentile either', async () => {
    const dir = folder();
    const { state, proxies } = await fleet(dir);
    state.delayMs = 300;
    // Slow calls before the game day: in the day histograms, not in the game day's figures.
    await Promise.all(Array.from({ length: 5 }, () => call(`${proxies[0]!.url}/things`, { headers: { 'x-consumer-id': 'mobile-app' } })));
    const probe = await StoreTallies.open([join(dir, 'pod-0.db')], { cwd: dir });
    await until(probe, 'mobile-app', 5);
    probe.close();
    const source = await StoreTallies.open([join(dir, 'pod-0.db')], { cwd: dir });
    try {
      const before = await source.tallies('mobile-app');
      state.delayMs = 0;
      for (let i = 0; i < 10; i++) await call(`${proxies[0]!.url}/things`, { headers: { 'x-consumer-id': 'mobile-app' } });
      const beforeEvents = before.rows[0]?.outcomes[0] ?? 0;
      const after = await until(source, 'mobile-app', beforeEvents + 10);
      const b = before.rows[0]?.buckets ?? [0, 0, 0];
      const a = after.rows[0]!.buckets;
      // Between the two reads: 10 fast calls, under both limits; nothing past them.
      expect(a.map((v, i) => v - (b[i] ?? 0))).toEqual([10, 0, 0]);
    } finally {
      source.close();
    }
  });

  it('a game day judged from the store: step 1 (+5ms) holds, step 2 (+300ms) breaks both the threshold and the percentile objective, step 3 is skipped', async () => {
    const dir = folder();
    const { proxies } = await fleet(dir);
    const admin = proxies[0]!.adminUrl!;
    writeFileSync(join(dir, 'plan.yaml'), [
      'gameday: things drill from the store',
      'hypothesis:',
      '  promises:',
      '    - {store: pod-0.db, spec: api.yaml, consumer: mobile-app, operations: [listThings]}',
      `target: {proxy: ${admin}}`,
      'blastRadius: {consumers: [mobile-app], operations: [listThings]}',
      `drive: {command: "node consumer.mjs ${proxies[0]!.url} --calls 20"}`,
      'steps:',
      '  - {latency: +5ms, for: 3s}',
      '  - {latency: +300ms, for: 5s}',
      '  - {error: 50%, for: 3s}',
    ].join('\n'));
    const result = await runGameday(await loadPlan(join(dir, 'plan.yaml')), { pollMs: 200 });
    expect(result.verdict, `${result.abortedBy}; baseline ${JSON.stringify(result.baseline)}`).toBe('broke');
    expect(result.breakingStep).toBe(2);
    expect(result.steps.map((s) => s.verdict)).toEqual(['held', 'broke', 'skipped']);
    expect(result.baseline[0]!.requests).toBe(20);
    expect(result.baseline[0]!.scope).toBe('mobile-app on listThings (tier free, store pod-0.db)');
    // Each step's figures are its own run of the consumer's 20 calls (read from the store, which lags by a flush).
    expect(result.steps[0]!.during![0]!.requests).toBe(20);
    expect(result.steps[1]!.during![0]!.requests).toBe(20);
    expect(result.steps[0]!.during![0]!.latency.map((l) => l.achieved)).toEqual([100, 100]);
    expect(result.steps[1]!.during![0]!.latency.map((l) => l.achieved)).toEqual([0, 0]);
    expect(result.breakingPoint).toContain("mobile-app's fast objective on listThings fell to 0% < 90% within 200ms");
    expect(result.breakingPoint).toContain("mobile-app's p90 objective on listThings: only 0% of calls within 250ms, under the p90");
    // A store cannot tell injected failures from real ones: no figure without them is made up.
    expect(result.steps[1]!.during![0]!.availability!.withoutInjected).toBeNull();
    expect(((await call(`${admin}/faults`)).json() as { faults: unknown[] }).faults).toEqual([]);
  });

  it('refuses a promise naming an operation the stores\' spec does not have, with the nearest name, before any fault', async () => {
    const dir = folder();
    const { proxies } = await fleet(dir);
    writeFileSync(join(dir, 'plan.yaml'), [
      'gameday: typo',
      'hypothesis:',
      '  promises:',
      '    - {store: [pod-0.db], consumer: mobile-app, operations: [listThing]}',
      `target: {proxy: ${proxies[0]!.adminUrl}}`,
      'steps:',
      '  - {latency: +5ms, for: 1s}',
    ].join('\n'));
    const error = await runGameday(await loadPlan(join(dir, 'plan.yaml'))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SwornError);
    expect((error as SwornError).code).toBe('SWORN_ERR_GAMEDAY');
    expect((error as SwornError).message).toContain('hypothesis.promises[0].operations names "listThing", which the spec store pod-0.db is judged against has no operation of');
    expect((error as SwornError).hint).toContain('Did you mean "listThings"?');
    expect(((await call(`${proxies[0]!.adminUrl}/faults`)).json() as { faults: unknown[] }).faults).toEqual([]);
  });
});
