import { describe, expect, it } from 'vitest';
import { contains, differences, parseCurl, parseExpected, parseScenario, serverArgs, shellWords, specFileName, type Answer } from './harness.js';

const answer = (status: number, headers: Record<string, string>, body: string): Answer => ({ status, headers, body });

describe('the scenario harness reads Prism\'s format', () => {
  it('splits the sections and refuses a file without an expectation', () => {
    const text = '====test====\nHello\n====spec====\nopenapi: 3.0.2\n====server====\nmock -p 4010 ${document}\n====command====\ncurl -i http://localhost:4010/todos\n====expect====\nHTTP/1.1 200 OK\n\n"hello"\n';
    expect(parseScenario('a.txt', text)).toMatchObject({ test: 'Hello', spec: 'openapi: 3.0.2\n', server: 'mock -p 4010 ${document}', expect: 'HTTP/1.1 200 OK\n\n"hello"\n', loose: false });
    expect(() => parseScenario('b.txt', text.replace('====expect====', '====nothing===='))).toThrow(/exactly one of/);
  });

  it('runs the mock on a free port, quiet, without an admin port, the document in place of the placeholder', () => {
    expect(serverArgs('mock -p 4010 ${file} --errors', '/t/spec.yaml')).toEqual(['mock', '/t/spec.yaml', '--errors', '--port', '0', '--admin-port', 'off', '--quiet']);
    expect(serverArgs('mock -p 4010', '/t/spec.yaml')).toEqual(['mock', '/t/spec.yaml', '--port', '0', '--admin-port', 'off', '--quiet']);
    expect(() => serverArgs('proxy x', '/t')).toThrow(/must start with "mock"/);
  });

  it('names the spec file by its format', () => {
    expect(specFileName('{"info":{"name":"T"},"item":[]}')).toBe('spec.postman_collection.json');
    expect(specFileName('{"openapi":"3.0.0"}')).toBe('spec.json');
    expect(specFileName('swagger: "2.0"')).toBe('spec.yaml');
  });

  it('reads curl lines as curl sends them', () => {
    expect(shellWords(`curl -H "A: \\"q\\"" 'b c' d\\ e`)).toEqual(['curl', '-H', 'A: "q"', 'b c', 'd e']);
    expect(parseCurl(`curl -i -X POST http://localhost:4010/path?x=a%20b -H "Content-Type: application/json" --data '{ "id": 1 }'`)).toEqual({ method: 'POST', path: '/path?x=a%20b', headers: [['Content-Type', 'application/json']], body: '{ "id": 1 }' });
    expect(parseCurl(`curl http://h:1/f -d "a=1" -d "b=2"`)).toEqual({ method: 'POST', path: '/f', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: 'a=1&b=2' });
    expect(parseCurl('curl -u test:test http://h').headers).toEqual([['Authorization', 'Basic dGVzdDp0ZXN0']]);
    expect(() => parseCurl('curl --proxy x http://h/')).toThrow(/not understood/);
  });
});

describe('the scenario harness compares answers', () => {
  const expected = parseExpected('HTTP/1.1 401 Unauthorized\nWWW-Authenticate: /^Basic realm="[^"]*"$/\ncontent-type: application/problem+json\nsl-violations: (absent)\n\n{"status":401,"violations":[{"pointer":"/a"},{"pointer":"/b","keyword":"<any>"}]}');

  it('passes an answer that matches, loosely', () => {
    const got = answer(401, { 'www-authenticate': 'Basic realm="Pets"', 'content-type': 'application/problem+json; charset=utf-8' }, '{"type":"x","status":401,"violations":[{"pointer":"/b","keyword":"enum"},{"pointer":"/a","keyword":"type"}]}');
    expect(differences(got, expected, true)).toEqual([]);
  });

  it('names each difference: status, headers, body', () => {
    const got = answer(422, { 'www-authenticate': 'Bearer', 'content-type': 'application/json', 'sl-violations': '[]' }, '{"status":401,"violations":[{"pointer":"/a"}]}');
    expect(differences(got, expected, true)).toEqual([
      'status: expected 401, got 422',
      'header www-authenticate: expected to match /^Basic realm="[^"]*"$/, got "Bearer"',
      'header content-type: expected application/problem+json, got application/json',
      'header sl-violations: expected absent, got "[]"',
      expect.stringMatching(/^body: expected JSON containing/),
    ]);
  });

  it('compares exactly under ====expect====, loosely under ====expect-loose====', () => {
    const exact = parseExpected('HTTP/1.1 200 OK\n\n{"a":1}');
    expect(differences(answer(200, {}, '{"a":1,"b":2}'), exact, false)).toHaveLength(1);
    expect(differences(answer(200, {}, '{"a":1,"b":2}'), exact, true)).toEqual([]);
    expect(differences(answer(200, {}, 'x'), parseExpected('HTTP/1.1 200 OK'), false)).toEqual(['body: expected none, got x']);
    expect(differences(answer(200, {}, 'pong\n'), parseExpected('HTTP/1.1 200 OK\n\npong'), false)).toEqual([]);
  });

  it('compares XML parsed: attribute order and spacing do not matter, element order does', () => {
    const xml = parseExpected('HTTP/1.1 200 OK\n\n<pet id="1" kind="dog"><name>Rex</name><tag>a</tag></pet>');
    const type = { 'content-type': 'application/xml' };
    expect(differences(answer(200, type, '<?xml version="1.0"?>\n<pet kind="dog" id="1">\n  <name>Rex</name>\n  <tag>a</tag>\n</pet>'), xml, false)).toEqual([]);
    expect(differences(answer(200, type, '<pet id="1" kind="dog"><tag>a</tag><name>Rex</name></pet>'), xml, false)).toHaveLength(1);
    expect(differences(answer(200, type, '<xml id="1" kind="dog"><name>Rex</name><tag>a</tag></xml>'), xml, false)).toHaveLength(1);
  });

  it('matches arrays of the same length only, each item once', () => {
    expect(contains([1, 1, 2], [2, 1, 1])).toBe(true);
    expect(contains([1, 2], [1, 1])).toBe(false);
    expect(contains([1, 2, 3], [1, 2])).toBe(false);
    expect(contains({ a: null }, { a: '<any>' })).toBe(true);
    expect(contains({}, { a: '<any>' })).toBe(false);
  });
});
