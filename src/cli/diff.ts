import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, resolve as resolvePath } from 'node:path';
import { Command, Option } from 'commander';
import { SwornError } from '../errors.js';
import { loadSpec, type Spec } from '../spec/load-spec.js';
import { diffSpecs } from '../diff/diff.js';
import { applyUsage } from '../diff/usage.js';
import { formatDiffGithub, formatDiffJunit, formatDiffMarkdown, formatDiffText } from '../diff/format.js';
import { Store } from '../store/store.js';
import { styleFor } from '../report/style.js';
import type { CliIo } from './program.js';

type Format = 'text' | 'json' | 'markdown' | 'junit' | 'github';

/** `sworn diff`: breaking-change detection between two versions of a spec, x-slo included. */
export function addDiffCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('diff')
    .description('classify every change between two versions of a spec as breaking, warning or safe (x-slo promises included); exit 1 on breaking changes')
    .argument('<base>', 'the old version: a file, or git:REF:path (e.g. git:origin/main:specs/api.yaml)')
    .argument('<head>', 'the new version: a file, or git:REF:path')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'markdown', 'junit', 'github']).default('text'))
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a change is at least this severe').choices(['breaking', 'warning']).default('breaking'))
    .option('--usage <store>', 'a proxy\'s store: list the consumers each breaking change affects; breaking changes nobody used become warnings')
    .action(async (baseArg: string, headArg: string, options: { format: Format; failOn: 'breaking' | 'warning'; usage?: string }) => {
      const cleanups: Array<() => void> = [];
      try {
        const base = await open(baseArg, io.cwd, cleanups);
        const head = await open(headArg, io.cwd, cleanups);
        let result = { ...diffSpecs(base, head), base: baseArg, head: headArg };
        if (options.usage !== undefined) {
          const file = resolvePath(io.cwd, options.usage);
          if (!existsSync(file)) throw new SwornError('SWORN_ERR_STORE', `no store at ${options.usage}`, { hint: 'Point --usage at the sworn.db a proxy in front of the service wrote.' });
          const store = new Store(file, { required: true });
          try {
            result = applyUsage(result, store);
          } finally {
            store.close();
          }
        }
        const text =
          options.format === 'json' ? JSON.stringify(result, null, 2) + '\n'
          : options.format === 'markdown' ? formatDiffMarkdown(result)
          : options.format === 'junit' ? formatDiffJunit(result, options.failOn)
          : options.format === 'github' ? formatDiffGithub(result)
          : formatDiffText(result, styleFor(io.stdout, io.env));
        io.stdout.write(text);
        const failing = result.summary.breaking + (options.failOn === 'warning' ? result.summary.warning : 0);
        setExit(failing > 0 ? 1 : 0);
      } finally {
        for (const cleanup of cleanups) cleanup();
      }
    });
}

/** A spec from a file, or from `git:REF:path` (the repository's tree at REF, so relative $refs resolve as they did then). */
async function open(arg: string, cwd: string, cleanups: Array<() => void>): Promise<Spec> {
  const m = /^git:([^:]+):(.+)$/.exec(arg);
  if (!m) return loadSpec(arg, { cwd });
  const [, ref, path] = m as unknown as [string, string, string];
  const git = (args: string[]) => spawnSync('git', args, { cwd });
  const top = git(['rev-parse', '--show-toplevel']);
  if (top.status !== 0) throw new SwornError('SWORN_ERR_SPEC_NOT_FOUND', `${arg}: ${cwd} is not inside a git repository`, { hint: 'Run sworn diff in a clone, or pass two files.' });
  const prefix = git(['rev-parse', '--show-prefix']).stdout.toString().trim();
  const repoPath = posix.normalize(posix.join(prefix, path));
  const archive = spawnSync('git', ['archive', '--format=tar', ref], { cwd: top.stdout.toString().trim(), maxBuffer: 2 ** 31 - 1 });
  if (archive.status !== 0) throw new SwornError('SWORN_ERR_SPEC_NOT_FOUND', `${arg}: git cannot read ${ref}: ${archive.stderr.toString().trim().split('\n')[0]}`, { hint: 'Use a branch, tag or commit git knows, e.g. git:origin/main:specs/api.yaml (fetch it first in CI).' });
  const dir = mkdtempSync(join(tmpdir(), 'sworn-diff-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const untar = spawnSync('tar', ['-x', '-C', dir], { input: archive.stdout, maxBuffer: 2 ** 31 - 1 });
  if (untar.status !== 0) throw new SwornError('SWORN_ERR_SPEC_NOT_FOUND', `${arg}: cannot unpack ${ref}: ${untar.stderr.toString().trim()}`, { hint: 'Check that tar is installed.' });
  if (!existsSync(join(dir, repoPath))) throw new SwornError('SWORN_ERR_SPEC_NOT_FOUND', `${arg}: ${repoPath} does not exist at ${ref}`, { hint: `List the files with \`git ls-tree -r --name-only ${ref}\`.` });
  return loadSpec(join(dir, repoPath), { cwd: dir });
}
