import { Command, CommanderError, Option } from 'commander';
import { SwornError, describeError } from '../errors.js';
import { lintCommand } from './lint.js';
import { explainCommand } from './explain.js';
import { addProxyCommand } from './proxy.js';
import { addDemoCommand } from './demo.js';
import { addReportCommand } from './report.js';
import { addGateCommand } from './gate.js';
import { addBaselineCommand } from './baseline.js';
import { addMockCommand } from './mock.js';
import { addDiffCommand } from './diff.js';
import { addGamedayCommand } from './gameday.js';
import { addInitCommand } from './init.js';
import { addTestCommand } from './test.js';
import { addRulesCommand } from './rules.js';
import { addDashboardCommand } from './dashboard.js';
import { addConvertCommand } from './convert.js';

/** Where a command writes, and what it runs in; injected so tests read real output. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export const VERSION = '0.1.0';

/**
 * Runs the sworn CLI and resolves to the exit code: 0 success, 1 findings,
 * 2 unreadable input or wrong usage.
 *
 * @example
 * const code = await run(['lint', 'specs/petstore.yaml'], { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env });
 */
export async function run(argv: string[], io: CliIo): Promise<number> {
  let exitCode = 0;
  const program = new Command('sworn')
    .description('Make an API\'s promises checkable: OpenAPI plus runtime promises (x-slo).')
    .version(VERSION, '-v, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // Parse errors are written once, below, as SWORN_ERR_USAGE with a hint naming the command to run.
      outputError: () => undefined,
    });

  program
    .command('lint')
    .description('check an OpenAPI document and its x-slo promises (and, with --policy, what its tier requires)')
    .argument('<spec>', 'OpenAPI 3.0/3.1 file, Swagger 2.0 or Postman collection (YAML or JSON)')
    .option('--policy <file>', 'organisation policy: the least each tier must promise')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--at <time>', 'ISO time treated as "now" for maintenance checks')
    .action(async (spec: string, options: { policy?: string; format: 'text' | 'json'; at?: string }) => {
      exitCode = await lintCommand(spec, options, io);
    });

  program
    .command('explain')
    .description('print the resolved promise of every operation, after inheritance and tier overrides, and the next maintenance windows')
    .argument('<spec>', 'OpenAPI 3.0/3.1 file, Swagger 2.0 or Postman collection (YAML or JSON)')
    .option('--operation <id>', 'only this operation (operationId, or e.g. "GET /pets/{id}")')
    .option('--tier <name>', 'the promise to this consumer tier')
    .option('--at <time>', 'ISO time for maintenance windows and window bounds (default now)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (spec: string, options: { operation?: string; tier?: string; at?: string; format: 'text' | 'json' }) => {
      exitCode = await explainCommand(spec, options, io);
    });

  addProxyCommand(program, io, (code) => {
    exitCode = code;
  });
  addDemoCommand(program, io, (code) => {
    exitCode = code;
  });
  for (const add of [addReportCommand, addGateCommand, addBaselineCommand, addMockCommand, addDiffCommand, addTestCommand, addRulesCommand, addDashboardCommand, addConvertCommand, addGamedayCommand, addInitCommand]) {
    add(program, io, (code) => {
      exitCode = code;
    });
  }

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      io.stderr.write(usageError(error, argv, program) + '\n');
      return 2;
    }
    if (error instanceof SwornError) {
      io.stderr.write(describeError(error) + '\n');
      return 2;
    }
    io.stderr.write(`internal error (please report it with the command you ran): ${(error as Error).stack ?? String(error)}\n`);
    return 2;
  }
}

/**
 * A parse error as one SWORN_ERR_USAGE block whose hint names what to run:
 * the suggested command itself (`sworn lint --help`, never the mistyped
 * one), the suggested flag, or the help of the command given.
 */
function usageError(error: CommanderError, argv: string[], program: Command): string {
  const [what, suggestion] = error.message.replace(/^error: /, '').split(/\n\(Did you mean (.+)\?\)/) as [string, string?];
  const given = argv.find((a) => !a.startsWith('-'));
  const command = given !== undefined && program.commands.some((c) => c.name() === given || c.aliases().includes(given)) ? given : undefined;
  let hint: string;
  // Commander names one command, or several as `one of init, lint`: each is named as a command to run.
  const commands = suggestion?.replace(/^one of /, '').split(/,\s*/).filter(Boolean) ?? [];
  if (error.code === 'commander.unknownCommand') {
    hint = commands.length === 1
      ? `Did you mean \`sworn ${commands[0]}\`? Run \`sworn ${commands[0]} --help\` for its usage, \`sworn --help\` for every command.`
      : commands.length > 1
        ? `Did you mean ${commands.map((c) => `\`sworn ${c}\``).join(' or ')}? Run \`sworn ${commands[0]} --help\` (or the other's) for its usage, \`sworn --help\` for every command.`
        : 'Run `sworn --help` for every command.';
  }
  else hint = `${suggestion ? `Did you mean ${suggestion.replace(/^one of /, 'one of ')}? ` : ''}Run \`sworn ${command ? `${command} ` : ''}--help\` for the usage.`;
  return `SWORN_ERR_USAGE: ${what.trim()}\n  hint: ${hint}`;
}

/**
 * `sworn explain ... | head`: when the reader of stdout or stderr leaves
 * (EPIPE), stop quietly with the exit code so far (0 unless a finding set
 * one), as other Unix tools do; any other write failure (a full disk) is a
 * usage error that says so. Returns the listener removers.
 */
export function guardPipes(streams: { stdout: NodeJS.EventEmitter; stderr: NodeJS.EventEmitter }, exit: (code: number) => void, exitCode: () => number = () => 0): () => void {
  const on = (name: 'stdout' | 'stderr') => (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return exit(exitCode());
    if (name === 'stdout') {
      try {
        (streams.stderr as NodeJS.WritableStream).write(`SWORN_ERR_USAGE: cannot write the output (${error.code ?? error.message})\n  hint: Write to a file with room (--output, --out) or to a terminal.\n`);
      } catch {
        // stderr is gone too: the exit code says it.
      }
    }
    exit(2);
  };
  const out = on('stdout');
  const err = on('stderr');
  streams.stdout.on('error', out);
  streams.stderr.on('error', err);
  return () => {
    streams.stdout.off('error', out);
    streams.stderr.off('error', err);
  };
}

/** Parses `--at`: an ISO date-time with an offset or Z. */
export function parseAt(text: string | undefined): number {
  if (text === undefined) return Date.now();
  const ms = /\d{4}-\d{2}-\d{2}/.test(text) && /(Z|[+-]\d{2}:?\d{2})$/i.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new SwornError('SWORN_ERR_USAGE', `--at ${JSON.stringify(text)} is not an ISO date-time with a time zone`, { hint: 'Write e.g. --at 2026-03-29T01:30:00Z or --at 2026-03-29T03:30:00+02:00.' });
  }
  return ms;
}

/** `--store a.db --store b.db`: every value, in order. */
export function collectStores(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Writes an output file the user named (`--output`, `--out`), turning a file system refusal into a usage error that says which file and why. */
export async function writeOutput(path: string, text: string, flag: string, mkdirFirst = false): Promise<void> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const { dirname } = await import('node:path');
  try {
    if (mkdirFirst) await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new SwornError('SWORN_ERR_USAGE', `${flag}: cannot write ${path} (${code})`, { hint: code === 'ENOENT' ? `Create the folder ${dirname(path)} first, or name another file.` : code === 'ENOTDIR' || code === 'EEXIST' ? `Part of ${path} is a file, not a folder: name a folder for ${flag}.` : `Name a writable file for ${flag}.` });
  }
}
