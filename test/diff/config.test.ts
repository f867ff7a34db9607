import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { tempDir } from '../proxy/harness.js';
import { cli } from '../helpers.js';
import { baseDoc } from './base-doc.js';

/** A temp dir with a.yaml and b.yaml: `kind` removed from listPets (breaking), a new 429 (warning), Pet.tag removed (breaking, three operations). */
function pair(config?: string): string {
  const dir = tempDir();
  const v2 = baseDoc();
  v2.paths['/pets'].get.parameters.splice(1, 1);
  v2.paths['/pets'].get.responses[429] = { description: 'slow down' };
  delete v2.components.schemas.Pet.properties.tag;
  writeFileSync(join(dir, 'a.yaml'), stringify(baseDoc()));
  writeFileSync(join(dir, 'b.yaml'), stringify(v2));
  if (config !== undefined) writeFileSync(join(dir, '.sworn-diff.yaml'), config);
  return dir;
}

const json = async (dir: string, ...extra: string[]) => {
  const run = await cli(['diff', 'a.yaml', 'b.yaml', '--format', 'json', ...extra], dir);
  return { code: run.code, stderr: run.stderr, out: JSON.parse(run.stdout) };
};
const rules = (findings: Array<{ rule: string; severity: string }>) => findings.map((f) => `${f.rule} ${f.severity}`).sort();

describe('.sworn-diff.yaml', () => {
  it('overrides severities per rule id (info is safe; off drops the rule)', async () => {
    const none = await json(pair());
    expect(rules(none.out.findings)).toEqual(['request-parameter-removed breaking', 'response-property-removed breaking', 'response-status-added warning']);
    const dir = pair('rules:\n  response-status-added: breaking\n  request-parameter-removed: info\n  response-property-removed: off\n');
    const { out, code } = await json(dir);
    expect(rules(out.findings)).toEqual(['request-parameter-removed safe', 'response-status-added breaking']);
    expect(code).toBe(1);
    const relaxed = pair('rules:\n  response-status-added: info\n  request-parameter-removed: warning\n  response-property-removed: warning\n');
    expect((await cli(['diff', 'a.yaml', 'b.yaml'], relaxed)).code).toBe(0);
    expect((await cli(['diff', 'a.yaml', 'b.yaml', '--fail-on', 'warning'], relaxed)).code).toBe(1);
  });

  it('lists ignored findings with their reason instead of counting them; operation and pointer narrow an entry', async () => {
    const config = [
      'ignore:',
      '  - rule: request-parameter-removed',
      '    operation: GET /pets',
      '    reason: nobody sends kind (checked in the proxy logs)',
      '    expires: 2999-12-31',
      '  - rule: response-property-removed',
      '    operation: showPet',
      '    pointer: /components/schemas/Pet',
      '    reason: tag moves to /pets/{id}/tags',
      '    expires: 2999-12-31',
      '',
    ].join('\n');
    const dir = pair(config);
    const { out, code } = await json(dir);
    expect(code).toBe(1); // Pet.tag is still removed from listPets and createPet
    expect(out.findings.map((f: { rule: string; operations: string[] }) => `${f.rule} ${f.operations.join(', ')}`).sort()).toEqual(['response-property-removed listPets (GET /pets), createPet (POST /pets)', 'response-status-added listPets (GET /pets)']);
    expect(out.ignored).toHaveLength(2);
    expect(out.ignored[0]).toMatchObject({ rule: 'request-parameter-removed', operations: ['listPets (GET /pets)'], ignored: { reason: 'nobody sends kind (checked in the proxy logs)', expires: '2999-12-31', at: '.sworn-diff.yaml:2' } });
    expect(out.ignored[1]).toMatchObject({ rule: 'response-property-removed', operations: ['showPet (GET /pets/{petId})'], ignored: { at: '.sworn-diff.yaml:6' } });
    expect(out.summary.ignored).toBe(2);
    expect(out.notes).toEqual([]);

    const text = await cli(['diff', 'a.yaml', 'b.yaml'], dir);
    expect(text.stdout).toMatch(/^ignored {2}request-parameter-removed\s+listPets \(GET \/pets\): optional query parameter `kind` was removed/m);
    expect(text.stdout).toContain('         breaking, ignored until 2999-12-31 (.sworn-diff.yaml:2): nobody sends kind (checked in the proxy logs)');
    expect(text.stdout).toMatch(/^1 breaking, 1 warning\(s\), 0 safe, 2 ignored$/m);
    const markdown = (await cli(['diff', 'a.yaml', 'b.yaml', '--format', 'markdown'], dir)).stdout;
    expect(markdown).toContain('#### Ignored (2)');
    expect(markdown).toContain('| nobody sends kind (checked in the proxy logs) (.sworn-diff.yaml:2) | 2999-12-31 |');
    const junit = (await cli(['diff', 'a.yaml', 'b.yaml', '--format', 'junit'], dir)).stdout;
    expect(junit).toContain('<skipped message="ignored until 2999-12-31: tag moves to /pets/{id}/tags"/>');
    expect(junit).toContain('tests="4" failures="1" skipped="2"');
    const github = (await cli(['diff', 'a.yaml', 'b.yaml', '--format', 'github'], dir)).stdout;
    expect(github).not.toContain('request-parameter-removed');
    const changelog = (await cli(['diff', 'a.yaml', 'b.yaml', '--format', 'changelog'], dir)).stdout;
    expect(changelog).toContain('- Optional query parameter `kind` was removed (clients sending it may be refused or ignored). (accepted: nobody sends kind (checked in the proxy logs))');

    // Only what the entry names: the same rule in another operation, or under another pointer, still counts.
    const other = pair('ignore:\n  - rule: response-property-removed\n    pointer: /components/schemas/NewPet\n    reason: r\n    expires: 2999-12-31\n');
    expect((await json(other)).out.ignored).toEqual([]);
  });

  it('an expired entry no longer applies and is reported as a warning at its line', async () => {
    const dir = pair('# accepted for the 2.0 release\nignore:\n  - rule: request-parameter-removed\n    reason: kind was never documented\n    expires: 2020-01-31\n');
    const { out, code } = await json(dir);
    expect(code).toBe(1);
    expect(out.ignored).toEqual([]);
    expect(out.findings.map((f: { rule: string }) => f.rule)).toContain('request-parameter-removed');
    expect(out.notes).toEqual([{ message: 'ignore entry expired on 2020-01-31 (rule request-parameter-removed: kind was never documented); what it matches counts again', location: { file: '.sworn-diff.yaml', line: 3, column: 5, pointer: '/ignore/0' } }]);
    expect((await cli(['diff', 'a.yaml', 'b.yaml'], dir)).stdout).toContain('warning  .sworn-diff.yaml:3: ignore entry expired on 2020-01-31');
    expect((await cli(['diff', 'a.yaml', 'b.yaml', '--format', 'github'], dir)).stdout).toMatch(/^::warning file=\.sworn-diff\.yaml,line=3,title=sworn diff config::ignore entry expired on 2020-01-31/m);
    expect((await cli(['diff', 'a.yaml', 'b.yaml', '--format', 'junit'], dir)).stderr).toContain('warning: .sworn-diff.yaml:3: ignore entry expired on 2020-01-31');
  });

  it('an entry that matches no finding is reported as a warning at its line; one that matches is not', async () => {
    const config = [
      'ignore:',
      '  - rule: request-parameter-removed',
      '    operation: listPets',
      '    reason: nobody sends kind',
      '    expires: 2999-12-31',
      '  - rule: response-status-removed',
      '    operation: GET /pets',
      '    reason: the 404 went with 2.0',
      '    expires: 2999-12-31',
      '',
    ].join('\n');
    const dir = pair(config);
    const { out, code } = await json(dir);
    expect(code).toBe(1);
    expect(out.ignored.map((f: { rule: string }) => f.rule)).toEqual(['request-parameter-removed']);
    expect(out.notes).toEqual([{ message: 'ignore entry matches no finding (rule response-status-removed, operation GET /pets: the 404 went with 2.0); remove it if the change it accepted is gone', location: { file: '.sworn-diff.yaml', line: 6, column: 5, pointer: '/ignore/1' } }]);
    expect((await cli(['diff', 'a.yaml', 'b.yaml'], dir)).stdout).toContain('warning  .sworn-diff.yaml:6: ignore entry matches no finding (rule response-status-removed');
    expect((await cli(['diff', 'a.yaml', 'b.yaml', '--format', 'github'], dir)).stdout).toMatch(/^::warning file=\.sworn-diff\.yaml,line=6,title=sworn diff config::ignore entry matches no finding/m);
    expect((await cli(['diff', 'a.yaml', 'b.yaml', '--format', 'junit'], dir)).stderr).toContain('warning: .sworn-diff.yaml:6: ignore entry matches no finding');
    // The same entries, when both their changes are in the diff, match and say nothing.
    const reverted = tempDir();
    writeFileSync(join(reverted, 'a.yaml'), stringify(baseDoc()));
    writeFileSync(join(reverted, '.sworn-diff.yaml'), config);
    const v2 = baseDoc();
    delete v2.paths['/pets'].get.responses[404];
    v2.paths['/pets'].get.parameters.splice(1, 1);
    writeFileSync(join(reverted, 'b.yaml'), stringify(v2));
    const both = await json(reverted);
    expect([both.code, both.out.notes, both.out.ignored.map((f: { rule: string }) => f.rule).sort()]).toEqual([0, [], ['request-parameter-removed', 'response-status-removed']]);
  });

  it('an expired entry is reported as expired only, not also as matching nothing', async () => {
    const { out } = await json(pair('ignore:\n  - rule: response-status-removed\n    reason: r\n    expires: 2020-01-31\n'));
    expect(out.notes.map((n: { message: string }) => n.message)).toEqual(['ignore entry expired on 2020-01-31 (rule response-status-removed: r); what it matches counts again']);
  });

  it('is read from --config FILE instead of the working directory', async () => {
    const dir = pair('rules:\n  response-status-added: off\n');
    mkdirSync(join(dir, 'ci'));
    writeFileSync(join(dir, 'ci', 'strict.yaml'), 'rules:\n  response-status-added: breaking\n');
    expect(rules((await json(dir)).out.findings)).not.toContain('response-status-added warning');
    expect(rules((await json(dir, '--config', 'ci/strict.yaml')).out.findings)).toContain('response-status-added breaking');
    const missing = await cli(['diff', 'a.yaml', 'b.yaml', '--config', 'ci/none.yaml'], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('SWORN_ERR_CONFIG: cannot read diff config ci/none.yaml');
  });

  const errors: Array<[string, string, RegExp]> = [
    ['an unknown rule id, with the closest one', 'rules:\n  response-status-addded: off\n', /^SWORN_ERR_CONFIG: \.sworn-diff\.yaml:2:3 unknown rule id `response-status-addded`[^\n]*\n {2}hint: Did you mean `response-status-added`\?/],
    ['an unknown rule id in an ignore entry', 'ignore:\n  - rule: request-paramter-removed\n    reason: r\n    expires: 2999-01-01\n', /^SWORN_ERR_CONFIG: \.sworn-diff\.yaml:2:5 unknown rule id `request-paramter-removed`[^\n]*\n {2}hint: Did you mean `request-parameter-removed`\?/],
    ['a severity that is none', 'rules:\n  response-status-added: fatal\n', /^SWORN_ERR_CONFIG: \.sworn-diff\.yaml:2:3 rule `response-status-added`: "fatal" is not a severity; write breaking, warning, info or off/],
    ['an entry without a reason', 'ignore:\n  - rule: response-status-added\n    expires: 2999-01-01\n', /^SWORN_ERR_CONFIG: \.sworn-diff\.yaml:2:5 ignore\[0\] needs `reason` \(why the change is accepted\)/],
    ['an entry without an expiry', 'ignore:\n  - rule: response-status-added\n    reason: r\n', /^SWORN_ERR_CONFIG: \.sworn-diff\.yaml:2:5 ignore\[0\] needs `expires`/],
    ['an expiry that is not a date', 'ignore:\n  - rule: response-status-added\n    reason: r\n    expires: 2027-02-30\n', /^SWORN_ERR_CONFIG: \.sworn-diff\.yaml:4:5 ignore\[0\]\.expires "2027-02-30" is not a date; write YYYY-MM-DD/],
    ['an unknown key in an entry', 'ignore:\n  - rule: response-status-added\n    reasn: r\n    expires: 2999-01-01\n', /^SWORN_ERR_CONFIG: \.sworn-diff\.yaml:3:5 unknown key `reasn` in ignore\[0\][^\n]*\n {2}hint: Did you mean `reason`\?/],
    ['an unknown setting', 'rule:\n  response-status-added: off\n', /^SWORN_ERR_CONFIG: \.sworn-diff\.yaml:1:1 unknown setting `rule`[^\n]*\n {2}hint: Did you mean `rules`\?/],
    ['a retired rule id, naming the one to write', 'rules:\n  operation-removed-without-deprecation: warning\n', /^SWORN_ERR_CONFIG: \.sworn-diff\.yaml:2:3 `operation-removed-without-deprecation` is no longer a rule id: an operation removed without a deprecation or a sunset is reported as `operation-removed`[^\n]*\n {2}hint: Write `operation-removed` instead\./],
    ['a YAML syntax error', 'rules:\n  a: [b\n', /^SWORN_ERR_CONFIG: \.sworn-diff\.yaml:\d+:\d+ \.sworn-diff\.yaml: YAML syntax error/],
  ];
  for (const [name, config, expected] of errors) {
    it(`refuses ${name}, at its file:line`, async () => {
      const run = await cli(['diff', 'a.yaml', 'b.yaml'], pair(config));
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(expected);
    });
  }
});
