import { Command, Option } from 'commander';
import { SwornError } from '../errors.js';
import { openHistory } from './history.js';
import { fleetReport } from './fleet.js';
import type { SloFigures } from '../engine/engine.js';
import { collectStores, parseAt, type CliIo } from './program.js';

/** One operation's verdict under the error-budget policy. */
export interface GateVerdict {
  operationId: string;
  freezeBelow: number;
  remaining: number | null;
  spent: number;
  total: number;
  frozen: boolean;
  reason: string;
}

/** `sworn gate`: refuse a deploy while an operation's error budget is below its `budgetPolicy.freezeBelow`. */
export function addGateCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('gate')
    .description('error-budget policy: exit 1 when an operation\'s remaining budget is below its budgetPolicy.freezeBelow (refuse to deploy)')
    .option('--store <file>', 'the proxy\'s store (default sworn.db); repeat for every pod\'s store: their figures are merged exactly, the fleet\'s', collectStores)
    .option('--spec <file>', 'the spec with the promises (default: the one the proxy recorded in the store; required with --prometheus)')
    .option('--prometheus <url>', 'judge the whole fleet\'s budget from Prometheus (every sidecar it scrapes) instead of stores')
    .option('--service <name>', 'with --prometheus: the service label the sidecars expose (default: the spec\'s x-slo service, else the spec file\'s name)')
    .option('--operation <id>', 'only this operation')
    .option('--at <time>', 'ISO date-time to judge at (default now)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (options: { store?: string[]; spec?: string; prometheus?: string; service?: string; operation?: string; at?: string; format: 'text' | 'json' }) => {
      const at = parseAt(options.at);
      const history = options.prometheus === undefined ? await openHistory(options, io.cwd) : undefined;
      try {
        let slo = history?.slo;
        let budgetOf = (id: string): SloFigures['errorBudget'] | undefined => history!.engine.figures(id, { at })?.errorBudget;
        if (!history) {
          const { spec, ...rest } = options;
          const fleet = await fleetReport({ ...rest, prometheus: options.prometheus!, ...(spec === undefined ? {} : { spec }) }, io.cwd, at, options.operation === undefined ? {} : { operation: options.operation });
          const unjudged = (fleet.report.unmeasured ?? []).filter((id) => fleet.slo.operations.find((o) => o.id === id)?.promise?.budgetPolicy.freezeBelow !== undefined && (options.operation === undefined || id === options.operation));
          if (unjudged.length > 0) throw new SwornError('SWORN_ERR_PROMETHEUS', `no sidecar exposes ${unjudged.join(', ')}: their budget cannot be judged`, { hint: 'The proxies run another version of the spec: pass the --spec they run, or deploy this one first.' });
          const byId = new Map(fleet.report.operations.map((o) => [o.operationId, o.slo?.errorBudget]));
          budgetOf = (id) => byId.get(id) ?? undefined;
          slo = fleet.slo;
        }
        const operations = slo!.operations.filter((o) => options.operation === undefined || o.id === options.operation);
        if (options.operation !== undefined && operations.length === 0) throw new SwornError('SWORN_ERR_OPERATION_NOT_FOUND', `no operation ${JSON.stringify(options.operation)} in the spec`, { hint: 'Run `sworn explain <spec>` to list the operation ids.' });
        const verdicts: GateVerdict[] = [];
        for (const op of operations) {
          const freezeBelow = op.promise?.budgetPolicy.freezeBelow;
          if (freezeBelow === undefined) continue;
          const budget = budgetOf(op.id);
          if (!budget) continue;
          const remaining = budget.remaining;
          const frozen = remaining !== null && remaining < freezeBelow;
          const left = remaining === null ? 'no traffic in the window' : remaining === -Infinity ? `${budget.spent} bad event(s) with no budget at all` : `${pct(remaining)} of the error budget left (${budget.spent} bad of ${Number(budget.total.toFixed(2))} allowed)`;
          verdicts.push({ operationId: op.id, freezeBelow, remaining: remaining === -Infinity ? null : remaining, spent: budget.spent, total: budget.total, frozen, reason: `${op.id}: ${left}, ${frozen ? 'below' : 'not below'} freezeBelow ${pct(freezeBelow)}` });
        }
        if (options.format === 'json') io.stdout.write(JSON.stringify({ at: new Date(at).toISOString(), frozen: verdicts.some((v) => v.frozen), operations: verdicts }, null, 2) + '\n');
        else if (verdicts.length === 0) io.stdout.write('no operation declares budgetPolicy.freezeBelow: nothing to gate\n');
        else for (const v of verdicts) (v.frozen ? io.stderr : io.stdout).write(`${v.frozen ? 'FROZEN' : 'ok    '} ${v.reason}\n`);
        setExit(verdicts.some((v) => v.frozen) ? 1 : 0);
      } finally {
        history?.close();
      }
    });
}

const pct = (ratio: number) => `${Number((ratio * 100).toFixed(2))}%`;
