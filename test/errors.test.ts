import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES } from '../src/errors.js';
import { VIOLATION_CODES } from '../src/validate/index.js';
import { ROOT } from './helpers.js';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('error codes', () => {
  const docs = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');

  it('every code is documented in docs/errors.md', () => {
    for (const code of Object.keys(ERROR_CODES)) expect(docs, code).toContain(`\`${code}\``);
  });

  it('every code thrown in src/ is registered, and every registered code is used', () => {
    const used = new Set(sources(join(ROOT, 'src')).flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/'(SWORN_ERR_[A-Z0-9_]+)'/g)].map((m) => m[1] as string)));
    for (const code of used) expect(Object.keys(ERROR_CODES), code).toContain(code);
    for (const code of Object.keys(ERROR_CODES)) expect([...used], code).toContain(code);
  });

  it('every lint rule the code can report is documented in docs/lint.md', () => {
    const lintDocs = readFileSync(join(ROOT, 'docs/lint.md'), 'utf8');
    // Rule ids are kebab-case string literals with one of these prefixes.
    const pattern = /'((?:x-slo|openapi|operation-id|path-parameter|latency|maintenance|alert|availability|consumer|policy|time|window|pattern)-[a-z-]+)'/g;
    // Lint rules are reported by the x-slo model and the linter.
    const rules = new Set([...sources(join(ROOT, 'src/slo')), ...sources(join(ROOT, 'src/lint'))].flatMap((file) => [...readFileSync(file, 'utf8').matchAll(pattern)].map((m) => m[1] as string)).filter((r) => r !== 'openapi-types'));
    for (const rule of rules) expect(lintDocs, rule).toContain(`\`${rule}\``);
    expect(rules.size).toBeGreaterThan(25);
  });

  it('every violation code is documented in docs/proxy.md', () => {
    const proxyDocs = readFileSync(join(ROOT, 'docs/proxy.md'), 'utf8');
    for (const code of Object.keys(VIOLATION_CODES)) expect(proxyDocs, code).toContain(`\`${code}\``);
  });
});
