import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ROOT } from '../helpers.js';

describe('sworn demo (npm start)', () => {
  it('runs the proxy in front of the mock behaving as promised, with traffic and the live SLO report', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'demo', '--duration', '3s', '--port', '0', '--admin-port', '0', '--rate', '40', '--mock-admin-port', '0'], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
    expect(stdout).toMatch(/^sworn demo: proxy http:\/\/127\.0\.0\.1:\d+ -> mock http:\/\/127\.0\.0\.1:\d+ \(behaving as promised\)/);
    const last = stdout.slice(stdout.lastIndexOf('Swagger Petstore'));
    const row = (name: string) => last.split('\n').find((l) => l.startsWith(name))!;
    // The live SLO figures: requests, availability against the promise, budget left, who breached, latency objectives.
    const listPets = /^listPets\s+(\d+)\s+[\d.]+% of 99\.9% [✓✗]\s+-?[\d.]+%\s+\d+ \/ \d+\s+fast [\d.]+% [≥<] 99% [✓✗], p99 \d+ms [≤>] 600ms [✓✗]/.exec(row('listPets'));
    expect(listPets, row('listPets')).not.toBeNull();
    expect(Number(listPets![1])).toBeGreaterThan(5);
    const createPet = /^createPet\s+\d+\s+.*\s(\d+) \/ \d+\s/.exec(row('createPet'));
    expect(Number(createPet![1])).toBeGreaterThan(0); // consumer breaches: the batch importer's bad POSTs
    expect(row('batch-importer').trim().split(/\s+/)[1]).toBe('free');
    expect(last).toMatch(/objective\(s\) missed|every objective met/);
    expect(last).toContain('GET /v1/petz');
  });
});

describe('sworn demo --gameday', () => {
  it('runs the built-in plan against the demo mock end to end: steady state, escalating steps until one breaks, faults removed, the report', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'demo', '--gameday', '--gameday-step', '1500ms'], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    const [code] = (await once(child, 'exit')) as [number];
    expect(code, stdout).toBe(0);
    expect(stdout).toContain("hypothesis: mobile-app's promises on listPets hold");
    expect(stdout).toContain('steps: latency +20ms → latency 3x → error 5% → unavailable');
    // The baseline held (a mock behaving as promised keeps its tier's promise), so step 1 ran.
    expect(stdout).toMatch(/baseline\s+\d+\s+0\s+100% of 99\.95% ✓/);
    expect(stdout).toMatch(/step 1 {2}latency \+20ms {2}· 1\.5s · (held|broke)/);
    // Some step breaks (unavailable breaks availability at the latest), and every later step is skipped.
    const broke = /broke at step (\d): /.exec(stdout);
    expect(broke, stdout).not.toBeNull();
    for (let i = Number(broke![1]) + 1; i <= 4; i++) expect(stdout).toMatch(new RegExp(`step ${i} .* · skipped`));
    expect(stdout).toMatch(/cleanup: \d+ faults? removed, no errors/);
  });
});

describe('sworn demo on any spec, from anywhere', () => {
  const run = async (args: string[], cwd: string) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'demo', ...args, '--duration', '3s', '--port', '0', '--admin-port', '0', '--mock-admin-port', '0', '--rate', '30'], { cwd, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    const [code] = (await once(child, 'exit')) as [number];
    return { code, stdout, stderr };
  };

  it('finds its default spec outside the repository', async () => {
    const { code, stdout, stderr } = await run([], tmpdir());
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('Swagger Petstore (sworn example)');
  });

  it('drives traffic built from the spec it is given (not the petstore\'s), as the consumers its key map names, and says why no alert fires', async () => {
    const { code, stdout, stderr } = await run([join(ROOT, 'specs/orders.yaml')], ROOT);
    expect(code, stderr).toBe(0);
    const last = stdout.slice(stdout.lastIndexOf('Orders API'));
    const requests = (operation: string) => Number(/^\S+\s+(\d+)/.exec(last.split('\n').find((l) => l.startsWith(`${operation} `)) ?? '')?.[1] ?? 0);
    expect(requests('createOrder'), last).toBeGreaterThan(0);
    expect(requests('getOrder'), last).toBeGreaterThan(0);
    expect(last).not.toContain('/v1/pets');
    expect(last).toMatch(/^acme\s+enterprise\s+[1-9]/m); // sent as the key map's consumers
    expect(stdout).toMatch(/alerts of \S+ \(burning fastest\):\n {2}page 1h\/5m at 14\.4x: burning [\d.]+x \/ [\d.]+x · (not firing|FIRING|silenced)/);
    expect(stdout).toContain('try: curl http://127.0.0.1:');
  });
});
