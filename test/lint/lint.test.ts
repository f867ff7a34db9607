import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/spec/index.js';
import { lintSpec, loadPolicy } from '../../src/lint/index.js';
import { fixture, GITHUB_SPEC, ROOT, rejection } from '../helpers.js';

const AT = Date.parse('2026-11-22T00:00:00Z');

describe('lintSpec', () => {
  it('finds nothing wrong with the example specs, even under the example policy', async () => {
    const policy = await loadPolicy('specs/policy.yaml', ROOT);
    for (const file of ['specs/petstore.yaml', 'specs/orders.yaml']) {
      const { findings } = lintSpec(await loadSpec(file, { cwd: ROOT }), { policy, at: AT });
      // The only finding: the opted-out health check / listOrders is visible under a policy.
      expect(findings.map((f) => f.rule)).toEqual(['policy-opt-out']);
    }
  });

  it('lints GitHub\'s REST API description without a false finding: only its examples that break their schemas', async () => {
    const { findings, operations } = lintSpec(await loadSpec(GITHUB_SPEC), { at: AT });
    expect(operations.length).toBeGreaterThan(1200);
    expect(findings.filter((f) => f.rule !== 'example-invalid')).toEqual([]);
    // A real one: deleting a gist file sends `null`, which the schema of a file (an object, not nullable) refuses.
    const gist = findings.find((f) => f.location.pointer === '/paths/~1gists~1{gist_id}/patch/requestBody/content/application~1json/examples/deleteFile/value');
    expect(gist?.message).toContain('/files/hello.py must be object');
    expect(findings.every((f) => f.severity === 'error')).toBe(true);
  });

  it('reports each problem with rule, severity, exact position and operations', async () => {
    const { findings } = lintSpec(await loadSpec(fixture('lint/problems.yaml'), { cwd: ROOT }), { at: AT });
    const rows = findings.map((f) => `${f.location.line}:${f.location.column} ${f.severity} ${f.rule}`);
    expect(rows).toEqual([
      '11:40 warning consumer-map-missing',
      '13:9 error maintenance-never-occurs',
      '14:9 warning maintenance-past',
      '15:9 warning maintenance-overlap',
      '16:9 warning maintenance-overlap',
      '16:9 warning maintenance-overlap',
      '17:9 warning maintenance-overlap',
      '20:5 error path-parameter-missing',
      '26:7 error operation-id-unique',
      '32:7 error openapi-schema',
    ]);
    const byRule = (rule: string) => findings.filter((f) => f.rule === rule).map((f) => f.message);
    expect(byRule('maintenance-overlap').join('\n')).toContain('"nightly" and "backup" overlap');
    expect(byRule('maintenance-overlap').join('\n')).toContain('occurrences of maintenance window "greedy" overlap each other');
    expect(byRule('openapi-schema')).toEqual(['unknown key `respones` in post (did you mean `responses`?)']);
    expect(byRule('operation-id-unique')).toEqual(['operationId "getPet" is also used by GET /pets/{petId}; this one is known as "GET /pets"']);
    expect(findings.find((f) => f.rule === 'path-parameter-missing')!.operations).toEqual([]);
  });

  it('checks the declared tier against the policy, pointing at the weak value', async () => {
    const policy = await loadPolicy('specs/policy.yaml', ROOT);
    const { findings } = lintSpec(await loadSpec(fixture('lint/problems.yaml'), { cwd: ROOT }), { policy, at: AT });
    const policyFindings = findings.filter((f) => f.rule.startsWith('policy-'));
    expect(policyFindings.map((f) => `${f.location.line}:${f.location.column} ${f.rule} ${f.operations.join(',')}`)).toEqual([
      '7:5 policy-violation getPet,addPet',
      '8:15 policy-violation getPet,addPet',
      '27:7 policy-opt-out GET /pets',
    ]);
    expect(policyFindings[0]!.message).toBe('availability is 99.5%; tier P0 requires >= 99.9 (specs/policy.yaml:3)');
    expect(policyFindings[1]!.message).toBe('latency.p99 is 2s; tier P0 requires <= 800ms (specs/policy.yaml:4)');
  });

  it('requires a tier under a policy, and one the policy knows', async () => {
    const policy = await loadPolicy('specs/policy.yaml', ROOT);
    const { findings } = lintSpec(await loadSpec(fixture('petstore-3.0.json'), { cwd: ROOT }), { policy, at: AT });
    expect(findings.map((f) => [f.rule, f.location.line])).toEqual([['policy-no-tier', 6]]);
  });

  it('refuses an unreadable policy with its position', async () => {
    const error = await rejection(loadPolicy(fixture('lint/bad-policy.yaml'), ROOT));
    expect(error.code).toBe('SWORN_ERR_POLICY');
    expect(error.location).toMatchObject({ file: 'test/fixtures/lint/bad-policy.yaml', line: 3, pointer: '/P0/latency.p99' });
  });
});
