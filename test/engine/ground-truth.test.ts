import { describe, expect, it } from 'vitest';
import { loadSpec, listOperations } from '../../src/spec/index.js';
import { resolveSlos } from '../../src/slo/index.js';
import { SloEngine, type EngineEvent } from '../../src/engine/index.js';
import { Store } from '../../src/store/index.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture } from '../helpers.js';
import { BURST, END, START, at, burnRate, expectOperationFigures, expected, random, round } from './oracle.js';

const TIERS: Record<string, { target: number; fast: number }> = { free: { target: 98, fast: 300 }, gold: { target: 99.9, fast: 200 }, anonymous: { target: 99, fast: 300 } };
const CONSUMERS = [{ name: 'acme', tier: 'gold' }, { name: 'hobby', tier: 'free' }, { name: 'walk-in', tier: 'anonymous' }];

function trace(): EngineEvent[] {
  const rnd = random(20261122);
  const events: EngineEvent[] = [];
  for (let t = START; t < END; t += 20_000 + Math.floor(rnd() * 40_000)) {
    const c = CONSUMERS[Math.floor(rnd() * CONSUMERS.length)]!;
    const inBurst = t >= BURST[0]! && t < BURST[1]!;
    const r = rnd();
    let status = 200;
    let outcome: EngineEvent['outcome'] = 'response';
    if (inBurst ? r < 0.6 : r < 0.004) status = 503;
    else if (r < 0.006) { status = 502; outcome = 'upstream-error'; }
    else if (r < 0.03) status = 404;
    else if (r < 0.035) { status = 200; outcome = 'client-abort'; }
    // Mostly fast, a slow tail, now and then past the 2 s timeout.
    const u = rnd();
    const durationMs = u < 0.9 ? 20 + Math.floor(rnd() * 180) : u < 0.995 ? 200 + Math.floor(rnd() * 1200) : 2_100 + Math.floor(rnd() * 3000);
    events.push({ at: t, operationId: 'listOrders', consumer: c.name, tier: c.tier, status, durationMs, outcome });
  }
  return events;
}

describe('the SLO engine against a generated ground truth', () => {
  it('computes every figure exactly (percentiles within the histogram precision)', async () => {
    const spec = await loadSpec(fixture('engine-spec.yaml'));
    const slo = resolveSlos(spec, listOperations(spec));
    expect(slo.problems).toEqual([]);
    let now = START;
    const engine = new SloEngine(slo, { now: () => now });
    const events = trace();
    for (const e of events) {
      now = e.at;
      engine.record(e);
    }
    now = END;
    expect(events.length).toBeGreaterThan(15_000);

    // The operation as a whole, against its own promise (99%, fast 300 ms).
    const all = expected(events, { target: 99, fast: 300 });
    const figures = engine.figures('listOrders')!;
    expectOperationFigures(figures, all);

    // Each consumer against its tier: gold (99.9%, fast 200 ms), free (98%).
    for (const c of CONSUMERS) {
      const tier = TIERS[c.tier]!;
      const mine = expected(events, { consumer: c.name, target: tier.target, fast: tier.fast });
      const f = engine.figures('listOrders', { consumer: c.name })!;
      expect(f.availability, c.name).toMatchObject({ target: c.tier === 'anonymous' ? 99 : tier.target, good: mine.good, bad: mine.bad, valid: mine.valid });
      expect(f.errorBudget!.total, c.name).toBeCloseTo(mine.allowance, 6);
      expect(f.latency[0]!.achieved, c.name).toBe(round((mine.fast / mine.good) * 100));
    }

    // Burn rates over the last 5 minutes, 1 hour, 6 hours, 3 days, from the same definitions.
    const burn = (ms: number) => burnRate(events, END, ms, { target: 99, fast: 300 });
    for (const [name, ms] of [['5m', 5 * 60_000], ['1h', 3_600_000], ['6h', 6 * 3_600_000], ['3d', 3 * 86_400_000]] as const) {
      expect(figures.burnRates[name], name).toBeCloseTo(burn(ms), 5);
    }
    // The burst (23:30-23:58) sets the page alert off: 1 h and 5 m both burn faster than 14.4.
    const page = figures.alerts.find((a) => a.severity === 'page')!;
    expect(page.longBurnRate).toBeGreaterThan(14.4);
    expect(page.shortBurnRate).toBeGreaterThan(14.4);
    expect(page.firing).toBe(true);
  });

  it('resumes from the store after a restart with the same figures, writing only what changed', async () => {
    const spec = await loadSpec(fixture('engine-spec.yaml'));
    const slo = resolveSlos(spec, listOperations(spec));
    const file = join(mkdtempSync(join(tmpdir(), 'sworn-engine-')), 'sworn.db');
    let now = START;
    const first = new SloEngine(slo, { now: () => now });
    const store = new Store(file);
    const events = trace();
    const half = Math.floor(events.length / 2);
    for (const e of events.slice(0, half)) first.record((now = e.at, e));
    const firstSnapshot = first.takeSnapshot();
    store.saveSlo(firstSnapshot);
    store.flush();
    for (const e of events.slice(half)) first.record((now = e.at, e));
    const secondSnapshot = first.takeSnapshot({ force: true });
    // Only the buckets the second half touched: every one of them ends after the second half began.
    const size = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
    const secondHalfStart = events[half]!.at;
    expect(secondSnapshot.counts.length).toBeGreaterThan(0);
    expect(secondSnapshot.counts.filter((c) => (c.index + 1) * size[c.resolution] <= secondHalfStart)).toEqual([]);
    expect(firstSnapshot.counts.some((c) => (c.index + 1) * size[c.resolution] <= secondHalfStart)).toBe(true);
    expect(first.takeSnapshot({ force: true })).toEqual({ counts: [], latency: [] }); // nothing changed since
    store.saveSlo(secondSnapshot);
    store.close();

    now = END;
    const reopened = new Store(file);
    const second = new SloEngine(slo, { now: () => now });
    const { skipped } = second.restore(reopened.loadSlo());
    reopened.close();
    expect(skipped).toBe(0);
    expect(second.figures('listOrders')).toEqual(first.figures('listOrders'));
    for (const c of CONSUMERS) expect(second.figures('listOrders', { consumer: c.name }), c.name).toEqual(first.figures('listOrders', { consumer: c.name }));

    // Latency histograms go out at most once a minute unless forced; counts go every time.
    first.record({ ...events[events.length - 1]!, at: now - 1_000 });
    const quick = first.takeSnapshot();
    expect(quick.counts.length).toBeGreaterThan(0);
    expect(quick.latency).toEqual([]);
  });

  it('keeps the alert silent below minEventsPerHour, and during a suppressAlerts window', async () => {
    const spec = await loadSpec(fixture('engine-spec.yaml'));
    const slo = resolveSlos(spec, listOperations(spec));
    (slo.operations[0]!.promise!.alerting as { minEventsPerHour: number }).minEventsPerHour = 1_000;
    let now = at('2026-03-31T23:00:00Z');
    const engine = new SloEngine(slo, { now: () => now });
    for (let i = 0; i < 50; i++) engine.record({ at: now + i * 60_000, operationId: 'listOrders', consumer: 'x', tier: 'free', status: 500, durationMs: 10, outcome: 'response' });
    now += 50 * 60_000;
    const page = engine.figures('listOrders')!.alerts.find((a) => a.severity === 'page')!;
    expect(page).toMatchObject({ firing: false, silencedBy: 'low-traffic' });
    expect(page.longBurnRate).toBe(100);
  });
});

describe('a calendar window', () => {
  it('counts from the start of the month in its zone until now', async () => {
    const spec = await loadSpec(fixture('engine-spec.yaml'));
    const slo = resolveSlos(spec, listOperations(spec));
    const op = slo.operations[0]!;
    (op.promise as { window: unknown }).window = { kind: 'calendar', unit: 'month', timeZone: 'America/New_York' };
    let now = at('2026-04-10T12:00:00Z');
    const engine = new SloEngine(slo, { now: () => now });
    // April starts in New York at 04:00Z (EDT): an event at 03:59Z is March's, one at 04:00Z April's.
    for (const [iso, status] of [['2026-04-01T03:59:00Z', 500], ['2026-04-01T04:00:00Z', 500], ['2026-04-05T00:00:00Z', 200]] as const) {
      engine.record({ at: at(iso), operationId: 'listOrders', consumer: 'x', tier: 'free', status, durationMs: 10, outcome: 'response' });
    }
    const figures = engine.figures('listOrders')!;
    expect(figures.window).toEqual({ start: '2026-04-01T04:00:00.000Z', end: '2026-04-10T12:00:00.000Z' });
    expect(figures.availability).toMatchObject({ valid: 2, bad: 1, good: 1 });
    now = at('2026-05-01T03:00:00Z'); // still April in New York
    expect(engine.figures('listOrders')!.availability).toMatchObject({ valid: 2 });
    now = at('2026-05-01T05:00:00Z'); // May: a new window, empty
    expect(engine.figures('listOrders')!.availability).toMatchObject({ valid: 0, achieved: null, met: null });
  });
});
