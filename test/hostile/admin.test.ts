import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';
import { HOSTILE_SPEC } from './harness.js';

/** Starts `sworn proxy` until its start line, then stops it; resolves with everything it wrote to stderr. */
async function startAndStop(extra: string[]): Promise<string> {
  const child = spawn(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'proxy', HOSTILE_SPEC, '--upstream', 'http://127.0.0.1:1', '--port', '0', '--admin-port', '0', '--store', ':memory:', '--log-level', 'silent', ...extra], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const lines = createInterface({ input: child.stdout! });
    for await (const line of lines) if (line.startsWith('sworn proxy listening')) break;
  } finally {
    child.kill('SIGTERM');
  }
  await exited; // everything it wrote to stderr is in by now
  return stderr;
}

describe('the admin port', () => {
  it('warns when it listens beyond loopback without a token, and not otherwise', async () => {
    expect(await startAndStop(['--admin-host', '0.0.0.0'])).toContain('warning: the admin server listens on 0.0.0.0 without a token');
    expect(await startAndStop(['--admin-host', '0.0.0.0', '--admin-token', 'a-long-token'])).not.toContain('warning');
    expect(await startAndStop([])).not.toContain('warning');
  }, 60_000);
});
