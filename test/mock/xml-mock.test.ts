import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XMLValidator } from 'fast-xml-parser';
import { loadSpec } from '../../src/spec/index.js';
import { startMock, type RunningMock } from '../../src/mock/mock.js';
import { fixture } from '../helpers.js';

let mock: RunningMock;
beforeAll(async () => {
  mock = await startMock({ spec: await loadSpec(fixture('mock/xml.yaml')), port: 0, adminPort: null });
});
afterAll(async () => {
  await mock.close();
});

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${mock.url}${path}`, { headers });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), length: res.headers.get('content-length'), text };
}

describe('the mock answers each media type the way it says', () => {
  it('answers XML from the example and the schema\'s xml objects, JSON for JSON, text for text; an object as text is a 500 naming why', async () => {
    const xml = await get('/pets/1', { accept: 'application/xml' });
    const expected = '<pet id="1"><name>Rex &amp; &lt;Co&gt;</name><tags><tag>good</tag><tag>loud</tag></tags></pet>';
    expect([xml.status, xml.type, xml.text, xml.length]).toEqual([200, 'application/xml', expected, String(Buffer.byteLength(expected))]);

    const json = await get('/pets/1', { accept: 'application/json' });
    expect([json.status, json.type, JSON.parse(json.text)]).toEqual([200, 'application/json', { id: 1, name: 'Rex', tags: ['good', 'loud'] }]);

    // A string example that is XML already is answered as it is.
    expect((await get('/raw', { accept: 'application/xml' })).text).toBe('<raw kind="as-is">kept</raw>');
    expect(await get('/count', { accept: 'text/plain' })).toMatchObject({ status: 200, type: 'text/plain', text: '3' });

    const note = await get('/note', { accept: 'text/plain' });
    expect([note.status, note.type]).toEqual([500, 'application/problem+json']);
    const problem = JSON.parse(note.text) as { status: number; detail: string; hint: string };
    expect(problem.status).toBe(500);
    expect(problem.detail).toBe('getNote: the body is an object, and text/plain has no way to write one');
    expect(problem.hint).toContain('application/json');
  });

  it('generates XML with --dynamic that is XML, named by the schema', async () => {
    const list = await get('/pets', { accept: 'application/xml', prefer: 'dynamic=true' });
    expect([list.status, list.type]).toEqual([200, 'application/xml; charset=utf-8']);
    expect(XMLValidator.validate(list.text)).toBe(true);
    expect(list.text).toMatch(/^<xml(\/>|>(<pet( id="-?\d+")?(\/>|>.*?<\/pet>))*<\/xml>)$/s);
  });
});
