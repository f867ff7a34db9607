import { beforeAll, describe, expect, it } from 'vitest';
import { loadSpec, listOperations, type Operation, type Spec } from '../../src/spec/index.js';
import { answerSchema, formatOf, parseBody, serializeAnswer, problemFor } from '../../src/mock/serialize.js';
import { fixture } from '../helpers.js';

let spec: Spec;
let operations: Map<string, Operation>;
beforeAll(async () => {
  spec = await loadSpec(fixture('mock/xml.yaml'));
  operations = new Map(listOperations(spec).map((o) => [o.id, o]));
});
const op = (id: string): Operation => operations.get(id) as Operation;
const text = (body: unknown, contentType: string | undefined, schema?: unknown) => serializeAnswer(body, contentType, schema, spec);

describe('formatOf', () => {
  it('reads the type without its parameters, and the +json / +xml suffixes', () => {
    expect(['application/json', 'application/json; charset=utf-8', 'application/vnd.api+json', 'application/problem+json', 'APPLICATION/JSON'].map(formatOf)).toEqual(['json', 'json', 'json', 'json', 'json']);
    expect(['application/xml', 'application/xml; charset=utf-8', 'text/xml', 'application/problem+xml', 'image/svg+xml'].map(formatOf)).toEqual(['xml', 'xml', 'xml', 'xml', 'xml']);
    expect(['text/plain', 'text/html; charset=utf-8', 'text/csv'].map(formatOf)).toEqual(['text', 'text', 'text']);
    expect(formatOf('application/x-www-form-urlencoded')).toBe('form');
    expect(['application/octet-stream', 'image/png', 'application/jsonl', 'garbage', '', undefined].map(formatOf)).toEqual(['other', 'other', 'other', 'other', 'other', 'other']);
  });
});

describe('serializeAnswer', () => {
  it('writes no body for no body, whatever the type', () => {
    for (const type of ['application/json', 'application/xml', 'text/plain', 'application/octet-stream', undefined]) expect(text(undefined, type)).toEqual({ text: undefined });
  });

  it('writes JSON for JSON types (null too, and a string as a JSON string, as Prism does)', () => {
    expect(text({ a: [1, 'x'] }, 'application/json')).toEqual({ text: '{"a":[1,"x"]}' });
    expect(text({ a: 1 }, 'application/vnd.api+json')).toEqual({ text: '{"a":1}' });
    expect(text({ a: 1 }, 'application/json; charset=utf-8')).toEqual({ text: '{"a":1}' });
    expect(text(null, 'application/problem+json')).toEqual({ text: 'null' });
    expect(text('abc', 'application/json')).toEqual({ text: '"abc"' });
  });

  it('answers a value JSON cannot hold with an error saying what to do', () => {
    expect(text({ n: 10n }, 'application/json')).toEqual({ error: expect.stringContaining('cannot be written as JSON'), hint: expect.stringContaining('plain JSON data') });
  });

  it('writes XML for XML types from the value and the schema, parameters and suffixes included', () => {
    const pet = { $ref: '#/components/schemas/Pet' };
    const value = { id: 1, name: 'Rex', tags: ['good'] };
    const expected = '<pet id="1"><name>Rex</name><tags><tag>good</tag></tags></pet>';
    for (const type of ['application/xml', 'application/xml; charset=utf-8', 'text/xml', 'application/vnd.pets+xml']) expect(text(value, type, pet)).toEqual({ text: expected });
    expect(text({ title: 'Gone', status: 410 }, 'application/problem+xml', { $ref: '#/components/schemas/Problem' })).toEqual({ text: '<problem xmlns="urn:ietf:rfc:7807"><title>Gone</title><status>410</status></problem>' });
    expect(text(null, 'application/xml', pet)).toEqual({ text: '<pet/>' });
    expect(text('<pet id="9"/>', 'application/xml', pet)).toEqual({ text: '<pet id="9"/>' });
  });

  it('writes text types: a string as it is, a number or boolean as its text, null as nothing', () => {
    expect(text('pong\n', 'text/plain')).toEqual({ text: 'pong\n' });
    expect(text('<p>hi</p>', 'text/html; charset=utf-8')).toEqual({ text: '<p>hi</p>' });
    expect(text(3, 'text/plain')).toEqual({ text: '3' });
    expect(text(false, 'text/csv')).toEqual({ text: 'false' });
    expect(text(null, 'text/plain')).toEqual({ text: '' });
  });

  it('cannot write an object or an array as text (Prism answers 500 too): says why and what to do', () => {
    expect(text({ name: 'Clark' }, 'text/plain')).toEqual({
      error: 'the body is an object, and text/plain has no way to write one',
      hint: 'Declare application/json (or application/xml) for this response, or give it a string example under text/plain.',
    });
    expect(text([1, 2], 'text/html; charset=utf-8')).toEqual({ error: 'the body is an array, and text/html has no way to write one', hint: expect.stringContaining('string example under text/html') });
  });

  it('writes binary and unknown types as text for strings and primitives, and refuses objects', () => {
    expect(text('GIF89a', 'image/gif')).toEqual({ text: 'GIF89a' });
    expect(text(7, 'application/octet-stream')).toEqual({ text: '7' });
    expect(text({ a: 1 }, 'application/octet-stream')).toEqual({ error: 'the body is an object, and application/octet-stream has no way to write one', hint: expect.any(String) });
    expect(text('as is', undefined)).toEqual({ text: 'as is' });
    expect(text({ a: 1 }, undefined)).toEqual({ error: 'the body is an object, and (no media type) has no way to write one', hint: expect.any(String) });
  });

  it('writes an object as application/x-www-form-urlencoded: a field per property, array items repeated, objects as JSON', () => {
    expect(text({ a: 1, b: ['x', 'y z'], c: { d: 1 }, e: null, 'f&g': '=' }, 'application/x-www-form-urlencoded')).toEqual({ text: 'a=1&b=x&b=y+z&c=%7B%22d%22%3A1%7D&e=&f%26g=%3D' });
    expect(text('a=1', 'application/x-www-form-urlencoded')).toEqual({ text: 'a=1' });
    expect(text([1], 'application/x-www-form-urlencoded')).toEqual({ error: expect.stringContaining('an array'), hint: expect.any(String) });
  });
});

describe('answerSchema', () => {
  it('finds the schema of the status and media type prism-http answered with, $ref kept', () => {
    expect(answerSchema(spec, op('getPet'), 200, 'application/xml')).toEqual({ $ref: '#/components/schemas/Pet' });
    expect(answerSchema(spec, op('getPet'), 200, 'application/json')).toEqual({ $ref: '#/components/schemas/Pet' });
    expect(answerSchema(spec, op('getRaw'), 200, 'application/xml')).toEqual({ type: 'string' });
  });

  it('matches the media type exactly, then without parameters, then type/*, then */*', () => {
    const list = { type: 'array', items: { $ref: '#/components/schemas/Pet' } };
    expect(answerSchema(spec, op('listPets'), 200, 'application/xml; charset=utf-8')).toEqual(list);
    expect(answerSchema(spec, op('listPets'), 200, 'Application/XML')).toEqual(list);
    expect(answerSchema(spec, op('ranges'), 200, 'text/html')).toEqual({ $ref: '#/components/schemas/Named' });
    expect(answerSchema(spec, op('ranges'), 200, 'image/png')).toEqual({ type: 'integer' });
  });

  it('falls back from the status to its range (2XX), then to default, following a $ref to a response', () => {
    expect(answerSchema(spec, op('ranges'), 204, 'text/plain')).toEqual({ $ref: '#/components/schemas/Named' });
    expect(answerSchema(spec, op('ranges'), 503, 'application/problem+xml')).toEqual({ $ref: '#/components/schemas/Problem' });
  });

  it('is undefined when nothing is declared for the status or media type, or there is no operation', () => {
    expect(answerSchema(spec, op('getPet'), 404, 'application/xml')).toBeUndefined();
    expect(answerSchema(spec, op('getPet'), 200, 'text/plain')).toBeUndefined();
    expect(answerSchema(spec, op('getPet'), 200, undefined)).toBeUndefined();
    expect(answerSchema(spec, op('ranges'), 503, 'application/json')).toBeUndefined();
    expect(answerSchema(spec, undefined, 200, 'application/xml')).toBeUndefined();
  });
});

describe('parseBody', () => {
  it('keeps XML request bodies as text (Prism does too; our validators do not check XML bodies)', () => {
    expect(parseBody(Buffer.from('<pet id="1"/>'), 'application/xml')).toBe('<pet id="1"/>');
    expect(parseBody(Buffer.from('{"a":1}'), 'application/json; charset=utf-8')).toEqual({ a: 1 });
    expect(parseBody(Buffer.alloc(0), 'application/xml')).toBeNull();
  });
});

describe('problemFor', () => {
  it('makes a problem body agree with the status it is sent with, placeholders replaced', () => {
    const placeholder = { type: 'string', title: 'string', status: 0, detail: 'string' };
    expect(problemFor(placeholder, 404, 'application/problem+json')).toEqual({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'string' });
    expect(problemFor({ title: 'Teapot trouble', status: 500 }, 418, 'application/problem+xml; charset=utf-8')).toEqual({ title: 'Teapot trouble', status: 418 });
    expect(problemFor({ status: 'x' }, 503, 'application/problem+json')).toEqual({ status: '503' });
    expect(placeholder.status).toBe(0); // the input is not changed
  });

  it('leaves every other body alone', () => {
    const body = { type: 'string', status: 0 };
    expect(problemFor(body, 404, 'application/json')).toBe(body);
    expect(problemFor([1], 404, 'application/problem+json')).toEqual([1]);
    expect(problemFor('text', 404, 'application/problem+json')).toBe('text');
    expect(problemFor({ title: 'x' }, 404, 'application/problem+json')).toEqual({ title: 'x' });
  });
});
