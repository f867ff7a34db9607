import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSpec, listOperations } from '../../src/spec/index.js';
import { resolveSlos } from '../../src/slo/index.js';
import { fixture, ROOT } from '../helpers.js';

async function resolveFile(path: string) {
  const spec = await loadSpec(path, { cwd: ROOT });
  return { spec, slo: resolveSlos(spec, listOperations(spec)) };
}

/** Writes a one-off spec whose info.x-slo and /things GET x-slo are given as YAML text. */
async function resolveInline(documentSlo: string, operationSlo = '', pathSlo = '') {
  const dir = mkdtempSync(join(tmpdir(), 'sworn-slo-'));
  const indent = (text: string, n: number) => text.split('\n').map((l) => ' '.repeat(n) + l).join('\n');
  const file = join(dir, 'spec.yaml');
  writeFileSync(file, [
    'openapi: 3.1.0',
    'info:',
    '  title: t',
    '  version: "1"',
    ...(documentSlo ? ['  x-slo:', indent(documentSlo, 4)] : []),
    'paths:',
    '  /things:',
    ...(pathSlo ? ['    x-slo:', indent(pathSlo, 6)] : []),
    '    get:',
    ...(operationSlo ? ['      x-slo:', indent(operationSlo, 8)] : []),
    '      responses:',
    "        '200': {description: ok}",
  ].join('\n'));
  return resolveFile(file);
}

describe('resolveSlos: inheritance document -> path -> operation -> tier', () => {
  it('resolves the petstore example as documented', async () => {
    const { slo } = await resolveFile('specs/petstore.yaml');
    expect(slo.problems).toEqual([]);
    expect(slo.service).toBe('petstore');
    expect(slo.tier).toBe('P1');
    expect(slo.consumers).toMatchObject({ defaultTier: 'free', maxTracked: 500, tiers: ['free', 'partner'] });
    const byId = Object.fromEntries(slo.operations.map((o) => [o.id, o]));

    const list = byId.listPets!.promise!;
    expect(list.availability).toEqual({ target: 99.9, bad: { status: ['5xx', '429'], timeout: expect.objectContaining({ ms: 10_000 }) }, exclude: { status: ['4xx'], clientAbort: true } });
    // The path's shorthand `latency: {p99: 600ms}` overrides the document's p99 by name; `fast` is inherited.
    expect(list.latency.map((o) => [o.name, o.kind, o.kind === 'threshold' ? o.threshold.ms : o.max.ms])).toEqual([['fast', 'threshold', 300], ['p99', 'percentile', 600]]);
    expect(list.window).toMatchObject({ kind: 'rolling', duration: { ms: 28 * 86_400_000 } });
    expect(list.maintenance.map((m) => m.name)).toEqual(['sunday-patching', 'month-end-batch', 'db-migration']);
    expect(list.maintenance[1]!.effect).toEqual({ exclude: false, suppressAlerts: true });
    expect(list.alerting.burnRates).toHaveLength(3);
    expect(list.budgetPolicy).toEqual({ freezeBelow: 0 });
    expect(list.origins['availability.target']).toBe('/info/x-slo/availability/target');
    expect(list.origins['latency[p99].max']).toBe('/paths/~1pets/x-slo/latency/p99');

    const create = byId.createPet!;
    expect(create.promise!.availability!.target).toBe(99.95);
    expect(create.promise!.latency.find((o) => o.name === 'fast')).toMatchObject({ kind: 'threshold', target: 99, threshold: { ms: 500 } });
    // Tier overrides apply last: the operation's own free-tier override, the document's partner tier.
    expect(create.tiers.free!.availability!.target).toBe(99.5);
    expect(create.tiers.partner!.availability!.target).toBe(99.95);
    expect(create.tiers.partner!.latency.find((o) => o.name === 'fast')).toMatchObject({ threshold: { ms: 200 }, target: 99 });

    const del = byId['DELETE /pets/{petId}']!.promise!;
    expect(del.window).toEqual({ kind: 'calendar', unit: 'month', timeZone: 'Europe/Berlin' });
    expect(del.availability!.target).toBe(99.5);
    expect(del.latency.map((o) => o.name)).toEqual(['fast', 'p99', 'p50']);

    expect(byId.health).toMatchObject({ enabled: false, promise: null, declaredAt: '/paths/~1health/get/x-slo' });
  });

  it('reads every shorthand: availability number, latency map, window string', async () => {
    const { slo } = await resolveInline('availability: 99.9\nlatency: {p99: 800ms, p95: 300ms}\nwindow: 7d');
    const p = slo.operations[0]!.promise!;
    expect(p.availability!.target).toBe(99.9);
    expect(p.availability!.bad.status).toEqual(['5xx']);
    expect(p.latency).toEqual([
      { name: 'p99', kind: 'percentile', percentile: 99, max: expect.objectContaining({ ms: 800 }) },
      { name: 'p95', kind: 'percentile', percentile: 95, max: expect.objectContaining({ ms: 300 }) },
    ]);
    expect(p.window).toMatchObject({ kind: 'rolling', duration: { ms: 7 * 86_400_000 } });
    expect(p.alerting.burnRates.map((r) => [r.long.text, r.short.text, r.factor])).toEqual([['1h', '5m', 14.4], ['6h', '30m', 6], ['3d', '6h', 1]]);
  });

  it('x-slo: false on a path opts out its operations; an operation object below it starts again from the document', async () => {
    const off = await resolveInline('availability: 99.9', '', 'false');
    expect(off.slo.operations[0]).toMatchObject({ enabled: false, promise: null });
    const back = await resolveInline('availability: 99.9', 'latency: {p99: 1s}', 'false');
    expect(back.slo.operations[0]!.promise).toMatchObject({ availability: { target: 99.9 }, latency: [{ name: 'p99' }] });
  });

  it('an operation without any x-slo has no promise but is not opted out', async () => {
    const { slo } = await resolveInline('');
    expect(slo.operations[0]).toMatchObject({ enabled: true, promise: null });
  });

  it('reports typos, impossible targets and durations at their exact position', async () => {
    const { spec, slo } = await resolveFile(fixture('broken/slo-typo.yaml'));
    const located = slo.problems.map((p) => ({ ...spec.locate(p.pointer), message: p.message, rule: p.rule }));
    expect(located).toEqual([
      { file: 'test/fixtures/broken/slo-typo.yaml', line: 6, column: 5, pointer: '/info/x-slo/availabilty', rule: 'x-slo-schema', message: 'unknown key `availabilty` in x-slo (did you mean `availability`?)' },
      { file: 'test/fixtures/broken/slo-typo.yaml', line: 7, column: 5, pointer: '/info/x-slo/window', rule: 'x-slo-schema', message: expect.stringContaining('"28 days" is not a duration') },
      { file: 'test/fixtures/broken/slo-typo.yaml', line: 13, column: 24, pointer: '/paths/~1pets/get/x-slo/availability/target', rule: 'x-slo-schema', message: expect.stringContaining('target 101 is impossible') },
    ]);
  });

  it('finds a p99 below the p50, after inheritance', async () => {
    const { slo } = await resolveInline('latency: {p50: 300ms}', 'latency: {p99: 200ms}');
    expect(slo.problems).toEqual([expect.objectContaining({ rule: 'latency-percentile-order', pointer: '/paths/~1things/get/x-slo/latency/p99', operations: ['GET /things'] })]);
  });

  it('finds incomplete and contradictory objectives and maintenance windows', async () => {
    const { slo } = await resolveInline(
      'latency: [{name: fast, threshold: 300ms}]\nmaintenance:\n  - {name: a, rrule: "FREQ=WEEKLY"}\n  - {name: b, cron: "0 0 * * *", duration: 1h, end: "2026-01-01T00:00:00Z"}\n  - {name: c, rrule: "FREQ=SOMETIMES", duration: 1h}\n  - {name: d, cron: "0 0 * *", duration: 1h}\n  - {name: e, rrule: "FREQ=DAILY", duration: 1h, timeZone: Mars/Olympus}',
      'latency: [{name: fast, percentile: 99, max: 1s}]',
    );
    const rules = slo.problems.map((p) => `${p.rule} ${p.pointer}`);
    expect(rules).toEqual([
      'latency-objective-shape /paths/~1things/get/x-slo/latency/0',
      'maintenance-incomplete /info/x-slo/maintenance/0',
      'maintenance-incomplete /info/x-slo/maintenance/1/end',
      'maintenance-rule /info/x-slo/maintenance/2/rrule',
      'maintenance-rule /info/x-slo/maintenance/3/cron',
      'maintenance-rule /info/x-slo/maintenance/4/timeZone',
    ]);
    expect(slo.problems[3]!.message).toContain('FREQ must be one of');
    expect(slo.problems[4]!.message).toContain('five fields');
  });

  it('checks burn-rate alerts against the target and the window', async () => {
    const { slo } = await resolveInline('availability: 99\nwindow: 1d\nalerting:\n  burnRates:\n    - {severity: page, long: 5m, short: 1h, factor: 2}\n    - {severity: page, long: 2d, short: 1h, factor: 200}');
    expect(slo.problems.map((p) => p.rule)).toEqual(['alert-window-order', 'alert-unreachable', 'alert-window-longer-than-slo']);
  });

  it('rejects x-slo declared both at the root and under info, and uses the one under info', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sworn-slo-'));
    const file = join(dir, 'spec.yaml');
    writeFileSync(file, 'openapi: 3.1.0\ninfo:\n  title: t\n  version: "1"\n  x-slo: {availability: 99}\nx-slo: {availability: 95}\npaths:\n  /a:\n    get:\n      responses: {"200": {description: ok}}\n');
    const { spec, slo } = await resolveFile(file);
    expect(slo.problems.map((p) => [p.rule, spec.locate(p.pointer).line])).toEqual([['x-slo-duplicate', 6]]);
    expect(slo.operations[0]!.promise!.availability!.target).toBe(99);
  });

  it('rejects a default tier that is not declared', async () => {
    const { slo } = await resolveInline('consumers: {defaultTier: gold, tiers: {free: {availability: 99}}}');
    expect(slo.problems).toEqual([expect.objectContaining({ rule: 'consumer-unknown-tier', pointer: '/info/x-slo/consumers/defaultTier' })]);
  });
});
