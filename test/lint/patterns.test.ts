import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/spec/index.js';
import { lintSpec } from '../../src/lint/index.js';
import { ROOT } from '../helpers.js';

const SPEC = `openapi: 3.1.0
info: {title: patterns, version: '1'}
paths:
  /users:
    get:
      operationId: listUsers
      parameters:
        - name: password
          in: query
          schema: {type: string, pattern: '^(?=.*\\d)(?=.*[a-z]).{8,}$'}
      responses:
        '200':
          description: ok
          headers:
            x-ref:
              schema: {type: string, pattern: '^(a)\\1$'}
          content:
            application/json:
              schema:
                type: object
                patternProperties:
                  '(?<!x)y': {type: string}
                properties:
                  safe: {type: string, pattern: '^(a+)+$'}
                  nested:
                    type: array
                    items: {allOf: [{$ref: '#/components/schemas/Code'}]}
components:
  schemas:
    Code:
      type: string
      pattern: '^[A-Z]{2}(?!00)\\d{2}$'
`;

describe('pattern-unsupported', () => {
  it('reports each pattern RE2 cannot run, at its line and pointer, naming the pattern and why', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sworn-lint-')), 'spec.yaml');
    writeFileSync(file, SPEC);
    const { findings } = lintSpec(await loadSpec(file));
    const rows = findings.map((f) => `${f.location.line}:${f.location.column} ${f.severity} ${f.rule} ${f.location.pointer}`);
    expect(rows).toEqual([
      '10:34 warning pattern-unsupported /paths/~1users/get/parameters/0/schema/pattern',
      '16:38 warning pattern-unsupported /paths/~1users/get/responses/200/headers/x-ref/schema/pattern',
      '22:19 warning pattern-unsupported /paths/~1users/get/responses/200/content/application~1json/schema/patternProperties/(?<!x)y',
      '32:7 warning pattern-unsupported /components/schemas/Code/pattern',
    ]);
    const messages = findings.map((f) => f.message);
    expect(messages[0]).toBe('pattern "^(?=.*\\\\d)(?=.*[a-z]).{8,}$" is not checked: lookahead (?= is not supported by RE2; sworn runs patterns in linear time (RE2) and never backtracks, so values are not checked against it (rewrite it without lookaround or backreferences, or split the check)');
    expect(messages[1]).toContain('backreferences (\\1) are not supported by RE2');
    expect(messages[2]).toContain('lookbehind (?<! is not supported by RE2');
    expect(messages[3]).toContain('"^[A-Z]{2}(?!00)\\\\d{2}$" is not checked: lookahead (?! is not supported');
  });

  it('is documented in docs/lint.md', () => {
    // test/errors.test.ts reads rule ids by prefix; `pattern-` is not among its prefixes, so this rule is checked here.
    expect(readFileSync(join(ROOT, 'docs/lint.md'), 'utf8')).toContain('`pattern-unsupported`');
    expect(readFileSync(join(ROOT, 'src/lint/patterns.ts'), 'utf8')).toContain("rule: 'pattern-unsupported'");
  });
});
