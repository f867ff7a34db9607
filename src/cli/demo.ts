import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import pino from 'pino';
import { loadSpec } from '../spec/load-spec.js';
import { parseDuration } from '../slo/duration.js';
import { startProxy } from '../proxy/proxy.js';
import { parseChaos } from '../mock/chaos.js';
import { startTraffic } from '../demo/traffic.js';
import { alertWhy, formatReportText } from '../report/report-text.js';
import { styleFor } from '../report/style.js';
import { SwornError } from '../errors.js';
import type { CliIo } from './program.js';
import type { Spec } from '../spec/load-spec.js';
import { startMockTarget } from './gameday.js';

/** The petstore example in sworn's own folder: found wherever sworn is run from. */
const DEFAULT_SPEC = fileURLToPath(new URL('../../specs/petstore.yaml', import.meta.url));

/** Traffic built from any spec's examples, as the consumers its key maps name (the game days' driver). */
async function specTraffic(spec: Spec, url: string, perSecond: number): Promise<{ stop(): Promise<void>; sent(): number }> {
  const { startTraffic: fromSpec } = await import('../gameday/drive.js');
  const { mappedConsumers } = await import('../proxy/consumers.js');
  const { resolveSlos } = await import('../slo/resolve.js');
  const { listOperations } = await import('../spec/operations.js');
  const slo = resolveSlos(spec, listOperations(spec));
  return fromSpec(spec, url, { perSecond, consumers: mappedConsumers(slo.consumers, spec.file ? dirname(spec.file) : process.cwd()).slice(0, 3), seed: 1 });
}

/** Operations compiled before the demo's traffic starts (a spec of thousands compiles the rest on first use). */
const WARM_OPERATIONS = 200;

/** One call of each operation straight to the mock (not through the proxy: nothing is counted). */
async function warmMock(spec: Spec, url: string): Promise<void> {
  const { startTraffic: fromSpec } = await import('../gameday/drive.js');
  const warm = fromSpec(spec, url, { perSecond: 200, consumers: [], seed: 1 });
  await new Promise<void>((resolve) => setTimeout(resolve, 300));
  await warm.stop();
}

function firstPath(operations: ReadonlyArray<{ method: string; path: string; basePaths: string[] }>): string {
  const get = operations.find((o) => o.method === 'get' && !o.path.includes('{')) ?? operations[0];
  return get ? `${get.basePaths.find((b) => b !== '') ?? ''}${get.path}` : '/';
}

/**
 * Why each alert of the operation burning fastest fires or not, in words:
 * `page 1h/5m at 14.4x: burning 3.2x / 2.1x, below the factor`.
 */
function alertReasons(report: ReturnType<RunningProxyReport>): string[] {
  const burning = report.operations
    .filter((o) => o.slo && o.slo.alerts.length > 0)
    .sort((a, b) => Math.max(...b.slo!.alerts.map((x) => x.longBurnRate)) - Math.max(...a.slo!.alerts.map((x) => x.longBurnRate)))[0];
  if (!burning?.slo) return [];
  const rate = (n: number) => `${Math.round(n * 10) / 10}x`;
  return [`alerts of ${burning.operationId} (burning fastest):`, ...burning.slo.alerts.map((a) => {
    const why = alertWhy(a);
    return `  ${a.severity} ${a.long}/${a.short} at ${rate(a.factor)}: burning ${rate(a.longBurnRate)} / ${rate(a.shortBurnRate)} · ${why}`;
  })];
}

type RunningProxyReport = Awaited<ReturnType<typeof startProxy>>['report'];

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
    .argument('[spec]', 'OpenAPI file (default: the petstore example shipped with sworn)', DEFAULT_SPEC)
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
      // Headroom: the mock stays inside every objective (each tier's included) until chaos is turned on.
      const upstream = await startMock({ spec, port: 0, adminPort: Number(options.mockAdminPort), behave: 'slo', seed: 1, headroom: 0.6, ...(chaos ? { chaos } : {}) });
      const proxy = await startProxy({
        spec, upstream: upstream.url, port: Number(options.port), adminPort: Number(options.adminPort), store: options.store,
        logger: pino({ level: 'silent' }),
      });
      // Warm-up before any call is counted: the proxy's validators compiled, the mock's answers built once per
      // operation, so first calls (tens to hundreds of ms of one-time work) are not read as broken promises.
      for (const service of proxy.services) for (const op of service.contract.operations.slice(0, WARM_OPERATIONS)) {
        try {
          service.contract.validators(op);
        } catch {
          // an operation whose schemas cannot compile is reported by the proxy on its own calls
        }
      }
      await warmMock(spec, upstream.url);
      // The petstore gets its scripted consumers (some of them breaking the contract); any other spec, traffic built from it.
      const petstore = spec.file !== undefined && resolve(spec.file) === DEFAULT_SPEC;
      const traffic = petstore ? startTraffic(proxy.url, { perSecond: Number(options.rate) }) : await specTraffic(spec, proxy.url, Number(options.rate));
      const style = styleFor(io.stdout, io.env);
      const tty = io.stdout.isTTY === true;
      const example = petstore ? `curl -H 'X-Api-Key: demo-key-mobile' ${proxy.url}/v1/pets` : `curl ${proxy.url}${firstPath(proxy.operations)}`;
      // Kept on screen: each refresh redraws them above the report.
      const header = `sworn demo: proxy ${proxy.url} -> mock ${upstream.url} (behaving as promised) · dashboard ${proxy.adminUrl}/ (and /report, /metrics) · ${spec.title}\n`
        + `try: ${example} · a game day: curl -X POST -d error=20x ${upstream.adminUrl}/chaos (or sworn demo --gameday) · Ctrl-C stops\n\n`;
      io.stdout.write(header);
      const render = () => {
        const report = proxy.report();
        const text = `${formatReportText(report, style)}\n${alertReasons(report).join('\n')}`;
        io.stdout.write(tty ? `\x1b[H\x1b[J${header}${text}\n${traffic.sent()} demo requests sent · Ctrl-C stops\n` : `${text}\n`);
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
