/* eslint-disable @typescript-eslint/no-explicit-any */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpec } from '../../src/spec/index.js';
import { diffSpecs } from '../../src/diff/diff.js';
import type { Change } from '../../src/diff/change.js';
import { tempDir } from '../proxy/harness.js';

type Version = '3.1' | '3.0';

/** A webhook `newPet` (under `webhooks` in 3.1, `x-webhooks` in 3.0) and a callback `onEvent` of `POST /subscriptions`. */
function hookDoc(version: Version): any {
  const event = () => ({ $ref: '#/components/schemas/Event' });
  return {
    openapi: version === '3.1' ? '3.1.0' : '3.0.3',
    info: { title: 'Hooks', version: '1.0.0' },
    components: {
      securitySchemes: { signature: { type: 'apiKey', in: 'header', name: 'X-Signature' }, bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Event: { type: 'object', required: ['id', 'kind'], properties: { id: { type: 'string' }, kind: { type: 'string', enum: ['created', 'deleted'] }, tag: { type: 'string' } } },
      },
    },
    [version === '3.1' ? 'webhooks' : 'x-webhooks']: {
      newPet: {
        post: {
          operationId: 'newPetHook',
          parameters: [{ name: 'X-Signature', in: 'header', required: true, schema: { type: 'string' } }, { name: 'topic', in: 'query', schema: { type: 'string' } }],
          requestBody: { required: true, content: { 'application/json': { schema: event() } } },
          responses: { 200: { description: 'received' }, 202: { description: 'queued' } },
        },
      },
    },
    paths: {
      '/subscriptions': {
        post: {
          operationId: 'createSubscription',
          requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { url: { type: 'string' }, note: { type: 'string' } } } } } },
          responses: { 201: { description: 'created' } },
          callbacks: {
            onEvent: {
              '{$request.body#/url}': {
                post: {
                  security: [{ signature: [] }],
                  requestBody: { content: { 'application/json': { schema: event() } } },
                  responses: { 200: { description: 'ok', content: { 'application/json': { schema: { type: 'object', properties: { status: { type: 'string', maxLength: 50 } } } } } } },
                },
              },
            },
          },
        },
      },
    },
  };
}

const hook = (d: any) => (d.webhooks ?? d['x-webhooks']).newPet.post;
const callback = (d: any) => d.paths['/subscriptions'].post.callbacks.onEvent['{$request.body#/url}'].post;

async function diff(version: Version, mutate: (doc: any) => void, both: (doc: any) => void = () => undefined): Promise<{ forward: Change[]; back: Change[] }> {
  const dir = tempDir();
  const a = hookDoc(version);
  const b = hookDoc(version);
  both(a);
  both(b);
  mutate(b);
  writeFileSync(join(dir, 'a.json'), JSON.stringify(a, null, 2));
  writeFileSync(join(dir, 'b.json'), JSON.stringify(b, null, 2));
  const [specA, specB] = [await loadSpec(join(dir, 'a.json')), await loadSpec(join(dir, 'b.json'))];
  return { forward: diffSpecs(specA, specB).changes, back: diffSpecs(specB, specA).changes };
}

const brief = (changes: Change[]) => changes.map((c) => ({ rule: c.rule, severity: c.severity, operation: c.operation }));
const WEBHOOK = 'newPetHook (POST webhook newPet)';
const CALLBACK = 'POST callback createSubscription onEvent {$request.body#/url}';

/** Each change to a webhook or callback, what it is reported as, and what its revert is reported as (null: nothing breaking or warning). */
const PAIRS: Array<[string, (d: any) => void, { rule: string; severity: string; operation: string }, { rule: string; severity: string; operation: string } | null]> = [
  ['a webhook body property removed (judged as a response)', (d) => delete d.components.schemas.Event.properties.tag, { rule: 'response-property-removed', severity: 'breaking', operation: WEBHOOK }, { rule: 'response-property-added', severity: 'safe', operation: WEBHOOK }],
  ['a required header added to a webhook', (d) => hook(d).parameters.push({ name: 'X-Delivery', in: 'header', required: true, schema: { type: 'string' } }), { rule: 'response-parameter-added', severity: 'safe', operation: WEBHOOK }, { rule: 'response-parameter-removed', severity: 'breaking', operation: WEBHOOK }],
  ['a webhook header no longer required', (d) => { hook(d).parameters[0].required = false; }, { rule: 'response-parameter-now-optional', severity: 'breaking', operation: WEBHOOK }, { rule: 'response-parameter-now-required', severity: 'safe', operation: WEBHOOK }],
  ['a webhook body no longer required', (d) => { hook(d).requestBody.required = false; }, { rule: 'response-body-now-optional', severity: 'breaking', operation: WEBHOOK }, null],
  ['a webhook body removed', (d) => delete hook(d).requestBody, { rule: 'response-body-removed', severity: 'breaking', operation: WEBHOOK }, { rule: 'response-body-added', severity: 'safe', operation: WEBHOOK }],
  ['a webhook query parameter allows reserved characters', (d) => { hook(d).parameters[1].allowReserved = true; }, { rule: 'response-parameter-reserved-allowed', severity: 'breaking', operation: WEBHOOK }, { rule: 'response-parameter-reserved-disallowed', severity: 'safe', operation: WEBHOOK }],
  ['a webhook that sent no credentials authenticates its calls', (d) => { hook(d).security = [{ signature: [] }]; }, { rule: 'security-webhook-credentials-added', severity: 'safe', operation: WEBHOOK }, { rule: 'security-webhook-credentials-removed', severity: 'breaking', operation: WEBHOOK }],
  ['a callback no longer authenticates its calls', (d) => { callback(d).security = []; }, { rule: 'security-webhook-credentials-removed', severity: 'breaking', operation: CALLBACK }, { rule: 'security-webhook-credentials-added', severity: 'safe', operation: CALLBACK }],
  ['a callback authenticates another way', (d) => { callback(d).security = [{ bearer: [] }]; }, { rule: 'security-webhook-changed', severity: 'breaking', operation: CALLBACK }, { rule: 'security-webhook-changed', severity: 'breaking', operation: CALLBACK }],
  ['a webhook removed', (d) => delete (d.webhooks ?? d['x-webhooks']).newPet, { rule: 'operation-webhook-removed', severity: 'breaking', operation: WEBHOOK }, { rule: 'operation-webhook-added', severity: 'safe', operation: WEBHOOK }],
  ['a callback removed', (d) => delete d.paths['/subscriptions'].post.callbacks, { rule: 'operation-webhook-removed', severity: 'breaking', operation: CALLBACK }, { rule: 'operation-webhook-added', severity: 'safe', operation: CALLBACK }],
  ['a callback response schema narrowed (judged as a request)', (d) => { callback(d).responses[200].content['application/json'].schema.properties.status.maxLength = 20; }, { rule: 'request-constraint-narrowed', severity: 'breaking', operation: CALLBACK }, { rule: 'request-constraint-relaxed', severity: 'safe', operation: CALLBACK }],
  ['a status a webhook accepted back removed', (d) => delete hook(d).responses[202], { rule: 'request-status-removed', severity: 'breaking', operation: WEBHOOK }, { rule: 'request-status-added', severity: 'safe', operation: WEBHOOK }],
  ['a callback response media type removed', (d) => { callback(d).responses[200].content = { 'text/plain': { schema: { type: 'string' } } }; }, { rule: 'request-media-type-removed', severity: 'breaking', operation: CALLBACK }, { rule: 'request-media-type-removed', severity: 'breaking', operation: CALLBACK }],
];

for (const version of ['3.1', '3.0'] as const) {
  describe(`sworn diff of webhooks and callbacks (${version === '3.1' ? '3.1 webhooks' : '3.0 x-webhooks'}), each change and its revert`, () => {
    for (const [name, mutate, expected, revert] of PAIRS) {
      it(name, async () => {
        const { forward, back } = await diff(version, mutate);
        expect(brief(forward), name).toContainEqual(expected);
        const found = forward.find((c) => c.rule === expected.rule && c.operation === expected.operation)!;
        expect(found.head ?? found.base).toMatchObject({ file: expect.stringMatching(/[ab]\.json$/), line: expect.any(Number) });
        // The proxy never sees the API's calls: no usage key, so --usage cannot lower them.
        expect(found.usageKey).toBeUndefined();
        if (revert) expect(brief(back), `revert of ${name}`).toContainEqual(revert);
        else expect(back.filter((c) => c.severity !== 'safe'), `revert of ${name}`).toEqual([]);
      });
    }

    it('judges a webhook body property added as safe, and the same change to an operation body by the request rules', async () => {
      const { forward } = await diff(version, (d) => {
        d.components.schemas.Event.properties.color = { type: 'string' };
        d.paths['/subscriptions'].post.requestBody.content['application/json'].schema.properties.color = { type: 'string' };
      });
      expect(brief(forward)).toContainEqual({ rule: 'response-property-added', severity: 'safe', operation: WEBHOOK });
      expect(brief(forward)).toContainEqual({ rule: 'response-property-added', severity: 'safe', operation: CALLBACK });
      expect(brief(forward)).toContainEqual({ rule: 'request-property-added', severity: 'safe', operation: 'createSubscription (POST /subscriptions)' });
      expect(forward.filter((c) => c.severity !== 'safe')).toEqual([]);
    });

    it('reports a webhook body property removed once per webhook and callback, and a removed operation body property by the request rules', async () => {
      const { forward } = await diff(version, (d) => {
        delete d.components.schemas.Event.properties.tag;
        delete d.paths['/subscriptions'].post.requestBody.content['application/json'].schema.properties.note;
      });
      expect(brief(forward).filter((c) => c.rule === 'response-property-removed')).toEqual([
        { rule: 'response-property-removed', severity: 'breaking', operation: WEBHOOK },
        { rule: 'response-property-removed', severity: 'breaking', operation: CALLBACK },
      ]);
      expect(brief(forward).filter((c) => c.rule.startsWith('request-property'))).toEqual([{ rule: 'request-property-removed', severity: 'warning', operation: 'createSubscription (POST /subscriptions)' }]);
    });

    it('judges a webhook\'s own security only, a way of authenticating dropped as safe, the document\'s security for operations', async () => {
      const root = await diff(version, (d) => { d.security = [{ bearer: [] }]; });
      expect(brief(root.forward)).toEqual([{ rule: 'security-requirement-added', severity: 'breaking', operation: 'createSubscription (POST /subscriptions)' }]);
      const fewer = await diff(version, (d) => { callback(d).security = [{ signature: [] }]; }, (d) => { callback(d).security = [{ signature: [] }, { bearer: [] }]; });
      expect(fewer.forward).toEqual([]);
      expect(brief(fewer.back)).toEqual([{ rule: 'security-webhook-changed', severity: 'breaking', operation: CALLBACK }]);
      expect(fewer.back[0]!.message).toBe("the API may now authenticate with bearer, which consumers' servers were not set up to accept (was signature)");
      expect(fewer.back[0]!.head).toMatchObject({ pointer: '/paths/~1subscriptions/post/callbacks/onEvent/{$request.body#~1url}/post/security' });
    });

    it('judges a removed webhook header that was deprecated by its sunset', async () => {
      const { forward } = await diff(version, (d) => hook(d).parameters.shift(), (d) => Object.assign(hook(d).parameters[0], { deprecated: true, 'x-sunset': '2020-01-01' }));
      expect(brief(forward)).toEqual([{ rule: 'parameter-removed-after-sunset', severity: 'warning', operation: WEBHOOK }]);
      expect(forward[0]!.message).toBe("required header parameter `X-Signature`, sent to consumers' servers, was removed after its sunset on 2020-01-01");
    });

    it('sees no change when nothing changed, and matches a webhook whose operationId changed by its name', async () => {
      expect((await diff(version, () => undefined)).forward).toEqual([]);
      const { forward } = await diff(version, (d) => { hook(d).operationId = 'petCreated'; });
      expect(forward).toEqual([]);
    });

    it('lowers what would break in an alpha webhook to safe, saying why', async () => {
      const { forward } = await diff(version, (d) => { hook(d).parameters[0].required = false; }, (d) => { hook(d)['x-stability-level'] = 'alpha'; });
      const found = forward.find((c) => c.rule === 'response-parameter-now-optional');
      expect(found).toMatchObject({ severity: 'safe', message: expect.stringContaining('x-stability-level `alpha`') });
    });
  });
}
