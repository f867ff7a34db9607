import type { Command } from 'commander';
import { SwornError } from '../errors.js';
import { loadSpec } from '../spec/load-spec.js';
import { dashboardForSpec } from '../dashboard/index.js';
import type { CliIo } from './program.js';

/** `sworn dashboard`: a Grafana dashboard of one service's promises, on stdout. */
export function addDashboardCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('dashboard')
    .description('print a Grafana dashboard (JSON) of the spec\'s promises, read from the recording rules of `sworn rules`')
    .argument('<spec>', 'OpenAPI 3.0/3.1 file, Swagger 2.0 or Postman collection (YAML or JSON)')
    .option('--datasource <uid>', 'UID of the Prometheus data source picked by default (default: Grafana\'s default data source)')
    .option('--title <title>', 'dashboard title (default "<service> · promises (sworn)")')
    .option('--service <name>', 'the service label the proxies put on their metrics, when it is not the spec\'s x-slo service (as given to `sworn rules --service`)')
    .action(async (file: string, options: { datasource?: string; title?: string; service?: string }) => {
      for (const [flag, value] of [['--datasource', options.datasource], ['--title', options.title], ['--service', options.service]] as const) {
        if (value !== undefined && value.trim() === '') throw new SwornError('SWORN_ERR_USAGE', `${flag} is empty`, { hint: `Give ${flag} a value, or leave it out for the default.` });
      }
      const spec = await loadSpec(file, { cwd: io.cwd });
      const dashboard = dashboardForSpec(spec, options);
      io.stdout.write(JSON.stringify(dashboard, null, 2) + '\n');
      setExit(0);
    });
}
