import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { closeAfterEach, call, proxyFor, startUpstream, tempDir } from '../proxy/harness.js';
import { loadSpec, listOperations } from '../../src/spec/index.js';
import { resolveSlos } from '../../src/slo/index.js';
import { Store } from '../../src/store/index.js';
import { cli, fixture } from '../helpers.js';
import { replayIntoStore } from './replay.js';

closeAfterEach();

const SPEC = `openapi: 3.1.0
info:
  title: Baseline test   # the service's name
  version: 1.0.0
  x-slo:
    window: 28d                   # rolling
    latency:
      - {name: p99,  percentile: 99, max: 2s}     # generous for now
paths:
  /things:
    get:
      operationId: listThings
      x-slo:
        availability: {target: 99.9}   # what we hoped for
      responses:
        '200': {description: ok}
        '503': {description: overloaded}
  /things/{id}:
    get:
      operationId: getThing            # no promise of its own
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200': {description: ok}
  /rare:
    get:
      operationId: rare
      responses:
        '200': {description: ok}
`;

const AT = Date.parse('2026-06-10T00:00:00Z');

/** A store of two days of traffic, replayed through a proxy with its clock injected. */
async function recordTraffic(specFile: string): Promise<string> {
  return replayIntoStore(specFile, AT, async (send) => {
    // listThings: 3 bad in 2,000 (99.85%); 95% at 40 ms, the rest at 300 ms.
    for (let i = 0; i < 2_000; i++) await send('/things', i % 600 === 599 ? 503 : 200, i % 100 < 95 ? 40 : 300);
    for (let i = 0; i < 500; i++) await send(`/things/${i}`, 200, 10);
    for (let i = 0; i < 10; i++) await send('/rare', 200, 10);
  });
}

describe('sworn baseline', () => {
  it('proposes the promise each operation keeps and the next rung, prints a diff, and --write edits the YAML in place', async () => {
    const dir = tempDir();
    const specFile = join(dir, 'api.yaml');
    writeFileSync(specFile, SPEC);
    const store = await recordTraffic(specFile);
    const at = new Date(AT).toISOString();

    const json = await cli(['baseline', specFile, '--store', store, '--at', at, '--format', 'json']);
    expect(json.code).toBe(0);
    const proposals = (JSON.parse(json.stdout) as { proposals: Array<Record<string, unknown>> }).proposals;
    expect(proposals.find((p) => p.operationId === 'listThings')).toMatchObject({
      observed: { valid: 2_000, good: 1_997, bad: 3, p95: 40, p99: 300 },
      current: { availability: 99.9, p99: 2_000 },
      availability: 99.5,
      next: 99.9,
      latency: { p99Max: 380, fastThreshold: 50, fastTarget: 95 },
      weaker: true,
    });
    expect(proposals.find((p) => p.operationId === 'getThing')).toMatchObject({ availability: 99.99, next: null, latency: { p99Max: 15, fastThreshold: 15 } });
    expect(proposals.find((p) => p.operationId === 'rare')).toMatchObject({ skipped: '10 valid event(s) in the window; a proposal needs at least 100' });

    const dry = await cli(['baseline', specFile, '--store', store, '--at', at]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^listThings\s+2000\s+99\.85%\s+99\.5%\s+99\.9%\s+99\.9%\s+p99 ≤ 380ms/m);
    expect(dry.stdout).toContain('-        availability: {target: 99.9}   # what we hoped for');
    expect(dry.stdout).toContain('+          - {name: p99, percentile: 99, max: 380ms}');
    expect(readFileSync(specFile, 'utf8')).toBe(SPEC); // a dry run changes nothing

    // listThings would promise 99.5 instead of 99.9: refused without --allow-weaker, and nothing written.
    const refused = await cli(['baseline', specFile, '--store', store, '--at', at, '--write']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('  - listThings: availability 99.9% -> 99.5%');
    expect(readFileSync(specFile, 'utf8')).toBe(SPEC);
    const wrote = await cli(['baseline', specFile, '--store', store, '--at', at, '--write', '--allow-weaker']);
    expect(wrote.code).toBe(0);
    expect(wrote.stderr).toContain('wrote 2 operation(s)');
    const after = readFileSync(specFile, 'utf8');
    // Lines the edit did not touch are kept byte for byte, alignment and comments included.
    for (const line of ['  title: Baseline test   # the service\'s name', '    window: 28d                   # rolling', '      - {name: p99,  percentile: 99, max: 2s}     # generous for now', '      operationId: getThing            # no promise of its own']) expect(after).toContain(line);
    const spec = await loadSpec(specFile);
    const slo = resolveSlos(spec, listOperations(spec));
    expect(slo.problems).toEqual([]);
    const promise = (id: string) => slo.operations.find((o) => o.id === id)!.promise!;
    expect(promise('listThings').availability!.target).toBe(99.5);
    expect(promise('listThings').latency.map((l) => (l.kind === 'percentile' ? [l.name, l.max.ms] : [l.name, l.threshold.ms, l.target]))).toEqual([['p99', 380], ['fast', 50, 95]]);
    expect(promise('getThing').availability!.target).toBe(99.99);
    expect(promise('rare').availability).toBeUndefined();
    // Written once, a second run has nothing left to change.
    const again = await cli(['baseline', specFile, '--store', store, '--at', at]);
    expect(again.stderr).toContain('nothing to change in the spec');
  }, 60_000);
});

describe('sworn report and gate, inputs', () => {
  it('explain a missing store, a bad window, an unknown operation', async () => {
    const missing = await cli(['report', '--store', join(tempDir(), 'nope.db')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('SWORN_ERR_STORE: no store at');
    const dir = tempDir();
    const store = join(dir, 'sworn.db');
    new Store(store).close();
    const noSpec = await cli(['report', '--store', store]);
    expect(noSpec.stderr).toContain('does not say which spec it checked');
    const both = await cli(['report', '--store', store, '--spec', fixture('engine-spec.yaml'), '--window', '7d', '--since', '1d']);
    expect(both.stderr).toContain('SWORN_ERR_USAGE: --window cannot be combined with --since/--until');
    const badWindow = await cli(['report', '--store', store, '--spec', fixture('engine-spec.yaml'), '--window', 'a week']);
    expect(badWindow.stderr).toContain('hint: Write e.g. --window 28d');
    const op = await cli(['report', '--store', store, '--spec', fixture('engine-spec.yaml'), '--operation', 'listOrder']);
    expect(op.stderr).toContain('SWORN_ERR_OPERATION_NOT_FOUND');
    expect(op.stderr).toContain('Did you mean --operation listOrders?');
    const gate = await cli(['gate', '--store', store, '--spec', fixture('proxy/api.yaml')]);
    expect(gate).toMatchObject({ code: 0, stdout: 'no operation declares budgetPolicy.freezeBelow: nothing to gate\n' });
  });

  it('refuses a store with an older layout, saying what to do', async () => {
    const dir = tempDir();
    const file = join(dir, 'old.db');
    // The first layout: counts without hours.
    const db = new Database(file);
    db.exec("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); CREATE TABLE requests (operation TEXT NOT NULL, consumer TEXT NOT NULL, tier TEXT NOT NULL, requests INTEGER NOT NULL, PRIMARY KEY (operation, consumer)); INSERT INTO requests VALUES ('listOrders', 'acme', 'gold', 12);");
    db.close();
    const result = await cli(['report', '--store', file, '--spec', fixture('engine-spec.yaml')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('has an older layout (schema 1; this version writes 2)');
    expect(result.stderr).toContain('Move the file away');
    const after = new Database(file, { readonly: true });
    expect((after.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((t) => t.name)).toEqual(['meta', 'requests']); // left as it was
    after.close();
  });

  it('serves windows and filters on GET /report, and a 400 for a bad one', async () => {
    let clock = Date.parse('2026-06-01T00:00:00Z');
    const upstream = await startUpstream((req, res) => res.writeHead(Number(req.headers['x-test-status'] ?? 200)).end());
    const proxy = await proxyFor(upstream.url, { specFile: fixture('engine-spec.yaml'), store: join(tempDir(), 'sworn.db'), clock: () => clock });
    for (let i = 0; i < 6; i++) {
      clock += 3_600_000;
      await call(`${proxy.url}/orders`, { headers: { 'x-test-status': i < 3 ? '500' : '200' } });
    }
    clock += 3_600_000; // windows end now and exclude it: the last event is an hour ago
    const all = (await call(`${proxy.adminUrl}/report`)).json() as { operations: Array<{ requests: number; slo: { availability: { bad: number; valid: number } } }> };
    expect(all.operations[0]).toMatchObject({ requests: 6, slo: { availability: { bad: 3, valid: 6 } } });
    const lastTwo = (await call(`${proxy.adminUrl}/report?window=2h`)).json() as typeof all & { window: unknown };
    expect(lastTwo.operations[0]).toMatchObject({ requests: 2, slo: { availability: { bad: 0, valid: 2 } } });
    // The same events as counters Prometheus can add up across pods: 3 bad and 3 good, each allowing 1% (99%).
    const metrics = (await call(`${proxy.adminUrl}/metrics`)).text;
    expect(metrics).toContain('sworn_slo_events_total{service="engine-spec",operation="listOrders",outcome="bad"} 3');
    expect(metrics).toContain('sworn_slo_events_total{service="engine-spec",operation="listOrders",outcome="good"} 3');
    expect(metrics).toMatch(/sworn_slo_error_budget_allowance_total\{service="engine-spec",operation="listOrders"\} 0\.06\d*\b/);
    expect(metrics).toContain('sworn_slo_objective_info{service="engine-spec",operation="listOrders",objective="availability",kind="availability",target="99",threshold="",window="28d"} 1');
    // No per-pod verdict gauges: a pod's availability or burn rate cannot be added up into the service's.
    expect(metrics).not.toMatch(/sworn_slo_(availability_percent|burn_rate|alert_firing|objective_met|error_budget_remaining_ratio)/);
    // Both ticket windows burn at 50 (> 1), but 6 events in 3 days is below minEventsPerHour: silenced, as /report says.
    expect((all as unknown as { operations: Array<{ slo: { alerts: unknown[] } }> }).operations[0]!.slo.alerts).toContainEqual(expect.objectContaining({ severity: 'ticket', firing: false, silencedBy: 'low-traffic' }));
    const bad = await call(`${proxy.adminUrl}/report?window=soon`);
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'SWORN_ERR_USAGE', hint: 'Write e.g. --window 28d, 6h or 30m.' });
    const unknown = await call(`${proxy.adminUrl}/report?operation=nope`);
    expect(unknown.status).toBe(400);
  });
});
