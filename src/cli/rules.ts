import { join, resolve as resolvePath } from 'node:path';
import { Command, Option } from 'commander';
import { loadSpec } from '../spec/load-spec.js';
import { generateRules } from '../rules/generate.js';
import { RULES_FORMATS, type RulesFormat } from '../rules/render.js';
import { writeOutput, type CliIo } from './program.js';

/** `sworn rules`: Prometheus recording and alerting rules (or a PrometheusRule, or OpenSLO) from the specs' promises. */
export function addRulesCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('rules')
    .description('generate Prometheus recording and alerting rules (burn rates, error budget, latency objectives, contract breaches) from the x-slo promises, for the fleet\'s sidecar metrics')
    .argument('<spec...>', 'OpenAPI 3.0/3.1, Swagger 2.0 or Postman collection files (YAML or JSON); one group set per spec')
    .addOption(new Option('--format <format>', 'prometheus: a rule file; prometheus-operator: a PrometheusRule per spec; openslo: OpenSLO v1 documents').choices([...RULES_FORMATS]).default('prometheus'))
    .option('--out <dir>', 'write one file per spec into this directory (<service>.rules.yaml, .prometheusrule.yaml or .openslo.yaml) instead of standard output')
    .option('--service <name>', 'the service label the proxies put on their metrics, when it is not the spec\'s x-slo service (one spec only)')
    .action(async (specFiles: string[], options: { format: RulesFormat; out?: string; service?: string }) => {
      const specs = [];
      for (const file of specFiles) specs.push(await loadSpec(file, { cwd: io.cwd }));
      const generated = generateRules(specs, { format: options.format, ...(options.service === undefined ? {} : { service: options.service }) });
      if (options.out === undefined) {
        io.stdout.write(generated.combined);
      } else {
        const dir = resolvePath(io.cwd, options.out);
        for (const file of generated.files) {
          await writeOutput(join(dir, file.fileName), file.text, '--out', true);
          io.stderr.write(`wrote ${join(options.out, file.fileName)} (${file.service} from ${file.spec}: ${file.summary})\n`);
        }
      }
      setExit(0);
    });
}
