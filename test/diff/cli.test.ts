import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { tempDir } from '../proxy/harness.js';
import { cli } from '../helpers.js';
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
    expect(github.stdout).toMatch(/^::error file=spec\.yaml,line=\d+,title=slo-availability-lowered listPets \(GET \/pets\)::availability lowered from 99\.9%25 to 99\.5%25$/m); // % escaped as workflow commands require
    expect(github.stdout).toMatch(/^::warning file=spec\.yaml,line=\d+,title=response-status-added listPets \(GET \/pets\)::new response 429, a status clients never saw$/m);
    const text = await cli(['diff', 'git:HEAD:spec.yaml', 'spec.yaml'], dir);
    expect(text.stdout).toMatch(/^BREAKING slo-availability-lowered\s+listPets \(GET \/pets\): availability lowered from 99\.9% to 99\.5%$/m);
    expect(text.stdout).toMatch(/^\s+base spec\.yaml:\d+ · head spec\.yaml:\d+$/m);
    expect(text.stdout).toMatch(/^\d+ breaking, 1 warning\(s\), 0 safe$/m);
    const junit = await cli(['diff', 'git:HEAD:spec.yaml', 'spec.yaml', '--format', 'junit'], dir);
    expect(junit.stdout).toContain('<testcase classname="listPets (GET /pets)" name="slo-availability-lowered: availability lowered from 99.9% to 99.5%">');
    expect(junit.stdout).toMatch(/<failure message="availability lowered/);
    const markdown = await cli(['diff', 'git:HEAD:spec.yaml', 'spec.yaml', '--format', 'markdown'], dir);
    expect(markdown.stdout).toMatch(/^\| 🔴 breaking \| `slo-availability-lowered` \| listPets \(GET \/pets\) \| availability lowered from 99\.9% to 99\.5% \| spec\.yaml:\d+ \|/m);
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
});
