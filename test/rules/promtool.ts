import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { loadSpec } from '../../src/spec/load-spec.js';
import { generateRules } from '../../src/rules/generate.js';
import type { RulesFormat } from '../../src/rules/render.js';
import { ROOT } from '../helpers.js';

/** promtool: /usr/bin/promtool, else the first on PATH; undefined when there is none. */
export const PROMTOOL: string | undefined = (() => {
  for (const candidate of ['/usr/bin/promtool', ...(process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'promtool'))]) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
})();

/**
 * Tests that need promtool run when it is installed, and also whenever CI
 * is set (then a missing promtool fails them instead of skipping them).
 */
export const withoutPromtool = PROMTOOL === undefined && !process.env.CI;

export interface PromtoolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs promtool in a fresh temporary directory holding `files` (name -> text); `args` name them relatively. */
export async function promtool(args: string[], files: Record<string, string>): Promise<PromtoolResult> {
  if (PROMTOOL === undefined) throw new Error('promtool is not installed (Debian: apt-get install prometheus; or put promtool on PATH)');
  const dir = await mkdtemp(join(tmpdir(), 'sworn-rules-'));
  try {
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    return await new Promise<PromtoolResult>((resolve) => {
      execFile(PROMTOOL!, args, { cwd: dir, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** promtool's whole answer, for assertion messages. */
export const said = (r: PromtoolResult): string => `promtool exited ${r.code}\n${r.stdout}\n${r.stderr}`;

/** The generated output for specs (paths relative to the repository root). */
export async function generated(specs: string[], format: RulesFormat = 'prometheus', service?: string): Promise<string> {
  const loaded = [];
  for (const spec of specs) loaded.push(await loadSpec(spec, { cwd: ROOT }));
  return generateRules(loaded, { format, ...(service === undefined ? {} : { service }) }).combined;
}
