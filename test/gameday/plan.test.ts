import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SwornError } from '../../src/errors.js';
import { ROOT } from '../helpers.js';
import { faultJson, parseFault } from '../../src/faults/model.js';
import { faultTtlMs, loadPlan, parsePlan } from '../../src/gameday/plan.js';

/** The design target of the plan format, verbatim (comments and all). */
const DESIGN_TARGET = `gameday: payments degradation, checkout canary      # title
hypothesis:                                          # the steady state: promises, not probes
  promises:
    - {proxy: http://127.0.0.1:9464, consumer: checkout, operations: [createOrder]}   # its tier's objectives
  # or: {prometheus: http://prom:9090, service: orders}, or {store: sworn.db}
target:                                              # where faults go
  proxy: http://127.0.0.1:9474                       # the sidecar in front of the dependency (admin URL)
  # or: mock: specs/payments.yaml                    # sworn starts a mock behaving as promised
blastRadius: {consumers: [checkout], operations: [createPayment], percent: 10}
drive:                                               # what produces traffic during each step
  traffic: {rate: 50/s}                              # built from the target's spec
  # or: command: "npm test"                          # the consumer's own suite, once per step
steps:                                               # escalate until the hypothesis breaks
  - {latency: +200ms, for: 2m}
  - {latency: 5x, error: 2%, for: 2m}
  - {error: 20%, reset: 1%, for: 2m}
  - {unavailable: true, for: 1m}
abort:                                               # stop at once when any holds
  burnRate: {factor: 14.4, window: 5m}
  availabilityBelow: 95
  onCommandFailure: true
between: 1m                                          # recovery time after each step, measured too
`;

const FILE = 'plans/payments.yaml';
const SCOPE = { operations: ['createPayment'], consumers: ['checkout'] };
const LABEL = 'gameday payments degradation, checkout canary step';

/** A minimal valid plan, one line per entry (line N is MINIMAL[N - 1]); `edit` replaces lines (1-based) and `extra` appends. */
const MINIMAL = [
  'gameday: drill',
  'hypothesis:',
  '  promises:',
  '    - {proxy: http://127.0.0.1:9464, consumer: checkout}',
  'target: {proxy: http://127.0.0.1:9474}',
  'steps:',
  '  - {latency: +200ms, for: 2m}',
];
const minimal = (edit: Record<number, string> = {}, extra: string[] = []): string => [...MINIMAL.map((line, i) => edit[i + 1] ?? line), ...extra, ''].join('\n');

/** The SwornError parsePlan throws for `text` (fails the test when it parses). */
function rejected(text: string, env: Record<string, string | undefined> = {}, file = 'plan.yaml'): SwornError {
  try {
    parsePlan(text, file, { env });
  } catch (error) {
    expect(error).toBeInstanceOf(SwornError);
    expect((error as SwornError).code).toBe('SWORN_ERR_GAMEDAY');
    return error as SwornError;
  }
  throw new Error('expected the plan to be rejected');
}

describe('parsePlan: the design target', () => {
  const plan = parsePlan(DESIGN_TARGET, FILE, { env: {} });

  it('reads the title, hypothesis, target, blast radius, drive, abort criteria and timings', () => {
    expect(plan.title).toBe('payments degradation, checkout canary');
    expect(plan.file).toBe(FILE);
    expect(plan.hypothesis).toEqual([{ source: { proxy: 'http://127.0.0.1:9464' }, consumer: 'checkout', operations: ['createOrder'], location: { file: FILE, line: 4, column: 7, pointer: '/hypothesis/promises/0' } }]);
    expect(plan.target).toEqual({ proxy: 'http://127.0.0.1:9474' });
    expect(plan.blastRadius).toEqual({ consumers: ['checkout'], operations: ['createPayment'], percent: 10 });
    expect(plan.drive).toEqual({ traffic: { perSecond: 50 } });
    expect(plan.abort).toEqual({ burnRate: { factor: 14.4, windowMs: 300_000 }, availabilityBelow: 95, onCommandFailure: true });
    expect(plan.betweenMs).toBe(60_000);
    expect(plan.baselineMs).toBe(30_000);
    expect(plan.seed).toBe(1);
  });

  it('turns each step into faults scoped by the blast radius, with rate-style shares of its percent', () => {
    expect(plan.steps.map((s) => ({ index: s.index, summary: s.summary, durationMs: s.durationMs, line: s.location?.line, pointer: s.location?.pointer }))).toEqual([
      { index: 1, summary: 'latency +200ms', durationMs: 120_000, line: 14, pointer: '/steps/0' },
      { index: 2, summary: 'latency 5x; error 2%', durationMs: 120_000, line: 15, pointer: '/steps/1' },
      { index: 3, summary: 'error 20%; reset 1%', durationMs: 120_000, line: 16, pointer: '/steps/2' },
      { index: 4, summary: 'unavailable', durationMs: 60_000, line: 17, pointer: '/steps/3' },
    ]);
    const [one, two, three, four] = plan.steps;
    // 2 minutes + max(30s, 1m) = 3m; 1 minute + max(30s, 30s) = 1m30s. Seed: plan seed 1 + the step's index.
    expect(one?.faults).toEqual([{ action: { kind: 'latency', addMs: 200, factor: 1, jitterMs: 0 }, scope: { ...SCOPE, percent: 10 }, ttlMs: 180_000, seed: 2, label: `${LABEL} 1` }]);
    expect(two?.faults).toEqual([
      { action: { kind: 'latency', addMs: 0, factor: 5, jitterMs: 0 }, scope: { ...SCOPE, percent: 10 }, ttlMs: 180_000, seed: 3, label: `${LABEL} 2` },
      { action: { kind: 'error', status: 503 }, scope: { ...SCOPE, percent: 0.2 }, ttlMs: 180_000, seed: 3, label: `${LABEL} 2` },
    ]);
    expect(three?.faults.map((f) => [f.action.kind, f.scope.percent, f.seed])).toEqual([['error', 2, 4], ['reset', 0.1, 4]]);
    expect(four?.faults).toEqual([{ action: { kind: 'unavailable' }, scope: { ...SCOPE, percent: 10 }, ttlMs: 90_000, seed: 5, label: `${LABEL} 4` }]);
  });

  it('makes faults the fault model reads back unchanged (what POST /faults receives)', () => {
    for (const fault of plan.steps.flatMap((s) => s.faults)) {
      expect(parseFault(faultJson(fault))).toEqual(fault);
    }
  });

  it('reads the same plan written as JSON, with locations in the JSON file', () => {
    const json = JSON.stringify({
      gameday: 'payments degradation, checkout canary',
      hypothesis: { promises: [{ proxy: 'http://127.0.0.1:9464', consumer: 'checkout', operations: ['createOrder'] }] },
      target: { proxy: 'http://127.0.0.1:9474' },
      blastRadius: { consumers: ['checkout'], operations: ['createPayment'], percent: 10 },
      drive: { traffic: { rate: '50/s' } },
      steps: [{ latency: '+200ms', for: '2m' }, { latency: '5x', error: '2%', for: '2m' }, { error: '20%', reset: '1%', for: '2m' }, { unavailable: true, for: '1m' }],
      abort: { burnRate: { factor: 14.4, window: '5m' }, availabilityBelow: 95, onCommandFailure: true },
      between: '1m',
    }, null, 2);
    const fromJson = parsePlan(json, 'plans/payments.json', { env: {} });
    const strip = (p: typeof plan) => ({ ...p, file: '', hypothesis: p.hypothesis.map(({ location: _l, ...rest }) => rest), steps: p.steps.map(({ location: _l, ...rest }) => rest) });
    expect(strip(fromJson)).toEqual(strip(plan));
    const line = json.split('\n').findIndex((l) => l.includes('"unavailable"')) + 1;
    expect(fromJson.steps[3]?.location).toMatchObject({ file: 'plans/payments.json', line: line - 1, pointer: '/steps/3' });
  });
});

describe('parsePlan: forms and defaults', () => {
  it('defaults: no blast radius is 100% of everything, no drive is none, no abort stops only on signals, seed 1', () => {
    const plan = parsePlan(minimal(), 'plan.yaml', { env: {} });
    expect(plan.blastRadius).toEqual({ percent: 100 });
    expect(plan.drive).toEqual({ none: true });
    expect(plan.abort).toEqual({ onCommandFailure: false });
    expect(plan.betweenMs).toBe(0);
    expect(plan.baselineMs).toBe(30_000);
    expect(plan.steps[0]?.faults[0]?.scope).toEqual({ percent: 100 });
    expect(plan.steps[0]?.faults[0]?.seed).toBe(2);
  });

  it('reads tokens from the environment, resolves paths against the plan folder, and defaults onCommandFailure to true for a command', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sworn-gameday-'));
    mkdirSync(join(dir, 'specs'));
    writeFileSync(join(dir, 'specs', 'petstore.yaml'), 'openapi: 3.0.3\n');
    writeFileSync(join(dir, 'sworn.db'), '');
    const text = [
      'gameday: staging suite',
      'hypothesis:',
      '  promises:',
      '    - {store: sworn.db, consumer: web}',
      '    - {proxy: "https://admin.example:9464", token: "Bearer ${PROXY_TOKEN}"}',
      '    - {prometheus: http://prom:9090, service: orders, operations: [listPets]}',
      'target: {mock: specs/petstore.yaml}',
      'drive: {command: npm test, timeout: 5m}',
      'seed: 40',
      'baseline: 10s',
      'between: 0',
      'steps:',
      '  - latency: +200ms±50ms',
      '    error: {rate: 5%, status: 500, body: {message: down}}',
      '    for: 30s',
      '  - {latency: "+1s", jitter: 100ms, timeout: {rate: "1%", after: 10s}, truncate: {rate: 2, keep: "25%"}, bandwidth: 16KB/s, for: 1h}',
      '',
    ].join('\n');
    const file = join(dir, 'staging.yaml');
    writeFileSync(file, text);
    const plan = parsePlan(text, file, { env: { PROXY_TOKEN: 's3cret' } });
    expect(plan.hypothesis.map((p) => p.source)).toEqual([{ store: [join(dir, 'sworn.db')] }, { proxy: 'https://admin.example:9464', token: 'Bearer s3cret' }, { prometheus: 'http://prom:9090', service: 'orders' }]);
    expect(plan.hypothesis[2]?.operations).toEqual(['listPets']);
    expect(plan.target).toEqual({ mock: join(dir, 'specs', 'petstore.yaml') });
    expect(plan.drive).toEqual({ command: 'npm test', timeoutMs: 300_000 });
    expect(plan.abort.onCommandFailure).toBe(true);
    expect(plan.seed).toBe(40);
    expect(plan.baselineMs).toBe(10_000);
    expect(plan.betweenMs).toBe(0);
    const [one, two] = plan.steps;
    expect(one?.location).toMatchObject({ line: 13, column: 5 });
    expect(one?.summary).toBe('latency +200ms ±50ms; error 5% status 500');
    expect(one?.faults.map((f) => f.action)).toEqual([{ kind: 'latency', addMs: 200, factor: 1, jitterMs: 50 }, { kind: 'error', status: 500, body: { message: 'down' } }]);
    expect(one?.faults.map((f) => [f.ttlMs, f.seed, f.scope.percent])).toEqual([[60_000, 41, 100], [60_000, 41, 5]]);
    expect(two?.location).toMatchObject({ line: 16 });
    expect(two?.summary).toBe('latency +1s ±100ms; timeout 1% after 10s; truncate 2% keeping 25% of the body; bandwidth 16KB/s');
    expect(two?.faults.map((f) => f.action)).toEqual([{ kind: 'latency', addMs: 1000, factor: 1, jitterMs: 100 }, { kind: 'timeout', afterMs: 10_000 }, { kind: 'truncate', keep: 0.25 }, { kind: 'bandwidth', bytesPerSecond: 16_000 }]);
    // 1h + max(30s, 30m) = 1h30m.
    expect(two?.faults.every((f) => f.ttlMs === 5_400_000 && f.seed === 42)).toBe(true);
  });

  it('reads a store source as one file or a list (every pod its own), with the spec and the proxies\' flush interval; refuses an empty list, a missing file at its item, a flush interval over a minute', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sworn-gameday-'));
    for (const f of ['pod-a.db', 'pod-b.db', 'api.yaml']) writeFileSync(join(dir, f), '');
    const file = join(dir, 'plan.yaml');
    const planWith = (source: string) => ['gameday: pods', 'hypothesis:', '  promises:', `    - ${source}`, 'target: {proxy: http://127.0.0.1:9464}', 'steps:', '  - {latency: +5ms, for: 1s}', ''].join('\n');
    const plan = parsePlan(planWith('{store: [pod-a.db, pod-b.db], spec: api.yaml, flushInterval: 5s, consumer: web}'), file);
    expect(plan.hypothesis[0]?.source).toEqual({ store: [join(dir, 'pod-a.db'), join(dir, 'pod-b.db')], spec: join(dir, 'api.yaml'), flushIntervalMs: 5_000 });
    const refused = (source: string) => {
      try {
        parsePlan(planWith(source), file);
      } catch (error) {
        return error as SwornError;
      }
      throw new Error(`accepted ${source}`);
    };
    expect(refused('{store: []}').message).toContain('`store` is an empty list');
    const missing = refused('{store: [pod-a.db, pod-c.db]}');
    expect(missing.message).toContain('pod-c.db does not exist');
    expect(missing.location).toMatchObject({ pointer: '/hypothesis/promises/0/store/1', line: 4 });
    expect(refused('{store: pod-a.db, flushInterval: 2m}').message).toContain('is over a minute');
    expect(refused('{store: pod-a.db, flushIntervall: 1s}').hint).toContain('flushInterval');
  });

  it('reads percent as 10 or "10%", rates as 50, "50/s" or "3000/m"', () => {
    for (const [percent, rate] of [['10', '50'], ['"10%"', '3000/m'], ['10%', '"50/s"']] as const) {
      const plan = parsePlan(minimal({}, [`blastRadius: {percent: ${percent}}`, `drive: {traffic: {rate: ${rate}}}`]), 'plan.yaml', { env: {} });
      expect(plan.blastRadius.percent).toBe(10);
      expect(plan.drive).toEqual({ traffic: { perSecond: 50 } });
    }
  });

  it('keeps every fault within 24h: the margin is half the step, at least 30s, capped at 24h in all', () => {
    expect(faultTtlMs(500)).toBe(30_500);
    expect(faultTtlMs(10_000)).toBe(40_000);
    expect(faultTtlMs(3_600_000)).toBe(5_400_000);
    expect(faultTtlMs(20 * 3_600_000)).toBe(24 * 3_600_000);
    const plan = parsePlan(minimal({ 7: '  - {error: 1%, for: 16h}' }), 'plan.yaml', { env: {} });
    expect(plan.steps[0]?.faults[0]?.ttlMs).toBe(24 * 3_600_000);
  });

  it('refuses a step its faults could not outlive by their margin (over 16h), and one under 1ms', () => {
    for (const step of ['  - {error: 1%, for: 20h}', '  - {latency: +10ms, for: 23h60m}', '  - {latency: +10ms, for: 0.5ms}']) {
      const e = rejected(minimal({ 7: step }));
      expect(e.message).toBe('step 1: `for` must be from 1ms to 16h (its faults live the step plus half of it, at most 24h)');
      expect(e.location).toMatchObject({ line: 7, pointer: '/steps/0/for' });
    }
  });

  it('loadPlan reads the file; a missing file is SWORN_ERR_GAMEDAY', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sworn-gameday-'));
    const file = join(dir, 'p.yaml');
    writeFileSync(file, minimal());
    expect((await loadPlan(file, { env: {} })).steps).toHaveLength(1);
    await expect(loadPlan(join(dir, 'nope.yaml'))).rejects.toMatchObject({ code: 'SWORN_ERR_GAMEDAY', message: expect.stringContaining('no such file') });
  });
});

describe('parsePlan: rejections name file:line, the pointer and what to write', () => {
  it('an unknown step key suggests the nearest one', () => {
    const e = rejected(minimal({ 7: '  - {latncy: +200ms, for: 2m}' }));
    expect(e.message).toContain('unknown key `latncy`');
    expect(e.hint).toContain('Did you mean `latency`?');
    expect(e.location).toEqual({ file: 'plan.yaml', line: 7, column: 6, pointer: '/steps/0/latncy' });
  });

  it('an unknown top-level key suggests the nearest one', () => {
    const e = rejected(minimal({ 6: 'step:' }));
    expect(e.hint).toContain('Did you mean `steps`?');
    expect(e.location).toMatchObject({ line: 6, pointer: '/step' });
  });

  it('a step without `for`', () => {
    const e = rejected(minimal({}, ['  - {error: 2%, for: 1m}', '  - {reset: 1%}']));
    expect(e.message).toBe('step 3 has no `for`: how long its faults stay');
    expect(e.hint).toContain('for: 2m');
    expect(e.location).toMatchObject({ line: 9, pointer: '/steps/2' });
  });

  it('a bad rate of errors, and one over 100%', () => {
    const words = rejected(minimal({ 7: '  - {error: two percent, for: 2m}' }));
    expect(words.message).toContain('"two percent" is not a percentage');
    expect(words.location).toMatchObject({ line: 7, pointer: '/steps/0/error' });
    const over = rejected(minimal({ 7: '  - {error: {rate: 150%}, for: 2m}' }));
    expect(over.message).toContain('up to 100');
    expect(over.location).toMatchObject({ line: 7, pointer: '/steps/0/error/rate' });
  });

  it('empty steps, steps that are not a list, and more than 50 steps', () => {
    expect(rejected(minimal({ 6: 'steps: []', 7: '' })).location).toMatchObject({ line: 6, pointer: '/steps' });
    const map = rejected(minimal({ 7: '  latency: +200ms' }));
    expect(map.message).toContain('must be a list of steps, not a map');
    expect(map.location).toMatchObject({ line: 6 });
    const many = rejected(minimal({}, Array.from({ length: 50 }, () => '  - {error: 1%, for: 1s}')));
    expect(many.message).toContain('51 steps; at most 50');
    expect(many.location).toMatchObject({ line: 57, pointer: '/steps/50' });
  });

  it('an unknown target kind suggests the nearest one', () => {
    const e = rejected(minimal({ 5: 'target: {moc: specs/petstore.yaml}' }));
    expect(e.message).toContain('unknown target kind `moc`');
    expect(e.hint).toContain('Did you mean `mock`?');
    expect(e.location).toMatchObject({ line: 5, pointer: '/target/moc' });
  });

  it('an unset ${ENV} in a token is named', () => {
    const e = rejected(minimal({ 5: 'target: {proxy: http://127.0.0.1:9474, token: "${SWORN_GAMEDAY_TOKEN}"}' }), { OTHER: 'x' });
    expect(e.message).toBe('`target.token`: the environment variable SWORN_GAMEDAY_TOKEN is not set');
    expect(e.hint).toContain('export SWORN_GAMEDAY_TOKEN=');
    expect(e.location).toMatchObject({ line: 5, pointer: '/target/token' });
    const unclosed = rejected(minimal({ 4: '    - {proxy: http://127.0.0.1:9464, token: "${TOKEN"}' }), { TOKEN: 'x' });
    expect(unclosed.location).toMatchObject({ line: 4, pointer: '/hypothesis/promises/0/token' });
  });

  it('a blast radius over 100%, and a misspelt blast-radius key', () => {
    const over = rejected(minimal({}, ['blastRadius: {consumers: [checkout], percent: 150}']));
    expect(over.message).toContain('150 is not a percentage');
    expect(over.message).toContain('up to 100');
    expect(over.location).toMatchObject({ line: 8, pointer: '/blastRadius/percent' });
    const key = rejected(minimal({}, ['blastRadius:', '  consumer: [checkout]']));
    expect(key.hint).toContain('Did you mean `consumers`?');
    expect(key.location).toMatchObject({ line: 9, pointer: '/blastRadius/consumer' });
  });

  it('a bad traffic rate, and a rate over the limit', () => {
    const e = rejected(minimal({}, ['drive:', '  traffic: {rate: fast}']));
    expect(e.message).toContain('"fast" is not a rate of requests');
    expect(e.hint).toContain('50/s');
    expect(e.location).toMatchObject({ line: 9, pointer: '/drive/traffic/rate' });
    expect(rejected(minimal({}, ['drive: {traffic: {rate: 60000/s}}'])).location).toMatchObject({ line: 8 });
  });

  it('a latency that is neither a delay nor a factor, and jitter without latency', () => {
    const e = rejected(minimal({ 7: '  - {latency: 200, for: 2m}' }));
    expect(e.message).toContain('must be a text such as +200ms or 5x, not number 200');
    expect(e.location).toMatchObject({ line: 7, pointer: '/steps/0/latency' });
    expect(rejected(minimal({ 7: '  - {latency: +2oo, for: 2m}' })).message).toContain('neither an added delay nor a factor');
    const jitter = rejected(minimal({ 7: '  - {error: 1%, jitter: 50ms, for: 2m}' }));
    expect(jitter.location).toMatchObject({ line: 7, pointer: '/steps/0/jitter' });
  });

  it('the fault model\'s own checks are shown at the step: a status that is not an error, a factor too large', () => {
    const status = rejected(minimal({ 7: '  - error: {rate: 5%, status: 200}' }, ['    for: 2m']));
    expect(status.message).toBe('step 1: `error` (status): 200 is not a whole number from 400 to 599');
    expect(status.location).toMatchObject({ line: 7, pointer: '/steps/0/error/status' });
    const factor = rejected(minimal({}, ['  - {latency: 5000x, for: 2m}']));
    expect(factor.message).toContain('not a slow-down factor from 1 to 1000');
    expect(factor.location).toMatchObject({ line: 8, pointer: '/steps/1/latency' });
  });

  it('a missing title, a missing hypothesis source (with a suggestion), a missing target file', () => {
    const title = rejected(minimal({ 1: '# no title' }));
    expect(title.message).toBe('the plan has no `gameday` title');
    expect(title.location).toMatchObject({ line: 2, pointer: '' });
    const source = rejected(minimal({ 4: '    - {proxi: http://127.0.0.1:9464, consumer: checkout}' }));
    expect(source.message).toContain('does not say where its figures are read');
    expect(source.hint).toContain('Did you mean `proxy`?');
    expect(source.location).toMatchObject({ line: 4, pointer: '/hypothesis/promises/0' });
    const missing = rejected(minimal({ 5: 'target: {mock: specs/nothing.yaml}' }), {}, join(tmpdir(), 'plan.yaml'));
    expect(missing.message).toContain('specs/nothing.yaml does not exist');
    expect(missing.location).toMatchObject({ line: 5, pointer: '/target/mock' });
  });

  it('wrong types say what to write instead: unavailable false, for without unit, onCommandFailure as text', () => {
    const unavailable = rejected(minimal({ 7: '  - {unavailable: false, for: 2m}' }));
    expect(unavailable.hint).toContain('unavailable: true');
    expect(unavailable.location).toMatchObject({ line: 7 });
    const unitless = rejected(minimal({ 7: '  - {reset: 1%, for: 120}' }));
    expect(unitless.message).toBe('step 1: `for`: 120 has no unit');
    expect(unitless.hint).toContain('"2m"');
    const bool = rejected(minimal({}, ['abort:', '  onCommandFailure: "yes"']));
    expect(bool.message).toContain('must be true or false');
    expect(bool.location).toMatchObject({ line: 9, pointer: '/abort/onCommandFailure' });
    const burn = rejected(minimal({}, ['abort: {burnRate: {factor: 14.4, windw: 5m}}']));
    expect(burn.hint).toContain('Did you mean `window`?');
  });

  it('YAML syntax errors and duplicate keys are SWORN_ERR_GAMEDAY with the line', () => {
    const syntax = rejected(minimal({ 7: '  - {latency: +200ms, for: 2m' }));
    expect(syntax.message).toContain('not well-formed');
    expect(syntax.location?.line).toBeGreaterThanOrEqual(7);
    const dup = rejected(minimal({ 7: '  - {error: 1%, error: 2%, for: 2m}' }));
    expect(dup.location).toMatchObject({ line: 7 });
  });
});

describe('docs/gameday.md', () => {
  /** The YAML blocks of the sections this format owns (`## The plan`, `## Examples`). */
  const blocks = (markdown: string): string[] => {
    const out: string[] = [];
    let section = '';
    let block: string[] | undefined;
    for (const line of markdown.split('\n')) {
      if (block) {
        if (line.startsWith('```')) {
          // Whole plans (a fragment showing one key, such as a hypothesis, is not one).
          if ((section === 'The plan' || section === 'Examples') && /^gameday:/m.test(block.join('\n'))) out.push(block.join('\n'));
          block = undefined;
        } else block.push(line);
      } else if (line.startsWith('## ')) section = line.slice(3).trim();
      else if (line.startsWith('```yaml')) block = [];
    }
    return out;
  };

  it('every plan in "The plan" and "Examples" parses, with each ${NAME} set', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sworn-gameday-'));
    mkdirSync(join(dir, 'specs'));
    writeFileSync(join(dir, 'specs', 'petstore.yaml'), 'openapi: 3.0.3\n');
    writeFileSync(join(dir, 'staging.db'), '');
    const plans = blocks(readFileSync(join(ROOT, 'docs', 'gameday.md'), 'utf8'));
    expect(plans.length).toBeGreaterThanOrEqual(4);
    for (const text of plans) {
      const env = Object.fromEntries([...text.matchAll(/\$\{(\w+)\}/g)].map((m) => [m[1], 'token']));
      const plan = parsePlan(text, join(dir, 'plan.yaml'), { env });
      expect(plan.steps.length).toBeGreaterThan(0);
      expect(plan.steps.every((step) => step.faults.length > 0 && step.location !== undefined)).toBe(true);
    }
  });
});
