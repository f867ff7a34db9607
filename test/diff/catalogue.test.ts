import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RETIRED_RULES, RULE_CATALOGUE, ruleEntry } from '../../src/diff/catalogue.js';
import { ROOT } from '../helpers.js';

/**
 * Every rule id the diff's code can report: the quoted ids in src/diff/*.ts
 * (as test/diff/rules.test.ts reads them, and the lifecycle ones: sunset-,
 * stability-, parameter-, property-, schema-, deprecation-), the catalogue
 * itself left out.
 */
function emittedIds(): string[] {
  const dir = join(ROOT, 'src/diff');
  const source = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'catalogue.ts').map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
  return [...new Set([...source.matchAll(/'((?:operation|request|response|security|slo|sunset|stability|parameter|property|schema|deprecation)-[a-z-]+)'/g)].map((m) => m[1]!))].sort();
}

describe('the rule catalogue (sworn diff --rules)', () => {
  it('has a row for every rule id the code can report', () => {
    const ids = emittedIds();
    expect(ids.length).toBeGreaterThan(45);
    const missing = ids.filter((id) => !ruleEntry(id));
    // A new rule needs a row in src/diff/catalogue.ts (id, usual severity, one-line example).
    expect(missing, `rule ids without a row in src/diff/catalogue.ts: ${missing.join(', ')}`).toEqual([]);
  });

  it('has no row for a rule the code no longer reports, and no id twice', () => {
    const ids = new Set(emittedIds());
    const stale = RULE_CATALOGUE.map((r) => r.rule).filter((id) => !ids.has(id));
    expect(stale, `rows in src/diff/catalogue.ts for rule ids no code reports: ${stale.join(', ')}`).toEqual([]);
    expect(new Set(RULE_CATALOGUE.map((r) => r.rule)).size).toBe(RULE_CATALOGUE.length);
  });

  it('every rule id is documented in docs/diff.md', () => {
    const docs = readFileSync(join(ROOT, 'docs/diff.md'), 'utf8');
    const undocumented = emittedIds().filter((id) => !docs.includes(`| \`${id}\` |`));
    expect(undocumented, `rule ids without a row in docs/diff.md: ${undocumented.join(', ')}`).toEqual([]);
  });

  it('documents no rule id the catalogue lacks, and lists retired ids nowhere as rules', () => {
    const docs = readFileSync(join(ROOT, 'docs/diff.md'), 'utf8');
    const rows = [...docs.matchAll(/^\| `([a-z][a-z-]+)` \|/gm)].map((m) => m[1]!);
    expect(rows.length).toBeGreaterThan(45);
    expect(rows.filter((id) => !ruleEntry(id)), 'rows in docs/diff.md for ids not in the catalogue').toEqual([]);
    expect(RETIRED_RULES.length).toBeGreaterThan(0);
    for (const { rule, use } of RETIRED_RULES) {
      expect(ruleEntry(rule), rule).toBeUndefined();
      expect(emittedIds(), rule).not.toContain(rule);
      expect(ruleEntry(use), `${rule} points at ${use}`).toBeDefined();
    }
  });

  it('gives each rule a severity and a one-line example', () => {
    for (const r of RULE_CATALOGUE) {
      expect(['breaking', 'warning', 'safe'], r.rule).toContain(r.severity);
      expect(r.example, r.rule).toMatch(/^\S.{5,}$/);
      expect(r.example, r.rule).not.toContain('\n');
    }
  });
});
