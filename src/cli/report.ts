import { resolve as resolvePath } from 'node:path';
import { Command, Option } from 'commander';
import { closest } from 'fastest-levenshtein';
import { SwornError } from '../errors.js';
import { buildReport, failures, reportWindow, type FailOn } from '../report/report.js';
import { formatReportMarkdown, formatReportText } from '../report/report-text.js';
import { formatReportJunit } from '../report/report-junit.js';
import { formatReportHtml } from '../report/report-html.js';
import { styleFor } from '../report/style.js';
import { openHistory } from '../report/history.js';
import { fleetReport } from './fleet.js';
import { collectStores, parseAt, writeOutput, type CliIo } from './program.js';

type Format = 'text' | 'json' | 'markdown' | 'junit' | 'html';

/** `sworn report`: the proxy's store, judged against the spec's promises, in five formats. */
export function addReportCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('report')
    .description('report conformance and SLO figures (availability, error budget, latency, burn rates, alerts) per operation and consumer from a proxy\'s store, several pods\' stores, or Prometheus (--prometheus: the whole fleet)')
    .option('--store <file>', 'the proxy\'s store (default sworn.db); repeat for every pod\'s store: their figures are merged exactly, the fleet\'s', collectStores)
    .option('--spec <file>', 'the spec with the promises (default: the one the proxy recorded in the store; required with --prometheus)')
    .option('--prometheus <url>', 'read the whole fleet\'s figures from Prometheus (every sidecar it scrapes) instead of stores, e.g. http://prometheus:9090')
    .option('--service <name>', 'with --prometheus: the service label the sidecars expose (default: the spec\'s x-slo service, else the spec file\'s name)')
    .option('--window <duration>', 'one window for every figure, ending at --at, e.g. 7d (default: each promise\'s own window)')
    .option('--since <time>', 'window start: ISO date-time, or a duration ago (e.g. 7d)')
    .option('--until <time>', 'window end (default now)')
    .option('--at <time>', 'ISO date-time the report is made at (default now)')
    .option('--consumer <name>', 'only this consumer')
    .option('--operation <id>', 'only this operation')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'markdown', 'junit', 'html']).default('text'))
    .option('--output <file>', 'write the report here instead of standard output')
    .addOption(new Option('--fail-on <what>', 'exit 1 when an objective is missed (slo), a contract violation was seen (violations), or either (any)').choices(['slo', 'violations', 'any']))
    .action(async (options: { store?: string[]; spec?: string; prometheus?: string; service?: string; window?: string; since?: string; until?: string; at?: string; consumer?: string; operation?: string; format: Format; output?: string; failOn?: FailOn }) => {
      const at = parseAt(options.at);
      const window = reportWindow({ window: options.window, since: options.since, until: options.until }, at);
      const filters = { ...(options.consumer === undefined ? {} : { consumer: options.consumer }), ...(options.operation === undefined ? {} : { operation: options.operation }) };
      const history = options.prometheus === undefined ? await openHistory(options, io.cwd) : undefined;
      try {
        if (history && options.consumer !== undefined) assertConsumerSeen(options.consumer, history.store.load().requests.map((r) => r.consumer));
        const report = history
          ? buildReport(
              { spec: { title: history.spec.title, version: history.spec.apiVersion }, operations: history.operations, engine: history.engine, store: history.store, now: at },
              { ...window, ...filters },
            )
          : (await fleetReport({ ...options, prometheus: options.prometheus! }, io.cwd, at, { ...window, ...filters })).report;
        if (report.unmeasured && report.unmeasured.length > 0) io.stderr.write(`warning: no sidecar exposes ${report.unmeasured.length} promised operation(s) of this spec (${report.unmeasured.slice(0, 5).join(', ')}${report.unmeasured.length > 5 ? ', ...' : ''}): the proxies run another version of it\n`);
        const toFile = options.output !== undefined;
        const text =
          options.format === 'json' ? JSON.stringify(report, null, 2) + '\n'
          : options.format === 'markdown' ? formatReportMarkdown(report)
          : options.format === 'junit' ? formatReportJunit(report)
          : options.format === 'html' ? formatReportHtml(report, history ? { engine: history.engine, store: history.store, now: at, ...window } : { now: at }, scopeOf(options, report))
          : formatReportText(report, toFile ? styleFor({}) : styleFor(io.stdout, io.env));
        if (toFile) {
          await writeOutput(resolvePath(io.cwd, options.output!), text, '--output');
          io.stderr.write(`report written to ${options.output}\n`);
        } else io.stdout.write(text);
        const reasons = options.failOn ? failures(report, options.failOn) : [];
        for (const reason of reasons) io.stderr.write(`fail-on ${options.failOn}: ${reason}\n`);
        setExit(reasons.length > 0 ? 1 : 0);
      } finally {
        history?.close();
      }
    });
}

/**
 * `--consumer acmee` (a typo) must not report "every objective met" over no
 * traffic: a consumer the store never saw is an error with the closest name
 * seen. A consumer seen before but quiet in the window is not: its report is
 * empty, and says so.
 */
export function assertConsumerSeen(consumer: string, seen: Iterable<string>): void {
  const names = [...new Set(seen)].sort();
  if (names.includes(consumer)) return;
  const some = names.length > 8 ? `${names.slice(0, 8).join(', ')}, ...` : names.join(', ');
  throw new SwornError('SWORN_ERR_CONSUMER_NOT_FOUND', `no consumer ${JSON.stringify(consumer)} in the store: it has never seen traffic from it`, {
    hint: names.length === 0 ? 'The store holds no traffic yet: run `sworn proxy` in front of the service first.' : `Did you mean --consumer ${closest(consumer, names)}? Consumers seen: ${some}.`,
  });
}

/** Whose traffic an HTML report judges, in words. */
function scopeOf(options: { store?: string[]; prometheus?: string }, report: { scope?: { service: string; pods: number } }): string {
  if (report.scope) return `the whole service ${report.scope.service}: ${report.scope.pods} pod(s) scraped by Prometheus`;
  const stores = options.store ?? ['sworn.db'];
  return stores.length > 1 ? `${stores.length} stores merged (their pods' traffic)` : `the traffic of one proxy's store (${stores[0]}): one pod, unless it is the only one`;
}
