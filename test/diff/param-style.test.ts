/* eslint-disable @typescript-eslint/no-explicit-any */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpec } from '../../src/spec/index.js';
import { diffSpecs } from '../../src/diff/diff.js';
import type { Change } from '../../src/diff/change.js';
import { tempDir } from '../proxy/harness.js';

/** One operation with a query parameter of each kind, a path parameter, a header and a cookie, none of them with a style or explode. */
function doc(): any {
  return {
    openapi: '3.1.0',
    info: { title: 'Styles', version: '1.0.0' },
    paths: {
      '/pets/{petId}': {
        get: {
          operationId: 'showPet',
          parameters: [
            { name: 'petId', in: 'path', required: true, schema: { type: 'integer' } },
            { name: 'tags', in: 'query', schema: { type: 'array', items: { type: 'string' } } },
            { name: 'q', in: 'query', schema: { type: 'string' } },
            { name: 'filter', in: 'query', schema: { type: 'object', properties: { kind: { type: 'string' } } } },
            { name: 'any', in: 'query', schema: {} },
            { name: 'X-Ids', in: 'header', schema: { type: 'array', items: { type: 'integer' } } },
            { name: 'session', in: 'cookie', schema: { type: 'string' } },
          ],
          responses: { 200: { description: 'ok' } },
        },
      },
    },
  };
}

const param = (d: any, name: string) => d.paths['/pets/{petId}'].get.parameters.find((p: any) => p.name === name);

async function diff(mutate: (d: any) => void): Promise<{ forward: Change[]; back: Change[] }> {
  const dir = tempDir();
  const a = doc();
  const b = doc();
  mutate(b);
  writeFileSync(join(dir, 'a.json'), JSON.stringify(a, null, 2));
  writeFileSync(join(dir, 'b.json'), JSON.stringify(b, null, 2));
  const [specA, specB] = [await loadSpec(join(dir, 'a.json')), await loadSpec(join(dir, 'b.json'))];
  return { forward: diffSpecs(specA, specB).changes, back: diffSpecs(specB, specA).changes };
}

/** Changes that are the same on the wire: nothing to report, either way. */
const EQUIVALENT: Array<[string, (d: any) => void]> = [
  ['`style: form, explode: true` spelled out on a query array', (d) => Object.assign(param(d, 'tags'), { style: 'form', explode: true })],
  ['`explode: true` alone on a query array (form is the default)', (d) => { param(d, 'tags').explode = true; }],
  ['`style: form` alone on a query array (explode defaults to true)', (d) => { param(d, 'tags').style = 'form'; }],
  ['`spaceDelimited` exploded on a query array (written as form exploded)', (d) => Object.assign(param(d, 'tags'), { style: 'spaceDelimited', explode: true })],
  ['`explode: false` on a query string (one value is `q=v` either way)', (d) => { param(d, 'q').explode = false; }],
  ['`pipeDelimited` on a query string', (d) => { param(d, 'q').style = 'pipeDelimited'; }],
  ['`style: simple, explode: false` spelled out on a path parameter', (d) => Object.assign(param(d, 'petId'), { style: 'simple', explode: false })],
  ['`explode: true` on a simple path integer', (d) => { param(d, 'petId').explode = true; }],
  ['`explode: true` on a simple header array (`1,2,3` either way)', (d) => { param(d, 'X-Ids').explode = true; }],
  ['`style: form, explode: true` spelled out on a cookie', (d) => Object.assign(param(d, 'session'), { style: 'form', explode: true })],
];

describe('parameter serialisation: changes that are the same on the wire', () => {
  for (const [name, mutate] of EQUIVALENT) {
    it(name, async () => {
      const { forward, back } = await diff(mutate);
      expect(forward, name).toEqual([]);
      expect(back, `revert of ${name}`).toEqual([]);
    });
  }
});

/** Changes the server would read differently: breaking, and so is each revert. */
const DIFFERENT: Array<[string, (d: any) => void, string, RegExp]> = [
  ['`explode: false` on a query array (`tags=a,b` instead of `tags=a&tags=b`)', (d) => { param(d, 'tags').explode = false; }, 'tags', /style form, explode true becomes style form, explode false \(arrays change\)/],
  ['`spaceDelimited` on a query array', (d) => { param(d, 'tags').style = 'spaceDelimited'; }, 'tags', /becomes style spaceDelimited, explode false \(arrays change\)/],
  ['`explode: false` on a query object', (d) => { param(d, 'filter').explode = false; }, 'filter', /\(objects change\)/],
  ['`explode: false` on a query parameter of any type', (d) => { param(d, 'any').explode = false; }, 'any', /\(arrays, objects change\)/],
  ['`style: label` on a path integer', (d) => { param(d, 'petId').style = 'label'; }, 'petId', /style simple, explode false becomes style label, explode false \(single values change\)$/],
  ['`style: deepObject` on a query object', (d) => { param(d, 'filter').style = 'deepObject'; }, 'filter', /becomes style deepObject, explode false \(objects change\)$/],
  ['a query `schema` moved into `content: {application/json}`', (d) => { const p = param(d, 'q'); p.content = { 'application/json': { schema: p.schema } }; delete p.schema; }, 'q', /style form, explode true becomes as application\/json content/],
];

describe('parameter serialisation: changes that differ on the wire', () => {
  for (const [name, mutate, which, message] of DIFFERENT) {
    it(name, async () => {
      const { forward, back } = await diff(mutate);
      const styled = (changes: Change[]) => changes.filter((c) => c.rule === 'request-parameter-style-changed');
      expect(styled(forward).map((c) => ({ severity: c.severity, message: c.message })), name).toEqual([{ severity: 'breaking', message: expect.stringMatching(message) }]);
      expect(styled(forward)[0]!.message).toContain(`\`${which}\``);
      expect(styled(forward)[0]!.head).toMatchObject({ file: expect.stringMatching(/b\.json$/), line: expect.any(Number) });
      expect(styled(back).map((c) => c.severity), `revert of ${name}`).toEqual(['breaking']);
      // Nothing else: the values accepted are the same.
      expect(forward.filter((c) => c.rule !== 'request-parameter-style-changed'), name).toEqual([]);
    });
  }

  it('compares a parameter moved into `content` by the schema of its media type', async () => {
    const { forward } = await diff((d) => {
      const p = param(d, 'q');
      p.content = { 'application/json': { schema: { type: 'string', maxLength: 5 } } };
      delete p.schema;
    });
    expect(forward.map((c) => ({ rule: c.rule, severity: c.severity }))).toEqual([
      { rule: 'request-parameter-style-changed', severity: 'breaking' },
      { rule: 'request-constraint-narrowed', severity: 'breaking' },
    ]);
  });

  it('reports no change between two parameters with the same `content` media type, and one when the media type changes', async () => {
    const json = (d: any) => { const p = param(d, 'q'); p.content = { 'application/json': { schema: p.schema } }; delete p.schema; };
    const dir = tempDir();
    const a = doc();
    const b = doc();
    const c = doc();
    json(a);
    json(b);
    json(c);
    param(c, 'q').content = { 'text/plain': param(c, 'q').content['application/json'] };
    writeFileSync(join(dir, 'a.json'), JSON.stringify(a));
    writeFileSync(join(dir, 'b.json'), JSON.stringify(b));
    writeFileSync(join(dir, 'c.json'), JSON.stringify(c));
    const [sa, sb, sc] = await Promise.all(['a', 'b', 'c'].map((n) => loadSpec(join(dir, `${n}.json`))));
    expect(diffSpecs(sa!, sb!).changes).toEqual([]);
    expect(diffSpecs(sa!, sc!).changes.map((x) => x.message)).toEqual(['query parameter `q` is written differently on the wire: as application/json content becomes as text/plain content']);
  });

  it('judges a webhook parameter whose style changed by the response side', async () => {
    const dir = tempDir();
    const hooked = (explode: boolean) => ({ ...doc(), webhooks: { ping: { post: { parameters: [{ name: 'ids', in: 'query', explode, schema: { type: 'array', items: { type: 'string' } } }], responses: { 200: { description: 'ok' } } } } } });
    writeFileSync(join(dir, 'a.json'), JSON.stringify(hooked(true)));
    writeFileSync(join(dir, 'b.json'), JSON.stringify(hooked(false)));
    const [sa, sb] = await Promise.all(['a', 'b'].map((n) => loadSpec(join(dir, `${n}.json`))));
    expect(diffSpecs(sa!, sb!).changes.map((c) => ({ rule: c.rule, severity: c.severity, operation: c.operation }))).toEqual([{ rule: 'response-parameter-style-changed', severity: 'breaking', operation: 'POST webhook ping' }]);
  });
});
