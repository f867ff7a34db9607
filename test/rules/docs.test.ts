import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generated } from './promtool.js';
import { ROOT } from '../helpers.js';

describe('docs/rules.md', () => {
  it('shows PromQL that is exactly what sworn rules generates for the shop fixture', async () => {
    const doc = await readFile(join(ROOT, 'docs/rules.md'), 'utf8');
    const blocks = [...doc.matchAll(/```promql\n([\s\S]*?)\n```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThan(8);
    const rules = parse(await generated(['test/rules/fixtures/shop.yaml'])) as { groups: Array<{ rules: Array<{ expr: string }> }> };
    const exprs = new Set(rules.groups.flatMap((g) => g.rules.map((r) => r.expr)));
    for (const block of blocks) expect(exprs.has(block), `not generated as written:\n${block}`).toBe(true);
  });
});
