import { dirname } from 'node:path';
import { closest } from 'fastest-levenshtein';
import { SwornError } from '../errors.js';
import { listOperations } from '../spec/operations.js';
import { loadSpec, type Spec } from '../spec/load-spec.js';
import { describeAction } from '../faults/model.js';
import { AdminClient } from './admin-client.js';
import { runCommand, startTraffic } from './drive.js';
import { judge, sumSnapshots, type TallySnapshot } from './steady.js';
import type { GamedayResult, PhaseFigures, Plan, PlanStep, PromiseRef, StepResult } from './types.js';

export interface RunOptions {
  /** Run even when the steady state does not hold before step 1. */
  startBroken?: boolean;
  /** Ctrl-C / SIGTERM: the run stops, faults are removed, the report says why. */
  signal?: AbortSignal;
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
  /** How often the abort criteria are checked during a step (ms). */
  pollMs?: number;
  /** Starts the mock a `target: {mock}` plan names (the CLI passes the mock and proxy it can load). */
  startMockTarget?: (spec: Spec, seed: number) => Promise<{ url: string; adminUrl: string; close(): Promise<void> }>;
  /** The working folder of the consumer's command (the plan's folder by default). */
  cwd?: string;
}

/** A running game day's view of where faults go and where the steady state is read. */
/** Where a promise's counters are read: a proxy's admin port, Prometheus, or stores. */
interface TallySource {
  tallies(consumer?: string): Promise<TallySnapshot>;
  /** How long after an instant the source holds every call up to it (a store lags its proxies by a flush). */
  lagMs?: number;
}

interface Wiring {
  target: AdminClient;
  /** The target's spec, when traffic is built from it. */
  spec: Spec | undefined;
  /** Where built-in traffic goes. */
  trafficUrl: string | undefined;
  sources: Map<PromiseRef, TallySource[]>;
  /** How a promise's rows are judged (a Prometheus source names its rows for every consumer or every operation). */
  judgeAs: Map<PromiseRef, PromiseRef>;
  close(): Promise<void>;
}

/** Built-in traffic runs this long before the steady state is measured. */
const WARM_UP_MS = 1_000;
/** After a step's faults are removed, calls already under way get this long to finish inside the step's figures. */
const SETTLE_MS = 1_000;

const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  if (signal.aborted || ms <= 0) return resolve();
  const t = setTimeout(done, ms);
  function done() {
    clearTimeout(t);
    signal.removeEventListener('abort', done);
    resolve();
  }
  signal.addEventListener('abort', done, { once: true });
});

/**
 * Runs a game day: checks the steady state, then each step in turn (its
 * faults added for its duration while the plan's drive makes traffic, the
 * steady state measured before, during and after), and stops at the first
 * step where the hypothesis breaks or an abort criterion holds. Faults are
 * always removed at the end, on abort and on a signal too; each also has a
 * TTL on the proxy's side, so a driver that dies leaves nothing behind.
 */
export async function runGameday(plan: Plan, options: RunOptions = {}): Promise<GamedayResult> {
  const log = options.log ?? (() => undefined);
  const signal = options.signal ?? new AbortController().signal;
  const pollMs = options.pollMs ?? 1_000;
  const startedAt = new Date().toISOString();
  const wiring = await wire(plan, options);
  const added: string[] = [];
  const cleanup = { removed: 0, errors: [] as string[] };
  const steps: StepResult[] = plan.steps.map((s) => ({ index: s.index, summary: s.summary, faults: s.faults.map(faultText), durationMs: s.durationMs, verdict: 'skipped', before: null, during: null, after: null }));
  let verdict: GamedayResult['verdict'] = 'held';
  let breakingStep: number | null = null;
  let abortedBy: string | null = null;
  let breakingPoint: string | null = null;
  let baseline: PhaseFigures[] = [];
  const traffic = 'traffic' in plan.drive && wiring.spec && wiring.trafficUrl
    ? startTraffic(wiring.spec, wiring.trafficUrl, { perSecond: plan.drive.traffic.perSecond, consumers: consumersOf(plan), ...(plan.blastRadius.operations || hypothesisOperations(plan) ? { operations: [...new Set([...(plan.blastRadius.operations ?? []), ...(hypothesisOperations(plan) ?? [])])] } : {}), seed: plan.seed })
    : undefined;
  const snapshot = async (): Promise<Map<PromiseRef, TallySnapshot>> => {
    const out = new Map<PromiseRef, TallySnapshot>();
    for (const [ref, clients] of wiring.sources) out.set(ref, sumSnapshots(await Promise.all(clients.map((c) => c.tallies(ref.consumer)))));
    return out;
  };
  // A phase ends once every source holds its last calls (a store: a flush later).
  const lagMs = Math.max(0, ...[...wiring.sources.values()].flat().map((c) => c.lagMs ?? 0));
  const figures = (a: Map<PromiseRef, TallySnapshot>, b: Map<PromiseRef, TallySnapshot>) => plan.hypothesis.flatMap((ref) => judge(wiring.judgeAs.get(ref) ?? ref, a.get(ref)!, b.get(ref)!));
  const stopReason = () => (signal.aborted ? `signal ${String(signal.reason instanceof Error ? signal.reason.message : signal.reason ?? 'received')}` : null);
  // The consumer's command stops on a signal, and also when the run ends any other way (a crash mid-step included).
  const halt = new AbortController();
  const stopCommand = () => halt.abort(signal.reason);
  if (signal.aborted) stopCommand();
  else signal.addEventListener('abort', stopCommand, { once: true });

  try {
    // A target with faults in force is not in its steady state (another game day, or a hand-made fault).
    const foreign = await wiring.target.faults();
    if (foreign.length > 0 && !options.startBroken) {
      verdict = 'aborted';
      abortedBy = `faults are already in force on the target (${foreign.map((f) => `${f.id}${f.label ? ` "${f.label}"` : ''}`).join(', ')}): its steady state cannot be measured (DELETE /faults, wait for their TTL, or pass --start-broken)`;
    }
    // The steady state before anything is broken.
    const refused = verdict !== 'held';
    if (refused) {
      // nothing is measured and nothing runs: the report says why
    } else if (traffic) {
      // The first calls warm the target up (validators compiled, connections opened): not the steady state.
      log(`gameday ${plan.title}: warming up for ${WARM_UP_MS / 1000}s`);
      await sleep(WARM_UP_MS, signal);
    } else if ('command' in plan.drive && wiring.spec && wiring.trafficUrl) {
      // A mock target the consumer's command will call: warmed up by anonymous calls first (not the hypothesis' consumer).
      log(`gameday ${plan.title}: warming up the mock for ${WARM_UP_MS / 1000}s`);
      const warm = startTraffic(wiring.spec, wiring.trafficUrl, { perSecond: 50, consumers: [], seed: plan.seed });
      await sleep(WARM_UP_MS, signal);
      await warm.stop();
    }
    if (!refused) log('command' in plan.drive ? `gameday ${plan.title}: measuring the steady state over one run of \`${plan.drive.command}\`` : `gameday ${plan.title}: measuring the steady state for ${Math.round(plan.baselineMs / 1000)}s`);
    const start = await snapshot();
    const commandBaseline = 'command' in plan.drive && !refused ? await commandRun(plan, options, halt.signal, undefined, commandEnv(wiring, 0)) : undefined;
    if (!commandBaseline && !refused) await sleep(plan.baselineMs, signal);
    if (commandBaseline) await sleep(lagMs, signal);
    let previous = await snapshot();
    baseline = figures(start, previous);
    const broken = baseline.filter((f) => !f.held);
    if (refused) {
      // refused before measuring (faults in force)
    } else if (stopReason()) {
      verdict = 'aborted';
      abortedBy = stopReason();
    } else if (commandBaseline?.timedOut) {
      verdict = 'aborted';
      abortedBy = `the consumer's command timed out before any fault (after ${Math.round(commandBaseline.durationMs / 1000)}s): raise drive.timeout`;
    } else if (commandBaseline && commandBaseline.exitCode !== 0 && !options.startBroken) {
      verdict = 'aborted';
      abortedBy = `the consumer's command failed before any fault (exit ${commandBaseline.exitCode ?? commandBaseline.signal}; pass --start-broken to run anyway)`;
    } else if (!measured(baseline)) {
      // Nothing to judge is not a kept promise: a hypothesis no call reached cannot hold.
      verdict = 'aborted';
      abortedBy = `nothing was measured before step 1: no call of ${who(plan)} reached the proxy (check the consumer's name and identification, and that traffic flows)`;
    } else if (broken.length > 0 && !options.startBroken) {
      verdict = 'aborted';
      abortedBy = `the steady state did not hold before step 1: ${broken.flatMap((f) => f.misses).join('; ')} (pass --start-broken to run anyway)`;
    }

    for (const step of plan.steps) {
      if (verdict !== 'held') break;
      const result = steps[step.index - 1]!;
      log(`step ${step.index}/${plan.steps.length}: ${step.summary} for ${Math.round(step.durationMs / 1000)}s`);
      const atStart = previous;
      const sentBefore = traffic?.sent() ?? 0;
      const ids = await wiring.target.addFaults(step.faults);
      added.push(...ids);
      result.faults = step.faults.map(faultText);
      // During: the faults in force; the abort criteria checked as it goes.
      const history: Array<{ at: number; snap: Map<PromiseRef, TallySnapshot> }> = [{ at: Date.now(), snap: atStart }];
      const command = 'command' in plan.drive ? commandRun(plan, options, halt.signal, step.durationMs, commandEnv(wiring, step.index)) : undefined;
      const until = Date.now() + step.durationMs;
      let aborted: string | null = null;
      let commandDone = false;
      void command?.then(() => (commandDone = true));
      while (!aborted && (command ? !commandDone : Date.now() < until)) {
        await Promise.race([sleep(Math.min(pollMs, Math.max(0, until - Date.now()) || pollMs), signal), ...(command ? [command] : [])]);
        aborted = stopReason();
        if (aborted) break;
        const now = await snapshot();
        history.push({ at: Date.now(), snap: now });
        aborted = abortCheck(plan, figures(atStart, now), history, figures);
      }
      const ran = command ? await command : undefined;
      if (ran) result.command = { exitCode: ran.exitCode, signal: ran.signal, output: ran.output, durationMs: Math.round(ran.durationMs) };
      // The step's faults go; calls they slowed that are still under way finish within the step's figures.
      for (const id of ids) await removeQuietly(wiring.target, id, cleanup, added);
      if (traffic) {
        // No new calls meanwhile: they would be healthy ones counted as the step's.
        traffic.pause();
        await sleep(Math.min(SETTLE_MS, step.durationMs / 2) + lagMs, signal);
        traffic.resume();
      } else await sleep(lagMs, signal);
      const duringEnd = await snapshot();
      result.during = figures(atStart, duringEnd);
      // Recovery is measured for `between`.
      if (!aborted && ran && plan.abort.onCommandFailure && ran.exitCode !== 0) aborted = `the consumer's command failed (${ran.timedOut ? 'timed out' : `exit ${ran.exitCode ?? ran.signal}`})`;
      if (plan.betweenMs > 0 && !aborted) {
        await sleep(plan.betweenMs, signal);
        aborted = stopReason();
      }
      previous = await snapshot();
      result.after = plan.betweenMs > 0 ? figures(duringEnd, previous) : null;
      if (traffic) result.sent = traffic.sent() - sentBefore;
      // Before a step: the baseline, else the previous step's recovery (or, without one, its faulted phase).
      result.before = step.index === 1 ? baseline : steps[step.index - 2]!.after ?? steps[step.index - 2]!.during;
      const misses = result.during.filter((f) => !f.held).flatMap((f) => f.misses);
      if (!aborted && !measured(result.during)) aborted = `nothing was measured during step ${step.index}: no call of ${who(plan)} reached the proxy`;
      if (aborted) {
        result.verdict = 'aborted';
        result.abortedBy = aborted;
        verdict = 'aborted';
        abortedBy = aborted;
      } else if (misses.length > 0) {
        result.verdict = 'broke';
        verdict = 'broke';
        breakingStep = step.index;
        breakingPoint = `broke at step ${step.index}: ${describeStep(plan, step)}; ${misses.join('; ')}`;
      } else result.verdict = 'held';
      log(`step ${step.index}: ${result.verdict}${misses.length > 0 ? ` (${misses.join('; ')})` : ''}${aborted ? ` (aborted: ${aborted})` : ''}`);
    }
  } finally {
    // Whatever happened: every fault this run added goes, and what was started stops.
    signal.removeEventListener('abort', stopCommand);
    halt.abort();
    for (const id of [...added]) await removeQuietly(wiring.target, id, cleanup, added);
    await traffic?.stop().catch(() => undefined);
    await wiring.close().catch((error: Error) => cleanup.errors.push(error.message));
  }
  return { gameday: plan.title, plan: plan.file, verdict, breakingStep, abortedBy, breakingPoint, startedAt, finishedAt: new Date().toISOString(), baseline, steps, cleanup };
}

/** Whether any promise in scope had calls in the phase. */
function measured(phase: PhaseFigures[]): boolean {
  return phase.some((f) => f.requests > 0);
}

/** The hypothesis' calls, in words: `mobile-app on listPets`. */
function who(plan: Plan): string {
  return plan.hypothesis.map((h) => `${h.consumer ?? 'any consumer'} on ${h.operations?.join(', ') ?? 'any operation'}`).join(' or ');
}

async function removeQuietly(target: AdminClient, id: string, cleanup: { removed: number; errors: string[] }, added: string[]): Promise<void> {
  const i = added.indexOf(id);
  if (i < 0) return;
  added.splice(i, 1);
  try {
    if (await target.removeFault(id)) cleanup.removed++;
  } catch (error) {
    cleanup.errors.push(`fault ${id}: ${(error as Error).message} (it removes itself when its TTL passes)`);
  }
}

function commandRun(plan: Plan, options: RunOptions, signal: AbortSignal, timeoutMs?: number, env?: NodeJS.ProcessEnv) {
  if (!('command' in plan.drive)) return undefined;
  return runCommand(plan.drive.command, { cwd: options.cwd ?? dirname(plan.file), timeoutMs: plan.drive.timeoutMs ?? timeoutMs ?? 600_000, signal, ...(env ? { env } : {}) });
}

/**
 * What the consumer's command is told: `SWORN_GAMEDAY_URL` (where to send its calls: the proxy in
 * front of a mock target, or drive.traffic.url), `SWORN_GAMEDAY_STEP` (0 for the steady state).
 */
function commandEnv(wiring: Wiring, step: number): NodeJS.ProcessEnv {
  return { ...process.env, SWORN_GAMEDAY_STEP: String(step), ...(wiring.trafficUrl ? { SWORN_GAMEDAY_URL: wiring.trafficUrl } : {}) };
}

/** The first abort criterion that holds now, in words, or null. */
function abortCheck(plan: Plan, sofar: PhaseFigures[], history: Array<{ at: number; snap: Map<PromiseRef, TallySnapshot> }>, figures: (a: Map<PromiseRef, TallySnapshot>, b: Map<PromiseRef, TallySnapshot>) => PhaseFigures[]): string | null {
  const floor = plan.abort.availabilityBelow;
  if (floor !== undefined) {
    const low = sofar.find((f) => f.availability?.achieved !== null && f.availability?.achieved !== undefined && f.availability.achieved < floor);
    if (low) return `availability below ${floor}%: ${low.scope} at ${round(low.availability!.achieved!)}%`;
  }
  const burn = plan.abort.burnRate;
  if (burn) {
    const last = history[history.length - 1]!;
    // The snapshot about `window` ago (the step's start when the step is younger).
    const from = [...history].reverse().find((h) => last.at - h.at >= burn.windowMs) ?? history[0]!;
    const hot = figures(from.snap, last.snap).find((f) => f.burnRate !== null && f.burnRate > burn.factor);
    if (hot) return `budget burn ${round(hot.burnRate!)}x over ${burn.factor}x (${Math.round((last.at - from.at) / 1000)}s window): ${hot.scope}`;
  }
  return null;
}

const round = (n: number) => Math.round(n * 100) / 100;

function faultText(f: PlanStep['faults'][number]): string {
  return `${describeAction(f.action)} on ${f.scope.operations?.join(', ') ?? 'every operation'}${f.scope.consumers ? ` for ${f.scope.consumers.join(', ')}` : ''} (${round(f.scope.percent)}% of calls)`;
}

/** `5x latency on createPayment for 10% of checkout's calls`. */
function describeStep(plan: Plan, step: PlanStep): string {
  const who = plan.blastRadius.consumers ? `${plan.blastRadius.consumers.join(', ')}'s calls` : 'calls';
  const where = plan.blastRadius.operations ? ` on ${plan.blastRadius.operations.join(', ')}` : '';
  return `${step.summary}${where} for ${round(plan.blastRadius.percent)}% of ${who}`;
}

function consumersOf(plan: Plan): string[] {
  return [...new Set([...plan.hypothesis.map((h) => h.consumer).filter((c): c is string => c !== undefined), ...(plan.blastRadius.consumers ?? [])])];
}

function hypothesisOperations(plan: Plan): string[] | undefined {
  if (plan.hypothesis.some((h) => h.operations === undefined)) return undefined;
  return plan.hypothesis.flatMap((h) => h.operations ?? []);
}

/** Connects to the target and the hypothesis' sources (starting the mock a `target: {mock}` names). */
async function wire(plan: Plan, options: RunOptions): Promise<Wiring> {
  let started: { url: string; adminUrl: string; close(): Promise<void> } | undefined;
  let spec: Spec | undefined;
  let target: AdminClient;
  let trafficUrl: string | undefined;
  if ('mock' in plan.target) {
    if (!options.startMockTarget) throw new SwornError('SWORN_ERR_GAMEDAY', 'this runner cannot start a mock target', { hint: 'Run the plan with `sworn gameday`.' });
    spec = await loadSpec(plan.target.mock);
    started = await options.startMockTarget(spec, plan.seed);
    target = new AdminClient(started.adminUrl, undefined);
    trafficUrl = started.url;
  } else {
    target = new AdminClient(plan.target.proxy, plan.target.token);
    if ('traffic' in plan.drive) {
      if (!plan.drive.traffic.spec || !plan.drive.traffic.url) throw new SwornError('SWORN_ERR_GAMEDAY', `${plan.file}: built-in traffic against a running proxy needs drive.traffic.spec (the API's description) and drive.traffic.url (where the proxy listens)`, { hint: 'Add e.g. drive: {traffic: {rate: 20/s, spec: specs/payments.yaml, url: http://127.0.0.1:8000}}, or drive: {command: "npm test"}.' });
      spec = await loadSpec(plan.drive.traffic.spec);
      trafficUrl = plan.drive.traffic.url;
    }
  }
  const sources = new Map<PromiseRef, TallySource[]>();
  const judgeAs = new Map<PromiseRef, PromiseRef>();
  const closers: Array<() => void> = [];
  const closeAll = async () => {
    for (const close of closers.splice(0)) close();
    await started?.close();
  };
  try {
    for (const ref of plan.hypothesis) {
      const s = ref.source;
      if ('proxy' in s) sources.set(ref, [s.proxy === 'target' ? target : new AdminClient(s.proxy, s.token)]);
      else if ('prometheus' in s) {
        const { PrometheusTallies } = await import('./prometheus-source.js');
        sources.set(ref, [new PrometheusTallies(s.prometheus, { ...(s.service !== undefined ? { service: s.service } : {}), ...(ref.consumer !== undefined ? { consumer: ref.consumer } : {}), ...(ref.operations ? { operations: ref.operations } : {}) })]);
        // Prometheus rows are one per operation for every consumer, or one per consumer for every operation.
        judgeAs.set(ref, ref.consumer === undefined ? { ...ref, consumer: '(all consumers)' } : { ...ref, operations: undefined });
      } else {
        const { StoreTallies } = await import('./store-source.js');
        const store = await StoreTallies.open(s.store, { cwd: dirname(plan.file), ...(s.spec !== undefined ? { spec: s.spec } : {}), ...(s.flushIntervalMs !== undefined ? { flushIntervalMs: s.flushIntervalMs } : {}) });
        closers.push(() => store.close());
        sources.set(ref, [store]);
        refuseUnknown(plan, (ref.operations ?? []).map((id) => ({ id, where: `hypothesis.promises[${plan.hypothesis.indexOf(ref)}].operations` })), store.operationIds, `the spec ${store.display} is judged against`);
      }
    }
    // Reachable before anything is broken: an unreachable target fails the run here (exit 2), never half-way.
    await target.faults();
    for (const clients of sources.values()) for (const c of clients) await c.tallies();
    if (spec) checkNames(plan, spec);
  } catch (error) {
    await closeAll().catch(() => undefined);
    throw error;
  }
  return { target, spec, trafficUrl, sources, judgeAs, close: closeAll };
}

/** Operations the plan names that the target's spec does not have: refused before anything runs, with the nearest name. */
function checkNames(plan: Plan, spec: Spec): void {
  const named = [...(plan.blastRadius.operations ?? []).map((id) => ({ id, where: 'blastRadius.operations' })), ...plan.hypothesis.flatMap((h, i) => (h.operations ?? []).map((id) => ({ id, where: `hypothesis.promises[${i}].operations` })))];
  refuseUnknown(plan, named, listOperations(spec).map((o) => o.id), spec.title);
}

/** The first name `owner` has no operation of, refused with the nearest one (a typo must not judge an empty phase). */
function refuseUnknown(plan: Plan, named: Array<{ id: string; where: string }>, ids: readonly string[], owner: string): void {
  for (const { id, where } of named) {
    if (ids.includes(id)) continue;
    throw new SwornError('SWORN_ERR_GAMEDAY', `${plan.file}: ${where} names ${JSON.stringify(id)}, which ${owner} has no operation of`, { hint: `Did you mean "${closest(id, [...ids])}"? Operations: ${ids.slice(0, 15).join(', ')}${ids.length > 15 ? ', …' : ''}.` });
  }
}
