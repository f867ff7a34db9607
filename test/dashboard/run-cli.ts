import { Writable } from 'node:stream';
import { Command } from 'commander';
import { addDashboardCommand } from '../../src/cli/dashboard.js';
import { ROOT } from '../helpers.js';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** Runs `sworn dashboard ...` on a fresh commander program with only this command. */
export async function dashboardCli(args: string[], cwd = ROOT): Promise<{ code: number | undefined; stdout: string; stderr: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  let code: number | undefined;
  const program = new Command('sworn').exitOverride().configureOutput({ writeOut: (s) => stdout.write(s), writeErr: (s) => stderr.write(s) });
  addDashboardCommand(program, { stdout, stderr, cwd, env: { NO_COLOR: '1' } }, (c) => {
    code = c;
  });
  await program.parseAsync(['dashboard', ...args], { from: 'user' });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
