import { Command, Option } from 'commander';
import pino from 'pino';
import { SwornError } from '../errors.js';
import { loadSpec } from '../spec/load-spec.js';
import type { MockExchange, RunningMock } from '../mock/mock.js';
import { formatExchange, formatStart, type LogFormat } from './mock-log.js';
import { parseChaos } from '../mock/chaos.js';
import type { CliIo } from './program.js';

/** `sworn mock`: serve an API from its spec, optionally the way its promises say. */
export function addMockCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('mock')
    .description('serve an API from its spec (examples or generated data, request validation, security); with --behave slo, delayed and failing the way each operation promises')
    .argument('<spec>', 'OpenAPI 3.0/3.1 file, Swagger 2.0 or Postman collection (YAML or JSON)')
    .option('--port <n>', 'port (0 picks a free one)', '4010')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--dynamic', 'generate bodies from the schemas instead of the examples')
    .option('--errors', 'answer 500 naming the violations when an answer of the mock\'s own (an example) breaks the spec; without it, such answers carry a Sworn-Violations header')
    .option('--seed <n>', 'seed of generated bodies and of the promised behaviour: the same seed gives the same answers', '1')
    .addOption(new Option('--behave <mode>', 'none: answer at once; slo: latency, errors and maintenance windows as each operation promises').choices(['none', 'slo']).default('none'))
    .option('--chaos <settings>', 'game day: error=2x,latency=3x,reset=1%,truncate=0.5% (also POST /chaos on the admin port, or a Sworn-Chaos request header)')
    .option('--admin-port <n>', 'admin port: /healthz, GET and POST /chaos, GET/POST/DELETE /faults; "off" for none', '9465')
    .option('--admin-token <token>', 'bearer token the admin port requires (all but /healthz); also SWORN_ADMIN_TOKEN')
    .option('--log-level <level>', 'pino log level', 'info')
    .addOption(new Option('--log-format <format>', 'pretty: the route table at start and one line per request; json: one JSON object per line').choices(['pretty', 'json']).default('pretty'))
    .option('--quiet', 'no route table and no request log (the start line and errors only)')
    .action(async (specPath: string, options: { port: string; host: string; dynamic?: boolean; errors?: boolean; seed: string; behave: 'none' | 'slo'; chaos?: string; adminPort: string; adminToken?: string; logLevel: string; logFormat: LogFormat; quiet?: boolean }) => {
      const seed = Number(options.seed);
      if (!Number.isInteger(seed)) throw new SwornError('SWORN_ERR_USAGE', `--seed ${JSON.stringify(options.seed)} is not a whole number`, { hint: 'Write e.g. --seed 42.' });
      const port = portOf(options.port, 'port');
      const adminPort = options.adminPort === 'off' ? null : portOf(options.adminPort, 'admin-port');
      const chaos = options.chaos === undefined ? undefined : parseChaos(options.chaos);
      const spec = await loadSpec(specPath, { cwd: io.cwd });
      const { startMock } = await import('../mock/mock.js'); // prism-http is loaded only by the commands that serve a mock
      const format = options.logFormat;
      const onExchange = options.quiet ? undefined : (exchange: MockExchange) => io.stdout.write(formatExchange(format, exchange));
      const adminToken = options.adminToken ?? io.env.SWORN_ADMIN_TOKEN;
      const mock = await startMock({ spec, port, host: options.host, adminPort, ...(adminToken ? { adminToken } : {}), dynamic: options.dynamic === true, errors: options.errors === true, seed, behave: options.behave, ...(chaos ? { chaos } : {}), logger: pino({ level: options.logLevel }, pino.destination(2)), ...(onExchange ? { onExchange } : {}) });
      const summary = `${options.dynamic ? 'generated data' : 'examples'} · behave ${options.behave}${chaos ? ` · chaos ${mock.settings().chaos}` : ''}`;
      io.stdout.write(formatStart(format, { title: spec.title, version: spec.apiVersion, url: mock.url, summary, adminUrl: mock.adminUrl }, options.quiet ? undefined : mock.routes));
      setExit(await untilSignal(mock));
    });
}

function portOf(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new SwornError('SWORN_ERR_USAGE', `--${flag} ${JSON.stringify(text)} is not a port`, { hint: `Write a number from 0 to 65535, e.g. --${flag} 4010 (0 picks a free port).` });
  return n;
}

function untilSignal(mock: RunningMock): Promise<number> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      mock.close().then(() => resolve(0), () => resolve(1));
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
