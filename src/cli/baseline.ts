import { readFileSync, writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { SwornError } from '../errors.js';
import { parseDuration } from '../slo/duration.js';
import { propose, formatMs, weakenings, type Proposal } from '../baseline/propose.js';
import { editSpec, unifiedDiff } from '../baseline/edit.js';
import { openHistory } from '../report/history.js';
import { collectStores, parseAt, type CliIo } from './program.js';

/** `sworn baseline`: propose (and with --write, write) the promises the traffic shows each operation already keeps. */
export function addBaselineCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('baseline')
    .description('adaptive SLOs: from observed traffic, propose for each operation the promise it already keeps and the next rung; --write edits the spec in place')
    .argument('<spec>', 'the OpenAPI file (YAML) to propose promises for')
    .option('--store <file>', 'the proxy\'s store (default sworn.db); repeat for every pod\'s store: their figures are merged exactly, the fleet\'s', collectStores)
    .option('--window <duration>', 'traffic window the proposal is based on', '28d')
    .option('--at <time>', 'ISO date-time the window ends at (default now)')
    .option('--min-events <n>', 'valid events an operation needs for a proposal', '100')
    .option('--write', 'edit the spec\'s x-slo blocks in place (comments and formatting kept); default: print a diff')
    .option('--allow-weaker', 'with --write, also write proposals weaker than the spec\'s promise (refused by default)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (specPath: string, options: { store?: string[]; window: string; at?: string; minEvents: string; write?: boolean; allowWeaker?: boolean; format: 'text' | 'json' }) => {
      const at = parseAt(options.at);
      const window = parseDuration(options.window);
      if (!window || window.ms <= 0) throw new SwornError('SWORN_ERR_USAGE', `--window ${JSON.stringify(options.window)} is not a duration`, { hint: 'Write e.g. --window 28d or 7d.' });
      const minEvents = Number(options.minEvents);
      if (!Number.isInteger(minEvents) || minEvents < 1) throw new SwornError('SWORN_ERR_USAGE', `--min-events ${JSON.stringify(options.minEvents)} is not a positive whole number`, { hint: 'Write e.g. --min-events 100.' });
      const history = await openHistory({ store: options.store, spec: specPath }, io.cwd);
      try {
        const proposals = propose(history.slo, history.engine, { since: at - window.ms, until: at }, minEvents);
        const file = history.spec.file;
        const yamlFile = /\.ya?ml$/i.test(file);
        const edit = yamlFile ? editSpec(history.spec.displayPath, readFileSync(file, 'utf8'), proposals) : undefined;
        if (edit && options.write && edit.after !== edit.before && !options.allowWeaker) {
          const weakened = proposals.filter((p) => edit.written.includes(p.operationId)).flatMap((p) => weakenings(p).map((w) => `${p.operationId}: ${w}`));
          if (weakened.length > 0) {
            throw new SwornError('SWORN_ERR_WEAKER_PROMISE', `--write would weaken ${weakened.length} objective(s) the spec promises; nothing written`, {
              details: weakened.map((message) => ({ message })),
              hint: 'Run without --write to read the diff; if promising less is what you mean, add --allow-weaker.',
            });
          }
        }
        if (options.format === 'json') io.stdout.write(JSON.stringify({ window: { since: new Date(at - window.ms).toISOString(), until: new Date(at).toISOString() }, proposals, ...(edit ? { written: options.write ? edit.written : [], notWritten: edit.notWritten } : {}) }, null, 2) + '\n');
        else io.stdout.write(formatProposals(proposals, options.window));
        if (!edit) {
          io.stderr.write(`${history.spec.displayPath} is not YAML: copy the proposals into its x-slo blocks by hand\n`);
        } else {
          for (const n of edit.notWritten) io.stderr.write(`${n.operationId}: ${n.reason}\n`);
          if (edit.after === edit.before) io.stderr.write('nothing to change in the spec\n');
          else if (options.write) {
            writeFileSync(file, edit.after);
            io.stderr.write(`wrote ${edit.written.length} operation(s) into ${history.spec.displayPath}\n`);
          } else if (options.format === 'text') io.stdout.write('\n' + unifiedDiff(edit));
        }
        setExit(0);
      } finally {
        history.close();
      }
    });
}

const pct = (n: number | null) => (n === null ? '-' : `${n}%`);

function formatProposals(proposals: Proposal[], window: string): string {
  const out = [`promises kept over the last ${window} (availability rounded down on the ladder 90 95 99 99.5 99.9 99.95 99.99; latency with 25% headroom)`, ''];
  out.push(`${'operation'.padEnd(24)}${'valid'.padStart(8)}  ${'observed'.padEnd(10)}${'keeps'.padEnd(8)}${'next'.padEnd(8)}${'now'.padEnd(8)}latency (p99 max, 95% within)`);
  for (const p of proposals) {
    if (p.skipped) {
      out.push(`${p.operationId.slice(0, 23).padEnd(24)}${String(p.observed.valid).padStart(8)}  skipped: ${p.skipped}`);
      continue;
    }
    const observed = p.observed.availability === null ? '-' : `${Number(p.observed.availability.toFixed(3))}%`;
    const latency = p.latency ? `p99 ≤ ${formatMs(p.latency.p99Max)} (seen ${p.observed.p99}ms), 95% ≤ ${formatMs(p.latency.fastThreshold)} (p95 ${p.observed.p95}ms)` : '-';
    out.push(`${p.operationId.slice(0, 23).padEnd(24)}${String(p.observed.valid).padStart(8)}  ${observed.padEnd(10)}${pct(p.availability).padEnd(8)}${pct(p.next).padEnd(8)}${pct(p.current.availability).padEnd(8)}${latency}${p.weaker ? '  (weaker than the current promise)' : ''}`);
  }
  return out.join('\n') + '\n';
}
