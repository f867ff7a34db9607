import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { tempDir } from '../proxy/harness.js';
import { cli } from '../helpers.js';

/** A spec whose `GET /old` carries `extra` (deprecation, sunset, stability), and one without it. */
function pair(extra: Record<string, unknown>, config?: string): string {
  const dir = tempDir();
  const op = (id: string) => ({ operationId: id, responses: { '200': { description: 'ok' } } });
  const doc = (withOld: boolean) => ({ openapi: '3.1.0', info: { title: 'Lifecycle', version: '1' }, paths: { '/pets': { get: op('listPets') }, ...(withOld ? { '/old': { get: { ...op('getOld'), ...extra } } } : {}) } });
  writeFileSync(join(dir, 'base.yaml'), stringify(doc(true)));
  writeFileSync(join(dir, 'head.yaml'), stringify(doc(false)));
  if (config !== undefined) writeFileSync(join(dir, '.sworn-diff.yaml'), config);
  return dir;
}
const rules = (stdout: string) => (JSON.parse(stdout) as { changes: Array<{ rule: string; severity: string }> }).changes.map((c) => `${c.rule} ${c.severity}`);

describe('sworn diff judges a removal by its announced lifecycle', () => {
  it('after a sunset that has passed: a warning naming the date; the build passes', async () => {
    const dir = pair({ deprecated: true, 'x-sunset': '2020-01-01' });
    const run = await cli(['diff', 'base.yaml', 'head.yaml', '--format', 'json'], dir);
    expect([run.code, rules(run.stdout)]).toEqual([0, ['operation-removed-after-sunset warning']]);
    expect(run.stdout).toContain('2020-01-01');
  });

  it('before its sunset: breaking; without a deprecation: breaking as `operation-removed`', async () => {
    const early = await cli(['diff', 'base.yaml', 'head.yaml', '--format', 'json'], pair({ deprecated: true, 'x-sunset': '2999-01-01' }));
    expect([early.code, rules(early.stdout)]).toEqual([1, ['operation-removed-before-sunset breaking']]);
    const plain = await cli(['diff', 'base.yaml', 'head.yaml', '--format', 'json'], pair({}));
    expect([plain.code, rules(plain.stdout)]).toEqual([1, ['operation-removed breaking']]);
  });

  it('a draft or alpha operation may go at any time: reported, not counted', async () => {
    const run = await cli(['diff', 'base.yaml', 'head.yaml', '--format', 'json'], pair({ 'x-stability-level': 'alpha' }));
    expect([run.code, rules(run.stdout)]).toEqual([0, ['operation-removed safe']]);
    expect(run.stdout).toContain('it may change freely');
  });

  it('reads lifecycle.minDeprecationDays from .sworn-diff.yaml, and refuses a bad value at its line', async () => {
    const bad = await cli(['diff', 'base.yaml', 'head.yaml'], pair({}, 'lifecycle:\n  minDeprecationDays: soon\n'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('SWORN_ERR_CONFIG');
    expect(bad.stderr).toContain('.sworn-diff.yaml:2');
    const typo = await cli(['diff', 'base.yaml', 'head.yaml'], pair({}, 'lifecycle:\n  minDeprecationDay: 30\n'));
    expect(typo.stderr).toContain('Did you mean `minDeprecationDays`?');
  });
});
