import { describe, expect, it } from 'vitest';
import { allSecretNames, CREDENTIAL_WORDS, looksLikeCredential } from '../../src/validate/index.js';
import { REDACTED, redactBody, redactHeaders, redactPath, redactQuery, redactUrl } from '../../src/proxy/redact.js';
import { compiledFrom, document } from '../validate/spec-from.js';

const hidden = { type: 'string', writeOnly: true };
const spec = document({
  '/vaults/{vault}/items/{item}': {
    post: {
      operationId: 'store',
      parameters: [
        { name: 'vault', in: 'path', required: true, schema: { type: 'string', format: 'password' } },
        { name: 'item', in: 'path', required: true, schema: { type: 'string' } },
        { name: 'x-seal', in: 'header', schema: { allOf: [{ $ref: '#/components/schemas/Hidden' }] } },
        { name: 'filter', in: 'query', style: 'deepObject', schema: { type: 'object', properties: { motto: hidden } } },
      ],
      requestBody: {
        content: {
          'application/json': {
            schema: {
              type: 'object',
              properties: {
                viaRef: { $ref: '#/components/schemas/Hidden' },
                viaAllOf: { allOf: [{ type: 'string' }, { format: 'password' }] },
                viaOneOf: { oneOf: [{ type: 'integer' }, hidden] },
                list: { type: 'array', items: hidden },
                tuple: { type: 'array', prefixItems: [{ type: 'string' }, hidden] },
                map: { type: 'object', additionalProperties: hidden },
                patterned: { type: 'object', patternProperties: { '^x': hidden } },
                deep: { type: 'object', properties: { deeper: { type: 'array', items: { $ref: '#/components/schemas/Holder' } } } },
                name: { type: 'string' },
              },
            },
          },
        },
      },
      responses: { 200: { description: 'ok', headers: { 'x-grant': { schema: { type: 'string', format: 'password' } }, 'x-trace': { schema: { type: 'string' } } } } },
    },
  },
  '/files/prefix-{token}.json': { get: { operationId: 'file', parameters: [{ name: 'token', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: { description: 'ok' } } } },
  '/keys/{key}': { get: { operationId: 'key', parameters: [{ name: 'key', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: { description: 'ok' } } } },
}, {
  schemas: { Hidden: hidden, Holder: { type: 'object', properties: { phrase: { allOf: [{ $ref: '#/components/schemas/Hidden' }] }, cvv: { type: 'string' } } } },
  securitySchemes: { gate: { type: 'apiKey', in: 'header', name: 'X-Custom-Gate' }, q: { type: 'apiKey', in: 'query', name: 'gatepass_q' } },
});

describe('credential names, by words', () => {
  it('masks credential headers and fields the substring rule missed, and names that only contain such letters stay visible', () => {
    const masked = ['Ocp-Apim-Subscription-Key', 'X-Auth', 'X-Access-Key', 'x-api-key', 'XAPIKey', 'apiKey', 'api_key', 'Authorization', 'Proxy-Authorization', 'Cookie', 'Set-Cookie',
      'pin', 'cvv', 'cvv2', 'cvc', 'otp', 'ssn', 'social_security_number', 'card_number', 'cardNumber', 'verification-code', 'password', 'newPassword', 'user_passwd', 'pwd', 'passphrase',
      'client_secret', 'clientsecret', 'accesstoken', 'refresh_tokens', 'id_token', 'sessionID', 'session', 'sid', 'x-csrf-token', 'X-XSRF', 'x-amz-security-token', 'X-Amz-Signature', 'sig',
      'jwt', 'bearer', 'private_key', 'privateKey', 'credentials', 'mfa', 'totp'];
    const visible = ['keyboard', 'monkey', 'turkey', 'author', 'authority', 'tokenizer', 'secretary', 'passenger', 'compass', 'spinner', 'pinned', 'opinion', 'design', 'signal', 'cookbook',
      'name', 'id', 'content-type', 'x-request-id', 'accept', 'user-agent', 'limit', 'private', 'description', 'max_tokens', 'prompt_tokens', 'token_type', 'password_min_length', 'api_key_count', 'auth_type'];
    expect(masked.filter((n) => !looksLikeCredential(n))).toEqual([]);
    expect(visible.filter((n) => looksLikeCredential(n))).toEqual([]);
    for (const word of ['auth', 'pin', 'otp', 'cvv', 'ssn', 'key', 'token']) expect(CREDENTIAL_WORDS).toContain(word);
  });
});

describe('secretNames and secret parameters', () => {
  it('covers format password / writeOnly through $ref, allOf, oneOf, items, prefixItems, additionalProperties, patternProperties and depth; every apiKey name', async () => {
    const { op } = await compiledFrom(spec);
    const store = op('store');
    for (const name of ['vault', 'x-seal', 'motto', 'viaRef', 'viaAllOf', 'viaOneOf', 'list', 'tuple', 'map', 'patterned', 'phrase', 'cvv', 'x-grant', 'x-custom-gate', 'gatepass_q']) expect([...store.secretNames], name).toContain(name);
    for (const name of ['item', 'name', 'deep', 'x-trace']) expect([...store.secretNames], name).not.toContain(name);
    expect(store.params.filter((p) => p.secret).map((p) => p.name)).toEqual(['vault', 'x-seal']);
    expect([...op('file').secretNames]).toEqual(expect.arrayContaining(['x-custom-gate', 'gatepass_q', 'token'])); // API keys are secret wherever they are sent
  });

  it('unites every operation\'s names for what matched no operation', async () => {
    const { compiled } = await compiledFrom(spec);
    const all = allSecretNames(compiled);
    for (const name of ['vault', 'viaRef', 'phrase', 'token', 'x-custom-gate', 'gatepass_q']) expect([...all], name).toContain(name);
    expect(redactHeaders({ 'x-custom-gate': 'g1', 'x-trace': 't' }, all)).toEqual({ 'x-custom-gate': REDACTED, 'x-trace': 't' });
  });

  it('redacts bodies, headers and queries by them', async () => {
    const { op } = await compiledFrom(spec);
    const names = op('store').secretNames;
    const body = { viaRef: 'r1', list: ['l1'], map: { any: 'm1' }, name: 'visible', deep: { deeper: [{ phrase: 'p1', cvv: 123, ok: true }] }, pin: 4321, keyboard: 'qwerty', x: { otp: '999', mfa_enabled: false } };
    const excerpt = redactBody(Buffer.from(JSON.stringify(body)), 'application/json', names);
    expect(excerpt).toEqual({ viaRef: REDACTED, list: REDACTED, map: REDACTED, name: 'visible', deep: { deeper: [{ phrase: REDACTED, cvv: REDACTED, ok: true }] }, pin: REDACTED, keyboard: 'qwerty', x: { otp: REDACTED, mfa_enabled: false } });
    expect(redactHeaders({ 'ocp-apim-subscription-key': 'k1', 'x-auth': 'a1', 'x-access-key': 'k2', 'x-custom-gate': 'g1', 'x-seal': 's1', 'x-trace': 't1' }, names))
      .toEqual({ 'ocp-apim-subscription-key': REDACTED, 'x-auth': REDACTED, 'x-access-key': REDACTED, 'x-custom-gate': REDACTED, 'x-seal': REDACTED, 'x-trace': 't1' });
    expect(redactQuery('gatepass_q=g2&filter%5Bmotto%5D=m2&filter[name]=n&limit=5&user%5Bpassword%5D=p&a+b=c', names)).toBe(`gatepass_q=${REDACTED}&filter%5Bmotto%5D=${REDACTED}&filter[name]=n&limit=5&user%5Bpassword%5D=${REDACTED}&a+b=c`);
  });
});

describe('redactPath and redactUrl', () => {
  it('replaces secret path values however they were encoded, after a base path, and keeps the rest', async () => {
    const { op } = await compiledFrom(spec);
    const store = op('store');
    expect(redactPath('/vaults/s%33cret/items/42', { vault: 's3cret', item: '42' }, store)).toBe(`/vaults/${REDACTED}/items/42`);
    expect(redactPath('/api/v1/vaults/a%20b%2fc/items/7', { vault: 'a b/c', item: '7' }, store)).toBe(`/api/v1/vaults/${REDACTED}/items/7`);
    expect(redactPath('/vaults/p%C3%A4ssword/items/1', { vault: 'p\u00e4ssword', item: '1' }, store)).toBe(`/vaults/${REDACTED}/items/1`);
    expect(redactPath('/vaults/p%c3%a4ssword/items/1?x=1', { vault: 'p\u00e4ssword', item: '1' }, store)).toBe(`/vaults/${REDACTED}/items/1?x=1`);
    expect(redactPath('/VAULTS/items/ITEMS/7', { vault: 'items', item: '7' }, store)).toBe(`/VAULTS/${REDACTED}/ITEMS/7`); // literal segments stay
    expect(redactPath('/vaults/x/items/x', { vault: 'x', item: 'x' }, store)).toBe(`/vaults/${REDACTED}/items/${REDACTED}`); // the same value elsewhere goes too
    expect(redactPath('/vaults/a/b/items/1', { vault: 'a/b', item: '1' }, store)).toBe(`/vaults/${REDACTED}/items/1`); // spans segments: the template
    expect(redactPath('/files/prefix-abc%2Exyz.json', { token: 'abc.xyz' }, op('file'))).toBe(`/files/prefix-${REDACTED}.json`);
    expect(redactPath('/keys/keys', { key: 'keys' }, op('key'))).toBe(`/keys/${REDACTED}`);
    expect(redactPath('/keys/k1', {}, op('key'))).toBe('/keys/k1');
  });

  it('redacts log URLs: query, path, user-info', async () => {
    const { op } = await compiledFrom(spec);
    const store = op('store');
    expect(redactUrl('/vaults/s3cret/items/1?gatepass_q=g&limit=5&token=t', store.secretNames, { params: { vault: 's3cret', item: '1' }, operation: store })).toBe(`/vaults/${REDACTED}/items/1?gatepass_q=${REDACTED}&limit=5&token=${REDACTED}`);
    expect(redactUrl('/vaults/s3cret/items/1?limit=5', store.secretNames)).toBe('/vaults/s3cret/items/1?limit=5');
    expect(redactUrl('http://user:pw@example.test/keys/k?api_key=1', new Set())).toBe(`http://${REDACTED}@example.test/keys/k?api_key=${REDACTED}`);
  });
});
