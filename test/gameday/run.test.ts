import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { formatGameday } from '../../src/gameday/format.js';
import type { GamedayResult } from '../../src/gameday/types.js';
import { FAULT_HEADER } from '../../src/faults/apply.js';
import { startProxy } from '../../src/proxy/proxy.js';
import { loadSpec } from '../../src/spec/load-spec.js';
import { cli, ROOT } from '../helpers.js';
import { call, closeAfterEach, proxyFor, startUpstream } from '../proxy/harness.js';

// Game days end to end: a real upstream, a real sworn proxy in front of it
// (faults go through its admin port), a real consumer process
// (fixtures/consumer.mjs, run by the plan's `drive.command`), and
// `sworn gameday` run in-process or spawned (dist/cli/main.js).

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const SPEC = join(FIXTURES, 'api.yaml');
const BIN = join(ROOT, 'dist/cli/main.js');
const BODY = '[{"id":1}]';

closeAfterEach();

/** Spawned `sworn gameday` processes still running after a test are killed; the plans' folders go. */
const children: ChildProcess[] = [];
const folders: string[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** An upstream serving GET /things (`failing`: every answer a 500; `hanging`: no answer until `release()`), and a sworn proxy in front of it. */
async function world(options: { clock?: () => number } = {}) {
  const state = { failing: false, hanging: false };
  const held: http.ServerResponse[] = [];
  const answer = (res: http.ServerResponse) => {
    if (state.failing) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('down');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(BODY);
  };
  const upstream = await startUpstream((_req, res) => {
    if (state.hanging) held.push(res); // not answered until `release` (a consumer's call gives up after 5s)
    else answer(res);
  });
  /** Stops hanging: the calls held so far are answered. */
  const release = () => {
    state.hanging = false;
    for (const res of held.splice(0)) answer(res);
  };
  const proxy = await proxyFor(upstream.url, { specFile: SPEC, ...(options.clock ? { clock: options.clock } : {}) });
  // A proxy's first calls are slow (validators compiled, sockets opened); a proxy in production is warm.
  // Warmed as another consumer, so mobile-app's steady state counts none of them.
  for (let i = 0; i < 5; i++) await call(`${proxy.url}/things`, { headers: { 'x-consumer-id': 'warm-up' } });
  return { state, release, upstream, proxy, admin: proxy.adminUrl!, warmUpCalls: upstream.started.length };
}

/**
 * Writes a plan in a folder of its own, beside a copy of the consumer and the
 * spec (a plan's command runs in the plan's folder: `node consumer.mjs`).
 */
function writePlan(yaml: string): { file: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sworn-gameday-'));
  folders.push(dir);
  copyFileSync(join(FIXTURES, 'consumer.mjs'), join(dir, 'consumer.mjs'));
  copyFileSync(SPEC, join(dir, 'api.yaml'));
  const file = join(dir, 'plan.yaml');
  writeFileSync(file, yaml);
  return { file, dir };
}

/** A plan against the proxy at `admin`, judging mobile-app's promises on listThings, faults scoped to mobile-app. */
function plan(admin: string, body: string, hypothesisAdmin = admin): string {
  return [
    'gameday: things drill',
    'hypothesis:',
    '  promises:',
    `    - {proxy: ${hypothesisAdmin}, consumer: mobile-app, operations: [listThings]}`,
    `target: {proxy: ${admin}}`,
    'blastRadius: {consumers: [mobile-app], operations: [listThings]}',
    body,
  ].join('\n');
}

async function faultsOn(admin: string): Promise<Array<{ id: string; label?: string; remainingMs: number }>> {
  const res = await call(`${admin}/faults`);
  expect(res.status).toBe(200);
  return (res.json() as { faults: Array<{ id: string; label?: string; remainingMs: number }> }).faults;
}

/** Polls `check` every 50ms until it returns something, or fails after `ms`. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const got = await check();
    if (got !== undefined) return got;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`gave up waiting for ${what} after ${ms}ms`);
}

/** `sworn gameday PLAN ARGS` as a process of its own; `exited` resolves with its exit and what it printed. */
function spawnGameday(file: string, args: string[] = []) {
  const child = spawn(process.execPath, [BIN, 'gameday', file, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = once(child, 'close').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null, stdout, stderr }));
  return { child, exited };
}

/** Bounded: a controller that does not exit fails the test instead of hanging it. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<never>((_resolve, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms}ms`)), ms)))]).finally(() => clearTimeout(timer));
}

/** A process is gone when signalling it fails, or it is a zombie no one has reaped yet. */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

const json = (stdout: string) => JSON.parse(stdout) as GamedayResult;

/** The run's verdict, with why in the failure message when it is not the one expected. */
const verdictOf = (result: GamedayResult) => expect(result.verdict, `abortedBy: ${result.abortedBy}; breakingPoint: ${result.breakingPoint}; baseline: ${JSON.stringify(result.baseline.map((f) => [f.requests, f.latency.map((l) => l.achieved)]))}`);


describe('sworn gameday against a real proxy, upstream and consumer', () => {
  it('holds through every step: verdict held, exit 0, each step judged on the consumer\'s own calls', async () => {
    const { admin, proxy } = await world();
    const { file } = writePlan(plan(admin, [
      `drive: {command: "node consumer.mjs ${proxy.url} --calls 20"}`,
      'steps:',
      '  - {latency: +5ms, for: 3s}',
      '  - {latency: +20ms, for: 3s}',
    ].join('\n')));
    const run = await cli(['gameday', file, '--format', 'json']);
    expect(run.stderr).not.toContain('SWORN_ERR');
    const result = json(run.stdout);
    verdictOf(result).toBe('held');
    expect(run.code).toBe(0);
    expect(result.breakingStep).toBeNull();
    expect(result.steps.map((s) => s.verdict)).toEqual(['held', 'held']);
    for (const step of result.steps) {
      // Held on the consumer's calls with the faults in force, not on an empty phase.
      expect(step.during).toHaveLength(1);
      expect(step.during![0]!.requests).toBe(20);
      expect(step.during![0]!.injected).toBe(20);
      expect(step.command?.exitCode).toBe(0);
      expect(step.command?.output).toContain('consumer mobile-app: 20 calls, 0 failed (200 x20)');
    }
    expect(await faultsOn(admin)).toEqual([]);
  });

  it('breaks at the step it must: step 1 (+5ms) holds, step 2 (+300ms) breaks the 200ms objective, step 3 is skipped', async () => {
    const { admin, proxy } = await world();
    const { file } = writePlan(plan(admin, [
      `drive: {command: "node consumer.mjs ${proxy.url} --calls 20"}`,
      'steps:',
      '  - {latency: +5ms, for: 3s}',
      '  - {latency: +300ms, for: 5s}',
      '  - {error: 50%, for: 3s}',
    ].join('\n')));
    const run = await cli(['gameday', file, '--format', 'json']);
    const result = json(run.stdout);
    expect(run.code).toBe(1);
    verdictOf(result).toBe('broke');
    expect(result.breakingStep).toBe(2);
    expect(result.abortedBy).toBeNull();
    expect(result.steps.map((s) => s.verdict)).toEqual(['held', 'broke', 'skipped']);
    expect(result.steps[2]!.during).toBeNull();
    expect(result.steps[2]!.command).toBeUndefined();
    expect(result.breakingPoint).toMatch(/^broke at step 2: latency \+300ms/);
    expect(result.breakingPoint).toContain("mobile-app's fast objective on listThings fell to 0% < 90% within 200ms");
    // The consumer's calls all succeeded: the promise broke, not the consumer.
    expect(result.steps[1]!.command?.exitCode).toBe(0);
    expect(await faultsOn(admin)).toEqual([]);

    const junit = formatGameday(result, 'junit');
    const cases = junit.match(/<testcase [^>]*>/g) ?? [];
    expect(cases).toHaveLength(3);
    expect(cases.map((c) => / name="([^"]*)"/.exec(c)![1])).toEqual(['step 1: latency +5ms', 'step 2: latency +300ms', 'step 3: error 50%']);
    expect(junit.match(/<failure /g)).toHaveLength(1);
    expect(junit).toMatch(/name="step 2: latency \+300ms"[^]*?<failure type="broke" message="[^"]*fast objective on listThings fell to 0%/);
    expect(junit.match(/<skipped\/>/g)).toHaveLength(1);
    expect(junit).toContain('tests="3" failures="1" errors="0" skipped="1"');
  });

  it('aborts when the error budget burns over the factor, naming the burn rate', async () => {
    const { admin, proxy } = await world();
    const { file } = writePlan(plan(admin, [
      `drive: {command: "node consumer.mjs ${proxy.url} --calls 20"}`,
      'steps:',
      '  - {error: 50%, for: 3s}',
      '  - {error: 100%, for: 3s}',
      'abort:',
      '  burnRate: {factor: 2, window: 1s}',
      '  onCommandFailure: false',
    ].join('\n')));
    const run = await cli(['gameday', file, '--format', 'json']);
    const result = json(run.stdout);
    expect(run.code).toBe(1);
    verdictOf(result).toBe('aborted');
    expect(result.abortedBy).toMatch(/^budget burn [\d.]+x over 2x \(\d+s window\): mobile-app on listThings/);
    expect(result.breakingStep).toBeNull();
    expect(result.steps.map((s) => s.verdict)).toEqual(['aborted', 'skipped']);
    expect(result.steps[0]!.abortedBy).toBe(result.abortedBy);
    // 50% of the 20 calls failed on purpose (the fault model draws evenly: 10, within one), and the consumer saw just those fail.
    const injected = result.steps[0]!.during![0]!.injected;
    expect(injected).toBeGreaterThanOrEqual(9);
    expect(injected).toBeLessThanOrEqual(11);
    expect(result.steps[0]!.command?.output).toContain(`consumer mobile-app: 20 calls, ${injected} failed (`);
    expect(await faultsOn(admin)).toEqual([]);
  });

  it('removes its faults when `sworn gameday` gets SIGTERM, and stops the consumer\'s command', async () => {
    const { admin, proxy, upstream, state, release } = await world();
    const { file, dir } = writePlan(plan(admin, [
      // Step 1 slows each call by 1s: the consumer's 20 calls, 2 at a time, keep the step going for ~10s.
      `drive: {command: "node consumer.mjs ${proxy.url} --calls 20 --concurrency 2 --marker started.txt"}`,
      'steps:',
      '  - {latency: +1s, for: 30s}',
      '  - {error: 50%, for: 2s}',
    ].join('\n')));
    const gameday = spawnGameday(file, ['--format', 'json']);
    const fault = await waitFor('step 1\'s fault on the proxy', async () => (await faultsOn(admin)).find((f) => f.label === 'gameday things drill step 1'));
    expect(fault.id).toMatch(/^f\d+$/);
    // The fault is scoped to mobile-app: another consumer's call goes through untouched, byte for byte.
    const before = upstream.seen.length;
    const other = await call(`${proxy.url}/things`, { headers: { 'x-consumer-id': 'web-app' } });
    expect(other.status).toBe(200);
    expect(other.text).toBe(BODY);
    expect(other.headers[FAULT_HEADER]).toBeUndefined();
    expect(upstream.seen.length).toBe(before + 1);
    // The consumer's step-1 run has started (the second line: the first was the baseline run).
    const consumerPid = await waitFor('the consumer\'s step-1 run', () => {
      const lines = existsSync(join(dir, 'started.txt')) ? readFileSync(join(dir, 'started.txt'), 'utf8').trim().split('\n') : [];
      return lines.length >= 2 ? Number(lines[1]!.split(' ')[1]) : undefined;
    });
    // The service hangs from now on: a consumer left running would go on for long (its calls give up after 5s each).
    state.hanging = true;
    gameday.child.kill('SIGTERM');
    const exit = await within(gameday.exited, 15_000, 'the controller\'s exit after SIGTERM');
    release();
    expect(exit.code).toBe(1);
    expect(exit.stderr).toContain('SIGTERM: stopping the game day and removing its faults');
    const result = json(exit.stdout);
    verdictOf(result).toBe('aborted');
    expect(result.abortedBy).toBe('signal SIGTERM');
    expect(result.steps.map((s) => s.verdict)).toEqual(['aborted', 'skipped']);
    expect(result.cleanup).toEqual({ removed: 1, errors: [] });
    expect(await faultsOn(admin)).toEqual([]);
    // The consumer's process group was stopped with it.
    await waitFor('the consumer to be gone', () => (gone(consumerPid) ? true : undefined), 5_000);
    // And mobile-app's calls are no longer slowed or marked.
    const after = await call(`${proxy.url}/things`, { headers: { 'x-consumer-id': 'mobile-app' } });
    expect(after.headers[FAULT_HEADER]).toBeUndefined();
    expect(after.text).toBe(BODY);
  });

  it('removes its faults and stops the consumer\'s command when the run crashes mid-step (the hypothesis\' proxy goes away)', async () => {
    const { admin, proxy, upstream, state, release } = await world();
    // The steady state is read from a second proxy, which the test stops during step 1.
    // The consumer calls through it (consumer -> watcher -> proxy with the faults -> upstream), so it sees the steady state.
    const watcher = await startProxy({ spec: await loadSpec(SPEC), upstream: proxy.url, port: 0, adminPort: 0, store: ':memory:', logLevel: 'silent' });
    let watching = true;
    try {
      const { file, dir } = writePlan(plan(admin, [
        `drive: {command: "node consumer.mjs ${watcher.url} --calls 20 --concurrency 2 --marker started.txt"}`,
        'steps:',
        '  - {latency: +1s, for: 60s}',
      ].join('\n'), watcher.adminUrl!));
      const running = cli(['gameday', file, '--format', 'json']);
      await waitFor('step 1\'s fault on the proxy', async () => (await faultsOn(admin)).find((f) => f.label === 'gameday things drill step 1'));
      const consumerPid = await waitFor('the consumer\'s step-1 run', () => {
        const lines = existsSync(join(dir, 'started.txt')) ? readFileSync(join(dir, 'started.txt'), 'utf8').trim().split('\n') : [];
        return lines.length >= 2 ? Number(lines[1]!.split(' ')[1]) : undefined;
      });
      // From now on the service hangs: the consumer's run would go on for long (20 calls, 2 at a time, 5s each).
      state.hanging = true;
      await watcher.close();
      watching = false;
      const run = await within(running, 15_000, 'the run\'s end after its hypothesis proxy went away');
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`SWORN_ERR_GAMEDAY: cannot reach the sworn admin port at ${watcher.adminUrl}`);
      expect(await faultsOn(admin)).toEqual([]);
      await waitFor('the consumer to be gone', () => (gone(consumerPid) ? true : undefined), 5_000);
    } finally {
      release();
      if (watching) await watcher.close();
    }
  });

  it('leaves nothing behind when the controller is SIGKILLed: the faults remove themselves when their TTL passes', async () => {
    // The proxy's clock is the system's plus a skew the test moves forward once the controller is dead.
    let skew = 0;
    const { admin, proxy } = await world({ clock: () => Date.now() + skew });
    const { file } = writePlan(plan(admin, [
      // The consumer calls for half a second for the steady state, then on through step 1 (the controller dies first).
      `drive: {command: 'node consumer.mjs ${proxy.url} --for $([ "$SWORN_GAMEDAY_STEP" = 0 ] && echo 500 || echo 30000)'}`,
      'steps:',
      '  - {error: 100%, for: 30s}',
    ].join('\n')));
    const gameday = spawnGameday(file, ['--format', 'json']);
    const fault = await waitFor('step 1\'s fault on the proxy', async () => (await faultsOn(admin)).find((f) => f.label === 'gameday things drill step 1'));
    const hurt = await call(`${proxy.url}/things`, { headers: { 'x-consumer-id': 'mobile-app' } });
    expect(hurt.status).toBe(503);
    expect(hurt.headers[FAULT_HEADER]).toBeDefined();
    gameday.child.kill('SIGKILL');
    const exit = await within(gameday.exited, 10_000, 'the controller\'s death');
    expect(exit.signal).toBe('SIGKILL');
    // Killed: nothing removed the fault; it is still in force.
    expect((await faultsOn(admin)).map((f) => f.id)).toEqual([fault.id]);
    expect((await call(`${proxy.url}/things`, { headers: { 'x-consumer-id': 'mobile-app' } })).status).toBe(503);
    // Its TTL (the step plus a margin) passes on the proxy's clock.
    skew += fault.remainingMs + 1_000;
    expect(await faultsOn(admin)).toEqual([]);
    const healed = await call(`${proxy.url}/things`, { headers: { 'x-consumer-id': 'mobile-app' } });
    expect(healed.status).toBe(200);
    expect(healed.text).toBe(BODY);
    expect(healed.headers[FAULT_HEADER]).toBeUndefined();
  });

  it('shows what the consumer\'s command printed, and aborts when it fails (onCommandFailure)', async () => {
    const { admin, proxy } = await world();
    const { file } = writePlan(plan(admin, [
      `drive: {command: "node consumer.mjs ${proxy.url} --calls 20"}`,
      'steps:',
      '  - {latency: +5ms, for: 3s}',
      '  - {error: 50%, for: 3s}',
      '  - {error: 100%, for: 3s}',
    ].join('\n')));
    const run = await cli(['gameday', file]);
    expect(run.code).toBe(1);
    // The text report: the verdict, the criterion and each run's own words.
    expect(run.stdout).toContain("aborted: the consumer's command failed (exit 1)");
    expect(run.stdout).toContain('consumer mobile-app: 20 calls, 0 failed (200 x20)');
    expect(run.stdout).toMatch(/consumer mobile-app: 20 calls, [1-9]\d* failed \(/);
    expect(run.stdout).toMatch(/step 3 +error 100% +· 3s · skipped/);
    expect(await faultsOn(admin)).toEqual([]);
  });

  it('does not call a hypothesis no call reached "held": nothing measured before step 1 aborts, exit 1', async () => {
    const { admin, proxy } = await world();
    const { file } = writePlan([
      'gameday: ghost drill',
      'hypothesis:',
      '  promises:',
      `    - {proxy: ${admin}, consumer: nobody-calls, operations: [listThings]}`,
      `target: {proxy: ${admin}}`,
      `drive: {command: "node consumer.mjs ${proxy.url} --calls 5"}`,
      'steps:',
      '  - {error: 100%, for: 1s}',
    ].join('\n'));
    const run = await cli(['gameday', file, '--format', 'json']);
    expect(run.code).toBe(1);
    const result = json(run.stdout);
    verdictOf(result).toBe('aborted');
    expect(result.abortedBy).toBe('nothing was measured before step 1: no call of nobody-calls on listThings reached the proxy (check the consumer\'s name and identification, and that traffic flows)');
    expect(result.steps.map((s) => s.verdict)).toEqual(['skipped']);
    expect(await faultsOn(admin)).toEqual([]);
  });

  it('refuses to measure a steady state while faults are in force on the target (another game day\'s), and leaves them alone', async () => {
    const { admin, proxy } = await world();
    const other = await call(`${admin}/faults`, { method: 'POST', body: JSON.stringify({ kind: 'latency', add: '5ms', ttl: '1m', label: 'someone else' }) });
    expect(other.status).toBe(201);
    const { file } = writePlan(plan(admin, [`drive: {command: "node consumer.mjs ${proxy.url} --calls 5"}`, 'steps:', '  - {latency: +5ms, for: 1s}'].join('\n')));
    const run = await cli(['gameday', file, '--format', 'json']);
    expect(run.code).toBe(1);
    const result = json(run.stdout);
    verdictOf(result).toBe('aborted');
    expect(result.abortedBy).toBe('faults are already in force on the target (f1 "someone else"): its steady state cannot be measured (DELETE /faults, wait for their TTL, or pass --start-broken)');
    expect(result.steps[0]!.command).toBeUndefined(); // the consumer's command never ran
    expect((await faultsOn(admin)).map((f) => f.label)).toEqual(['someone else']);
  });

  it('refuses, before anything runs, a blast radius naming an operation the target\'s spec does not have (exit 2, did you mean)', async () => {
    const { file } = writePlan([
      'gameday: typo drill',
      'hypothesis:',
      '  promises:',
      '    - {proxy: target, consumer: mobile-app}',
      'target: {mock: api.yaml}',
      'blastRadius: {operations: [listThing]}',
      'drive: {traffic: {rate: 10/s}}',
      'steps:',
      '  - {latency: +5ms, for: 1s}',
    ].join('\n'));
    const run = await cli(['gameday', file, '--format', 'json']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('SWORN_ERR_GAMEDAY');
    expect(run.stderr).toContain('blastRadius.operations names "listThing"');
    expect(run.stderr).toContain('Did you mean "listThings"?');
  });

  it('refuses to start on a target already breaking its promises; --start-broken runs anyway', async () => {
    const { admin, proxy, state } = await world();
    state.failing = true;
    const { file } = writePlan(plan(admin, [
      `drive: {traffic: {rate: 40/s, spec: api.yaml, url: ${proxy.url}}}`,
      'baseline: 1s',
      'steps:',
      '  - {latency: +5ms, for: 1s}',
      '  - {error: 10%, for: 1s}',
    ].join('\n')));
    const refused = await cli(['gameday', file, '--format', 'json']);
    expect(refused.code).toBe(1);
    const result = json(refused.stdout);
    verdictOf(result).toBe('aborted');
    expect(result.abortedBy).toMatch(/^the steady state did not hold before step 1: mobile-app's availability on listThings fell to 0% < 99% \(pass --start-broken to run anyway\)$/);
    expect(result.baseline[0]!.requests).toBeGreaterThan(0);
    expect(result.steps.map((s) => s.verdict)).toEqual(['skipped', 'skipped']);
    // No fault was ever applied.
    expect([...proxy.faults.injectedCounts()]).toEqual([]);
    expect(await faultsOn(admin)).toEqual([]);

    const forced = await cli(['gameday', file, '--format', 'json', '--start-broken']);
    expect(forced.code).toBe(1);
    const ran = json(forced.stdout);
    verdictOf(ran).toBe('broke');
    expect(ran.breakingStep).toBe(1);
    expect(ran.steps[0]!.during![0]!.injected).toBeGreaterThan(0);
    expect(ran.steps[1]!.verdict).toBe('skipped');
    expect(await faultsOn(admin)).toEqual([]);
  });

  it('refuses to start when the consumer\'s command fails before any fault; --start-broken runs step 1 anyway', async () => {
    const { admin, proxy, state } = await world();
    state.failing = true;
    const { file } = writePlan(plan(admin, [
      `drive: {command: "node consumer.mjs ${proxy.url} --calls 10"}`,
      'steps:',
      '  - {latency: +5ms, for: 3s}',
      '  - {error: 10%, for: 3s}',
    ].join('\n')));
    const refused = await cli(['gameday', file, '--format', 'json']);
    expect(refused.code).toBe(1);
    const result = json(refused.stdout);
    verdictOf(result).toBe('aborted');
    expect(result.abortedBy).toBe("the consumer's command failed before any fault (exit 1; pass --start-broken to run anyway)");
    expect(result.steps.map((s) => s.verdict)).toEqual(['skipped', 'skipped']);
    expect([...proxy.faults.injectedCounts()]).toEqual([]);

    const forced = await cli(['gameday', file, '--format', 'json', '--start-broken']);
    expect(forced.code).toBe(1);
    const ran = json(forced.stdout);
    // Step 1 ran with its fault in force; the consumer's failing command then stopped the run (onCommandFailure).
    verdictOf(ran).toBe('aborted');
    expect(ran.abortedBy).toBe("the consumer's command failed (exit 1)");
    expect(ran.steps.map((s) => s.verdict)).toEqual(['aborted', 'skipped']);
    expect(ran.steps[0]!.during![0]!.injected).toBe(10);
    expect(ran.steps[0]!.command?.output).toContain('consumer mobile-app: 10 calls, 10 failed (500 x10)');
    expect(await faultsOn(admin)).toEqual([]);
  });

  it('exits 2 with SWORN_ERR_GAMEDAY when the target cannot be reached, before running anything', async () => {
    // The hypothesis is read from a live proxy; only the target (where faults go) is gone.
    const live = await world();
    const closed = http.createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const dead = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { file, dir } = writePlan(plan(dead, [
      `drive: {command: "node consumer.mjs ${live.proxy.url} --marker started.txt"}`,
      'steps:',
      '  - {latency: +5ms, for: 1s}',
    ].join('\n'), live.admin));
    const run = await cli(['gameday', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('SWORN_ERR_GAMEDAY');
    expect(run.stderr).toContain(`cannot reach the sworn admin port at ${dead}`);
    expect(run.stdout).toBe('');
    expect(existsSync(join(dir, 'started.txt'))).toBe(false);
    expect(live.upstream.started).toHaveLength(live.warmUpCalls);
  });

  it('--dry-run prints the steps and changes nothing: no fault added, no command run, no request sent', async () => {
    const { admin, proxy, upstream, warmUpCalls } = await world();
    const { file, dir } = writePlan(plan(admin, [
      `drive: {command: "node consumer.mjs ${proxy.url} --marker started.txt"}`,
      'steps:',
      '  - {latency: +5ms, for: 1s}',
      '  - {error: 50%, for: 2s}',
      '  - {latency: +1s, for: 1h30m}',
      'abort: {burnRate: {factor: 10, window: 5m}}',
    ].join('\n')));
    const run = await cli(['gameday', file, '--dry-run']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('step 1: latency +5ms for 1s · 1 fault, TTL 31s');
    expect(run.stdout).toContain('step 2: error 50% for 2s');
    // Durations as people write them, not raw seconds; the TTL is the step plus half of it.
    expect(run.stdout).toContain('step 3: latency +1s for 1h30m · 1 fault, TTL 2h15m');
    expect(run.stdout).toContain('abort on: burn rate over 10x (5m window)');
    expect(run.stdout).toContain('dry run: nothing was changed');
    expect(existsSync(join(dir, 'started.txt'))).toBe(false);
    expect(upstream.started).toHaveLength(warmUpCalls);
    expect(await faultsOn(admin)).toEqual([]);
    // Fault ids count up from f1 on each proxy: the first fault added now is f1, so the dry run added none.
    const added = await call(`${admin}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'latency', add: '1ms', ttl: '1m' }) });
    expect(added.status).toBe(201);
    expect((added.json() as { faults: Array<{ id: string }> }).faults[0]!.id).toBe('f1');
  });
});
