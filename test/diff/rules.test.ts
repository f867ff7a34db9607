import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpec } from '../../src/spec/index.js';
import { diffSpecs } from '../../src/diff/diff.js';
import type { Change } from '../../src/diff/change.js';
import { tempDir } from '../proxy/harness.js';
import { baseDoc } from './base-doc.js';
import { ROOT } from '../helpers.js';

async function diff(mutate: (doc: any) => void): Promise<{ forward: Change[]; back: Change[] }> {
  const dir = tempDir();
  const a = baseDoc();
  const b = baseDoc();
  mutate(b);
  writeFileSync(join(dir, 'a.json'), JSON.stringify(a, null, 2));
  writeFileSync(join(dir, 'b.json'), JSON.stringify(b, null, 2));
  const [specA, specB] = [await loadSpec(join(dir, 'a.json')), await loadSpec(join(dir, 'b.json'))];
  return { forward: diffSpecs(specA, specB).changes, back: diffSpecs(specB, specA).changes };
}

const pet = (d: any) => d.components.schemas.Pet;
const newPet = (d: any) => d.components.schemas.NewPet;
const list = (d: any) => d.paths['/pets'].get;
const slo = (d: any) => d.info['x-slo'];

/** Each rule: the change, what it must be reported as, and what its revert is reported as (null: nothing breaking or warning). */
const RULES: Array<[string, (d: any) => void, { rule: string; severity: string }, { rule: string; severity: string } | null]> = [
  ['an operation removed', (d) => delete d.paths['/pets'].post, { rule: 'operation-removed', severity: 'breaking' }, { rule: 'operation-added', severity: 'safe' }],
  ['a response status removed', (d) => delete list(d).responses[404], { rule: 'response-status-removed', severity: 'breaking' }, { rule: 'response-status-added', severity: 'warning' }],
  ['a response media type removed', (d) => { list(d).responses[200].content = { 'application/xml': list(d).responses[200].content['application/json'] }; }, { rule: 'response-media-type-removed', severity: 'breaking' }, { rule: 'response-media-type-removed', severity: 'breaking' }],
  ['a request media type removed', (d) => delete d.paths['/pets'].post.requestBody.content['application/x-www-form-urlencoded'], { rule: 'request-media-type-removed', severity: 'breaking' }, { rule: 'request-media-type-added', severity: 'safe' }],
  ['security added to an open operation', (d) => delete d.paths['/pets/{petId}'].get.security, { rule: 'security-requirement-added', severity: 'breaking' }, { rule: 'security-relaxed', severity: 'safe' }],
  ['security changed', (d) => { d.security = [{ bearer: [] }]; }, { rule: 'security-changed', severity: 'breaking' }, { rule: 'security-changed', severity: 'breaking' }],
  ['a new required parameter', (d) => list(d).parameters.push({ name: 'owner', in: 'query', required: true, schema: { type: 'string' } }), { rule: 'request-parameter-required-added', severity: 'breaking' }, { rule: 'request-parameter-removed', severity: 'breaking' }],
  ['a new required header', (d) => list(d).parameters.push({ name: 'X-Tenant', in: 'header', required: true, schema: { type: 'string' } }), { rule: 'request-parameter-required-added', severity: 'breaking' }, { rule: 'request-parameter-removed', severity: 'breaking' }],
  ['an optional parameter removed', (d) => list(d).parameters.splice(1, 1), { rule: 'request-parameter-removed', severity: 'breaking' }, { rule: 'request-parameter-added', severity: 'safe' }],
  ['a parameter made required', (d) => { list(d).parameters[0].required = true; }, { rule: 'request-parameter-now-required', severity: 'breaking' }, null],
  ['a required request body added', (d) => { list(d).requestBody = { required: true, content: { 'application/json': { schema: { type: 'object' } } } }; }, { rule: 'request-body-required-added', severity: 'breaking' }, { rule: 'request-body-removed', severity: 'breaking' }],
  ['an optional request body added', (d) => { list(d).requestBody = { content: { 'application/json': { schema: { type: 'object' } } } }; }, { rule: 'request-body-added', severity: 'safe' }, { rule: 'request-body-removed', severity: 'breaking' }],
  ['a request body removed', (d) => delete d.paths['/pets'].post.requestBody, { rule: 'request-body-removed', severity: 'breaking' }, { rule: 'request-body-required-added', severity: 'breaking' }],
  ['a query parameter allows reserved characters', (d) => { list(d).parameters[1].allowReserved = true; }, { rule: 'request-parameter-reserved-allowed', severity: 'safe' }, { rule: 'request-parameter-reserved-disallowed', severity: 'breaking' }],
  ['a new required body property', (d) => newPet(d).required.push('kind'), { rule: 'request-property-required-added', severity: 'breaking' }, { rule: 'request-property-now-optional', severity: 'safe' }],
  ['a request type changed', (d) => { newPet(d).properties.age.type = 'string'; delete newPet(d).properties.age.maximum; }, { rule: 'request-type-changed', severity: 'breaking' }, { rule: 'request-type-changed', severity: 'breaking' }],
  ['an enum value removed from a request', (d) => newPet(d).properties.kind.enum.pop(), { rule: 'request-enum-value-removed', severity: 'breaking' }, { rule: 'request-enum-value-added', severity: 'safe' }],
  ['maxLength lowered', (d) => { newPet(d).properties.name.maxLength = 20; }, { rule: 'request-constraint-narrowed', severity: 'breaking' }, { rule: 'request-constraint-relaxed', severity: 'safe' }],
  ['maximum lowered', (d) => { newPet(d).properties.age.maximum = 30; }, { rule: 'request-constraint-narrowed', severity: 'breaking' }, { rule: 'request-constraint-relaxed', severity: 'safe' }],
  ['a pattern added', (d) => { newPet(d).properties.tag.pattern = '^[a-z]+$'; }, { rule: 'request-pattern-added', severity: 'breaking' }, null],
  ['additionalProperties closed', (d) => { newPet(d).additionalProperties = false; }, { rule: 'request-additional-properties-closed', severity: 'breaking' }, null],
  ['a oneOf branch removed', (d) => newPet(d).properties.owner.oneOf.pop(), { rule: 'request-oneof-branch-removed', severity: 'breaking' }, { rule: 'request-oneof-branch-added', severity: 'safe' }],
  ['a response property removed', (d) => delete pet(d).properties.tag, { rule: 'response-property-removed', severity: 'breaking' }, { rule: 'response-property-added', severity: 'safe' }],
  ['a response property made optional', (d) => pet(d).required.pop(), { rule: 'response-property-now-optional', severity: 'breaking' }, null],
  ['a response property made nullable', (d) => { pet(d).properties.name.type = ['string', 'null']; }, { rule: 'response-property-now-nullable', severity: 'breaking' }, { rule: 'response-type-narrowed', severity: 'safe' }],
  ['a response enum value added', (d) => pet(d).properties.status.enum.push('pending'), { rule: 'response-enum-value-added', severity: 'breaking' }, { rule: 'response-enum-value-removed', severity: 'safe' }],
  ['a response type changed', (d) => { pet(d).properties.id.type = 'string'; }, { rule: 'response-type-changed', severity: 'breaking' }, { rule: 'response-type-changed', severity: 'breaking' }],
  ['a new response status', (d) => { list(d).responses[429] = { description: 'slow down' }; }, { rule: 'response-status-added', severity: 'warning' }, { rule: 'response-status-removed', severity: 'breaking' }],
  ['availability lowered', (d) => { slo(d).availability = 99.5; }, { rule: 'slo-availability-lowered', severity: 'breaking' }, { rule: 'slo-availability-raised', severity: 'safe' }],
  ['a latency threshold raised', (d) => { slo(d).latency[0].threshold = '500ms'; }, { rule: 'slo-latency-weakened', severity: 'breaking' }, { rule: 'slo-latency-tightened', severity: 'safe' }],
  ['a latency max raised', (d) => { slo(d).latency[1].max = '1s'; }, { rule: 'slo-latency-weakened', severity: 'breaking' }, { rule: 'slo-latency-tightened', severity: 'safe' }],
  ['a latency objective removed', (d) => slo(d).latency.pop(), { rule: 'slo-latency-objective-removed', severity: 'breaking' }, { rule: 'slo-latency-objective-added', severity: 'safe' }],
  ['the window shortened', (d) => { slo(d).window = '7d'; }, { rule: 'slo-window-shortened', severity: 'breaking' }, { rule: 'slo-window-lengthened', severity: 'safe' }],
  ['a maintenance window added', (d) => slo(d).maintenance.push({ name: 'migration', start: '2027-01-01T00:00:00Z', end: '2027-01-01T04:00:00Z', effect: 'exclude' }), { rule: 'slo-maintenance-added', severity: 'breaking' }, { rule: 'slo-maintenance-removed', severity: 'safe' }],
  ['a maintenance window lengthened', (d) => { slo(d).maintenance[0].duration = '3h'; }, { rule: 'slo-maintenance-lengthened', severity: 'breaking' }, null],
  ['a tier weakened', (d) => { slo(d).consumers.tiers.gold.availability = 99.5; }, { rule: 'slo-availability-lowered', severity: 'breaking' }, { rule: 'slo-availability-raised', severity: 'safe' }],
  ['a tier removed', (d) => delete slo(d).consumers.tiers.gold, { rule: 'slo-tier-removed', severity: 'breaking' }, null],
  ['the promise removed', (d) => delete d.info['x-slo'], { rule: 'slo-promise-removed', severity: 'breaking' }, { rule: 'slo-promise-added', severity: 'safe' }],
];

describe('sworn diff rules, each change and its revert', () => {
  for (const [name, mutate, expected, revert] of RULES) {
    it(name, async () => {
      const { forward, back } = await diff(mutate);
      expect(forward.map((c) => ({ rule: c.rule, severity: c.severity })), name).toContainEqual(expected);
      const found = forward.find((c) => c.rule === expected.rule)!;
      expect(found.head ?? found.base).toMatchObject({ file: expect.stringMatching(/[ab]\.json$/), line: expect.any(Number) });
      if (revert) expect(back.map((c) => ({ rule: c.rule, severity: c.severity })), `revert of ${name}`).toContainEqual(revert);
      else expect(back.filter((c) => c.severity !== 'safe'), `revert of ${name}`).toEqual([]);
    });
  }

  it('sees no change in a $ref that resolves to the same schema, nor in a renamed path parameter', async () => {
    const { forward } = await diff((d) => {
      d.components.schemas.Animal = pet(d);
      d.paths['/pets/{petId}'].get.responses[200].content['application/json'].schema = { $ref: '#/components/schemas/Animal' };
      d.paths['/pets/{id}'] = d.paths['/pets/{petId}'];
      delete d.paths['/pets/{petId}'];
      d.paths['/pets/{id}'].get.parameters[0].name = 'id';
    });
    expect(forward).toEqual([]);
  });

  it('says what a body added or removed is, and does not report its content besides', async () => {
    const removed = await diff((d) => delete d.paths['/pets'].post.requestBody);
    expect(removed.forward.map((c) => [c.rule, c.message])).toEqual([['request-body-removed', 'the required request body (application/json, application/x-www-form-urlencoded) was removed: clients sending one may be refused (415, 400) or have it ignored']]);
    expect(removed.forward[0]!.base).toMatchObject({ pointer: '/paths/~1pets/post/requestBody' });
    expect(removed.back.map((c) => c.rule)).toEqual(['request-body-required-added']);
    expect(removed.back[0]!.head).toMatchObject({ pointer: '/paths/~1pets/post/requestBody' });
  });

  it('reads allowReserved on query parameters only, its default false spelled out being no change', async () => {
    const spelled = await diff((d) => { list(d).parameters[1].allowReserved = false; });
    expect([...spelled.forward, ...spelled.back]).toEqual([]);
    const header = await diff((d) => list(d).parameters.push({ name: 'X-Path', in: 'header', schema: { type: 'string' } }));
    const withReserved = await diff((d) => list(d).parameters.push({ name: 'X-Path', in: 'header', allowReserved: true, schema: { type: 'string' } }));
    expect(withReserved.forward.map((c) => c.rule)).toEqual(header.forward.map((c) => c.rule));
    const { back } = await diff((d) => { list(d).parameters[1].allowReserved = true; });
    expect(back.map((c) => [c.rule, c.message, c.usageKey])).toEqual([['request-parameter-reserved-disallowed', 'query parameter `kind` no longer accepts reserved characters unencoded (`allowReserved` no longer true): clients sending `/`, `?` or `:` as they are must percent-encode them', { kind: 'parameter', name: 'query:kind' }]]);
    expect(back[0]!.base).toMatchObject({ pointer: '/paths/~1pets/get/parameters/1/allowReserved' });
  });

  it('points at file and line in both versions', async () => {
    const { forward } = await diff((d) => { newPet(d).properties.name.maxLength = 20; });
    const change = forward.find((c) => c.rule === 'request-constraint-narrowed')!;
    expect(change.message).toBe('request body.name: maxLength lowered from 50 to 20');
    expect(change.base).toMatchObject({ file: expect.stringMatching(/a\.json$/), pointer: '/components/schemas/NewPet/properties/name' });
    expect(change.head).toMatchObject({ file: expect.stringMatching(/b\.json$/), pointer: '/components/schemas/NewPet/properties/name' });
    expect(change.base!.line).toBeGreaterThan(1);
  });
});

describe('docs/diff.md', () => {
  it('documents every rule id the diff can report', () => {
    const source = ['change.ts', 'diff.ts', 'schema-diff.ts', 'slo-diff.ts'].map((f) => readFileSync(join(ROOT, 'src/diff', f), 'utf8')).join('\n');
    const ids = new Set([...source.matchAll(/'((?:operation|request|response|security|slo)-[a-z-]+)'/g)].map((m) => m[1]!));
    expect(ids.size).toBeGreaterThan(45);
    const docs = readFileSync(join(ROOT, 'docs/diff.md'), 'utf8');
    expect([...ids].filter((id) => !docs.includes(`\`${id}\``))).toEqual([]);
  });
});
