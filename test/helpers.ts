import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { run } from '../src/cli/program.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
export const GITHUB_SPEC = fileURLToPath(new URL('../node_modules/@octokit/openapi/generated/api.github.com.json', import.meta.url));

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** Runs the CLI in-process with real streams; returns the exit code and what it wrote. */
export async function cli(args: string[], cwd = ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await run(args, { stdout, stderr, cwd, env: { NO_COLOR: '1' } });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** Awaits a promise expected to reject with a SwornError and returns it. */
export async function rejection(promise: Promise<unknown>): Promise<{ code: string; message: string; location?: { file: string; line: number; column: number; pointer: string }; details: Array<{ message: string; location?: { file: string; line: number; column: number; pointer: string } }>; hint?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as never;
  }
  throw new Error('expected a rejection');
}
