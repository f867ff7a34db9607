import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cli, fixture, ROOT } from '../helpers.js';

const exec = promisify(execFile);

describe('sworn explain', () => {
  it('prints the resolved promise of every operation with where each value was declared', async () => {
    const { code, stdout, stderr } = await cli(['explain', 'specs/petstore.yaml', '--at', '2026-11-22T10:00:00Z']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('Swagger Petstore (sworn example) 1.4.0 · specs/petstore.yaml · OpenAPI 3.1.0 · 6 operations');
    expect(stdout).toContain('listPets  GET /pets  specs/petstore.yaml:64:5');
    expect(stdout).toContain('availability  99.9% of valid events good (error budget 0.1%)  ← specs/petstore.yaml:14:7');
    expect(stdout).toContain('p99: p99 at most 600ms  ← specs/petstore.yaml:63:17');
    expect(stdout).toContain('tier partner  availability 99.95% · fast: 99% within 200ms');
    expect(stdout).toContain('next: 2026-11-29 02:00 +01:00 → 2026-11-29 04:00 +01:00');
    expect(stdout).toContain('health  GET /health  specs/petstore.yaml:162:5\n  promise       none: opted out with x-slo: false');
  });

  it('--format json, --operation, --tier and --at select what is shown', async () => {
    const { code, stdout } = await cli(['explain', 'specs/orders.yaml', '--operation', 'createOrder', '--tier', 'enterprise', '--at', '2026-03-28T12:00:00Z', '--format', 'json']);
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expect(json.spec).toEqual({ file: 'specs/orders.yaml', title: 'Orders API', version: '2.3.0', openapi: '3.1.0', operations: 3 });
    expect(json.consumerTier).toBe('enterprise');
    expect(json.operations).toHaveLength(1);
    const op = json.operations[0];
    expect(op.promise.availability.target).toBe(99.95);
    expect(op.promise.latency[0]).toEqual({ name: 'fast', kind: 'threshold', threshold: '200ms', thresholdMs: 200, target: 99 });
    expect(op.promise.window).toEqual({ calendar: 'month', timeZone: 'Europe/Berlin', start: '2026-02-28T23:00:00.000Z', end: '2026-03-31T22:00:00.000Z' });
    const weekend = op.promise.maintenance.find((m: { name: string }) => m.name === 'weekend');
    expect(weekend.active).toBe(true);
    expect(weekend.next[0]).toEqual({ start: '2026-03-27T23:00:00.000Z', end: '2026-03-29T22:00:00.000Z' });
    expect(op.tiers).toEqual({});
  });

  it('says what to type instead for unknown operations, tiers, flags and times (exit 2)', async () => {
    const op = await cli(['explain', 'specs/orders.yaml', '--operation', 'createOrdr']);
    expect(op.code).toBe(2);
    expect(op.stderr).toContain('SWORN_ERR_OPERATION_NOT_FOUND');
    expect(op.stderr).toContain('Did you mean --operation "createOrder"?');
    const tier = await cli(['explain', 'specs/orders.yaml', '--tier', 'gold']);
    expect(tier.code).toBe(2);
    expect(tier.stderr).toContain('Use one of: free, standard, enterprise.');
    const flag = await cli(['explain', 'specs/orders.yaml', '--foramt', 'json']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('hint: Did you mean --format? Run `sworn explain --help` for the usage.');
    const at = await cli(['explain', 'specs/orders.yaml', '--at', 'tomorrow']);
    expect(at.code).toBe(2);
    expect(at.stderr).toContain('SWORN_ERR_USAGE');
    expect(at.stderr).toContain('--at 2026-03-29T01:30:00Z');
  });

  it('refuses to explain invalid promises and points at the first problem', async () => {
    const { code, stderr } = await cli(['explain', fixture('broken/slo-typo.yaml')]);
    expect(code).toBe(2);
    expect(stderr).toContain('SWORN_ERR_SLO_INVALID: test/fixtures/broken/slo-typo.yaml:6:5');
    expect(stderr).toContain('test/fixtures/broken/slo-typo.yaml:13:24');
  });
});

describe('sworn lint', () => {
  it('exits 0 on a clean spec, 1 on error findings, 2 on unreadable input', async () => {
    expect((await cli(['lint', 'specs/petstore.yaml'])).code).toBe(0);
    const bad = await cli(['lint', fixture('lint/problems.yaml'), '--at', '2026-11-22T00:00:00Z']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('test/fixtures/lint/problems.yaml:32:7  error    openapi-schema  unknown key `respones` in post (did you mean `responses`?)');
    expect(bad.stdout).toContain('✖ 4 errors, 6 warnings');
    const unreadable = await cli(['lint', fixture('broken/malformed.yaml')]);
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toContain('SWORN_ERR_SPEC_PARSE: test/fixtures/broken/malformed.yaml:11:1');
  });

  it('--format json gives every finding with rule, severity, file, line, column and pointer', async () => {
    const { code, stdout } = await cli(['lint', fixture('broken/slo-typo.yaml'), '--format', 'json']);
    expect(code).toBe(1);
    const json = JSON.parse(stdout);
    expect(json.summary).toEqual({ errors: 3, warnings: 0, infos: 0 });
    expect(json.findings[0]).toEqual({ rule: 'x-slo-schema', severity: 'error', message: 'unknown key `availabilty` in x-slo (did you mean `availability`?)', file: 'test/fixtures/broken/slo-typo.yaml', line: 6, column: 5, pointer: '/info/x-slo/availabilty', operations: [] });
  });

  it('--policy fails a spec that promises less than its tier requires', async () => {
    const { code, stdout } = await cli(['lint', fixture('lint/problems.yaml'), '--policy', 'specs/policy.yaml', '--format', 'json']);
    expect(code).toBe(1);
    const rules = JSON.parse(stdout).findings.map((f: { rule: string }) => f.rule);
    expect(rules).toContain('policy-violation');
    const missing = await cli(['lint', 'specs/petstore.yaml', '--policy', 'nope.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('SWORN_ERR_POLICY');
  });
});

describe('the built binary', () => {
  it('runs as `sworn` with the documented exit codes', async () => {
    const bin = join(ROOT, 'dist/cli/main.js');
    expect(existsSync(bin)).toBe(true); // `npm test` builds first (pretest)
    const ok = await exec(process.execPath, [bin, 'lint', 'specs/orders.yaml'], { cwd: ROOT });
    expect(ok.stdout).toContain('✔ 0 errors, 0 warnings');
    // Swagger 2.0 is read (converted in-process); Swagger 1.x is refused with exit 2.
    const swagger2 = await exec(process.execPath, [bin, 'lint', 'test/fixtures/broken/swagger2.yaml'], { cwd: ROOT });
    expect(swagger2.stdout).toContain('✔ 0 errors, 0 warnings');
    const failed = await exec(process.execPath, [bin, 'lint', 'test/fixtures/swagger2/swagger-1.2.json'], { cwd: ROOT }).catch((e: { code: number; stderr: string }) => e);
    expect((failed as { code: number }).code).toBe(2);
    expect((failed as { stderr: string }).stderr).toContain('SWORN_ERR_SWAGGER2: test/fixtures/swagger2/swagger-1.2.json:2:3');
    const version = await exec(process.execPath, [bin, '--version'], { cwd: ROOT });
    expect(version.stdout.trim()).toBe('0.1.0');
  });
});
