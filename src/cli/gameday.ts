import { dirname, relative, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { Spec } from '../spec/load-spec.js';
import type { GamedayFormat } from '../gameday/format.js';
import type { Plan } from '../gameday/types.js';
import { writeOutput, type CliIo } from './program.js';
import { formatDuration } from '../slo/duration.js';

/**
 * `sworn gameday <plan.yaml>`: validates the plan, checks the steady state,
 * runs each step until the hypothesis breaks or an abort criterion holds,
 * and reports. Exit 0 when the hypothesis held through every step, 1 when it
 * broke or the run aborted, 2 for an invalid plan or an unreachable target.
 */
export function addGamedayCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('gameday')
    .description('run a game day: escalate faults step by step until a promise breaks (docs/gameday.md)')
    .argument('<plan>', 'the game-day plan (YAML or JSON)')
    .option('--dry-run', 'validate the plan and print what would run; change nothing')
    .option('--start-broken', 'run even when the steady state does not hold before step 1')
    .addOption(new Option('--format <format>', 'report format').choices(['text', 'json', 'junit', 'markdown']).default('text'))
    .option('-o, --output <file>', 'write the report to a file (progress still goes to stderr)')
    .action(async (planPath: string, options: { dryRun?: boolean; startBroken?: boolean; format: GamedayFormat; output?: string }) => {
      const { loadPlan } = await import('../gameday/plan.js');
      const { formatGameday } = await import('../gameday/format.js');
      const plan = await loadPlan(resolve(io.cwd, planPath));
      if (options.dryRun) {
        io.stdout.write(describePlan(plan));
        setExit(0);
        return;
      }
      const { runGameday } = await import('../gameday/run.js');
      const controller = new AbortController();
      const onSignal = (signal: NodeJS.Signals) => {
        io.stderr.write(`\n${signal}: stopping the game day and removing its faults…\n`);
        controller.abort(signal);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const result = await runGameday(plan, {
          signal: controller.signal,
          startBroken: options.startBroken === true,
          log: (line) => io.stderr.write(`${line}\n`),
          startMockTarget,
        });
        const text = formatGameday(result, options.format, { color: options.format === 'text' && !options.output && io.stdout.isTTY === true && !io.env.NO_COLOR });
        if (options.output) await writeOutput(resolve(io.cwd, options.output), text, '--output');
        else io.stdout.write(text);
        setExit(result.verdict === 'held' ? 0 : 1);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}

/** A mock behaving as promised, with a proxy in front (its admin port takes the faults and serves the tallies). */
export async function startMockTarget(spec: Spec, seed: number): Promise<{ url: string; adminUrl: string; close(): Promise<void> }> {
  const { startMock } = await import('../mock/mock.js');
  const { startProxy } = await import('../proxy/proxy.js');
  const mock = await startMock({ spec, port: 0, adminPort: null, behave: 'slo', seed, headroom: 0.8 });
  try {
    const proxy = await startProxy({ spec, upstream: mock.url, port: 0, adminPort: 0, logLevel: 'silent' });
    return {
      url: proxy.url,
      adminUrl: proxy.adminUrl!,
      close: async () => {
        await proxy.close();
        await mock.close();
      },
    };
  } catch (error) {
    await mock.close();
    throw error;
  }
}

function describePlan(plan: Plan): string {
  const lines = [`gameday: ${plan.title} (${plan.file})`, `target: ${'mock' in plan.target ? `a mock of ${plan.target.mock}, behaving as promised, with a proxy in front` : `the proxy at ${plan.target.proxy}`}`];
  lines.push(`hypothesis: ${plan.hypothesis.map((h) => `${h.consumer ?? 'every consumer'}'s promises on ${h.operations?.join(', ') ?? 'every operation'} (${'proxy' in h.source ? `proxy ${h.source.proxy}` : 'prometheus' in h.source ? `Prometheus ${h.source.prometheus}` : `store ${h.source.store.map((f) => relative(dirname(plan.file), f) || f).join(' + ')}`})`).join('; ')}`);
  lines.push(`drive: ${'traffic' in plan.drive ? `built-in traffic at ${plan.drive.traffic.perSecond}/s` : 'command' in plan.drive ? `\`${plan.drive.command}\`, once per step` : 'none (the system\'s own traffic)'}`);
  lines.push(`steady state measured for ${formatDuration(plan.baselineMs)} before step 1${plan.betweenMs > 0 ? `, and ${formatDuration(plan.betweenMs)} after each step` : ''}`);
  for (const s of plan.steps) lines.push(`step ${s.index}: ${s.summary} for ${formatDuration(s.durationMs)} · ${s.faults.length} fault${s.faults.length === 1 ? '' : 's'}, TTL ${formatDuration(s.faults[0]?.ttlMs ?? 0)}`);
  const abort = [plan.abort.burnRate ? `burn rate over ${plan.abort.burnRate.factor}x (${formatDuration(plan.abort.burnRate.windowMs)} window)` : '', plan.abort.availabilityBelow !== undefined ? `availability below ${plan.abort.availabilityBelow}%` : '', plan.abort.onCommandFailure ? 'the command failing' : ''].filter(Boolean);
  lines.push(`abort on: ${abort.length > 0 ? abort.join(', ') : 'nothing but a broken hypothesis or a signal'}`);
  lines.push('dry run: nothing was changed');
  return `${lines.join('\n')}\n`;
}
