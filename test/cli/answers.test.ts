import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { request } from 'undici';
import { closeAfterEach, proxyFor, startUpstream, tempDir } from '../proxy/harness.js';
import { guardPipes } from '../../src/cli/program.js';
import { GITHUB_SPEC, ROOT, cli, fixture } from '../helpers.js';

/** The built CLI as a user runs it, with stdout and stderr as pipes. */
const sworn = (args: string[]) => spawn(process.execPath, [join(ROOT, 'dist/cli/main.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });

closeAfterEach();

/** Listening servers and sockets of this process, by kind: what a command leaves running. */
const handles = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap' || r === 'TCPSocketWrap').length;

/** Sets environment variables for one call (commander reads process.env), then restores them. */
async function withEnv<T>(vars: Record<string, string>, body: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await body();
  } finally {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe('a closed pipe (`sworn explain ... | head`)', () => {
  it('stops quietly with exit 0 when the reader of stdout or of stderr leaves', async () => {
    for (const side of ['stdout', 'stderr'] as const) {
      const exits: number[] = [];
      const written: string[] = [];
      // A real stream whose reader left: each write fails with EPIPE.
      const gone = new Writable({ write: (_c, _e, done) => done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })) });
      const other = new Writable({ write: (c: Buffer, _e, done) => { written.push(c.toString()); done(); } });
      const streams = side === 'stdout' ? { stdout: gone, stderr: other } : { stdout: other, stderr: gone };
      const off = guardPipes(streams, (code) => exits.push(code));
      gone.write('x');
      await new Promise<void>((resolve) => setImmediate(resolve));
      off();
      expect(exits, side).toEqual([0]);
      expect(written.join(''), side).toBe('');
    }
  });

  it('the built CLI exits 0 without a stack trace when its stdout or stderr reader leaves mid-output', async () => {
    const out = sworn(['explain', GITHUB_SPEC, '--format', 'json']);
    let stderr = '';
    out.stderr.on('data', (c: Buffer) => (stderr += c));
    await once(out.stdout, 'data');
    out.stdout.destroy(); // `| head -c 100`: the reader is gone
    const [code] = (await once(out, 'exit')) as [number];
    expect([code, stderr]).toEqual([0, '']);
    // `rules --out` reports on stderr; a closed stderr is no crash either.
    const err = sworn(['rules', 'specs/petstore.yaml', '--out', join(tempDir(), 'rules')]);
    err.stderr.destroy();
    err.stdout.resume();
    const [errCode] = (await once(err, 'exit')) as [number];
    expect(errCode).toBe(0);
  }, 60_000);

  it('a full disk behind stdout is exit 2 with a message on stderr', () => {
    const exits: number[] = [];
    const written: string[] = [];
    const stderr = new Writable({ write: (c: Buffer, _e, done) => { written.push(c.toString()); done(); } });
    const stdout = new EventEmitter();
    const off = guardPipes({ stdout, stderr }, (code) => exits.push(code));
    stdout.emit('error', Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' }));
    off();
    expect(exits).toEqual([2]);
    expect(written.join('')).toContain('SWORN_ERR_USAGE: cannot write the output (ENOSPC)');
  });
});

describe('did-you-mean, consistently', () => {
  it('a mistyped command names the suggested command in the hint, not the mistyped one', async () => {
    const r = await cli(['lnit', 'specs/petstore.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SWORN_ERR_USAGE: unknown command \'lnit\'');
    // Two commands are as near (init, lint): both are named as commands to run.
    expect(r.stderr).toContain('hint: Did you mean `sworn init` or `sworn lint`? Run `sworn init --help` (or the other\'s) for its usage');
    expect(r.stderr).not.toContain('sworn lnit --help');
    expect(r.stderr).not.toContain('one of');
    const one = await cli(['diif', 'a.yaml', 'b.yaml']);
    expect(one.stderr).toContain('hint: Did you mean `sworn diff`? Run `sworn diff --help` for its usage');
  });

  it('a mistyped flag says the flag meant and the command\'s help, once', async () => {
    const r = await cli(['lint', '--formt', 'json', 'specs/petstore.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("SWORN_ERR_USAGE: unknown option '--formt'\n  hint: Did you mean --format? Run `sworn lint --help` for the usage.\n");
  });

  it('a mistyped config key gets the key meant', async () => {
    const dir = tempDir();
    const config = join(dir, 'proxy.yaml');
    writeFileSync(config, 'upstrem: http://127.0.0.1:1\n');
    const r = await cli(['proxy', fixture('proxy/api.yaml'), '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown setting `upstrem`');
    expect(r.stderr).toContain('Did you mean `upstream`?');
  });

  it('SWORN_PORT=abc blames SWORN_PORT, a mistyped SWORN_* variable gets a warning with the name meant, and nothing is left running', async () => {
    const before = handles();
    const r = await withEnv({ SWORN_PORT: 'abc', SWORN_UPSTRM: 'http://127.0.0.1:1' }, () => cli(['proxy', fixture('proxy/api.yaml'), '--upstream', 'mock', '--store', ':memory:', '--admin-port', '0']));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SWORN_ERR_CONFIG: SWORN_PORT="abc" is not a port');
    expect(r.stderr).toContain('e.g. SWORN_PORT=8000');
    expect(r.stderr).not.toContain('--port');
    expect(r.stderr).toContain('warning: sworn reads no variable SWORN_UPSTRM: did you mean SWORN_UPSTREAM?');
    // The in-process mock is not started (or is closed again): no server is left holding a port.
    expect(handles()).toBe(before);
    const flag = await cli(['proxy', fixture('proxy/api.yaml'), '--upstream', 'mock', '--store', ':memory:', '--admin-port', '0', '--port', 'abc']);
    expect([flag.code, flag.stderr]).toEqual([2, expect.stringContaining('SWORN_ERR_CONFIG: --port "abc" is not a port')]);
    expect(handles()).toBe(before);
  });

  it('a bad value in the config file names the key and the file', async () => {
    const dir = tempDir();
    const config = join(dir, 'proxy.yaml');
    writeFileSync(config, 'upstream: mock\nmax-body: lots\n');
    const r = await cli(['proxy', fixture('proxy/api.yaml'), '--config', config, '--store', ':memory:']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`SWORN_ERR_CONFIG: \`max-body: "lots"\` in ${config} is not a size`);
  });
});

const GATED = (target: number, extra = '') => `openapi: 3.1.0
info:
  title: Gate test
  version: 1.0.0
  x-slo:
    window: 7d
    availability: {target: ${target}}
    budgetPolicy: {freezeBelow: 0}${extra}
paths:
  /things:
    get:
      operationId: listThings
      responses:
        '200': {description: ok}
        '503': {description: overloaded}
`;

const AT = Date.parse('2026-06-10T00:00:00Z');

/** A store of `n` requests over the last day through a real proxy, `bad` of them 503, from consumers named in X-Api-Key-less traffic (client address). */
async function traffic(spec: string, n: number, bad: number): Promise<string> {
  let clock = AT - 86_400_000;
  const upstream = await startUpstream((req, res) => res.writeHead(Number(req.headers['x-test-status'])).end());
  const store = join(tempDir(), 'sworn.db');
  const proxy = await proxyFor(upstream.url, { specFile: spec, store, clock: () => clock });
  for (let i = 0; i < n; i++) {
    const res = await request(`${proxy.url}/things`, { headers: { 'x-test-status': i < bad ? '503' : '200' } });
    await res.body.dump();
    clock += 60_000;
  }
  await proxy.close();
  return store;
}

describe('sworn proxy with a store it cannot open', () => {
  it('says so in one plain line on stderr, with what to do, besides the log', async () => {
    const child = sworn(['proxy', fixture('proxy/api.yaml'), '--upstream', 'mock', '--store', join(ROOT, 'package.json', 'x.db'), '--port', '0', '--admin-port', 'off', '--log-level', 'silent']);
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    await once(child.stdout, 'data');
    child.kill('SIGTERM');
    await once(child, 'exit');
    expect(stderr).toContain(`warning: the store ${join(ROOT, 'package.json', 'x.db')} cannot be opened`);
    expect(stderr).toContain('--store-required to refuse to start instead');
  }, 60_000);
});

describe('sworn gate, with few events', () => {
  it('does not freeze on 1 bad request of 100 at 99.9% (too few events to judge), and freezes once --min-events is met', async () => {
    const dir = tempDir();
    const spec = join(dir, 'api.yaml');
    writeFileSync(spec, GATED(99.9));
    const store = await traffic(spec, 100, 1);
    const at = new Date(AT).toISOString();
    const quiet = await cli(['gate', '--store', store, '--at', at]);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toContain('unsure listThings:');
    expect(quiet.stdout).toContain('too few events to judge: 100 valid event(s) in the window, the gate needs 1000');
    expect(quiet.stdout).toContain('not frozen');
    const json = JSON.parse((await cli(['gate', '--store', store, '--at', at, '--format', 'json'])).stdout) as { frozen: boolean; operations: Array<Record<string, unknown>> };
    expect(json).toMatchObject({ frozen: false, operations: [{ operationId: 'listThings', frozen: false, tooFew: true, valid: 100, minEvents: 1000 }] });
    const flagged = await cli(['gate', '--store', store, '--at', at, '--min-events', '50']);
    expect(flagged.code).toBe(1);
    expect(flagged.stderr).toMatch(/^FROZEN listThings: .*below freezeBelow 0%$/m);
    const bad = await cli(['gate', '--store', store, '--at', at, '--min-events', 'some']);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining('--min-events "some" is not a positive whole number')]);
    const op = await cli(['gate', '--store', store, '--at', at, '--operation', 'listThing']);
    expect([op.code, op.stderr]).toEqual([2, expect.stringContaining('Did you mean --operation listThings?')]);
  }, 30_000);

  it('needs 100 events at 99%: 5 bad of 60 is too few to judge, 5 bad of 120 freezes', async () => {
    const dir = tempDir();
    const spec = join(dir, 'api.yaml');
    writeFileSync(spec, GATED(99));
    const at = new Date(AT).toISOString();
    const few = await cli(['gate', '--store', await traffic(spec, 60, 5), '--at', at]);
    expect(few.code).toBe(0);
    expect(few.stdout).toContain('60 valid event(s) in the window, the gate needs 100 (enough for a 99% budget to allow one bad event; --min-events sets another); not frozen');
    const enough = await cli(['gate', '--store', await traffic(spec, 120, 5), '--at', at]);
    expect(enough.code).toBe(1);
    expect(enough.stderr).toMatch(/^FROZEN listThings: -316\.67% of the error budget left \(5 bad of 1\.2 allowed\), below freezeBelow 0%$/m);
  }, 30_000);
});

describe('sworn report --consumer', () => {
  it('a consumer the store never saw is an error with the closest one seen, not "every objective met"', async () => {
    const dir = tempDir();
    const spec = join(dir, 'api.yaml');
    writeFileSync(spec, GATED(99));
    const store = await traffic(spec, 5, 0);
    const at = new Date(AT).toISOString();
    const known = await cli(['report', '--store', store, '--at', at, '--format', 'json']);
    const seen = (JSON.parse(known.stdout) as { consumers: Array<{ consumer: string }> }).consumers.map((c) => c.consumer);
    expect(seen.length).toBeGreaterThan(0);
    const typo = `${seen[0]!}e`;
    const r = await cli(['report', '--store', store, '--at', at, '--consumer', typo]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`SWORN_ERR_CONSUMER_NOT_FOUND: no consumer ${JSON.stringify(typo)} in the store`);
    expect(r.stderr).toContain(`Did you mean --consumer ${seen[0]!}?`);
    const right = await cli(['report', '--store', store, '--at', at, '--consumer', seen[0]!]);
    expect(right.code).toBe(0);
  }, 30_000);
});

describe('sworn baseline --write', () => {
  it('refuses to write weaker promises without --allow-weaker, listing each one, and writes them with it', async () => {
    const dir = tempDir();
    const spec = join(dir, 'api.yaml');
    writeFileSync(spec, GATED(99.9));
    const store = await traffic(spec, 200, 2); // 99%: the promise kept is 99, weaker than 99.9
    const text = readFileSync(spec, 'utf8');
    const at = new Date(AT).toISOString();
    const refused = await cli(['baseline', spec, '--store', store, '--at', at, '--write']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('SWORN_ERR_WEAKER_PROMISE: --write would weaken 1 objective(s) the spec promises; nothing written');
    expect(refused.stderr).toContain('  - listThings: availability 99.9% -> 99%');
    expect(refused.stderr).toContain('add --allow-weaker');
    expect(readFileSync(spec, 'utf8')).toBe(text);
    const allowed = await cli(['baseline', spec, '--store', store, '--at', at, '--write', '--allow-weaker']);
    expect(allowed.code).toBe(0);
    expect(readFileSync(spec, 'utf8')).not.toBe(text);
  }, 30_000);
});
