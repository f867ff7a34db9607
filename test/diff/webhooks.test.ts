/* eslint-disable @typescript-eslint/no-explicit-any */
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { loadSpec, listOperations, type Spec } from '../../src/spec/index.js';
import { INVERTED_SIDES, NORMAL_SIDES, sidesOf, webhookOperations } from '../../src/diff/webhooks.js';
import { diffLifecycle } from '../../src/diff/lifecycle.js';
import { diffSpecs } from '../../src/diff/diff.js';
import { tempDir } from '../proxy/harness.js';
import { fixture } from '../helpers.js';

const FILE = fixture('diff/lifecycle/webhooks.yaml');
const NOW = new Date('2026-12-02T00:00:00Z');

async function variant(mutate: (doc: any) => void, name = 'b.yaml'): Promise<Spec> {
  const dir = tempDir();
  const doc = parse(readFileSync(FILE, 'utf8'));
  mutate(doc);
  writeFileSync(join(dir, name), stringify(doc));
  return loadSpec(join(dir, name));
}

/** The text of the line a pointer is written on. */
const lineAt = (spec: Spec, pointer: string) => {
  const { file, line } = spec.locate(pointer);
  return readFileSync(file, 'utf8').split('\n')[line - 1]!.trim();
};

describe('webhookOperations', () => {
  it('lists webhooks, then callbacks (nested ones too), each as an inverted operation written where its pointer says', async () => {
    const spec = await loadSpec(FILE);
    const ops = webhookOperations(spec);
    expect(ops.map((o) => ({ kind: o.kind, id: o.id, method: o.method, path: o.path, pointer: o.pointer }))).toEqual([
      { kind: 'webhook', id: 'newPetHook', method: 'post', path: 'webhook newPet', pointer: '/webhooks/newPet/post' },
      { kind: 'webhook', id: 'petEvent', method: 'post', path: 'webhook petEvent', pointer: '/components/pathItems/PetEvent/post' },
      { kind: 'callback', id: 'POST callback createSubscription onEvent {$request.body#/url}', method: 'post', path: 'callback createSubscription onEvent {$request.body#/url}', pointer: '/paths/~1subscriptions/post/callbacks/onEvent/{$request.body#~1url}/post' },
      { kind: 'callback', id: 'ackHook', method: 'put', path: 'callback createSubscription onEvent {$request.body#/url} onAck {$request.body#/ackUrl}', pointer: '/paths/~1subscriptions/post/callbacks/onEvent/{$request.body#~1url}/post/callbacks/onAck/{$request.body#~1ackUrl}/put' },
      { kind: 'callback', id: 'POST callback createSubscription onDone {$request.body#/doneUrl}', method: 'post', path: 'callback createSubscription onDone {$request.body#/doneUrl}', pointer: '/components/callbacks/Done/{$request.body#~1doneUrl}/post' },
    ]);
    for (const op of ops) {
      expect(op.direction).toBe('inverted');
      expect(op.sides).toBe(INVERTED_SIDES);
      expect(sidesOf(op)).toEqual({ parameters: 'response', requestBody: 'response', responses: 'request' });
      expect(lineAt(spec, op.pointer), op.path).toBe(`${op.method}:`);
      expect(spec.get(op.pointer)).toBe(op.operation);
    }
    expect(ops.map((o) => o.key)).toEqual(['POST webhook newPet', 'POST webhook petEvent', 'POST callback POST /subscriptions onEvent {$request.body#/url}', 'PUT callback POST callback POST /subscriptions onEvent {$request.body#/url} onAck {$request.body#/ackUrl}', 'POST callback POST /subscriptions onDone {$request.body#/doneUrl}']);
    expect(ops[2]).toMatchObject({ name: 'onEvent', expression: '{$request.body#/url}', parent: 'createSubscription' });
    expect(ops[3]).toMatchObject({ name: 'onAck', parent: 'POST callback createSubscription onEvent {$request.body#/url}' });
    expect(ops[0]!.operation.requestBody).toBeDefined();
    expect(sidesOf(listOperations(spec)[0]!)).toBe(NORMAL_SIDES);
    expect(NORMAL_SIDES).toEqual({ parameters: 'request', requestBody: 'request', responses: 'response' });
  });

  it('gives an operationId already taken the generated id, and lists nothing for a document without webhooks or callbacks', async () => {
    const taken = await variant((d) => { d.webhooks.newPet.post.operationId = 'createSubscription'; });
    expect(webhookOperations(taken)[0]!.id).toBe('POST webhook newPet');
    const none = await variant((d) => { delete d.webhooks; delete d.paths['/subscriptions'].post.callbacks; });
    expect(webhookOperations(none)).toEqual([]);
  });

  it('reads the x-webhooks of a 3.0 document, a name under webhooks too once', async () => {
    const spec = await variant((d) => {
      d.openapi = '3.0.3';
      d['x-webhooks'] = { newPet: d.webhooks.newPet, ping: { post: { operationId: 'ping', responses: { 200: { description: 'ok' } } } } };
      d.webhooks = { newPet: d.webhooks.newPet };
    });
    expect(webhookOperations(spec).filter((o) => o.kind === 'webhook').map((o) => [o.path, o.pointer])).toEqual([['webhook newPet', '/webhooks/newPet/post'], ['webhook ping', '/x-webhooks/ping/post']]);
  });

  it('reads callbacks of webhooks, and stops where callbacks reference themselves', async () => {
    const spec = await variant((d) => {
      d.webhooks.newPet.post.callbacks = { retry: { $ref: '#/components/callbacks/Loop' } };
      d.components.callbacks.Loop = { '{$request.body#/retryUrl}': { post: { responses: { 200: { description: 'ok' } }, callbacks: { again: { $ref: '#/components/callbacks/Loop' } } } } };
    });
    const ops = webhookOperations(spec);
    const loops = ops.filter((o) => o.name === 'retry' || o.name === 'again');
    expect(loops[0]).toMatchObject({ kind: 'callback', parent: 'newPetHook', path: 'callback newPetHook retry {$request.body#/retryUrl}', pointer: '/components/callbacks/Loop/{$request.body#~1retryUrl}/post' });
    expect(loops.length).toBe(8);
    expect(new Set(ops.map((o) => o.id)).size).toBe(ops.length);
  });
});

describe('lifecycle of webhooks and callbacks', () => {
  it('judges a removed webhook by its sunset, and its revert', async () => {
    const base = await loadSpec(FILE);
    const head = await variant((d) => delete d.webhooks.newPet);
    expect(diffLifecycle(base, head, {}, NOW)).toEqual([{ rule: 'operation-removed-before-sunset', severity: 'breaking', message: 'POST webhook newPet was removed before its announced sunset on 2027-03-01 (89 days early)', basePointer: '/webhooks/newPet/post', headPointer: undefined, operation: 'newPetHook' }]);
    expect(diffLifecycle(head, base, {}, NOW)).toEqual([]);
  });

  it('reports a callback deprecated and a webhook parameter deprecated, and their reverts', async () => {
    const base = await loadSpec(FILE);
    const head = await variant((d) => {
      d.paths['/subscriptions'].post.callbacks.onEvent['{$request.body#/url}'].post.deprecated = true;
      d.webhooks.newPet.post.parameters[0].deprecated = true;
    });
    const forward = diffLifecycle(base, head, {}, NOW);
    expect(forward.map((c) => [c.rule, c.operation, c.message])).toEqual([
      ['parameter-deprecated', 'newPetHook', 'header parameter `X-Signature` is now deprecated'],
      ['operation-deprecated', 'POST callback createSubscription onEvent {$request.body#/url}', 'POST callback createSubscription onEvent {$request.body#/url} is now deprecated'],
    ]);
    expect(head.locate(forward[1]!.headPointer!).line).toBeGreaterThan(1);
    expect(diffLifecycle(head, base, {}, NOW).map((c) => c.rule)).toEqual(['parameter-reactivated', 'operation-reactivated']);
  });

  it('matches a callback by its expression: a new URL expression is the old callback removed', async () => {
    const base = await loadSpec(FILE);
    const head = await variant((d) => {
      const callbacks = d.paths['/subscriptions'].post.callbacks.onEvent;
      callbacks['{$request.body#/callbackUrl}'] = callbacks['{$request.body#/url}'];
      delete callbacks['{$request.body#/url}'];
    });
    // Neither was deprecated: no lifecycle finding; `sworn diff` reports each removed, and the new ones added.
    expect(diffLifecycle(base, head, {}, NOW)).toEqual([]);
    const changes = diffSpecs(base, head, { now: NOW }).changes.map((c) => [c.rule, c.severity, c.operationId ?? c.operation]);
    expect(changes.filter(([rule]) => rule === 'operation-webhook-removed')).toEqual([
      ['operation-webhook-removed', 'breaking', 'POST callback createSubscription onEvent {$request.body#/url}'],
      ['operation-webhook-removed', 'breaking', 'ackHook'],
    ]);
    expect(changes.filter(([rule]) => rule === 'operation-webhook-added')).toHaveLength(2);
  });
});
