import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from '../helpers.js';
import { tempDir } from '../proxy/harness.js';

describe('output files the user names', () => {
  it('a folder that is a file, or that does not exist, is a usage error naming the file, not a crash', async () => {
    const dir = tempDir();
    const file = join(dir, 'afile');
    writeFileSync(file, '');
    const rules = await cli(['rules', 'specs/petstore.yaml', '--out', file]);
    expect([rules.code, rules.stderr]).toEqual([2, expect.stringContaining(`SWORN_ERR_USAGE: --out: cannot write ${join(file, 'petstore.rules.yaml')}`)]);
    expect(rules.stderr).not.toContain('internal error');
    const written = await cli(['rules', 'specs/petstore.yaml', '--out', join(dir, 'new', 'rules')]);
    expect(written.code, written.stderr).toBe(0); // a folder that does not exist yet is made
    expect(written.stderr).toContain('wrote ');
  });
});

describe('the Markdown report', () => {
  it('escapes HTML in consumer names, which come from request headers (PR comments and job summaries render HTML)', async () => {
    const { formatReportMarkdown } = await import('../../src/report/report-text.js');
    const consumer = '<img src=x onerror=alert(1)>';
    const text = formatReportMarkdown({
      spec: { title: 'T', version: '1' }, since: '', until: '', window: { kind: 'promise' }, operations: [], unknownRoutes: [], refused: [],
      consumers: [{ consumer, tier: 'free', requests: 1, violations: { request: 0, response: 0 }, breaches: { consumer: 0, provider: 0 }, operations: [] }],
      summary: { violations: { request: 0, response: 0, unknownRoutes: 0 }, missed: [{ operationId: 'a|b', consumer, objective: 'availability', target: 99, achieved: 90 }], alertsFiring: [] },
    });
    expect(text).not.toContain('<img');
    expect(text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(text).toContain('`a\\|b`');
  });
});
