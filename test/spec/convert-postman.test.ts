import { afterEach, describe, expect, it } from 'vitest';
import { loadSpec, listOperations, type Spec } from '../../src/spec/index.js';
import { startMock, type RunningMock } from '../../src/mock/mock.js';
import { call } from '../proxy/harness.js';
import { cli, fixture, rejection, ROOT } from '../helpers.js';

const load = (name: string) => loadSpec(fixture(name), { cwd: ROOT });
const at = (spec: Spec, pointer: string) => {
  const l = spec.locate(pointer);
  return `${l.file}:${l.line}:${l.column}`;
};
/** Each operation as `METHOD path` with its parameters as `in:name`, and where it is. */
const shape = (spec: Spec) => listOperations(spec).map((o) => `${o.method.toUpperCase()} ${o.path} [${(o.operation.parameters ?? []).map((p) => `${(p as { in: string }).in}:${(p as { name: string }).name}`).join(' ')}] ${at(spec, o.pointer)}`);

describe('Postman collections, converted on loading', () => {
  it('reads v2.1: folders, {{variables}} substituted, :id and {{id}} segments as {id} parameters, each operation at its request item', async () => {
    const spec = await load('postman/pets-v2.1.json');
    expect([spec.convertedFrom, spec.openapi, spec.title]).toEqual(['postman-2.1', '3.0.0', 'Pets (Postman 2.1)']);
    const file = 'test/fixtures/postman/pets-v2.1.json';
    expect(shape(spec)).toEqual([
      // {{baseUrl}} is https://pets.example.com/v1: its path is part of every operation's
      `GET /v1/pets [query:limit] ${file}:17:9`,
      `POST /v1/pets [] ${file}:31:9`,
      `GET /v1/pets/{id} [path:id] ${file}:59:9`,
      `DELETE /v1/owners/{ownerId} [path:ownerId] ${file}:75:5`,
    ]);
    expect(spec.document.servers).toEqual([{ url: 'https://pets.example.com' }]);
    const getPet = listOperations(spec).find((o) => o.path === '/v1/pets/{id}')!;
    // The parameter's example has the type the converter gave its schema.
    expect(getPet.operation.parameters).toEqual([{ name: 'id', in: 'path', required: true, description: "The pet's id", schema: { type: 'integer' }, example: 1 }]);
    // A saved example response is the operation's answer, typed from its body.
    const created = (listOperations(spec).find((o) => o.method === 'post')!.operation.responses as Record<string, unknown>)['201'];
    expect(created).toMatchObject({ description: 'Created', content: { 'application/json': { schema: { type: 'object' }, example: { id: 1, name: 'Rex' } } } });
    expect(at(spec, '/info/title')).toBe(`${file}:4:5`);
  });

  it('reads v2.0: string URLs, a raw body named by its Content-Type header', async () => {
    const spec = await load('postman/pets-v2.0.json');
    expect([spec.convertedFrom, spec.title]).toEqual(['postman-2.0', 'Pets (Postman 2.0)']);
    const file = 'test/fixtures/postman/pets-v2.0.json';
    expect(shape(spec)).toEqual([`GET /v1/pets [] ${file}:15:9`, `POST /v1/pets [] ${file}:24:9`, `GET /v1/pets/{id} [path:id] ${file}:34:9`]);
    // v2.0's raw body has no `language`: the converter wrote it as */* with its text JSON-encoded again.
    const post = listOperations(spec).find((o) => o.method === 'post')!;
    expect(post.operation.requestBody).toEqual({ content: { 'application/json': { schema: { type: 'object', properties: { name: { type: 'string' } }, example: { name: 'Rex' } } } } });
  });

  it('explain locates each operation at its request item', async () => {
    const { code, stdout } = await cli(['explain', 'test/fixtures/postman/pets-v2.1.json']);
    expect(code).toBe(0);
    expect(stdout).toContain('Pets (Postman 2.1) 1.0.0 · test/fixtures/postman/pets-v2.1.json · OpenAPI 3.0.0 · 4 operations');
    expect(stdout).toContain('GET /v1/pets/{id}  test/fixtures/postman/pets-v2.1.json:59:9');
    expect(stdout).toContain('DELETE /v1/owners/{ownerId}  test/fixtures/postman/pets-v2.1.json:75:5');
  });

  it('reads the Postman API\'s wrapping, {"collection": {...}}', async () => {
    const spec = await load('postman/pets-api-wrapped.json');
    expect(spec.convertedFrom).toBe('postman-2.1');
    const file = 'test/fixtures/postman/pets-api-wrapped.json';
    expect(shape(spec)).toEqual([
      `GET /v1/pets [query:limit] ${file}:24:11`,
      `POST /v1/pets [] ${file}:47:11`,
      `GET /v1/pets/{id} [path:id] ${file}:99:11`,
      `DELETE /v1/owners/{ownerId} [path:ownerId] ${file}:126:7`,
    ]);
    expect(at(spec, '/info/title')).toBe(`${file}:5:7`);
  });

  it('refuses a v1 collection with the way to a v2.1 export', async () => {
    const error = await rejection(load('postman/pets-v1.json'));
    expect(error.code).toBe('SWORN_ERR_SPEC_VERSION');
    expect(error.message).toBe('this is a Postman collection in the v1 format; sworn converts Postman collections v2.0 and v2.1');
    expect(error.hint).toContain('Export → Collection v2.1');
    expect(error.location).toMatchObject({ file: 'test/fixtures/postman/pets-v1.json', line: 1, column: 1 });
    expect((await cli(['lint', 'test/fixtures/postman/pets-v1.json'])).code).toBe(2);
  });

  it('a saved response marked JSON whose body is not: SWORN_ERR_CONVERT at that body', async () => {
    const error = await rejection(load('postman/bad-saved-body.json'));
    expect(error.code).toBe('SWORN_ERR_CONVERT');
    expect(error.location).toMatchObject({ file: 'test/fixtures/postman/bad-saved-body.json', line: 8, column: 74, pointer: '/item/0/response/0/body' });
    const run = await cli(['lint', 'test/fixtures/postman/bad-saved-body.json']);
    expect([run.code, run.stderr]).toEqual([2, expect.stringContaining('SWORN_ERR_CONVERT: test/fixtures/postman/bad-saved-body.json:8:74')]);
  });

  it('auth as Postman means it: the request\'s, else its folder\'s, else the collection\'s; noauth is none; apikey an API key; oauth2 a Bearer token', async () => {
    const spec = await load('postman/auth-kinds.json');
    const security = Object.fromEntries(listOperations(spec).map((o) => [`${o.method.toUpperCase()} ${o.path}`, o.operation.security]));
    expect(spec.document.security).toEqual([{ apikeyAuth: [] }]);
    expect(security).toEqual({
      'GET /health': [], // the folder's noauth
      'GET /signed': [], // hawk: not describable, so not checked (noted)
      'GET /users': [{ oauth2Auth: [] }], // the folder's oauth2
      'PUT /upload': [{ oauth2Auth: [] }],
      'GET /items': undefined, // the collection's
      'GET /q': [{ apikeyAuth2: [] }], // its own, in the query
    });
    expect(spec.document.components?.securitySchemes).toEqual({
      apikeyAuth: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
      oauth2Auth: { type: 'http', scheme: 'bearer', description: expect.stringContaining('OAuth 2.0') },
      apikeyAuth2: { type: 'apiKey', in: 'query', name: 'api_key' },
    });
    const file = 'test/fixtures/postman/auth-kinds.json';
    expect(spec.conversionNotes.map((n) => `${at(spec, n.pointer)} ${n.message}`)).toEqual([`${file}:7:55 Postman's "hawk" auth has no OpenAPI security scheme, so requests are not checked for it`]);
    expect(at(spec, '/paths/~1users/get/security')).toBe(`${file}:9:23`); // the folder's auth
    expect(at(spec, '/components/securitySchemes/apikeyAuth2')).toBe(`${file}:16:56`);
  });

  it('reads what the converter skips or misreads: a bare URL request, a query in a string URL, headers as text, array and XML bodies', async () => {
    const spec = await load('postman/auth-kinds.json');
    const op = (path: string) => listOperations(spec).find((o) => o.path === path)!.operation;
    expect(op('/health').parameters).toEqual([{ name: 'verbose', in: 'query', schema: { type: 'integer' }, example: 1 }]);
    expect((op('/users').parameters ?? []).map((p) => `${(p as { in: string }).in}:${(p as { name: string }).name}`)).toEqual(['header:X-Trace', 'query:page', 'query:size']);
    // Accept, Content-Type and Authorization headers are ignored by OpenAPI: left out, the credential with them.
    expect(JSON.stringify(spec.document)).not.toContain('secret-token');
    expect(op('/upload').requestBody).toEqual({ content: { 'application/xml': { schema: { type: 'string', example: '<a>1</a>' } } } });
    // An example response without `status`: a reason phrase, not the number, and an array's schema is an array.
    expect(op('/items').responses).toEqual({ 200: { description: 'OK', content: { 'application/json': { schema: { type: 'array', items: { type: 'object', properties: { id: { type: 'integer' } } } }, example: [{ id: 1 }] } } } });
    // The file as read is unchanged: locations are into what the user wrote.
    expect(at(spec, '/paths/~1health/get')).toBe('test/fixtures/postman/auth-kinds.json:6:7');
  });

  it('infers body schemas from the examples (types and properties, none required), as Prism does', async () => {
    const spec = await load('postman/pets-v2.1.json');
    const post = listOperations(spec).find((o) => o.method === 'post')!.operation;
    expect(post.requestBody).toEqual({ content: { 'application/json': { schema: { type: 'object', properties: { name: { type: 'string' }, tag: { type: 'string' } }, example: { name: 'Rex', tag: 'dog' } } } } });
    expect((post.responses as Record<string, { content: Record<string, { schema: unknown }> }>)['201']!.content['application/json']!.schema).toEqual({ type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } } });
  });

  it('reads a collection written by hand: no `info.schema`, items without names, URLs by their parts, a saved response typed by its Content-Type', async () => {
    const spec = await load('postman/by-hand.json');
    expect(spec.convertedFrom).toBe('postman-2.1');
    const file = 'test/fixtures/postman/by-hand.json';
    expect(shape(spec)).toEqual([`GET /todos [query:done] ${file}:4:5`, `POST /todos [] ${file}:13:5`]);
    expect(listOperations(spec).map((o) => o.operation.summary)).toEqual(['GET /todos', 'Create']);
    // No `_postman_previewlanguage`: the converter said text/plain; the saved Content-Type says JSON.
    expect(listOperations(spec)[0]!.operation.responses).toEqual({ 200: { description: 'OK', content: { 'application/json': { schema: { type: 'array', items: { type: 'string' } }, example: ['a', 'b'] } } } });
  });

  it('the mock serves a collection: its saved example response, its auth enforced', async () => {
    const spec = await load('postman/pets-v2.1.json');
    const mock: RunningMock = await startMock({ spec, port: 0, adminPort: null });
    open.push(mock);
    const created = await call(`${mock.url}/v1/pets`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer t' }, body: '{"name": "Rex"}' });
    expect([created.status, created.json()]).toEqual([201, { id: 1, name: 'Rex' }]);
    expect((await call(`${mock.url}/v1/pets`)).status).toBe(401);
    // The body schema inferred from the collection's example: a name that is not a string is refused.
    const wrong = await call(`${mock.url}/v1/pets`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer t' }, body: '{"name": 7}' });
    expect(wrong.status).toBe(422);
  });
});

const open: RunningMock[] = [];
afterEach(async () => {
  for (const m of open.splice(0)) await m.close();
});
