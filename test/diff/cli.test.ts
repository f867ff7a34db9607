import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { tempDir } from '../proxy/harness.js';
import { cli, ROOT } from '../helpers.js';
import { RULE_CATALOGUE } from '../../src/diff/catalogue.js';
import { baseDoc } from './base-doc.js';

/** A git repository with v1 of a spec committed and v2 in the working tree. */
function repo(): string {
  const dir = tempDir();
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=ci@sworn.invalid', '-c', 'user.name=ci', ...args], { cwd: dir, stdio: 'pipe' });
  git('init', '-q');
  writeFileSync(join(dir, 'spec.yaml'), stringify(baseDoc()));
  git('add', 'spec.yaml');
  git('commit', '-q', '-m', 'v1');
  const v2 = baseDoc();
  v2.info['x-slo'].availability = 99.5;
  v2.paths['/pets'].get.responses[429] = { description: 'slow down' };
  writeFileSync(join(dir, 'spec.yaml'), stringify(v2));
  return dir;
}

describe('sworn diff (the command)', () => {
  it('reads git:REF:path, annotates for GitHub Actions, and fails on breaking changes', async () => {
    const dir = repo();
    const github = await cli(['diff', 'git:HEAD:spec.yaml', 'spec.yaml', '--format', 'github'], dir);
    expect(github.code).toBe(1);
    // The availability every operation inherits: one annotation, % escaped as workflow commands require.
    expect(github.stdout).toMatch(/^::error file=spec\.yaml,line=\d+,title=slo-availability-lowered listPets \(GET \/pets\) and 2 more::availability lowered from 99\.9%25 to 99\.5%25 \(affects listPets \(GET \/pets\), createPet \(POST \/pets\), showPet \(GET \/pets\/\{petId\}\)\)$/m);
    expect(github.stdout.match(/slo-availability-lowered/g)).toHaveLength(1);
    expect(github.stdout).toMatch(/^::warning file=spec\.yaml,line=\d+,title=response-status-added listPets \(GET \/pets\)::new response 429, a status clients never saw$/m);
    const text = await cli(['diff', 'git:HEAD:spec.yaml', 'spec.yaml'], dir);
    expect(text.stdout).toMatch(/^BREAKING slo-availability-lowered\s+listPets \(GET \/pets\) and 2 more: availability lowered from 99\.9% to 99\.5%$/m);
    expect(text.stdout).toMatch(/^\s+base spec\.yaml:\d+ · head spec\.yaml:\d+$/m);
    expect(text.stdout).toMatch(/^1 breaking, 1 warning\(s\), 0 safe$/m);
    const junit = await cli(['diff', 'git:HEAD:spec.yaml', 'spec.yaml', '--format', 'junit'], dir);
    expect(junit.stdout).toContain('<testcase classname="listPets (GET /pets), createPet (POST /pets), showPet (GET /pets/{petId})" name="slo-availability-lowered: availability lowered from 99.9% to 99.5%">');
    expect(junit.stdout).toMatch(/<failure message="availability lowered/);
    const markdown = await cli(['diff', 'git:HEAD:spec.yaml', 'spec.yaml', '--format', 'markdown'], dir);
    expect(markdown.stdout).toMatch(/^\| 🔴 breaking \| `slo-availability-lowered` \| listPets \(GET \/pets\), createPet \(POST \/pets\), showPet \(GET \/pets\/\{petId\}\) \| availability lowered from 99\.9% to 99\.5% \| spec\.yaml:\d+ \|/m);
  });

  it('exits by --fail-on: warnings alone pass unless asked', async () => {
    const dir = tempDir();
    const v2 = baseDoc();
    v2.paths['/pets'].get.responses[429] = { description: 'slow down' };
    writeFileSync(join(dir, 'a.yaml'), stringify(baseDoc()));
    writeFileSync(join(dir, 'b.yaml'), stringify(v2));
    expect((await cli(['diff', 'a.yaml', 'b.yaml'], dir)).code).toBe(0);
    expect((await cli(['diff', 'a.yaml', 'b.yaml', '--fail-on', 'warning'], dir)).code).toBe(1);
    expect((await cli(['diff', 'a.yaml', 'a.yaml'], dir)).stdout).toContain('no changes');
  });

  it('says what to do with a ref git does not know', async () => {
    const dir = repo();
    const result = await cli(['diff', 'git:nope:spec.yaml', 'spec.yaml'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('SWORN_ERR_SPEC_NOT_FOUND: git:nope:spec.yaml: git cannot read nope');
    expect(result.stderr).toContain('fetch it first in CI');
  });

  it('--fail-on info fails on any change, safe ones included', async () => {
    const dir = tempDir();
    const v2 = baseDoc();
    v2.components.schemas.NewPet.properties.name.maxLength = 80; // request-constraint-relaxed: safe
    writeFileSync(join(dir, 'a.yaml'), stringify(baseDoc()));
    writeFileSync(join(dir, 'b.yaml'), stringify(v2));
    const plain = await cli(['diff', 'a.yaml', 'b.yaml'], dir);
    expect(plain.stdout).toMatch(/^safe {5}request-constraint-relaxed/m);
    expect(plain.code).toBe(0);
    expect((await cli(['diff', 'a.yaml', 'b.yaml', '--fail-on', 'warning'], dir)).code).toBe(0);
    expect((await cli(['diff', 'a.yaml', 'b.yaml', '--fail-on', 'info'], dir)).code).toBe(1);
    expect((await cli(['diff', 'a.yaml', 'a.yaml', '--fail-on', 'info'], dir)).code).toBe(0);
    const junit = await cli(['diff', 'a.yaml', 'b.yaml', '--format', 'junit', '--fail-on', 'info'], dir);
    expect(junit.stdout).toMatch(/<failure message="request body\.name: maxLength raised/);
  });

  it('--format changelog writes release notes of every change, by section and operation', async () => {
    const dir = tempDir();
    const v2 = baseDoc();
    v2.components.schemas.NewPet.properties.name.maxLength = 80; // other change (safe)
    v2.paths['/pets'].get.parameters.splice(1, 1); // breaking: `kind` removed
    v2.paths['/pets'].get.parameters.push({ name: 'sort', in: 'query', schema: { type: 'string' } }); // addition
    v2.paths['/owners'] = { get: { operationId: 'listOwners', responses: { 200: { description: 'ok' } } } }; // addition
    writeFileSync(join(dir, 'a.yaml'), stringify(baseDoc()));
    writeFileSync(join(dir, 'b.yaml'), stringify(v2));
    const { stdout, code } = await cli(['diff', 'a.yaml', 'b.yaml', '--format', 'changelog'], dir);
    expect(code).toBe(1);
    expect(stdout).toBe([
      '## API changes: a.yaml → b.yaml',
      '',
      '### Breaking changes',
      '',
      '#### listPets (GET /pets)',
      '',
      '- Optional query parameter `kind` was removed (clients sending it may be refused or ignored).',
      '',
      '### Additions',
      '',
      '#### listOwners (GET /owners)',
      '',
      '- GET /owners was added.',
      '',
      '#### listPets (GET /pets)',
      '',
      '- New optional query parameter `sort`.',
      '',
      '### Other changes',
      '',
      '#### createPet (POST /pets)',
      '',
      '- Request body.name: maxLength raised from 50 to 80.',
      '',
    ].join('\n'));
    expect((await cli(['diff', 'a.yaml', 'a.yaml', '--format', 'changelog'], dir)).stdout).toContain('No changes.');
  });

  it('--rules prints the catalogue, as text or JSON, without specs', async () => {
    const text = await cli(['diff', '--rules']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^request-constraint-narrowed +breaking +request `maxLength: 50` becomes `20`$/m);
    expect(text.stdout).toMatch(/^response-status-added +warning +new response 429$/m);
    expect(text.stdout.trimEnd().split('\n')).toHaveLength(RULE_CATALOGUE.length + 3);
    const json = JSON.parse((await cli(['diff', '--rules', '--format', 'json'])).stdout);
    expect(json.rules).toHaveLength(RULE_CATALOGUE.length);
    expect(json.rules).toContainEqual({ rule: 'operation-added', severity: 'safe', example: 'POST /pets/{id}/photos is new' });
    const missing = await cli(['diff', 'only-one.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('SWORN_ERR_USAGE: sworn diff needs two versions of the spec');
    expect(readFileSync(join(ROOT, 'docs/diff.md'), 'utf8')).toContain('sworn diff --rules');
  });
});
