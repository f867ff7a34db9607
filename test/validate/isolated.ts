import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../helpers.js';

/** The `import()` URL of a built module (`dist/…`, built by `npm run build`, which `npm test` runs first). */
export const built = (path: string): string => JSON.stringify(pathToFileURL(join(ROOT, 'dist', path)).href);

/**
 * Runs an ES module script in a child process and returns what it printed.
 * Work that would block an event loop for minutes (the attacks these tests
 * make) cannot hang the test runner: the child is killed at a deadline that
 * only a hang reaches, and the result says so (`signal`).
 */
export function runIsolated(script: string, deadlineMs = 20_000): { signal: NodeJS.Signals | null; stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: deadlineMs, killSignal: 'SIGKILL' });
  return { signal: child.signal, stdout: child.stdout, stderr: child.stderr };
}
