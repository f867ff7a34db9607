import { Command, Option } from 'commander';
import { closest } from 'fastest-levenshtein';
import { SwornError } from '../errors.js';
import { openHistory } from '../report/history.js';
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
  /** Valid events in the window, and the least the gate needs to judge (below it: not frozen, `tooFew`). */
  valid: number;
  minEvents: number;
  tooFew: boolean;
  reason: string;
}

/**
 * The valid events an operation's window must hold before its budget can
 * freeze deploys: `--min-events` if given, else enough that the budget
 * allows one bad event (1 / (1 - target): 100 at 99%, 1,000 at 99.9%), so
 * that one failed request in a quiet window does not freeze anything.
 */
export function minEventsFor(promise: { availability?: { target: number } }, flag: number | undefined): number {
  if (flag !== undefined) return flag;
  const target = promise.availability?.target;
  return target === undefined || target >= 100 ? 1 : Math.ceil(1 / (1 - target / 100) - 1e-9);
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
    .option('--min-events <n>', 'valid events a window needs before its budget can freeze (default: enough for the budget to allow one bad event, 1000 at 99.9%)')
    .option('--at <time>', 'ISO date-time to judge at (default now)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (options: { store?: string[]; spec?: string; prometheus?: string; service?: string; operation?: string; minEvents?: string; at?: string; format: 'text' | 'json' }) => {
      const at = parseAt(options.at);
      const minFlag = options.minEvents === undefined ? undefined : Number(options.minEvents);
      if (minFlag !== undefined && (!Number.isInteger(minFlag) || minFlag < 1)) throw new SwornError('SWORN_ERR_USAGE', `--min-events ${JSON.stringify(options.minEvents)} is not a positive whole number`, { hint: 'Write e.g. --min-events 500.' });
      const history = options.prometheus === undefined ? await openHistory(options, io.cwd) : undefined;
      try {
        let slo = history?.slo;
        let figuresOf = (id: string): Pick<SloFigures, 'errorBudget' | 'availability' | 'window'> | undefined => history!.engine.figures(id, { at }) ?? undefined;
        if (!history) {
          const { spec, ...rest } = options;
          const fleet = await fleetReport({ ...rest, prometheus: options.prometheus!, ...(spec === undefined ? {} : { spec }) }, io.cwd, at, options.operation === undefined ? {} : { operation: options.operation });
          const unjudged = (fleet.report.unmeasured ?? []).filter((id) => fleet.slo.operations.find((o) => o.id === id)?.promise?.budgetPolicy.freezeBelow !== undefined && (options.operation === undefined || id === options.operation));
          if (unjudged.length > 0) throw new SwornError('SWORN_ERR_PROMETHEUS', `no sidecar exposes ${unjudged.join(', ')}: their budget cannot be judged`, { hint: 'The proxies run another version of the spec: pass the --spec they run, or deploy this one first.' });
          const byId = new Map(fleet.report.operations.map((o) => [o.operationId, o.slo]));
          figuresOf = (id) => byId.get(id) ?? undefined;
          slo = fleet.slo;
        }
        const operations = slo!.operations.filter((o) => options.operation === undefined || o.id === options.operation);
        if (options.operation !== undefined && operations.length === 0) {
          const ids = slo!.operations.map((o) => o.id);
          throw new SwornError('SWORN_ERR_OPERATION_NOT_FOUND', `no operation ${JSON.stringify(options.operation)} in the spec`, { hint: ids.length > 0 ? `Did you mean --operation ${closest(options.operation, ids)}? \`sworn explain <spec>\` lists the operation ids.` : 'Run `sworn explain <spec>` to list the operation ids.' });
        }
        const verdicts: GateVerdict[] = [];
        for (const op of operations) {
          const freezeBelow = op.promise?.budgetPolicy.freezeBelow;
          if (freezeBelow === undefined) continue;
          const figures = figuresOf(op.id);
          const budget = figures?.errorBudget;
          if (!figures || !budget) continue;
          const remaining = budget.remaining;
          const valid = figures.availability?.valid ?? 0;
          const minEvents = minEventsFor(op.promise!, minFlag);
          const below = remaining !== null && remaining < freezeBelow;
          const tooFew = below && valid < minEvents;
          const frozen = below && !tooFew;
          const left = remaining === null ? 'no traffic in the window' : remaining === -Infinity ? `${budget.spent} bad event(s) with no budget at all` : `${pct(remaining)} of the error budget left (${budget.spent} bad of ${Number(budget.total.toFixed(2))} allowed)`;
          const verdict = tooFew ? `below freezeBelow ${pct(freezeBelow)}, but too few events to judge: ${valid} valid event(s) in the window, the gate needs ${minEvents} (${minFlag !== undefined ? '--min-events' : `enough for a ${op.promise!.availability?.target}% budget to allow one bad event; --min-events sets another`}); not frozen` : `${frozen ? 'below' : 'not below'} freezeBelow ${pct(freezeBelow)}`;
          verdicts.push({ operationId: op.id, freezeBelow, remaining: remaining === -Infinity ? null : remaining, spent: budget.spent, total: budget.total, frozen, valid, minEvents, tooFew, reason: `${op.id}: ${left}, ${verdict}` });
        }
        if (options.format === 'json') io.stdout.write(JSON.stringify({ at: new Date(at).toISOString(), frozen: verdicts.some((v) => v.frozen), operations: verdicts }, null, 2) + '\n');
        else if (verdicts.length === 0) io.stdout.write('no operation declares budgetPolicy.freezeBelow: nothing to gate\n');
        else for (const v of verdicts) (v.frozen ? io.stderr : io.stdout).write(`${v.frozen ? 'FROZEN' : v.tooFew ? 'unsure' : 'ok    '} ${v.reason}\n`);
        setExit(verdicts.some((v) => v.frozen) ? 1 : 0);
      } finally {
        history?.close();
      }
    });
}

const pct = (ratio: number) => `${Number((ratio * 100).toFixed(2))}%`;
