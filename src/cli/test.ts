import { Command, Option } from 'commander';
import { SingleBar } from 'cli-progress';
import { closest } from 'fastest-levenshtein';
import { SwornError } from '../errors.js';
import { loadSpec } from '../spec/load-spec.js';
import { listOperations } from '../spec/operations.js';
import { parseDuration } from '../slo/duration.js';
import { formatContractJunit, formatContractText, formatResultLine } from '../contract/format.js';
import { styleFor } from '../report/style.js';
import type { CliIo } from './program.js';

/** `sworn test`: contract tests against a live service. */
export function addTestCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('test')
    .description('contract tests against a live service: example, generated and invalid requests for every operation, each answer checked against the spec; exit 1 on any failure')
    .argument('<spec>', 'OpenAPI 3.0/3.1 file, Swagger 2.0 or Postman collection (YAML or JSON)')
    .requiredOption('--target <url>', 'the service, with its base path, e.g. http://127.0.0.1:8080/v1')
    .option('--operation <id...>', 'only these operations')
    .option('--examples', 'only the requests the spec\'s examples describe (plus --generate N if given)')
    .option('--generate <n>', 'schema-generated valid requests per operation (default 5; with --examples, 0)')
    .option('--seed <n>', 'seed of generated requests: the same seed sends the same requests', '1')
    .option('--header <header...>', 'a header for every request, e.g. --header "Authorization: Bearer …"')
    .option('--unsafe', 'also test POST, PUT, PATCH and DELETE operations (they may change data)')
    .option('--concurrency <n>', 'requests in flight at once', '4')
    .option('--timeout <duration>', 'no answer within this is a failure', '10s')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'junit']).default('text'))
    .action(async (specPath: string, options: { target: string; operation?: string[]; examples?: boolean; generate?: string; seed: string; header?: string[]; unsafe?: boolean; concurrency: string; timeout: string; format: 'text' | 'json' | 'junit' }) => {
      const int = (text: string, flag: string, min: number) => {
        const n = Number(text);
        if (!Number.isInteger(n) || n < min) throw new SwornError('SWORN_ERR_USAGE', `--${flag} ${JSON.stringify(text)} is not a whole number of at least ${min}`, { hint: `Write e.g. --${flag} ${Math.max(min, 5)}.` });
        return n;
      };
      try {
        if (!/^https?:$/.test(new URL(options.target).protocol)) throw new Error('not http');
      } catch {
        throw new SwornError('SWORN_ERR_USAGE', `--target ${JSON.stringify(options.target)} is not an http(s) URL`, { hint: 'Write e.g. --target http://127.0.0.1:8080/v1 (with the base path the spec\'s servers use).' });
      }
      const headers: Record<string, string> = {};
      for (const h of options.header ?? []) {
        const i = h.indexOf(':');
        if (i <= 0) throw new SwornError('SWORN_ERR_USAGE', `--header ${JSON.stringify(h)} is not "Name: value"`, { hint: 'Write e.g. --header "Authorization: Bearer $TOKEN".' });
        headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
      }
      const timeout = parseDuration(options.timeout);
      if (!timeout) throw new SwornError('SWORN_ERR_USAGE', `--timeout ${JSON.stringify(options.timeout)} is not a duration`, { hint: 'Write e.g. --timeout 10s.' });
      const spec = await loadSpec(specPath, { cwd: io.cwd });
      const ids = options.operation;
      if (ids) {
        const known = new Set(listOperations(spec).map((o) => o.id));
        const unknown = ids.filter((id) => !known.has(id));
        if (unknown.length > 0) throw new SwornError('SWORN_ERR_OPERATION_NOT_FOUND', `no operation ${unknown.map((u) => JSON.stringify(u)).join(', ')} in ${spec.displayPath}`, { hint: known.size > 0 ? `Did you mean ${unknown.map((u) => `--operation ${closest(u, [...known])}`).join(', ')}? \`sworn explain <spec>\` lists the operation ids.` : 'Run `sworn explain <spec>` to list the operation ids.' });
      }
      const style = styleFor(io.stderr, io.env);
      const tty = io.stderr.isTTY === true && options.format === 'text';
      const bar = tty ? new SingleBar({ format: 'sworn test [{bar}] {value}/{total} requests · {failed} failed', stream: io.stderr as NodeJS.WriteStream, hideCursor: true }) : undefined;
      let failed = 0;
      let started = false;
      const { runContractTests } = await import('../contract/run.js'); // the request generator loads only here
      const generate = options.generate !== undefined ? int(options.generate, 'generate', 0) : options.examples ? 0 : 5;
      const seed = int(options.seed, 'seed', 0);
      const concurrency = int(options.concurrency, 'concurrency', 1);
      const report = await runContractTests(spec, {
        target: options.target,
        ...(ids ? { operations: ids } : {}),
        examples: true,
        generate,
        seed,
        headers,
        unsafe: options.unsafe === true,
        concurrency,
        timeoutMs: timeout.ms,
        onResult: (result, done, total) => {
          if (result.failures.length > 0) failed++;
          if (bar) {
            if (!started) bar.start(total, 0, { failed });
            started = true;
            bar.update(done, { failed });
          } else if (options.format === 'text') io.stdout.write(formatResultLine(result, styleFor(io.stdout, io.env)) + '\n');
        },
      }).finally(() => bar?.stop());
      for (const w of report.warnings) io.stderr.write(`warning: ${w}\n`);
      if (options.format === 'json') io.stdout.write(JSON.stringify(report, null, 2) + '\n');
      else if (options.format === 'junit') io.stdout.write(formatContractJunit(report));
      else io.stdout.write(tty ? formatContractText(report, style) : formatContractText({ ...report, results: [] }, styleFor(io.stdout, io.env)));
      setExit(report.summary.failed > 0 ? 1 : 0);
    });
}
