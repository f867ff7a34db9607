import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { proxyFor, startUpstream, tempDir, call, type Upstream } from '../proxy/harness.js';
import type { RunningProxy } from '../../src/proxy/index.js';
import type { Report } from '../../src/report/report.js';
import { cli, fixture } from '../helpers.js';
import { BURST, END, START, burnRate, expectOperationFigures, expected, random, round, type TraceEvent } from './oracle.js';

/**
 * The ground truth, through a real proxy: a seeded trace of nine simulated
 * days (three consumers in two tiers, a weekly maintenance window across
 * Berlin's DST change, a one-off excluded migration, a 5xx burst, upstream
 * resets, a slow tail past the 2 s timeout) is replayed with the proxy's
 * clock injected; the upstream advances the clock by each event's duration.
 * Every figure of GET /report, and of `sworn report` from the store after
 * the proxy stopped, must equal the oracle's.
 */
const CONSUMERS = [
  { name: 'acme', key: 'key-acme', tier: { target: 99.9, fast: 200 } },
  { name: 'hobby', key: 'key-hobby', tier: { target: 98, fast: 300 } },
  { name: '127.0.0.1', key: undefined, tier: { target: 98, fast: 300 } }, // no key: client address, default tier free
];

function trace(): TraceEvent[] {
  const rnd = random(4242);
  const events: TraceEvent[] = [];
  for (let t = START; t < END; ) {
    const c = CONSUMERS[Math.floor(rnd() * CONSUMERS.length)]!;
    const inBurst = t >= BURST[0] && t < BURST[1];
    const r = rnd();
    let status = 200;
    let outcome: TraceEvent['outcome'] = 'response';
    if (inBurst ? r < 0.6 : r < 0.004) status = 503;
    else if (r < 0.006) { status = 502; outcome = 'upstream-error'; }
    else if (r < 0.03) status = 404;
    const u = rnd();
    const durationMs = u < 0.9 ? 20 + Math.floor(rnd() * 180) : u < 0.999 ? 200 + Math.floor(rnd() * 1200) : 2_100 + Math.floor(rnd() * 3000);
    events.push({ at: t, consumer: c.name, status, durationMs, outcome });
    t += inBurst || (t >= BURST[0] - 3_600_000 && t < END) ? 15_000 + Math.floor(rnd() * 15_000) : 120_000 + Math.floor(rnd() * 240_000);
  }
  return events;
}

let clock = START;
let upstream: Upstream;
let proxy: RunningProxy;
let live: Report;
let store: string;
const events = trace();

beforeAll(async () => {
  upstream = await startUpstream((req, res) => {
    clock += Number(req.headers['x-test-duration']);
    if (req.headers['x-test-reset']) return void req.socket.destroy();
    res.writeHead(Number(req.headers['x-test-status']), { 'content-type': 'application/json' }).end('[]');
  });
  store = join(tempDir(), 'sworn.db');
  proxy = await proxyFor(upstream.url, { specFile: fixture('engine-proxy-spec.yaml'), store, clock: () => clock });
  for (const e of events) {
    clock = e.at;
    const consumer = CONSUMERS.find((c) => c.name === e.consumer)!;
    const res = await request(`${proxy.url}/orders`, {
      headers: { 'x-test-duration': String(e.durationMs), 'x-test-status': String(e.status), ...(e.outcome === 'upstream-error' ? { 'x-test-reset': '1' } : {}), ...(consumer.key ? { 'x-api-key': consumer.key } : {}) },
    });
    await res.body.dump();
    expect(res.statusCode).toBe(e.status);
  }
  clock = END;
  live = (await call(`${proxy.adminUrl}/report`)).json() as unknown as Report;
  await proxy.close();
}, 120_000);

afterAll(async () => {
  await upstream?.close();
});

const atEnd = new Date(END).toISOString();

describe('the SLO figures of a replayed trace, through the proxy', () => {
  it('equal the oracle, for the operation and for each consumer against its tier', () => {
    expect(events.length).toBeGreaterThan(3_000);
    const op = live.operations.find((o) => o.operationId === 'listOrders')!;
    expect(op.requests).toBe(events.length);
    const all = expected(events, { target: 99, fast: 300 });
    const slo = op.slo!;
    expect(slo.window).toEqual({ start: new Date(END - 28 * 86_400_000).toISOString(), end: atEnd });
    expectOperationFigures(slo, all);
    for (const [name, ms] of [['5m', 300_000], ['1h', 3_600_000], ['6h', 21_600_000], ['3d', 259_200_000]] as const) {
      expect(slo.burnRates[name], name).toBeCloseTo(burnRate(events, END, ms, { target: 99, fast: 300 }), 5);
    }
    const page = slo.alerts.find((a) => a.severity === 'page')!;
    expect(page.firing).toBe(true);
    expect(live.summary.alertsFiring).toEqual(slo.alerts.filter((a) => a.firing).map((a) => ({ operationId: 'listOrders', severity: a.severity, longBurnRate: a.longBurnRate, shortBurnRate: a.shortBurnRate })));
    // The upstream answers 404 as application/json where the spec says problem+json: the provider's breach, not the consumer's.
    const notFound = events.filter((e) => e.status === 404).length;
    expect(op.violations).toEqual({ request: 0, response: notFound, byCode: { 'response-content-type': notFound } });

    for (const c of CONSUMERS) {
      const mine = expected(events, { consumer: c.name, target: c.tier.target, fast: c.tier.fast });
      const entry = live.consumers.find((x) => x.consumer === c.name)!;
      expect(entry.tier, c.name).toBe(c.name === 'acme' ? 'gold' : 'free');
      expect(entry.requests, c.name).toBe(events.filter((e) => e.consumer === c.name).length);
      const f = entry.operations[0]!.slo!;
      expect(f.availability, c.name).toEqual({ target: c.tier.target, achieved: round((mine.good / mine.valid) * 100), good: mine.good, bad: mine.bad, valid: mine.valid, met: mine.bad <= mine.allowance + 1e-9 });
      expect(f.errorBudget!.total, c.name).toBeCloseTo(mine.allowance, 6);
      expect(f.latency[0]!.achieved, c.name).toBe(round((mine.fast / mine.good) * 100));
      expect(f.latency[1]!.achieved!, c.name).toBeGreaterThanOrEqual(mine.p99 * 0.999);
      expect(f.latency[1]!.achieved!, c.name).toBeLessThanOrEqual(mine.p99 * 1.001 + 1);
      expect(f.maintenanceExcluded, c.name).toBe(mine.maintenanceExcluded);
      const misses = (f.availability!.met === false ? 1 : 0) + f.latency.filter((l) => l.met === false).length;
      expect(entry.breaches, c.name).toEqual({ consumer: 0, provider: events.filter((e) => e.consumer === c.name && e.status === 404).length + misses });
    }
  });

  it('are the same in `sworn report` from the store once the proxy has stopped', async () => {
    const { code, stdout } = await cli(['report', '--store', store, '--format', 'json', '--at', atEnd]);
    expect(code).toBe(0);
    const offline = JSON.parse(stdout) as Report;
    expect(offline.operations.map((o) => [o.operationId, o.requests, o.slo])).toEqual(live.operations.map((o) => [o.operationId, o.requests, o.slo]));
    expect(offline.consumers).toEqual(live.consumers);
    expect(offline.summary).toEqual(live.summary);
  });

  it('count exactly what falls in an explicit window', async () => {
    const since = BURST[0];
    const until = BURST[1];
    const { stdout } = await cli(['report', '--store', store, '--format', 'json', '--at', atEnd, '--since', new Date(since).toISOString(), '--until', new Date(until).toISOString()]);
    const windowed = JSON.parse(stdout) as Report;
    const inside = events.filter((e) => e.at >= since && e.at < until);
    const w = expected(inside, { target: 99, fast: 300 });
    expect(windowed.window).toEqual({ kind: 'explicit', since: new Date(since).toISOString(), until: new Date(until).toISOString() });
    expect(windowed.operations[0]!.slo!.availability).toMatchObject({ good: w.good, bad: w.bad, valid: w.valid, met: false });
  });

  it('fail `--fail-on slo` and the budget gate, each with a reason', async () => {
    const failed = await cli(['report', '--store', store, '--at', atEnd, '--fail-on', 'slo']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^fail-on slo: listOrders: availability [\d.]+ misses 99$/m);
    expect(failed.stdout).toMatch(/listOrders .*✗/);
    const quiet = await cli(['report', '--store', store, '--at', atEnd, '--fail-on', 'violations']);
    expect(quiet.code).toBe(1);
    expect(quiet.stderr.trim()).toBe(`fail-on violations: 0 request violation(s), ${events.filter((e) => e.status === 404).length} response violation(s), 0 request(s) to unknown routes`);
    const all = expected(events, { target: 99, fast: 300 });
    const gate = await cli(['gate', '--store', store, '--at', atEnd]);
    expect(gate.code).toBe(1);
    expect(gate.stderr.trim()).toBe(`FROZEN listOrders: ${Number(((1 - all.bad / all.allowance) * 100).toFixed(2))}% of the error budget left (${all.bad} bad of ${Number(all.allowance.toFixed(2))} allowed), below freezeBelow 0%`);
    // Before the burst the budget was not spent: the gate passes.
    const early = BURST[0] - 3_600_000;
    const then = expected(events.filter((e) => e.at < early), { target: 99, fast: 300 });
    expect(then.bad).toBeLessThan(then.allowance);
    const before = await cli(['gate', '--store', store, '--at', new Date(early).toISOString(), '--format', 'json']);
    expect(before.code).toBe(0);
    expect(JSON.parse(before.stdout)).toMatchObject({ frozen: false, operations: [{ operationId: 'listOrders', freezeBelow: 0, spent: then.bad, frozen: false }] });
    expect((JSON.parse(before.stdout) as { operations: Array<{ remaining: number }> }).operations[0]!.remaining).toBeCloseTo(1 - then.bad / then.allowance, 6);
  });

  it('write JUnit, Markdown and a self-contained HTML report', async () => {
    const junit = await cli(['report', '--store', store, '--at', atEnd, '--format', 'junit']);
    expect(junit.stdout).toContain('<testcase classname="listOrders" name="availability">');
    expect(junit.stdout).toMatch(/<testcase classname="listOrders" name="latency p99">/);
    expect(junit.stdout).toMatch(/<failure message="[\d.]+% of \d+ valid events good \(target 99%\)/);
    expect(junit.stdout).toMatch(/<testsuites name="[^"]+" tests="4" failures="\d+" skipped="0">/);
    const markdown = await cli(['report', '--store', store, '--at', atEnd, '--format', 'markdown']);
    expect(markdown.stdout).toMatch(/^\| `listOrders` \| \d+ \| [\d.]+% of 99% ❌ \|/m);
    const file = join(tempDir(), 'report.html');
    const html = await cli(['report', '--store', store, '--at', atEnd, '--format', 'html', '--output', file]);
    expect(html.code).toBe(0);
    const page = readFileSync(file, 'utf8');
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).not.toMatch(/<script|<link|src="http/);
    expect(page).toMatch(/<figure class="chart" data-chart="burn-down"[^>]*>[^]*?<path data-values="[^"]*" d="M[\d.]+,[\d.]+L/);
    expect(page).toMatch(/<tr data-consumer="acme"><td>acme<\/td><td>gold<\/td>/);
  });
});
