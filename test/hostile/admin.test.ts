import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';
import { isLoopbackHost } from '../../src/proxy/proxy.js';
import { closeAfterEach } from '../proxy/harness.js';
import { HOSTILE_SPEC, hostileProxy, startHostileUpstream } from './harness.js';

closeAfterEach();

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

  it('takes the bearer scheme in any case, compares the token whole, and knows loopback from a name that looks like it', async () => {
    const upstream = await startHostileUpstream();
    const proxy = await hostileProxy(upstream.url, { adminToken: 's3cret-admin' });
    const status = async (authorization?: string) => (await fetch(`${proxy.adminUrl}/report`, { headers: authorization ? { authorization } : {} })).status;
    expect(await status('Bearer s3cret-admin')).toBe(200);
    expect(await status('bearer s3cret-admin')).toBe(200);
    expect(await status('BEARER s3cret-admin')).toBe(200);
    expect(await status('Bearer s3cret-admi')).toBe(401);
    expect(await status('Bearer s3cret-admin2')).toBe(401);
    expect(await status('Basic s3cret-admin')).toBe(401);
    expect(await status()).toBe(401);
    expect(['127.0.0.1', '127.9.8.7', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1'].filter((h) => !isLoopbackHost(h))).toEqual([]);
    expect(['0.0.0.0', '::', '127.x.example', '10.0.0.1', 'example.com', '128.0.0.1'].filter((h) => isLoopbackHost(h))).toEqual([]);
  });
});
