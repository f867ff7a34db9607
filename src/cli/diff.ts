import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, resolve as resolvePath } from 'node:path';
import { Command, Option } from 'commander';
import { SwornError } from '../errors.js';
import { loadSpec, type Spec } from '../spec/load-spec.js';
import { diffSpecs, reportDiff } from '../diff/diff.js';
import { RULE_CATALOGUE } from '../diff/catalogue.js';
import type { Level } from '../diff/change.js';
import { applyIgnores, DIFF_CONFIG_FILE, findDiffConfig, overrideSeverities } from '../diff/config.js';
import { applyUsage } from '../diff/usage.js';
import { formatDiffChangelog, formatDiffGithub, formatDiffJson, formatDiffJunit, formatDiffMarkdown, formatDiffText, formatRulesText, reaches } from '../diff/format.js';
import { Store } from '../store/store.js';
import { styleFor } from '../report/style.js';
import type { CliIo } from './program.js';

type Format = 'text' | 'json' | 'markdown' | 'junit' | 'github' | 'changelog';

/** `sworn diff`: breaking-change detection between two versions of a spec, x-slo included. */
export function addDiffCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('diff')
    .description('classify every change between two versions of a spec as breaking, warning or safe (x-slo promises included); exit 1 on breaking changes')
    .argument('[base]', 'the old version: a file, or git:REF:path (e.g. git:origin/main:specs/api.yaml)')
    .argument('[head]', 'the new version: a file, or git:REF:path')
    .addOption(new Option('--format <format>', 'output format (changelog: markdown release notes of every change)').choices(['text', 'json', 'markdown', 'junit', 'github', 'changelog']).default('text'))
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at least this severe (info: any change)').choices(['breaking', 'warning', 'info']).default('breaking'))
    .option('--usage <store>', 'a proxy\'s store: list the consumers each breaking change affects; breaking changes nobody used become warnings')
    .option('--config <file>', `severity overrides and ignore entries (default: ${DIFF_CONFIG_FILE} in the current directory, when there is one)`)
    .option('--rules', 'print the rule catalogue (id, default severity, example) and exit; text, or --format json')
    .action(async (baseArg: string | undefined, headArg: string | undefined, options: { format: Format; failOn: Level; usage?: string; config?: string; rules?: boolean }) => {
      if (options.rules) {
        io.stdout.write(options.format === 'json' ? JSON.stringify({ rules: RULE_CATALOGUE }, null, 2) + '\n' : formatRulesText(RULE_CATALOGUE));
        setExit(0);
        return;
      }
      if (baseArg === undefined || headArg === undefined) throw new SwornError('SWORN_ERR_USAGE', 'sworn diff needs two versions of the spec: <base> <head>', { hint: 'Run e.g. `sworn diff git:origin/main:openapi.yaml openapi.yaml`, or `sworn diff --rules` for the rule catalogue.' });
      const config = findDiffConfig(io.cwd, options.config);
      const cleanups: Array<() => void> = [];
      try {
        const base = await open(baseArg, io.cwd, cleanups);
        const head = await open(headArg, io.cwd, cleanups);
        let changes = overrideSeverities(diffSpecs(base, head, { lifecycle: config?.lifecycle ?? {} }).changes, config);
        if (options.usage !== undefined) {
          const file = resolvePath(io.cwd, options.usage);
          if (!existsSync(file)) throw new SwornError('SWORN_ERR_STORE', `no store at ${options.usage}`, { hint: 'Point --usage at the sworn.db a proxy in front of the service wrote.' });
          const store = new Store(file, { required: true });
          try {
            changes = applyUsage({ base: baseArg, head: headArg, changes, summary: { breaking: 0, warning: 0, safe: 0 } }, store).changes;
          } finally {
            store.close();
          }
        }
        const applied = applyIgnores(changes, config, new Date());
        const result = reportDiff(baseArg, headArg, applied.changes, applied.ignored, applied.notes);
        const text =
          options.format === 'json' ? formatDiffJson(result)
          : options.format === 'markdown' ? formatDiffMarkdown(result)
          : options.format === 'junit' ? formatDiffJunit(result, options.failOn)
          : options.format === 'github' ? formatDiffGithub(result)
          : options.format === 'changelog' ? formatDiffChangelog(result)
          : formatDiffText(result, styleFor(io.stdout, io.env));
        io.stdout.write(text);
        if (options.format === 'junit' || options.format === 'changelog') for (const n of result.notes) io.stderr.write(`warning: ${n.location ? `${n.location.file}:${n.location.line}: ` : ''}${n.message}\n`);
        setExit(result.changes.some((f) => reaches(f, options.failOn)) ? 1 : 0);
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
