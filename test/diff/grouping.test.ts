import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { tempDir } from '../proxy/harness.js';
import { cli } from '../helpers.js';
import { loadSpec } from '../../src/spec/index.js';
import { diffSpecs } from '../../src/diff/diff.js';
import { groupChanges } from '../../src/diff/change.js';
import { baseDoc } from './base-doc.js';

/** v1 and v2 of the base document in a temp dir: a shared schema property removed, a maintenance window every operation and tier inherits added. */
function pair(): string {
  const dir = tempDir();
  const v2 = baseDoc();
  delete v2.components.schemas.Pet.properties.tag; // Pet is answered by listPets, createPet and showPet
  v2.info['x-slo'].maintenance.push({ name: 'migration', start: '2027-01-01T00:00:00Z', end: '2027-01-01T04:00:00Z', effect: 'exclude' });
  writeFileSync(join(dir, 'a.yaml'), stringify(baseDoc()));
  writeFileSync(join(dir, 'b.yaml'), stringify(v2));
  return dir;
}

const OPERATIONS = ['listPets (GET /pets)', 'createPet (POST /pets)', 'showPet (GET /pets/{petId})'];

describe('sworn diff groups findings by the value that changed', () => {
  it('reports a shared schema edit once, listing every operation it affects', async () => {
    const dir = pair();
    const text = await cli(['diff', 'a.yaml', 'b.yaml'], dir);
    expect(text.code).toBe(1);
    expect(text.stdout.match(/^BREAKING response-property-removed/gm)).toHaveLength(1);
    expect(text.stdout).toMatch(/^BREAKING response-property-removed\s+listPets \(GET \/pets\) and 2 more: property `tag` was removed$/m);
    expect(text.stdout).toContain(`         affects ${OPERATIONS.join(', ')}\n`);
    expect(text.stdout).toMatch(/^2 breaking, 0 warning\(s\), 0 safe$/m);

    const json = JSON.parse((await cli(['diff', 'a.yaml', 'b.yaml', '--format', 'json'], dir)).stdout);
    const removed = json.findings.filter((f: { rule: string }) => f.rule === 'response-property-removed');
    expect(removed).toHaveLength(1);
    expect(removed[0]).toMatchObject({ severity: 'breaking', operations: OPERATIONS, message: 'property `tag` was removed', base: { pointer: '/components/schemas/Pet/properties/tag', line: expect.any(Number) } });
    expect(removed[0].occurrences.map((o: { operationId: string; message: string }) => `${o.operationId} ${o.message}`)).toEqual(['listPets response 200[]: property `tag` was removed', 'createPet response 201: property `tag` was removed', 'showPet response 200: property `tag` was removed']);
    // Before grouping, as JSON has always said: one change per operation (and tier).
    expect(json.changes.filter((c: { rule: string }) => c.rule === 'response-property-removed')).toHaveLength(3);
    expect(json.summary).toEqual({ breaking: json.changes.length, warning: 0, safe: 0, ignored: 0 });
    expect(json.findingsSummary).toEqual({ breaking: 2, warning: 0, safe: 0 });
  });

  it('reports a promise every operation and tier inherits once, with the tiers it affects', async () => {
    const dir = pair();
    const json = JSON.parse((await cli(['diff', 'a.yaml', 'b.yaml', '--format', 'json'], dir)).stdout);
    expect(json.changes.filter((c: { rule: string }) => c.rule === 'slo-maintenance-added')).toHaveLength(9); // 3 operations x (own promise + 2 tiers)
    const [added, ...more] = json.findings.filter((f: { rule: string }) => f.rule === 'slo-maintenance-added');
    expect(more).toEqual([]);
    expect(added).toMatchObject({ operations: OPERATIONS, tiers: ['default', 'gold', 'free'], message: expect.stringMatching(/^maintenance window `migration` added/) });
    const text = (await cli(['diff', 'a.yaml', 'b.yaml'], dir)).stdout;
    expect(text).toContain(`         affects ${OPERATIONS.join(', ')} · tiers default, gold, free\n`);
  });

  it('shows the grouped finding in markdown, junit and GitHub annotations (one per finding, at its file:line)', async () => {
    const dir = pair();
    const markdown = (await cli(['diff', 'a.yaml', 'b.yaml', '--format', 'markdown'], dir)).stdout;
    expect(markdown.match(/^\| 🔴 breaking \| `response-property-removed`/gm)).toHaveLength(1);
    expect(markdown).toContain(`| 🔴 breaking | \`slo-maintenance-added\` | ${OPERATIONS.join(', ')} (tiers default, gold, free) | maintenance window`);
    const junit = (await cli(['diff', 'a.yaml', 'b.yaml', '--format', 'junit'], dir)).stdout;
    expect(junit).toContain('<testsuites name="sworn diff" tests="2" failures="2" skipped="0">');
    expect(junit).toContain(`<testcase classname="${OPERATIONS.join(', ')}" name="response-property-removed: property \`tag\` was removed">`);
    const github = (await cli(['diff', 'a.yaml', 'b.yaml', '--format', 'github'], dir)).stdout.trimEnd().split('\n');
    expect(github).toHaveLength(2);
    expect(github[0]).toMatch(/^::error file=b\.yaml,line=\d+,title=response-property-removed listPets \(GET \/pets\) and 2 more::property `tag` was removed \(affects listPets \(GET \/pets\), createPet \(POST \/pets\), showPet \(GET \/pets\/\{petId\}\)\)$/);
    expect(github[1]).toMatch(/^::error file=b\.yaml,line=\d+,title=slo-maintenance-added /);
  });

  it('keeps changes of one value apart when their severities differ, and different values apart', async () => {
    const dir = pair();
    const changes = diffSpecs(await loadSpec(join(dir, 'a.yaml')), await loadSpec(join(dir, 'b.yaml'))).changes;
    const removed = changes.filter((c) => c.rule === 'response-property-removed');
    expect(removed).toHaveLength(3);
    removed[2]!.severity = 'warning'; // as --usage lowers a breaking change nobody used
    const findings = groupChanges(changes);
    expect(findings.filter((f) => f.rule === 'response-property-removed').map((f) => [f.severity, f.operations.length])).toEqual([['breaking', 2], ['warning', 1]]);
    expect(findings).toHaveLength(3);
  });
});
