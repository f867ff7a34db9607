/* eslint-disable @typescript-eslint/no-explicit-any */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSpec, type Spec } from '../../src/spec/index.js';
import { diffSpecs } from '../../src/diff/diff.js';
import { diffSchemas, type SchemaChange } from '../../src/diff/schema-diff.js';
import { viewOf } from '../../src/diff/schema-view.js';
import { Witnesses } from '../../src/diff/schema-witness.js';
import { baseDoc } from './base-doc.js';

const dir = mkdtempSync(join(tmpdir(), 'sworn-schema-structure-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let serial = 0;
async function load(doc: unknown): Promise<Spec> {
  const file = join(dir, `s${serial++}.json`);
  writeFileSync(file, JSON.stringify(doc, null, 2));
  return loadSpec(file);
}

const withSchemas = (schemas: Record<string, unknown>, paths: Record<string, unknown> = {}, version = '3.1.0') => ({ openapi: version, info: { title: 't', version: '1' }, components: { schemas }, paths });
const post = (schema: unknown) => ({ post: { requestBody: { content: { 'application/json': { schema } } }, responses: { 200: { description: 'ok', content: { 'application/json': { schema } } } } } });

async function pair(base: unknown, head: unknown) {
  const [a, b] = [await load(base), await load(head)];
  return { forward: diffSpecs(a, b).changes, back: diffSpecs(b, a).changes };
}

describe('schemas compared as their readers see them, whatever their shape', () => {
  it('sees no change in rewrites that accept the same values', async () => {
    const rewrites: Array<[unknown, unknown, Record<string, unknown>?]> = [
      [{ type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } }, required: ['a'] }, { allOf: [{ $ref: '#/components/schemas/Base' }, { properties: { b: { type: 'string' } } }] }, { Base: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] } }],
      [{ type: 'integer', exclusiveMinimum: 0, exclusiveMaximum: 10 }, { type: 'integer', minimum: 1, maximum: 9 }],
      [{ type: 'string', pattern: '^[0-9]{2,}$' }, { type: 'string', pattern: '^\\d\\d+$' }],
      [{ type: 'string', format: 'byte' }, { type: 'string', contentEncoding: 'base64' }],
      [{ type: 'string', enum: ['a', 'b'] }, { enum: ['b', 'a'] }],
      [{ oneOf: [{ $ref: '#/components/schemas/Base' }, { type: 'integer' }] }, { oneOf: [{ type: 'integer' }, { $ref: '#/components/schemas/Base' }] }, { Base: { type: 'string' } }],
    ];
    for (const [x, y, components = {}] of rewrites) {
      const { forward, back } = await pair(withSchemas({ ...components, X: x }, { '/x': post({ $ref: '#/components/schemas/X' }) }), withSchemas({ ...components, X: y }, { '/x': post({ $ref: '#/components/schemas/X' }) }));
      expect(forward.map((c) => `${c.rule}: ${c.message}`), JSON.stringify([x, y])).toEqual([]);
      expect(back.map((c) => `${c.rule}: ${c.message}`), JSON.stringify([y, x])).toEqual([]);
    }
  });

  it('reports a change inside mutually recursive schemas once per operation, each with its own path', async () => {
    const schemas = (max: number) => ({
      Folder: { type: 'object', properties: { name: { type: 'string', maxLength: max }, files: { type: 'array', items: { $ref: '#/components/schemas/File' } } } },
      File: { type: 'object', properties: { parent: { $ref: '#/components/schemas/Folder' }, size: { type: 'integer' } } },
    });
    const paths = { '/folders': post({ $ref: '#/components/schemas/Folder' }), '/files': post({ $ref: '#/components/schemas/File' }) };
    const { forward, back } = await pair(withSchemas(schemas(50), paths), withSchemas(schemas(20), paths));
    const narrowed = forward.filter((c) => c.rule === 'request-constraint-narrowed').map((c) => `${c.operation} ${c.message}`).sort();
    expect(narrowed).toEqual([
      'POST /files request body.parent.name: maxLength lowered from 50 to 20',
      'POST /folders request body.name: maxLength lowered from 50 to 20',
    ]);
    expect(forward.filter((c) => c.rule === 'response-constraint-narrowed' && c.severity === 'safe')).toHaveLength(2);
    expect(back.filter((c) => c.rule === 'response-constraint-relaxed' && c.severity === 'breaking').map((c) => c.operation).sort()).toEqual(['POST /files', 'POST /folders']);
  });

  it('reads a 3.1 $ref with sibling keywords as both (readOnly beside a $ref)', async () => {
    const doc = (owner: unknown) => withSchemas({ User: { type: 'object', properties: { id: { type: 'integer' } } }, Pet: { type: 'object', properties: { name: { type: 'string' }, owner } } }, { '/pets': post({ $ref: '#/components/schemas/Pet' }) });
    const { forward, back } = await pair(doc({ $ref: '#/components/schemas/User' }), doc({ $ref: '#/components/schemas/User', readOnly: true }));
    expect(forward.map((c) => ({ rule: c.rule, severity: c.severity }))).toEqual([{ rule: 'request-property-now-read-only', severity: 'breaking' }]);
    expect(back.map((c) => ({ rule: c.rule, severity: c.severity }))).toEqual([{ rule: 'request-property-no-longer-read-only', severity: 'safe' }]);
  });

  it('ignores $ref siblings in 3.0, as 3.0 says', async () => {
    const doc = (owner: unknown) => withSchemas({ User: { type: 'object' }, Pet: { type: 'object', properties: { owner } } }, { '/pets': post({ $ref: '#/components/schemas/Pet' }) }, '3.0.3');
    const { forward } = await pair(doc({ $ref: '#/components/schemas/User' }), doc({ $ref: '#/components/schemas/User', nullable: true }));
    expect(forward).toEqual([]);
  });

  it('reads a 3.0 document in its own dialect: keywords JSON Schema added later say nothing there', async () => {
    const doc = (extra: Record<string, unknown>) => withSchemas({ List: { type: 'array', items: { type: 'string' }, ...extra } }, { '/lists': post({ $ref: '#/components/schemas/List' }) }, '3.0.3');
    const { forward } = await pair(doc({}), doc({ prefixItems: [{ type: 'integer' }], unevaluatedItems: false, minContains: 2 }));
    expect(forward).toEqual([]);
  });

  it('compares a parameter default', async () => {
    const a = baseDoc();
    const b = baseDoc();
    b.paths['/pets'].get.parameters[0].schema.default = 20;
    const { forward, back } = await pair(a, b);
    expect(forward.map((c) => [c.rule, c.severity, c.message])).toEqual([['request-default-added', 'safe', 'query parameter `limit`: default 20 added']]);
    expect(back.map((c) => [c.rule, c.severity])).toEqual([['request-default-removed', 'warning']]);
  });

  it('reads a missing schema as accepting anything: one that gains a schema accepts less', async () => {
    const spec = await load(withSchemas({ Pet: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } }));
    const run = (base: unknown, head: unknown, direction: 'request' | 'response') => {
      const out: SchemaChange[] = [];
      diffSchemas({ spec, node: base, pointer: '/components/schemas/None' }, { spec, node: head, pointer: '/components/schemas/Pet' }, direction, 'request body', out);
      return out.map((c) => ({ rule: c.rule, severity: c.severity }));
    };
    const pet = { $ref: '#/components/schemas/Pet' };
    expect(run(undefined, pet, 'request')).toEqual([{ rule: 'request-schema-narrowed', severity: 'breaking' }]);
    expect(run(undefined, pet, 'response')).toEqual([{ rule: 'response-schema-narrowed', severity: 'safe' }]);
    expect(run(pet, undefined, 'request')).toEqual([{ rule: 'request-schema-widened', severity: 'safe' }]);
    expect(run(pet, undefined, 'response')).toEqual([{ rule: 'response-schema-widened', severity: 'breaking' }]);
  });

  it('misses nothing a value can show: after one random edit, a value one version accepts and the other refuses means a breaking change or a warning', async () => {
  const leaf = fc.oneof(
    fc.record({ type: fc.constantFrom('string', 'integer', 'number', 'boolean', 'null', ['string', 'null'], ['integer', 'string']) }),
    fc.record({ type: fc.constant('string'), enum: fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'dd'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ type: fc.constant('string'), const: fc.constantFrom('a', 'b') }),
    fc.record({ type: fc.constant('string'), pattern: fc.constantFrom('^[a-z]+$', '^[a-z]{1,3}$', '.+', '^\\d+$', '^a'), minLength: fc.nat(3), maxLength: fc.integer({ min: 3, max: 8 }) }, { requiredKeys: ['type'] }),
    fc.record({ type: fc.constantFrom('integer', 'number'), minimum: fc.integer({ min: -3, max: 3 }), maximum: fc.integer({ min: 3, max: 9 }), exclusiveMinimum: fc.integer({ min: -3, max: 3 }), multipleOf: fc.constantFrom(1, 2, 3) }, { requiredKeys: ['type'] }),
    fc.record({ type: fc.constant('string'), format: fc.constantFrom('date-time', 'email', 'uuid', 'date') }),
  );
  const schema = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small' }, leaf, leaf, tie('object'), tie('array'), tie('composed')),
    object: fc.record({ type: fc.constant('object'), properties: fc.dictionary(fc.constantFrom('a', 'b', 'c'), tie('node'), { maxKeys: 3 }), required: fc.subarray(['a', 'b', 'c']), additionalProperties: fc.oneof(fc.boolean(), tie('node')), minProperties: fc.nat(2), dependentRequired: fc.constant({ a: ['b'] }) }, { requiredKeys: ['type'] }),
    array: fc.record({ type: fc.constant('array'), items: tie('node'), prefixItems: fc.array(tie('node'), { maxLength: 2 }), minItems: fc.nat(2), maxItems: fc.integer({ min: 2, max: 4 }), uniqueItems: fc.boolean(), contains: tie('node') }, { requiredKeys: ['type'] }),
    composed: fc.oneof(fc.record({ oneOf: fc.array(tie('node'), { minLength: 1, maxLength: 3 }) }), fc.record({ anyOf: fc.array(tie('node'), { minLength: 1, maxLength: 3 }) }), fc.record({ allOf: fc.array(tie('node'), { minLength: 1, maxLength: 2 }) }), fc.record({ type: fc.constant('string'), not: leaf })),
  })).node;
  let seed = 14 * 7919;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const nodes = (s: any, out: any[] = []): any[] => { if (s && typeof s === 'object' && !Array.isArray(s)) { out.push(s); for (const v of Object.values(s)) { if (Array.isArray(v)) v.forEach((x) => nodes(x, out)); else if (v && typeof v === 'object') { if (!('type' in v) && !('oneOf' in v) && !('anyOf' in v) && !('allOf' in v) && !('not' in v) && !('enum' in v) && !('const' in v)) for (const x of Object.values(v)) nodes(x, out); else nodes(v, out); } } } return out; };
  const edits: Array<(n: any) => void> = [
    (n) => { n.required = [...(n.required ?? []), 'a']; }, (n) => { if (n.required) n.required.pop(); },
    (n) => { n.maximum = (n.maximum ?? 10) - 2; }, (n) => { n.minimum = (n.minimum ?? 0) - 1; }, (n) => { n.maxLength = (n.maxLength ?? 5) + 1; }, (n) => { n.minLength = (n.minLength ?? 0) + 1; },
    (n) => { if (n.enum) n.enum.push('zz'); else n.enum = ['a']; }, (n) => { if (n.enum) n.enum.shift(); }, (n) => { n.const = 'a'; }, (n) => { delete n.const; },
    (n) => { n.type = Array.isArray(n.type) ? n.type[0] : [n.type ?? 'string', 'null']; }, (n) => { delete n.type; }, (n) => { n.type = 'integer'; },
    (n) => { if (n.properties) { const k = Object.keys(n.properties)[0]; if (k) delete n.properties[k]; } }, (n) => { n.properties = { ...(n.properties ?? {}), z: { type: 'string' } }; },
    (n) => { n.additionalProperties = false; }, (n) => { delete n.additionalProperties; }, (n) => { n.pattern = '^[a-z]{1,2}$'; }, (n) => { delete n.pattern; },
    (n) => { const c = { ...n }; for (const k of Object.keys(n)) delete n[k]; n.oneOf = [c, { type: 'integer' }]; }, (n) => { if (n.oneOf) { n.anyOf = n.oneOf; delete n.oneOf; } else if (n.anyOf) { n.oneOf = n.anyOf; delete n.anyOf; } },
    (n) => { if (n.oneOf) n.oneOf.pop(); }, (n) => { n.uniqueItems = !n.uniqueItems; }, (n) => { n.maxItems = 1; }, (n) => { n.format = 'date'; }, (n) => { n.multipleOf = 2; },
    (n) => { n.items = { type: 'string' }; }, (n) => { if (n.prefixItems) n.prefixItems.push({ type: 'boolean' }); }, (n) => { n.not = { const: 'a' }; }, (n) => { n.dependentRequired = { c: ['a'] }; },
    (n) => { const c = { ...n }; for (const k of Object.keys(n)) delete n[k]; n.allOf = [c, { minProperties: 1 }]; },
  ];
  const bases = fc.sample(schema, { numRuns: 500, seed: 14 });
  const pairs = bases.map((x) => { const y = structuredClone(x); const all = nodes(y); const target = all[rnd(all.length)]; if (target) edits[rnd(edits.length)]!(target); return [x, y] as const; }).filter(([x, y]) => JSON.stringify(x) !== JSON.stringify(y));
    const schemas: Record<string, unknown> = {};
    pairs.forEach(([x, y], i) => {
      schemas[`X${i}`] = x;
      schemas[`Y${i}`] = y;
    });
    const spec = await load(withSchemas(schemas));
    const oracle = new Witnesses();
    const side = (name: string) => ({ spec, node: { $ref: `#/components/schemas/${name}` }, pointer: `/components/schemas/${name}` });
    const missed: string[] = [];
    let shown = 0;
    for (let i = 0; i < pairs.length; i++) {
      for (const direction of ['request', 'response'] as const) {
        const out: SchemaChange[] = [];
        diffSchemas(side(`X${i}`), side(`Y${i}`), direction, 'x', out);
        const [b, h] = [viewOf(spec, [side(`X${i}`)], ''), viewOf(spec, [side(`Y${i}`)], '')];
        const [from, to] = direction === 'request' ? [b, h] : [h, b];
        const value = oracle.examples(from, direction, 30).find((v) => oracle.valid(to, v, direction) === false);
        if (value === undefined) continue;
        shown++;
        if (!out.some((c) => c.severity !== 'safe')) missed.push(`${direction}: ${JSON.stringify(pairs[i])} (${JSON.stringify(value)})`);
      }
    }
    expect(shown).toBeGreaterThan(80); // the edits do break things, and values show it
    expect(missed).toEqual([]);
  });

  it('never reports a change between a schema and itself, and never throws, whatever the keywords', async () => {
    const leaf = fc.oneof(
      fc.constant({}), fc.constant(true), fc.constant(false),
      fc.record({ type: fc.constantFrom('string', 'integer', 'number', 'boolean', 'null', 'object', 'array', ['string', 'null'], 7 as unknown as string) }, { requiredKeys: [] }),
      fc.record({ enum: fc.array(fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.constant(null)), { maxLength: 4 }) }),
      fc.record({ const: fc.oneof(fc.string({ maxLength: 3 }), fc.integer()) }),
      fc.record({ pattern: fc.constantFrom('^[a-z]+$', '(?=x)', '(', '\\d+', '.*'), minLength: fc.nat(5), maxLength: fc.nat(9) }, { requiredKeys: ['pattern'] }),
      fc.record({ minimum: fc.integer(), exclusiveMaximum: fc.oneof(fc.integer(), fc.boolean()), multipleOf: fc.constantFrom(1, 2, 0.5, 0, -1) }, { requiredKeys: [] }),
      fc.record({ format: fc.constantFrom('date-time', 'int32', 'slug', 'password') }),
      fc.constant({ $ref: '#/components/schemas/S0' }), fc.constant({ $ref: '#/components/schemas/S1' }), fc.constant({ $ref: '#/components/schemas/S2', description: 'a sibling' }),
    );
    const schema = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('object'), tie('array'), tie('composed')),
      object: fc.record({ type: fc.constant('object'), properties: fc.dictionary(fc.constantFrom('a', 'b', 'c'), tie('node'), { maxKeys: 3 }), required: fc.subarray(['a', 'b', 'd']), additionalProperties: fc.oneof(fc.boolean(), tie('node')), patternProperties: fc.dictionary(fc.constantFrom('^x-', '('), tie('node'), { maxKeys: 1 }), dependentRequired: fc.constant({ a: ['b'] }), propertyNames: fc.constant({ maxLength: 3 }), unevaluatedProperties: fc.boolean() }, { requiredKeys: ['type'] }),
      array: fc.record({ type: fc.constant('array'), items: fc.oneof(tie('node'), fc.array(tie('node'), { maxLength: 2 })), prefixItems: fc.array(tie('node'), { maxLength: 2 }), contains: tie('node'), maxContains: fc.nat(3), uniqueItems: fc.boolean(), additionalItems: tie('node') }, { requiredKeys: [] }),
      composed: fc.record({ oneOf: fc.array(tie('node'), { maxLength: 3 }), anyOf: fc.array(tie('node'), { maxLength: 2 }), allOf: fc.array(tie('node'), { maxLength: 2 }), not: tie('node'), if: tie('node'), then: tie('node'), else: tie('node'), discriminator: fc.constant({ propertyName: 'kind' }), default: fc.integer() }, { requiredKeys: [] }),
    })).node;
    const samples = fc.sample(schema, { numRuns: 150, seed: 14 });
    const schemas = Object.fromEntries(samples.map((s, i) => [`S${i}`, s]));
    const doc = withSchemas(schemas);
    const [a, b] = [await load(doc), await load(doc)];
    for (let i = 0; i < samples.length; i++) {
      for (const direction of ['request', 'response'] as const) {
        const out: SchemaChange[] = [];
        const side = (spec: Spec) => ({ spec, node: { $ref: `#/components/schemas/S${i}` }, pointer: `/components/schemas/S${i}` });
        diffSchemas(side(a), side(b), direction, 'x', out);
        expect(out.map((c) => `${c.rule}: ${c.message}`), JSON.stringify(samples[i])).toEqual([]);
        // And against the next schema: whatever it finds, it finds without throwing.
        diffSchemas(side(a), { spec: b, node: { $ref: `#/components/schemas/S${(i + 1) % samples.length}` }, pointer: `/components/schemas/S${(i + 1) % samples.length}` }, direction, 'x', []);
      }
    }
  });
});
