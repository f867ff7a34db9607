/* eslint-disable @typescript-eslint/no-explicit-any */
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { loadSpec, listOperations, type Spec } from '../../src/spec/index.js';
import { diffSpecs } from '../../src/diff/diff.js';
import type { Change } from '../../src/diff/change.js';
import { diffLifecycle, isUnstable, lifecycleOf, LIFECYCLE_RULES, stabilityOf, type LifecycleChange, type LifecyclePolicy } from '../../src/diff/lifecycle.js';
import { tempDir } from '../proxy/harness.js';
import { fixture } from '../helpers.js';

/** Every date is judged against this moment. */
const NOW = new Date('2026-12-02T00:00:00Z');
const BASE = readFileSync(fixture('diff/lifecycle/base.yaml'), 'utf8');

async function load(doc: unknown, name: string, dir: string): Promise<Spec> {
  writeFileSync(join(dir, name), stringify(doc));
  return loadSpec(join(dir, name));
}

/** The base fixture and a mutated copy, both written as YAML and loaded; the lifecycle diff both ways. */
async function pair(mutate: (doc: any) => void, policy: LifecyclePolicy = {}, now = NOW, both: (doc: any) => void = () => {}): Promise<{ forward: LifecycleChange[]; back: LifecycleChange[]; a: Spec; b: Spec }> {
  const dir = tempDir();
  const [original, changed] = [parse(BASE), parse(BASE)];
  both(original);
  both(changed);
  mutate(changed);
  const [a, b] = [await load(original, 'a.yaml', dir), await load(changed, 'b.yaml', dir)];
  return { forward: diffLifecycle(a, b, policy, now), back: diffLifecycle(b, a, policy, now), a, b };
}

const op = (d: any, path: string, method = 'get') => d.paths[path][method];
const pet = (d: any) => d.components.schemas.Pet;
const brief = (changes: LifecycleChange[]) => changes.map((c) => ({ rule: c.rule, severity: c.severity }));

type Expect = { rule: string; severity: string; message?: RegExp };
/** Each rule: the change, what it must be reported as, what its revert is reported as (null: nothing), the policy, and what both versions get first. */
const RULES: Array<[string, (d: any) => void, Expect, Expect | null, LifecyclePolicy?, ((d: any) => void)?]> = [
  ['an operation deprecated', (d) => { op(d, '/pets').deprecated = true; }, { rule: 'operation-deprecated', severity: 'info', message: /^GET \/pets is now deprecated$/ }, { rule: 'operation-reactivated', severity: 'info' }],
  ['a Deprecation header declared (RFC 9745)', (d) => { op(d, '/pets', 'post').responses['201'].headers = { Deprecation: { schema: { type: 'string', example: '@1793491200' } } }; }, { rule: 'operation-deprecated', severity: 'info', message: /\(from 2026-11-01\)$/ }, { rule: 'operation-reactivated', severity: 'info' }],
  ['removed before its x-sunset (date-time)', (d) => delete d.paths['/old-search'], { rule: 'operation-removed-before-sunset', severity: 'breaking', message: /before its announced sunset on 2027-06-01T12:00:00Z \(181 days early\)/ }, null],
  ['removed before its Sunset header', (d) => delete d.paths['/reports'], { rule: 'operation-removed-before-sunset', severity: 'breaking', message: /sunset on 2027-05-01/ }, null],
  ['removed after its sunset passed', (d) => delete d.paths['/legacy'], { rule: 'operation-removed-after-sunset', severity: 'warning', message: /^GET \/legacy was removed after its sunset on 2026-06-01$/ }, null],
  ['removed when deprecated without a sunset', (d) => delete d.paths['/archive'], { rule: 'operation-removed-after-deprecation', severity: 'warning', message: /no sunset date announced/ }, null],
  ['an x-sunset added', (d) => { op(d, '/pets')['x-sunset'] = '2027-09-01'; }, { rule: 'sunset-added', severity: 'info', message: /sunset on 2027-09-01$/ }, { rule: 'sunset-removed', severity: 'info' }],
  ['a Sunset header added (RFC 8594)', (d) => { op(d, '/pets', 'post').responses['201'].headers = { sunset: { examples: { when: { value: 'Wed, 01 Sep 2027 00:00:00 GMT' } }, schema: { type: 'string' } } }; }, { rule: 'sunset-added', severity: 'info', message: /2027-09-01/ }, { rule: 'sunset-removed', severity: 'info' }],
  ['an x-sunset moved earlier', (d) => { op(d, '/old-search')['x-sunset'] = '2027-02-01'; }, { rule: 'sunset-moved-earlier', severity: 'breaking', message: /from 2027-06-01T12:00:00Z to 2027-02-01$/ }, { rule: 'sunset-moved-later', severity: 'info' }],
  ['a Sunset header moved earlier', (d) => { d.components.headers.Sunset.schema.example = 'Mon, 01 Feb 2027 00:00:00 GMT'; }, { rule: 'sunset-moved-earlier', severity: 'breaking', message: /from 2027-05-01 to 2027-02-01/ }, { rule: 'sunset-moved-later', severity: 'info' }],
  ['stability lowered from beta to alpha', (d) => { op(d, '/beta')['x-stability-level'] = 'alpha'; }, { rule: 'stability-decreased', severity: 'breaking', message: /from `beta` to `alpha`/ }, { rule: 'stability-increased', severity: 'info' }],
  ['stability declared beta where none meant stable', (d) => { op(d, '/pets')['x-stability-level'] = 'beta'; }, { rule: 'stability-decreased', severity: 'breaking', message: /from `stable` to `beta`/ }, { rule: 'stability-increased', severity: 'info' }],
  ['an alpha operation lowered to draft', (d) => { op(d, '/experiments')['x-stability-level'] = 'draft'; }, { rule: 'stability-decreased', severity: 'info' }, { rule: 'stability-increased', severity: 'info' }],
  ['a parameter deprecated', (d) => { op(d, '/pets').parameters[0].deprecated = true; }, { rule: 'parameter-deprecated', severity: 'info', message: /^query parameter `limit` is now deprecated$/ }, { rule: 'parameter-reactivated', severity: 'info' }],
  ['a property deprecated', (d) => { pet(d).properties.tag.deprecated = true; }, { rule: 'property-deprecated', severity: 'info', message: /^response 200\[\]\.tag is now deprecated$/ }, { rule: 'property-reactivated', severity: 'info' }],
  ['a nested property deprecated', (d) => { pet(d).properties.owner.properties.name.deprecated = true; }, { rule: 'property-deprecated', severity: 'info', message: /^response 200\[\]\.owner\.name is now deprecated$/ }, { rule: 'property-reactivated', severity: 'info' }],
  ['an array\'s items deprecated', (d) => { op(d, '/pets').responses['200'].content['application/json'].schema.items = { $ref: '#/components/schemas/Pet', deprecated: true }; }, { rule: 'schema-deprecated', severity: 'info', message: /^the response 200\[\] schema is now deprecated$/ }, { rule: 'schema-reactivated', severity: 'info' }],
  ['a property deprecated inside an allOf branch', (d) => { pet(d).allOf = [{ properties: { born: { type: 'string', deprecated: true } } }]; }, { rule: 'property-deprecated', severity: 'info', message: /^response 200\[\]\.born is now deprecated$/ }, { rule: 'property-reactivated', severity: 'info' }, {}, (d: any) => { pet(d).allOf = [{ properties: { born: { type: 'string' } } }]; }],
  ['a body schema deprecated', (d) => { pet(d).deprecated = true; }, { rule: 'schema-deprecated', severity: 'info', message: /^the response 200\[\] schema is now deprecated$/ }, { rule: 'schema-reactivated', severity: 'info' }],
  ['deprecated 30 days before its sunset, policy 180', (d) => Object.assign(op(d, '/pets'), { deprecated: true, 'x-sunset': '2027-01-01' }), { rule: 'deprecation-period-too-short', severity: 'warning', message: /from 2026-12-02 with its sunset on 2027-01-01: 30 days, the policy asks for at least 180$/ }, { rule: 'operation-reactivated', severity: 'info' }, { minDeprecationDays: 180 }],
  ['a Deprecation date 181 days before the Sunset, policy 200', (d) => { op(d, '/reports').responses['200'].headers.Deprecation.schema.example = '@1793491200'; }, { rule: 'deprecation-period-too-short', severity: 'warning', message: /from 2026-11-01 with its sunset on 2027-05-01: 181 days/ }, null, { minDeprecationDays: 200 }],
  ['a parameter deprecated 30 days before its x-sunset, policy 180', (d) => Object.assign(param(d), { deprecated: true, 'x-sunset': '2027-01-01' }), { rule: 'deprecation-period-too-short', severity: 'warning', message: /^query parameter `limit` is deprecated from 2026-12-02 with its sunset on 2027-01-01: 30 days, the policy asks for at least 180$/ }, { rule: 'parameter-reactivated', severity: 'info' }, { minDeprecationDays: 180 }],
  ['a response property deprecated 30 days before its x-sunset, policy 180', (d) => Object.assign(pet(d).properties.tag, { deprecated: true, 'x-sunset': '2027-01-01' }), { rule: 'deprecation-period-too-short', severity: 'warning', message: /^response 200\[\]\.tag is deprecated from 2026-12-02 with its sunset on 2027-01-01: 30 days, the policy asks for at least 180$/ }, { rule: 'property-reactivated', severity: 'info' }, { minDeprecationDays: 180 }],
  ['removed 335 days after its Deprecation date, policy 400', (d) => delete d.paths['/reports'], { rule: 'deprecation-period-too-short', severity: 'warning', message: /removed 335 days after its deprecation on 2026-01-01; the policy asks for at least 400$/ }, null, { minDeprecationDays: 400 }],
];

type Removal = { rule: string; severity: string; operation: string; message?: RegExp };
const param = (d: any) => op(d, '/pets').parameters[0];
/**
 * Removals of a deprecated parameter or property, judged by `sworn diff` with
 * the lifecycle's verdict: what both versions get first, the change, what it
 * must be reported as, and what its revert is reported as.
 */
const REMOVALS: Array<[string, (d: any) => void, (d: any) => void, Removal, Removal]> = [
  ['a deprecated parameter removed before its x-sunset', (d) => Object.assign(param(d), { deprecated: true, 'x-sunset': '2027-06-01' }), (d) => { op(d, '/pets').parameters = []; }, { rule: 'parameter-removed-before-sunset', severity: 'breaking', operation: 'listPets', message: /^optional query parameter `limit` was removed before its announced sunset on 2027-06-01 \(181 days early\)$/ }, { rule: 'request-parameter-added', severity: 'safe', operation: 'listPets' }],
  ['a deprecated parameter removed after its x-sunset passed', (d) => Object.assign(param(d), { deprecated: true, 'x-sunset': '2026-06-01' }), (d) => { op(d, '/pets').parameters = []; }, { rule: 'parameter-removed-after-sunset', severity: 'warning', operation: 'listPets', message: /^optional query parameter `limit` was removed after its sunset on 2026-06-01$/ }, { rule: 'request-parameter-added', severity: 'safe', operation: 'listPets' }],
  ['a deprecated parameter removed, no sunset announced', (d) => { param(d).deprecated = true; }, (d) => { op(d, '/pets').parameters = []; }, { rule: 'parameter-removed-after-deprecation', severity: 'warning', operation: 'listPets', message: /`limit` was removed; it was deprecated, with no sunset date announced$/ }, { rule: 'request-parameter-added', severity: 'safe', operation: 'listPets' }],
  ['a deprecated response property removed before its x-sunset', (d) => Object.assign(pet(d).properties.tag, { deprecated: true, 'x-sunset': '2027-06-01' }), (d) => delete pet(d).properties.tag, { rule: 'property-removed-before-sunset', severity: 'breaking', operation: 'listPets', message: /^response 200\[\]: property `tag` was removed before its announced sunset on 2027-06-01 \(181 days early\)$/ }, { rule: 'response-property-added', severity: 'safe', operation: 'listPets' }],
  ['a deprecated response property removed after its x-sunset passed', (d) => Object.assign(pet(d).properties.tag, { deprecated: true, 'x-sunset': '2026-06-01' }), (d) => delete pet(d).properties.tag, { rule: 'property-removed-after-sunset', severity: 'warning', operation: 'listPets', message: /property `tag` was removed after its sunset on 2026-06-01$/ }, { rule: 'response-property-added', severity: 'safe', operation: 'listPets' }],
  ['a deprecated request property removed before its x-sunset', (d) => Object.assign(pet(d).properties.tag, { deprecated: true, 'x-sunset': '2027-06-01' }), (d) => delete pet(d).properties.tag, { rule: 'property-removed-before-sunset', severity: 'breaking', operation: 'createPet', message: /^request body: property `tag` is no longer declared \(removed before its announced sunset on 2027-06-01 \(181 days early\)\)$/ }, { rule: 'request-property-added', severity: 'safe', operation: 'createPet' }],
  ['a deprecated request property removed after its x-sunset passed', (d) => Object.assign(pet(d).properties.tag, { deprecated: true, 'x-sunset': '2026-06-01' }), (d) => delete pet(d).properties.tag, { rule: 'property-removed-after-sunset', severity: 'warning', operation: 'createPet', message: /property `tag` is no longer declared \(removed after its sunset on 2026-06-01\)$/ }, { rule: 'request-property-added', severity: 'safe', operation: 'createPet' }],
  ['a response property whose $ref target is deprecated removed, no sunset', (d) => { d.components.schemas.Tag = { type: 'string', deprecated: true }; pet(d).properties.tag = { $ref: '#/components/schemas/Tag' }; }, (d) => delete pet(d).properties.tag, { rule: 'property-removed-after-deprecation', severity: 'warning', operation: 'listPets', message: /property `tag` was removed; it was deprecated, with no sunset date announced$/ }, { rule: 'response-property-added', severity: 'safe', operation: 'listPets' }],
];

const briefChanges = (changes: Change[]) => changes.map((c) => ({ rule: c.rule, severity: c.severity, operation: c.operationId ?? '' }));

describe('sworn diff judges a removed deprecated parameter or property by its sunset, each change and its revert', () => {
  for (const [name, both, mutate, expected, revert] of REMOVALS) {
    it(name, async () => {
      const { a, b } = await pair(mutate, {}, NOW, both);
      const forward = diffSpecs(a, b, { now: NOW }).changes;
      const back = diffSpecs(b, a, { now: NOW }).changes;
      expect(briefChanges(forward), name).toContainEqual({ rule: expected.rule, severity: expected.severity, operation: expected.operation });
      const found = forward.find((c) => c.rule === expected.rule && c.operationId === expected.operation)!;
      if (expected.message) expect(found.message).toMatch(expected.message);
      expect(found.base?.line).toBeGreaterThan(1);
      // The plain removal rule is not reported beside the verdict, for the same place.
      expect(forward.filter((c) => c.operationId === expected.operation && /^(request-parameter|response-property|request-property)-removed$/.test(c.rule))).toEqual([]);
      expect(briefChanges(back), `revert of ${name}`).toContainEqual({ rule: revert.rule, severity: revert.severity, operation: revert.operation });
      expect(back.filter((c) => c.severity !== 'safe'), `revert of ${name}`).toEqual([]);
    });
  }

  it('keeps the plain rules for what was never deprecated, and judges a deprecated request body property by its sunset too', async () => {
    const { a, b } = await pair((d) => { op(d, '/pets').parameters = []; delete pet(d).properties.tag; });
    const found = briefChanges(diffSpecs(a, b, { now: NOW }).changes);
    expect(found).toContainEqual({ rule: 'request-parameter-removed', severity: 'breaking', operation: 'listPets' });
    expect(found).toContainEqual({ rule: 'response-property-removed', severity: 'breaking', operation: 'listPets' });
    const deprecated = await pair((d) => delete pet(d).properties.tag, {}, NOW, (d) => { pet(d).properties.tag.deprecated = true; });
    expect(briefChanges(diffSpecs(deprecated.a, deprecated.b, { now: NOW }).changes)).toEqual([
      { rule: 'property-removed-after-deprecation', severity: 'warning', operation: 'listPets' },
      { rule: 'property-removed-after-deprecation', severity: 'warning', operation: 'createPet' },
    ]);
  });

  it('lowers the verdict on an alpha operation to safe, saying why', async () => {
    const { a, b } = await pair((d) => { op(d, '/pets').parameters = []; }, {}, NOW, (d) => { Object.assign(param(d), { deprecated: true, 'x-sunset': '2027-06-01' }); op(d, '/pets')['x-stability-level'] = 'alpha'; });
    const found = diffSpecs(a, b, { now: NOW }).changes.find((c) => c.rule === 'parameter-removed-before-sunset');
    expect(found).toMatchObject({ severity: 'safe', message: expect.stringContaining('x-stability-level `alpha`: it may change freely') });
  });

  it('reports no lifecycle finding for an operation removed without a deprecation: sworn diff reports it as operation-removed', async () => {
    const { forward, a, b } = await pair((d) => delete d.paths['/pets'].get);
    expect(forward).toEqual([]);
    expect(briefChanges(diffSpecs(a, b, { now: NOW }).changes)).toEqual([{ rule: 'operation-removed', severity: 'breaking', operation: 'listPets' }]);
    const alpha = await pair((d) => delete d.paths['/experiments']);
    expect(alpha.forward).toEqual([]);
    expect(diffSpecs(alpha.a, alpha.b, { now: NOW }).changes.map((c) => [c.rule, c.severity, c.message])).toEqual([['operation-removed', 'safe', 'GET /experiments was removed (x-stability-level `alpha`: it may change freely)']]);
  });
});

describe('lifecycle rules, each change and its revert', () => {
  for (const [name, mutate, expected, revert, policy, both] of RULES) {
    it(name, async () => {
      const { forward, back, a, b } = await pair(mutate, policy, NOW, both);
      expect(brief(forward), name).toContainEqual({ rule: expected.rule, severity: expected.severity });
      const found = forward.find((c) => c.rule === expected.rule)!;
      if (expected.message) expect(found.message).toMatch(expected.message);
      expect(found.operation).toEqual(expect.any(String));
      // Both pointers name a place in the file that was written.
      if (found.basePointer !== undefined) expect(a.locate(found.basePointer).line).toBeGreaterThan(1);
      if (found.headPointer !== undefined) expect(b.locate(found.headPointer).line).toBeGreaterThan(1);
      if (revert) expect(brief(back), `revert of ${name}`).toContainEqual({ rule: revert.rule, severity: revert.severity });
      else expect(back, `revert of ${name}`).toEqual([]);
      // The one expected rule is not reported twice for the same place.
      expect(forward.filter((c) => c.rule === expected.rule && c.operation === found.operation && c.headPointer === found.headPointer)).toHaveLength(1);
    });
  }

  it('names the schema a body, an item or a property is read at, in each operation', async () => {
    const { forward } = await pair((d) => { pet(d).deprecated = true; });
    expect(forward.map((c) => `${c.operation}: ${c.rule}: ${c.message}`)).toEqual(['listPets: schema-deprecated: the response 200[] schema is now deprecated', 'createPet: schema-deprecated: the request body schema is now deprecated']);
    expect(forward[1]!.headPointer).toBe('/components/schemas/Pet');
  });

  it('follows a recursive schema to its end', async () => {
    const recursive = (d: any) => { pet(d).properties.parent = { $ref: '#/components/schemas/Pet' }; pet(d).properties.children = { type: 'array', items: { $ref: '#/components/schemas/Pet' } }; };
    const { forward, back } = await pair((d) => { pet(d).properties.tag.deprecated = true; }, {}, NOW, recursive);
    expect(forward.map((c) => c.message)).toEqual(['response 200[].tag is now deprecated', 'request body.tag is now deprecated']);
    expect(back.map((c) => c.rule)).toEqual(['property-reactivated', 'property-reactivated']);
  });

  it('reports nothing for two equal versions', async () => {
    const { forward, back } = await pair(() => {});
    expect([...forward, ...back]).toEqual([]);
  });

  it('judges the same removal by the injected now: breaking before the sunset, a warning after it', async () => {
    const before = await pair((d) => delete d.paths['/old-search'], {}, new Date('2027-06-01T11:59:59Z'));
    const after = await pair((d) => delete d.paths['/old-search'], {}, new Date('2027-06-01T12:00:00Z'));
    expect(brief(before.forward)).toEqual([{ rule: 'operation-removed-before-sunset', severity: 'breaking' }]);
    expect(brief(after.forward)).toEqual([{ rule: 'operation-removed-after-sunset', severity: 'warning' }]);
    expect(before.forward[0]!.operation).toBe('oldSearch');
  });

  it('checks no deprecation period without a policy, and accepts one long enough', async () => {
    const none = await pair((d) => Object.assign(op(d, '/pets'), { deprecated: true, 'x-sunset': '2027-01-01' }));
    expect(none.forward.map((c) => c.rule)).toEqual(['operation-deprecated', 'sunset-added']);
    const enough = await pair((d) => Object.assign(op(d, '/pets'), { deprecated: true, 'x-sunset': '2027-09-01' }), { minDeprecationDays: 180 });
    expect(enough.forward.map((c) => c.rule)).toEqual(['operation-deprecated', 'sunset-added']);
    const removed = await pair((d) => delete d.paths['/reports'], { minDeprecationDays: 180 });
    expect(removed.forward.map((c) => c.rule)).toEqual(['operation-removed-before-sunset']);
  });

  it('reads dates strictly: a value that is no date announces no sunset', async () => {
    for (const value of ['soon', '2027-02-30', 'Mon, 1 Feb 2027', '1 Feb 2027 00:00:00 GMT']) {
      const { forward } = await pair((d) => { op(d, '/pets')['x-sunset'] = value; op(d, '/pets', 'post').responses['201'].headers = { Sunset: { example: value } }; });
      expect(forward, value).toEqual([]);
    }
  });

  it('reads a date-time without an offset as UTC, and the earliest of x-sunset and the Sunset header', async () => {
    const dir = tempDir();
    const doc = parse(BASE);
    Object.assign(op(doc, '/pets'), { 'x-sunset': '2027-03-01T08:30:00', responses: { 200: { description: 'ok', headers: { Sunset: { schema: { default: 'Mon, 01 Feb 2027 00:00:00 GMT' } } } } } });
    const spec = await load(doc, 'c.yaml', dir);
    const list = listOperations(spec).find((o) => o.id === 'listPets')!;
    expect(lifecycleOf(spec, list).sunset?.toISOString()).toBe('2027-02-01T00:00:00.000Z');
    op(doc, '/pets').responses = { 200: { description: 'ok' } };
    const alone = await load(doc, 'd.yaml', dir);
    expect(lifecycleOf(alone, listOperations(alone).find((o) => o.id === 'listPets')!).sunset?.toISOString()).toBe('2027-03-01T08:30:00.000Z');
  });

  it('refuses a policy that is not a number of days', async () => {
    const { a } = await pair(() => {});
    expect(() => diffLifecycle(a, a, { minDeprecationDays: -1 }, NOW)).toThrow(expect.objectContaining({ code: 'SWORN_ERR_CONFIG' }));
    expect(() => diffLifecycle(a, a, { minDeprecationDays: Number.NaN }, NOW)).toThrow(expect.objectContaining({ code: 'SWORN_ERR_CONFIG' }));
  });

  it('catalogues every rule it reports, once, with a severity and an example', () => {
    const source = readFileSync(new URL('../../src/diff/lifecycle.ts', import.meta.url), 'utf8');
    const code = source.slice(source.indexOf('export const STABILITY_LEVELS'));
    const reported = new Set([...code.matchAll(/'((?:operation|sunset|stability|parameter|property|schema|deprecation)-[a-z-]+)'/g)].map((m) => m[1]!));
    const catalogue = LIFECYCLE_RULES.map((r) => r.rule);
    expect(new Set(catalogue).size).toBe(catalogue.length);
    expect([...reported].sort()).toEqual([...catalogue].sort());
    const tested = new Set([...RULES.flatMap(([, , e, r]) => [e.rule, ...(r ? [r.rule] : [])]), ...REMOVALS.map(([, , , e]) => e.rule)]);
    expect(catalogue.filter((r) => !tested.has(r))).toEqual([]);
  });
});

describe('isUnstable', () => {
  it('is true for draft and alpha, false for beta, stable, none or another value', async () => {
    expect(['draft', 'alpha', 'Alpha', 'beta', 'stable', 'experimental', undefined].map((level) => isUnstable({ responses: {}, ...(level ? { 'x-stability-level': level } : {}) } as never))).toEqual([true, true, true, false, false, false, false]);
    const { a } = await pair(() => {});
    const ops = listOperations(a);
    expect(ops.filter((o) => isUnstable(o)).map((o) => o.id)).toEqual(['experiment']);
    expect(ops.map((o) => stabilityOf(o) ?? '-')).toEqual(['-', '-', '-', '-', '-', '-', 'beta', 'alpha']);
  });
});
