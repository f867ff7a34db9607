import { Command, Option } from 'commander';
import pino from 'pino';
import { loadSpec } from '../spec/load-spec.js';
import { parseDuration } from '../slo/duration.js';
import { startProxy } from '../proxy/proxy.js';
import { parseChaos } from '../mock/chaos.js';
import { startTraffic } from '../demo/traffic.js';
import { formatReportText } from '../report/report-text.js';
import { styleFor } from '../report/style.js';
import { SwornError } from '../errors.js';
import type { CliIo } from './program.js';
import type { Spec } from '../spec/load-spec.js';
import { startMockTarget } from './gameday.js';

/** `sworn demo --gameday`: the built-in plan against the demo's mock, progress on stdout, then the report. */
async function demoGameday(spec: Spec, io: CliIo, stepMs: number): Promise<number> {
  const { demoPlan } = await import('../gameday/builtin.js');
  const { runGameday } = await import('../gameday/run.js');
  const { formatGameday } = await import('../gameday/format.js');
  const plan = demoPlan(spec, { stepMs, baselineMs: Math.max(1_000, Math.round(stepMs * 0.6)), betweenMs: Math.max(500, Math.round(stepMs * 0.4)) });
  const style = styleFor(io.stdout, io.env);
  io.stdout.write(`sworn demo --gameday: ${plan.title}\nhypothesis: ${plan.hypothesis.map((h) => `${h.consumer ?? 'every consumer'}'s promises on ${h.operations?.join(', ') ?? 'every operation'} hold`).join('; ')}\nsteps: ${plan.steps.map((s) => s.summary).join(' → ')} (${Math.round(plan.steps[0]!.durationMs / 1000)}s each) · Ctrl-C stops and removes the faults\n\n`);
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals) => controller.abort(signal);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const result = await runGameday(plan, { signal: controller.signal, log: (line) => io.stdout.write(`${style('dim', line)}\n`), startMockTarget });
    io.stdout.write(`\n${formatGameday(result, 'text', { color: io.stdout.isTTY === true && !io.env.NO_COLOR })}`);
    io.stdout.write(`\nwrite your own plan: docs/gameday.md · run it: sworn gameday plan.yaml\n`);
    // The demo shows a breaking point on purpose: finding it is a success.
    return result.verdict === 'aborted' && result.abortedBy?.startsWith('signal') ? 1 : 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/** `sworn demo`: the proxy in front of the in-process mock of a spec (behaving as promised), with traffic and a live report. */
export function addDemoCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('demo')
    .description('run the proxy in front of an in-process mock of the spec that behaves as promised, send it demo traffic, and show the live SLO report')
    .argument('[spec]', 'OpenAPI file', 'specs/petstore.yaml')
    .option('--port <n>', 'proxy port (0 picks a free one)', '8000')
    .option('--admin-port <n>', 'admin port (0 picks a free one)', '9464')
    .option('--mock-admin-port <n>', 'the mock\'s admin port, for POST /chaos during the demo (0 picks a free one)', '9465')
    .option('--chaos <settings>', 'start with a game day, e.g. error=5x,latency=2x')
    .option('--rate <n>', 'demo requests per second', '20')
    .addOption(new Option('--duration <duration>', 'stop after this long (default: until Ctrl-C)'))
    .option('--store <file>', 'store file', ':memory:')
    .option('--gameday', 'run a built-in game day instead: four escalating faults on one promised operation, about a minute, then its report (docs/gameday.md)')
    .option('--gameday-step <duration>', 'with --gameday: how long each step lasts', '8s')
    .action(async (specPath: string, options: { port: string; adminPort: string; mockAdminPort: string; chaos?: string; rate: string; duration?: string; store: string; gameday?: boolean; gamedayStep: string }) => {
      const spec = await loadSpec(specPath, { cwd: io.cwd });
      if (options.gameday) {
        const stepMs = parseDuration(options.gamedayStep)?.ms;
        if (stepMs === undefined || stepMs < 500 || stepMs > 600_000) throw new SwornError('SWORN_ERR_USAGE', `--gameday-step ${JSON.stringify(options.gamedayStep)} is not a duration from 500ms to 10m`, { hint: 'Write e.g. --gameday-step 8s.' });
        setExit(await demoGameday(spec, io, stepMs));
        return;
      }
      const chaos = options.chaos === undefined ? undefined : parseChaos(options.chaos);
      const { startMock } = await import('../mock/mock.js'); // prism-http is loaded only by the commands that serve a mock
      const upstream = await startMock({ spec, port: 0, adminPort: Number(options.mockAdminPort), behave: 'slo', seed: 1, ...(chaos ? { chaos } : {}) });
      const proxy = await startProxy({
        spec, upstream: upstream.url, port: Number(options.port), adminPort: Number(options.adminPort), store: options.store,
        logger: pino({ level: 'silent' }),
      });
      const traffic = startTraffic(proxy.url, { perSecond: Number(options.rate) });
      const style = styleFor(io.stdout, io.env);
      const tty = io.stdout.isTTY === true;
      io.stdout.write(`sworn demo: proxy ${proxy.url} -> mock ${upstream.url} (behaving as promised) · admin ${proxy.adminUrl} (/report, /metrics) · ${spec.title}\n`);
      io.stdout.write(`try: curl -H 'X-Api-Key: demo-key-mobile' ${proxy.url}/v1/pets · a game day: curl -X POST -d error=20x ${upstream.adminUrl}/chaos · Ctrl-C stops\n\n`);
      const render = () => {
        const text = formatReportText(proxy.report(), style);
        io.stdout.write(tty ? `\x1b[H\x1b[J${text}\n${traffic.sent()} demo requests sent · Ctrl-C stops\n` : `${text}\n`);
      };
      const every = setInterval(render, tty ? 1_000 : 5_000);
      const durationMs = options.duration === undefined ? undefined : parseDuration(options.duration)?.ms;
      if (options.duration !== undefined && durationMs === undefined) throw new SwornError('SWORN_ERR_USAGE', `--duration ${JSON.stringify(options.duration)} is not a duration`, { hint: 'Write e.g. --duration 30s.' });
      await new Promise<void>((resolve) => {
        const done = () => resolve();
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
        if (durationMs !== undefined) setTimeout(done, durationMs).unref();
      });
      clearInterval(every);
      await traffic.stop();
      render();
      await proxy.close();
      await upstream.close();
      setExit(0);
    });
}
