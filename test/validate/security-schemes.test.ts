import { beforeAll, describe, expect, it } from 'vitest';
import { loadSpec, listOperations, type Operation, type Spec } from '../../src/spec/index.js';
import { compileValidators, isBasicCredential, isBearerCredential, isDigestCredential, LINT_COMPILER_OPTIONS, SchemaCompiler, validateRequest, validateResponse, wwwAuthenticate, type CompiledOperation, type RequestInput } from '../../src/validate/index.js';
import { fixture } from '../helpers.js';

let spec: Spec;
let operations: Operation[];
let lean: Map<Operation, CompiledOperation>;
const op = (id: string, compiled = lean) => [...compiled.values()].find((o) => o.operation.id === id)!;
beforeAll(async () => {
  spec = await loadSpec(fixture('checks/api.yaml'));
  operations = listOperations(spec);
  lean = compileValidators(spec, operations);
});

const input = (over: Partial<RequestInput> = {}): RequestInput => ({ params: {}, query: '', headers: {}, body: undefined, bodyTooLarge: false, ...over });
const json = (value: unknown): Partial<RequestInput> => ({ headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(value)) });
const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('credential formats', () => {
  it('Basic: base64 of user:password', () => {
    expect(isBasicCredential(`Basic ${b64('u:p')}`)).toBe(true);
    expect(isBasicCredential(`BASIC ${b64(':')}`)).toBe(true);
    expect(isBasicCredential('Basic abc123')).toBe(false);
    expect(isBasicCredential(`Basic ${b64('user')}`)).toBe(false);
    expect(isBasicCredential(`Basic ${b64('u:p')} extra`)).toBe(false);
    expect(isBasicCredential('Basic')).toBe(false);
    expect(isBasicCredential('')).toBe(false);
  });

  it('Bearer: a token68', () => {
    expect(isBearerCredential('Bearer abc')).toBe(true);
    expect(isBearerCredential('bearer a.b-c_d~e+f/g==')).toBe(true);
    expect(isBearerCredential('Bearer ')).toBe(false);
    expect(isBearerCredential('Bearer a b')).toBe(false);
    expect(isBearerCredential('Bearer =abc')).toBe(false);
    expect(isBearerCredential('Token abc')).toBe(false);
  });

  it('Digest: username, realm, nonce, uri and response, as auth-params (empty values pass, as in Prism)', () => {
    const full = 'Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';
    expect(isDigestCredential(full)).toBe(true);
    expect(isDigestCredential('Digest username*=UTF-8\'\'J%C3%A4s, realm="r", nonce="n", uri="/", response="x"')).toBe(true);
    expect(isDigestCredential('Digest username="a \\"quoted\\" name", realm="r", nonce="n", uri="/", response="x",')).toBe(true);
    expect(isDigestCredential('Digest realm="r", nonce="n", uri="/", response="x"')).toBe(false);
    expect(isDigestCredential('Digest username="u", realm="r", nonce="", uri="/", response="x"')).toBe(true);
    expect(isDigestCredential('Digest username="u", realm="r", uri="/", response="x"')).toBe(false);
    expect(isDigestCredential('Digest username="u" realm="r" nonce="n" uri="/" response="x"')).toBe(false);
    expect(isDigestCredential('Digest username="u, realm="r", nonce="n", uri="/", response="x"')).toBe(false);
    expect(isDigestCredential('Digest')).toBe(false);
    expect(isDigestCredential(`Basic ${b64('u:p')}`)).toBe(false);
  });
});

describe('wwwAuthenticate', () => {
  it('challenges what the request lacks; nothing when it meets a requirement', () => {
    const realm = 'realm="Checks \\"API\\""';
    expect(wwwAuthenticate(op('basicOnly'), { headers: {}, query: '' })).toBe(`Basic ${realm}`);
    expect(wwwAuthenticate(op('basicOnly'), { headers: { authorization: `Basic ${b64('u:p')}` }, query: '' })).toBeUndefined();
    expect(wwwAuthenticate(op('both'), { headers: {}, query: 'api_key=k' })).toBe(`Basic ${realm}`);
    expect(wwwAuthenticate(op('both'), { headers: { authorization: `Basic ${b64('u:p')}` }, query: '' })).toBe(`ApiKey ${realm}, in="query", name="api_key"`);
    expect(wwwAuthenticate(op('ping'), { headers: {}, query: '' })).toBeUndefined();
  });

  it('a realm of visible ASCII whatever the title', async () => {
    const other = await loadSpec(fixture('checks/api.yaml'));
    (other.document.info as { title: string }).title = 'Café \\ "x"\n';
    const compiled = compileValidators(other, listOperations(other));
    expect(wwwAuthenticate(op('bearerOnly', compiled), { headers: {}, query: '' })).toBe('Bearer realm="Caf? \\\\ \\"x\\"?"');
  });
});

describe('validateRequest', () => {
  it('names a schema\'s first error with lean validators, each error with allErrors ones and everyError', async () => {
    const body = json({ name: '', size: -1, kind: 'medium' });
    expect((await validateRequest(op('createThing'), input(body))).map((v) => v.pointer)).toEqual(['/name']);
    const thorough = compileValidators(spec, operations, new SchemaCompiler(spec, { allErrors: true }));
    expect((await validateRequest(op('createThing', thorough), input(body), { everyError: true })).map((v) => v.pointer)).toEqual(['/name', '/size', '/kind']);
    // everyError with a lean validator: still its one error.
    expect(await validateRequest(op('createThing'), input(body), { everyError: true })).toHaveLength(1);
    const linting = compileValidators(spec, operations, new SchemaCompiler(spec, LINT_COMPILER_OPTIONS));
    expect((await validateRequest(op('createThing', linting), input({ ...json({}), query: 'limit=x' }), { everyError: true })).map((v) => `${v.code} ${v.keyword} ${v.pointer}`)).toEqual([
      'request-parameter-invalid type limit',
      'request-body-invalid required ',
      'request-body-invalid required ',
      'request-body-invalid required ',
    ]);
  });

  it('responses too: each error with everyError', async () => {
    const response = { status: 201, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"size":"big"}'), bodyTooLarge: false, bodyless: false };
    expect(await validateResponse(op('createThing'), response)).toHaveLength(1);
    const thorough = compileValidators(spec, operations, new SchemaCompiler(spec, { allErrors: true }));
    expect((await validateResponse(op('createThing', thorough), response, { everyError: true })).map((v) => `${v.keyword} ${v.pointer}`)).toEqual(['required ', 'required ', 'type /size']);
  });

  it('a body for an operation without requestBody: request-body-unexpected (bytes, or a Content-Length above 0)', async () => {
    expect((await validateRequest(op('ping'), input({ body: Buffer.from('x') }))).map((v) => v.code)).toEqual(['request-body-unexpected']);
    expect((await validateRequest(op('ping'), input({ body: Buffer.alloc(0), bodyTooLarge: true }))).map((v) => v.code)).toEqual(['request-body-unexpected']);
    expect((await validateRequest(op('ping'), input({ headers: { 'content-length': '5' } }))).map((v) => v.code)).toEqual(['request-body-unexpected']);
    expect(await validateRequest(op('ping'), input({ body: Buffer.alloc(0), headers: { 'content-length': '0' } }))).toEqual([]);
  });

  it('reserved characters in form fields only when asked', async () => {
    const form = (text: string): Partial<RequestInput> => ({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from(text) });
    expect(await validateRequest(op('postForm'), input(form('strict=a/b')))).toEqual([]);
    expect((await validateRequest(op('postForm'), input(form('strict=a/b&open=c/d&unlisted=e/f')), { reservedCharacters: true })).map((v) => `${v.keyword} ${v.pointer}`)).toEqual(['allowReserved /strict']);
    expect(await validateRequest(op('postForm'), input(form('str%69ct=a%2Fb&open=c/d')), { reservedCharacters: true })).toEqual([]);
    expect((await validateRequest(op('postForm'), input(form('str%69ct=a;b')), { reservedCharacters: true })).map((v) => v.pointer)).toEqual(['/strict']);
  });

  it('Digest credentials meet a digest requirement; other schemes do not', async () => {
    expect(await validateRequest(op('digestOnly'), input({ headers: { authorization: 'Digest username="u", realm="r", nonce="n", uri="/digest", response="x"' } }))).toEqual([]);
    expect((await validateRequest(op('digestOnly'), input({ headers: { authorization: `Basic ${b64('u:p')}` } }))).map((v) => v.code)).toEqual(['request-security']);
  });
});
