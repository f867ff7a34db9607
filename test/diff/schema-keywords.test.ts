/* eslint-disable @typescript-eslint/no-explicit-any */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSpec } from '../../src/spec/index.js';
import { diffSpecs } from '../../src/diff/diff.js';
import type { Change } from '../../src/diff/change.js';
import { ROOT } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'sworn-schema-diff-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Expect = { rule: string; severity: 'breaking' | 'warning' | 'safe' } | null;
type Placement = 'inline' | 'ref' | 'recursive';

/** One schema read as a request body and as a response, placed inline, behind a `$ref`, or inside a recursive schema. */
function document(schema: unknown, placement: Placement, version: '3.0' | '3.1', components: Record<string, unknown>): any {
  const schemas: Record<string, unknown> = { ...structuredClone(components) };
  let use: unknown;
  if (placement === 'inline') use = structuredClone(schema);
  else if (placement === 'ref') {
    schemas.Thing = structuredClone(schema);
    use = { $ref: '#/components/schemas/Thing' };
  } else {
    schemas.Node = { type: 'object', properties: { value: structuredClone(schema), children: { type: 'array', items: { $ref: '#/components/schemas/Node' } } } };
    use = { $ref: '#/components/schemas/Node' };
  }
  return {
    openapi: version === '3.0' ? '3.0.3' : '3.1.0',
    info: { title: 'schema keywords', version: '1' },
    components: { schemas },
    paths: {
      '/things': {
        post: {
          operationId: 'createThing',
          requestBody: { required: true, content: { 'application/json': { schema: use } } },
          responses: { 201: { description: 'created', content: { 'application/json': { schema: structuredClone(use) } } } },
        },
      },
    },
  };
}

let serial = 0;
async function diff(base: unknown, head: unknown, placement: Placement, version: '3.0' | '3.1' = '3.1', components: Record<string, unknown> = {}): Promise<{ request: Change[]; response: Change[] }> {
  const n = serial++;
  const a = join(dir, `a${n}.json`);
  const b = join(dir, `b${n}.json`);
  writeFileSync(a, JSON.stringify(document(base, placement, version, components), null, 2));
  writeFileSync(b, JSON.stringify(document(head, placement, version, components), null, 2));
  const changes = diffSpecs(await loadSpec(a), await loadSpec(b)).changes;
  return { request: changes.filter((c) => c.message.startsWith('request body')), response: changes.filter((c) => c.message.startsWith('response 201')) };
}

interface Case {
  name: string;
  base: unknown;
  head: unknown;
  version?: '3.0' | '3.1';
  components?: Record<string, unknown>;
  /** base -> head, in a request and in a response. */
  forward: [Expect, Expect];
  /** head -> base (the revert). */
  back: [Expect, Expect];
  /** Only where it can stand (a `$ref` sibling, a recursive wrapper would change its meaning). */
  placements?: Placement[];
}

const B = (rule: string): Expect => ({ rule, severity: 'breaking' });
const W = (rule: string): Expect => ({ rule, severity: 'warning' });
const S = (rule: string): Expect => ({ rule, severity: 'safe' });
const obj = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'object', properties, ...extra });
const str = { type: 'string' };
const int = { type: 'integer' };
const pets = { Cat: obj({ kind: str, meows: { type: 'boolean' } }, { required: ['kind'] }), Dog: obj({ kind: str, barks: { type: 'boolean' } }, { required: ['kind'] }), Bird: obj({ kind: str, sings: { type: 'boolean' } }, { required: ['kind'] }) };
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const CASES: Case[] = [
  // types
  { name: 'a type list widened', base: str, head: { type: ['string', 'integer'] }, forward: [S('request-type-widened'), B('response-type-changed')], back: [B('request-type-changed'), S('response-type-narrowed')] },
  { name: 'a type made nullable (3.1 list)', base: str, head: { type: ['string', 'null'] }, forward: [S('request-type-widened'), B('response-property-now-nullable')], back: [B('request-type-changed'), S('response-type-narrowed')] },
  { name: 'a type made nullable (3.0 nullable)', version: '3.0', base: str, head: { type: 'string', nullable: true }, forward: [S('request-type-widened'), B('response-property-now-nullable')], back: [B('request-type-changed'), S('response-type-narrowed')] },
  { name: 'integer widened to number', base: int, head: { type: 'number' }, forward: [S('request-type-widened'), B('response-type-changed')], back: [B('request-type-changed'), S('response-type-narrowed')] },
  // composition
  { name: 'a string became oneOf string|integer', base: str, head: { oneOf: [str, int] }, forward: [S('request-oneof-branch-added'), B('response-type-changed')], back: [B('request-type-changed'), null] },
  { name: 'required [a, b] became a oneOf of two branches', base: obj({ a: str, b: str }, { required: ['a', 'b'] }), head: obj({ a: str, b: str }, { oneOf: [{ required: ['a'] }, { required: ['b'] }] }), forward: [B('request-oneof-ambiguous'), B('response-property-now-optional')], back: [B('request-property-required-added'), B('response-oneof-ambiguous')] },
  { name: 'a disjoint oneOf branch added', base: { oneOf: [str, int] }, head: { oneOf: [str, int, { type: 'boolean' }] }, forward: [S('request-oneof-branch-added'), B('response-oneof-branch-added')], back: [B('request-oneof-branch-removed'), S('response-oneof-branch-removed')] },
  { name: 'an overlapping oneOf branch added', base: { oneOf: [obj({ a: str }, { required: ['a'] }), int] }, head: { oneOf: [obj({ a: str }, { required: ['a'] }), int, obj({ b: str })] }, forward: [B('request-oneof-ambiguous'), B('response-oneof-branch-added')], back: [B('request-oneof-branch-removed'), S('response-oneof-branch-removed')] },
  { name: 'a oneOf branch that may overlap, none shown', base: { oneOf: [{ type: 'string', pattern: '^(?!x)' }, int] }, head: { oneOf: [{ type: 'string', pattern: '^(?!x)' }, int, { type: 'string', pattern: '^(?!y)' }] }, forward: [W('request-oneof-branch-added'), B('response-oneof-branch-added')], back: [B('request-oneof-branch-removed'), S('response-oneof-branch-removed')] },
  { name: 'anyOf became oneOf over overlapping branches', base: { anyOf: [str, { type: 'string', maxLength: 3 }] }, head: { oneOf: [str, { type: 'string', maxLength: 3 }] }, forward: [B('request-oneof-ambiguous'), null], back: [null, B('response-oneof-ambiguous')] },
  { name: 'anyOf branches changed where no value can be shown', base: { anyOf: [{ type: 'string', pattern: '^(?!a)' }, { type: 'string', pattern: '^(?!b)' }] }, head: { oneOf: [{ type: 'string', pattern: '^(?!a)' }, { type: 'string', pattern: '^(?!c)' }] }, forward: [W('request-composition-unverified'), W('response-composition-unverified')], back: [W('request-composition-unverified'), W('response-composition-unverified')] },
  { name: 'a constraint added as an allOf branch', base: { allOf: [obj({ a: str, b: str }, { required: ['a'] })] }, head: { allOf: [obj({ a: str, b: str }, { required: ['a'] }), { required: ['b'] }] }, forward: [B('request-property-required-added'), S('response-property-now-required')], back: [S('request-property-now-optional'), B('response-property-now-optional')] },
  { name: 'a oneOf branch schema changed inside', components: pets, base: { oneOf: [ref('Cat'), ref('Dog')] }, head: { oneOf: [ref('Dog'), obj({ kind: str, meows: { type: 'boolean' }, purrs: int }, { required: ['kind', 'purrs'] })] }, forward: [B('request-property-required-added'), S('response-property-added')], back: [S('request-property-now-optional'), B('response-property-removed')] },
  // not, if/then/else
  { name: 'not excludes more', base: { type: 'string', not: { enum: ['x'] } }, head: { type: 'string', not: { enum: ['x', 'y'] } }, forward: [B('request-schema-narrowed'), S('response-schema-narrowed')], back: [S('request-schema-widened'), B('response-schema-widened')] },
  { name: 'a not added', base: str, head: { type: 'string', not: { const: 'x' } }, forward: [B('request-schema-narrowed'), S('response-schema-narrowed')], back: [S('request-schema-widened'), B('response-schema-widened')] },
  { name: 'a then branch tightened', base: obj({ kind: str, n: int }, { if: { properties: { kind: { const: 'a' } } }, then: { properties: { n: { maximum: 10 } } } }), head: obj({ kind: str, n: int }, { if: { properties: { kind: { const: 'a' } } }, then: { properties: { n: { maximum: 5 } } } }), forward: [B('request-constraint-narrowed'), S('response-constraint-narrowed')], back: [S('request-constraint-relaxed'), B('response-constraint-relaxed')] },
  { name: 'an else branch tightened', base: obj({ kind: str, n: int }, { if: { properties: { kind: { const: 'a' } } }, else: { required: ['n'] } }), head: obj({ kind: str, n: int }, { if: { properties: { kind: { const: 'a' } } }, else: { required: ['n', 'kind'] } }), forward: [B('request-property-required-added'), S('response-property-now-required')], back: [S('request-property-now-optional'), B('response-property-now-optional')] },
  { name: 'an if condition changed', base: obj({ kind: str, n: int }, { if: { properties: { kind: { const: 'a' } } }, then: { required: ['n'] } }), head: obj({ kind: str, n: int }, { if: { properties: { kind: { const: 'b' } } }, then: { required: ['n'] } }), forward: [W('request-composition-unverified'), W('response-composition-unverified')], back: [W('request-composition-unverified'), W('response-composition-unverified')] },
  { name: 'a condition added', base: obj({ kind: str, n: int }), head: obj({ kind: str, n: int }, { if: { properties: { kind: { const: 'a' } } }, then: { required: ['n'] } }), forward: [B('request-schema-narrowed'), S('response-schema-narrowed')], back: [S('request-schema-widened'), B('response-schema-widened')] },
  // const, enum, x-extensible-enum
  { name: 'a const changed', base: { type: 'string', const: 'a' }, head: { type: 'string', const: 'b' }, forward: [B('request-const-changed'), B('response-const-changed')], back: [B('request-const-changed'), B('response-const-changed')] },
  { name: 'a const added', base: str, head: { type: 'string', const: 'a' }, forward: [B('request-enum-value-removed'), S('response-enum-value-removed')], back: [S('request-enum-value-added'), B('response-enum-value-added')] },
  { name: 'an enum value added', base: { type: 'string', enum: ['a', 'b'] }, head: { type: 'string', enum: ['a', 'b', 'c'] }, forward: [S('request-enum-value-added'), B('response-enum-value-added')], back: [B('request-enum-value-removed'), S('response-enum-value-removed')] },
  { name: 'an enum value the other constraints now refuse', base: { type: 'string', enum: ['a', 'bbbb'] }, head: { type: 'string', enum: ['a', 'bbbb'], maxLength: 3 }, forward: [B('request-enum-value-removed'), null], back: [null, B('response-enum-value-added')] },
  { name: 'an x-extensible-enum value added', base: { type: 'string', 'x-extensible-enum': ['a', 'b'] }, head: { type: 'string', 'x-extensible-enum': ['a', 'b', 'c'] }, forward: [S('request-extensible-enum-value-added'), S('response-extensible-enum-value-added')], back: [B('request-extensible-enum-value-removed'), S('response-extensible-enum-value-removed')] },
  { name: 'a closed enum opened to x-extensible-enum', base: { type: 'string', enum: ['a', 'b'] }, head: { type: 'string', 'x-extensible-enum': ['a', 'b'] }, forward: [S('request-enum-value-added'), B('response-enum-value-added')], back: [B('request-enum-value-removed'), S('response-enum-value-removed')] },
  // numbers
  { name: 'a maximum raised', base: { type: 'integer', maximum: 10 }, head: { type: 'integer', maximum: 20 }, forward: [S('request-constraint-relaxed'), B('response-constraint-relaxed')], back: [B('request-constraint-narrowed'), S('response-constraint-narrowed')] },
  { name: 'a minimum lowered', base: { type: 'integer', minimum: 1 }, head: { type: 'integer', minimum: 0 }, forward: [S('request-constraint-relaxed'), B('response-constraint-relaxed')], back: [B('request-constraint-narrowed'), S('response-constraint-narrowed')] },
  { name: 'a maximum made exclusive (3.0 boolean)', version: '3.0', base: { type: 'number', maximum: 10 }, head: { type: 'number', maximum: 10, exclusiveMaximum: true }, forward: [B('request-constraint-narrowed'), S('response-constraint-narrowed')], back: [S('request-constraint-relaxed'), B('response-constraint-relaxed')] },
  { name: 'a maximum made exclusive (3.1 number)', base: { type: 'number', maximum: 10 }, head: { type: 'number', exclusiveMaximum: 10 }, forward: [B('request-constraint-narrowed'), S('response-constraint-narrowed')], back: [S('request-constraint-relaxed'), B('response-constraint-relaxed')] },
  { name: 'an integer bound written exclusively instead (no change)', base: { type: 'integer', exclusiveMinimum: 0 }, head: { type: 'integer', minimum: 1 }, forward: [null, null], back: [null, null] },
  { name: 'a multipleOf made coarser', base: { type: 'integer', multipleOf: 2 }, head: { type: 'integer', multipleOf: 4 }, forward: [B('request-constraint-narrowed'), S('response-constraint-narrowed')], back: [S('request-constraint-relaxed'), B('response-constraint-relaxed')] },
  { name: 'a multipleOf changed to an unrelated one', base: { type: 'integer', multipleOf: 2 }, head: { type: 'integer', multipleOf: 3 }, forward: [B('request-constraint-changed'), B('response-constraint-changed')], back: [B('request-constraint-changed'), B('response-constraint-changed')] },
  // strings
  { name: 'a maxLength raised', base: { type: 'string', maxLength: 10 }, head: { type: 'string', maxLength: 20 }, forward: [S('request-constraint-relaxed'), B('response-constraint-relaxed')], back: [B('request-constraint-narrowed'), S('response-constraint-narrowed')] },
  { name: 'a minLength added', base: str, head: { type: 'string', minLength: 2 }, forward: [B('request-constraint-narrowed'), S('response-constraint-narrowed')], back: [S('request-constraint-relaxed'), B('response-constraint-relaxed')] },
  { name: 'a pattern relaxed to .+', base: { type: 'string', pattern: '^[a-z]+$' }, head: { type: 'string', pattern: '.+' }, forward: [S('request-pattern-widened'), B('response-pattern-changed')], back: [B('request-pattern-changed'), S('response-pattern-narrowed')] },
  { name: 'a pattern written another way (no change)', base: { type: 'string', pattern: '^[0-9]+$' }, head: { type: 'string', pattern: '^\\d+$' }, forward: [null, null], back: [null, null] },
  { name: 'a pattern whose change cannot be decided', base: { type: 'string', pattern: '^(?!x).*$' }, head: { type: 'string', pattern: '^(?!y).*$' }, forward: [W('request-pattern-unverified'), W('response-pattern-unverified')], back: [W('request-pattern-unverified'), W('response-pattern-unverified')] },
  { name: 'a pattern added', base: str, head: { type: 'string', pattern: '^[a-z]+$' }, forward: [B('request-pattern-added'), S('response-pattern-added')], back: [S('request-pattern-removed'), B('response-pattern-removed')] },
  { name: 'a format added', base: str, head: { type: 'string', format: 'date-time' }, forward: [B('request-format-changed'), S('response-format-narrowed')], back: [S('request-format-widened'), B('response-format-changed')] },
  { name: 'int32 widened to int64', base: { type: 'integer', format: 'int32' }, head: { type: 'integer', format: 'int64' }, forward: [S('request-format-widened'), B('response-format-changed')], back: [B('request-format-changed'), S('response-format-narrowed')] },
  { name: 'a custom format changed', base: { type: 'string', format: 'slug' }, head: { type: 'string', format: 'handle' }, forward: [W('request-format-changed'), W('response-format-changed')], back: [W('request-format-changed'), W('response-format-changed')] },
  { name: 'a contentEncoding added', base: str, head: { type: 'string', contentEncoding: 'base64' }, forward: [B('request-content-encoding-changed'), B('response-content-encoding-changed')], back: [B('request-content-encoding-changed'), B('response-content-encoding-changed')] },
  { name: 'a contentMediaType changed', base: { type: 'string', contentMediaType: 'application/json' }, head: { type: 'string', contentMediaType: 'image/png' }, forward: [B('request-content-media-type-changed'), B('response-content-media-type-changed')], back: [B('request-content-media-type-changed'), B('response-content-media-type-changed')] },
  { name: 'a contentSchema tightened', base: { type: 'string', contentMediaType: 'application/json', contentSchema: obj({ a: str, b: str }, { required: ['a'] }) }, head: { type: 'string', contentMediaType: 'application/json', contentSchema: obj({ a: str, b: str }, { required: ['a', 'b'] }) }, forward: [B('request-property-required-added'), S('response-property-now-required')], back: [S('request-property-now-optional'), B('response-property-now-optional')] },
  // arrays
  { name: 'an item type widened', base: { type: 'array', items: str }, head: { type: 'array', items: { type: ['string', 'integer'] } }, forward: [S('request-type-widened'), B('response-type-changed')], back: [B('request-type-changed'), S('response-type-narrowed')] },
  { name: 'a prefixItems position added', base: { type: 'array', prefixItems: [str] }, head: { type: 'array', prefixItems: [str, int] }, forward: [B('request-schema-narrowed'), S('response-schema-narrowed')], back: [S('request-schema-widened'), B('response-schema-widened')] },
  { name: 'a tuple closed (items: false)', base: { type: 'array', prefixItems: [str] }, head: { type: 'array', prefixItems: [str], items: false }, forward: [B('request-schema-narrowed'), S('response-schema-narrowed')], back: [S('request-schema-widened'), B('response-schema-widened')] },
  { name: 'additionalItems widened (list items)', base: { type: 'array', items: [str], additionalItems: str }, head: { type: 'array', items: [str], additionalItems: { type: ['string', 'integer'] } }, forward: [S('request-type-widened'), B('response-type-changed')], back: [B('request-type-changed'), S('response-type-narrowed')] },
  { name: 'unevaluatedItems opened', base: { type: 'array', prefixItems: [str], unevaluatedItems: false }, head: { type: 'array', prefixItems: [str], unevaluatedItems: int }, forward: [S('request-schema-widened'), B('response-schema-widened')], back: [B('request-schema-narrowed'), S('response-schema-narrowed')] },
  { name: 'contains added', base: { type: 'array', items: str }, head: { type: 'array', items: str, contains: { const: 'a' } }, forward: [B('request-schema-narrowed'), S('response-schema-narrowed')], back: [S('request-schema-widened'), B('response-schema-widened')] },
  { name: 'the contains schema widened', base: { type: 'array', contains: { const: 'a' } }, head: { type: 'array', contains: { enum: ['a', 'b'] } }, forward: [S('request-enum-value-added'), B('response-enum-value-added')], back: [B('request-enum-value-removed'), S('response-enum-value-removed')] },
  { name: 'minContains raised', base: { type: 'array', contains: str, minContains: 1 }, head: { type: 'array', contains: str, minContains: 2 }, forward: [B('request-constraint-narrowed'), S('response-constraint-narrowed')], back: [S('request-constraint-relaxed'), B('response-constraint-relaxed')] },
  { name: 'maxContains lowered', base: { type: 'array', contains: str, maxContains: 3 }, head: { type: 'array', contains: str, maxContains: 2 }, forward: [B('request-constraint-narrowed'), S('response-constraint-narrowed')], back: [S('request-constraint-relaxed'), B('response-constraint-relaxed')] },
  { name: 'the contains schema changed under maxContains', base: { type: 'array', contains: { const: 'a' }, maxContains: 2 }, head: { type: 'array', contains: { enum: ['a', 'b'] }, maxContains: 2 }, forward: [W('request-composition-unverified'), W('response-composition-unverified')], back: [W('request-composition-unverified'), W('response-composition-unverified')] },
  { name: 'uniqueItems added', base: { type: 'array', items: str }, head: { type: 'array', items: str, uniqueItems: true }, forward: [B('request-constraint-narrowed'), S('response-constraint-narrowed')], back: [S('request-constraint-relaxed'), B('response-constraint-relaxed')] },
  { name: 'maxItems lowered', base: { type: 'array', items: str, maxItems: 10 }, head: { type: 'array', items: str, maxItems: 5 }, forward: [B('request-constraint-narrowed'), S('response-constraint-narrowed')], back: [S('request-constraint-relaxed'), B('response-constraint-relaxed')] },
  // objects
  { name: 'an optional property added', base: obj({ a: str }), head: obj({ a: str, b: str }), forward: [S('request-property-added'), S('response-property-added')], back: [W('request-property-removed'), B('response-property-removed')] },
  { name: 'a property added to a closed response object', base: obj({ a: str }, { additionalProperties: false }), head: obj({ a: str, b: str }, { additionalProperties: false }), forward: [S('request-property-added'), W('response-property-added')], back: [B('request-property-removed'), B('response-property-removed')] },
  { name: 'additionalProperties closed', base: obj({ a: str }), head: obj({ a: str }, { additionalProperties: false }), forward: [B('request-additional-properties-closed'), S('response-additional-properties-closed')], back: [S('request-additional-properties-opened'), W('response-additional-properties-opened')] },
  { name: 'unevaluatedProperties closed', base: obj({ a: str }), head: obj({ a: str }, { unevaluatedProperties: false }), forward: [B('request-additional-properties-closed'), S('response-additional-properties-closed')], back: [S('request-additional-properties-opened'), W('response-additional-properties-opened')] },
  { name: 'an additionalProperties schema widened', base: { type: 'object', additionalProperties: str }, head: { type: 'object', additionalProperties: { type: ['string', 'integer'] } }, forward: [S('request-type-widened'), B('response-type-changed')], back: [B('request-type-changed'), S('response-type-narrowed')] },
  { name: 'a patternProperties schema changed', base: { type: 'object', patternProperties: { '^x-': str } }, head: { type: 'object', patternProperties: { '^x-': int } }, forward: [B('request-type-changed'), B('response-type-changed')], back: [B('request-type-changed'), B('response-type-changed')] },
  { name: 'patternProperties added', base: obj({ a: str }), head: obj({ a: str }, { patternProperties: { '^x-': str } }), forward: [S('request-property-added'), S('response-property-added')], back: [W('request-property-removed'), B('response-property-removed')] },
  { name: 'propertyNames added', base: { type: 'object' }, head: { type: 'object', propertyNames: { maxLength: 3 } }, forward: [B('request-schema-narrowed'), S('response-schema-narrowed')], back: [S('request-schema-widened'), B('response-schema-widened')] },
  { name: 'propertyNames tightened', base: { type: 'object', propertyNames: { maxLength: 5 } }, head: { type: 'object', propertyNames: { maxLength: 3 } }, forward: [B('request-constraint-narrowed'), S('response-constraint-narrowed')], back: [S('request-constraint-relaxed'), B('response-constraint-relaxed')] },
  { name: 'maxProperties lowered', base: { type: 'object', maxProperties: 5 }, head: { type: 'object', maxProperties: 3 }, forward: [B('request-constraint-narrowed'), S('response-constraint-narrowed')], back: [S('request-constraint-relaxed'), B('response-constraint-relaxed')] },
  { name: 'dependentRequired added', base: obj({ a: str, b: str }), head: obj({ a: str, b: str }, { dependentRequired: { a: ['b'] } }), forward: [B('request-dependent-required-added'), S('response-dependent-required-added')], back: [S('request-dependent-required-removed'), B('response-dependent-required-removed')] },
  { name: 'dependencies (a list, 3.0-era) added', version: '3.0', base: obj({ a: str, b: str }), head: obj({ a: str, b: str }, { dependencies: { a: ['b'] } }), forward: [B('request-dependent-required-added'), S('response-dependent-required-added')], back: [S('request-dependent-required-removed'), B('response-dependent-required-removed')] },
  { name: 'a dependentSchemas schema tightened', base: obj({ a: str, b: str, c: str }, { dependentSchemas: { a: { required: ['b'] } } }), head: obj({ a: str, b: str, c: str }, { dependentSchemas: { a: { required: ['b', 'c'] } } }), forward: [B('request-property-required-added'), S('response-property-now-required')], back: [S('request-property-now-optional'), B('response-property-now-optional')] },
  { name: 'a property made required', base: obj({ a: str, b: str }, { required: ['a'] }), head: obj({ a: str, b: str }, { required: ['a', 'b'] }), forward: [B('request-property-required-added'), S('response-property-now-required')], back: [S('request-property-now-optional'), B('response-property-now-optional')] },
  { name: 'a readOnly property made required', base: obj({ id: { type: 'string', readOnly: true }, a: str }, { required: ['a'] }), head: obj({ id: { type: 'string', readOnly: true }, a: str }, { required: ['a', 'id'] }), forward: [null, S('response-property-now-required')], back: [null, B('response-property-now-optional')] },
  { name: 'a writeOnly property made optional', base: obj({ password: { type: 'string', writeOnly: true }, a: str }, { required: ['password'] }), head: obj({ password: { type: 'string', writeOnly: true }, a: str }), forward: [S('request-property-now-optional'), null], back: [B('request-property-required-added'), null] },
  { name: 'a writeOnly property removed', base: obj({ password: { type: 'string', writeOnly: true }, a: str }), head: obj({ a: str }), forward: [W('request-property-removed'), null], back: [S('request-property-added'), null] },
  { name: 'a property made readOnly', base: obj({ a: str, b: str }), head: obj({ a: str, b: { type: 'string', readOnly: true } }), forward: [B('request-property-now-read-only'), null], back: [S('request-property-no-longer-read-only'), null] },
  { name: 'a property made writeOnly', base: obj({ a: str, b: str }), head: obj({ a: str, b: { type: 'string', writeOnly: true } }), forward: [null, B('response-property-now-write-only')], back: [null, S('response-property-no-longer-write-only')] },
  // defaults
  { name: 'a default changed', base: obj({ n: { type: 'integer', default: 10 } }), head: obj({ n: { type: 'integer', default: 20 } }), forward: [W('request-default-changed'), W('response-default-changed')], back: [W('request-default-changed'), W('response-default-changed')] },
  { name: 'a default added', base: obj({ n: int }), head: obj({ n: { type: 'integer', default: 10 } }), forward: [S('request-default-added'), S('response-default-added')], back: [W('request-default-removed'), W('response-default-removed')] },
  // discriminator
  { name: 'a discriminator property renamed', components: pets, base: { oneOf: [ref('Cat'), ref('Dog')], discriminator: { propertyName: 'kind' } }, head: { oneOf: [ref('Cat'), ref('Dog')], discriminator: { propertyName: 'type' } }, forward: [B('request-discriminator-changed'), B('response-discriminator-changed')], back: [B('request-discriminator-changed'), B('response-discriminator-changed')] },
  { name: 'a discriminator value added', components: pets, base: { oneOf: [ref('Cat'), ref('Dog')], discriminator: { propertyName: 'kind', mapping: { cat: '#/components/schemas/Cat', dog: '#/components/schemas/Dog' } } }, head: { oneOf: [ref('Cat'), ref('Dog'), ref('Bird')], discriminator: { propertyName: 'kind', mapping: { cat: '#/components/schemas/Cat', dog: '#/components/schemas/Dog', bird: '#/components/schemas/Bird' } } }, forward: [S('request-discriminator-value-added'), B('response-discriminator-value-added')], back: [B('request-discriminator-value-removed'), S('response-discriminator-value-removed')] },
  { name: 'a discriminator added', components: pets, base: { oneOf: [ref('Cat'), ref('Dog')] }, head: { oneOf: [ref('Cat'), ref('Dog')], discriminator: { propertyName: 'kind' } }, forward: [W('request-discriminator-changed'), W('response-discriminator-changed')], back: [W('request-discriminator-changed'), W('response-discriminator-changed')] },
  // a schema where there was none, false
  { name: 'an empty schema gained constraints', base: {}, head: str, forward: [B('request-schema-narrowed'), S('response-schema-narrowed')], back: [S('request-schema-widened'), B('response-schema-widened')] },
  { name: 'a property forbidden (false)', base: obj({ a: str, b: str }), head: obj({ a: str, b: false }), forward: [B('request-schema-narrowed'), S('response-schema-narrowed')], back: [S('request-schema-widened'), B('response-schema-widened')] },
];

const placements: Placement[] = ['inline', 'ref', 'recursive'];

describe('schema keywords: each change and its revert, in requests and responses', () => {
  for (const c of CASES) {
    for (const placement of c.placements ?? placements) {
      it(`${c.name} (${placement})`, async () => {
        const forward = await diff(c.base, c.head, placement, c.version, c.components);
        const back = await diff(c.head, c.base, placement, c.version, c.components);
        const check = (found: Change[], expected: Expect, what: string) => {
          const seen = found.map((x) => ({ rule: x.rule, severity: x.severity }));
          if (expected) {
            expect(seen, what).toContainEqual(expected);
            const hit = found.find((x) => x.rule === expected.rule && x.severity === expected.severity)!;
            expect(hit.head ?? hit.base, what).toMatchObject({ file: expect.stringMatching(/[ab]\d+\.json$/), line: expect.any(Number) });
          } else expect(found.filter((x) => x.severity !== 'safe').map((x) => `${x.rule}: ${x.message}`), what).toEqual([]);
          // Each change once, however many paths reach it (the recursive schema comes round to itself).
          const texts = found.map((x) => `${x.rule} ${x.message}`);
          expect(texts.length, `${what}: duplicates`).toBe(new Set(texts).size);
        };
        check(forward.request, c.forward[0], `${c.name}: request`);
        check(forward.response, c.forward[1], `${c.name}: response`);
        check(back.request, c.back[0], `revert of ${c.name}: request`);
        check(back.response, c.back[1], `revert of ${c.name}: response`);
      });
    }
  }

  it('has a case for every schema rule, in each direction it can be reported in', () => {
    const source = readFileSync(join(ROOT, 'src/diff/schema-diff.ts'), 'utf8');
    const ids = new Set([...source.matchAll(/'((?:request|response)-[a-z-]+)'/g)].map((m) => m[1]!));
    const covered = new Set(CASES.flatMap((c) => [...c.forward, ...c.back]).filter((e): e is NonNullable<Expect> => e !== null).map((e) => e.rule));
    expect(ids.size).toBeGreaterThan(80);
    expect([...ids].filter((id) => !covered.has(id))).toEqual([]);
  });
});
