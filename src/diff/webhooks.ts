import type { OpenAPIV3 } from 'openapi-types';
import type { Spec } from '../spec/load-spec.js';
import { isRef } from '../spec/load-spec.js';
import { HTTP_METHODS, listOperations, type Operation } from '../spec/operations.js';
import { appendPointer } from '../spec/pointer.js';
import type { Direction } from './schema-witness.js';

/**
 * Which way each part of an operation travels, seen from the consumer.
 * For an operation under `paths` the consumer is the client: it sends the
 * parameters and the request body (compare them with request rules: the
 * API may only accept more) and receives the responses (response rules).
 */
export interface Sides {
  parameters: Direction;
  requestBody: Direction;
  responses: Direction;
}

/** An operation under `paths`: the consumer calls the API. */
export const NORMAL_SIDES: Readonly<Sides> = Object.freeze({ parameters: 'request', requestBody: 'request', responses: 'response' });

/**
 * A webhook or callback: the API calls the consumer. The parameters and the
 * request body are what the consumer's server receives (compare them with
 * response rules: they may only narrow, and losing what the consumer relied
 * on is breaking); the responses are what the consumer's server sends back
 * (request rules: the API must keep accepting them).
 */
export const INVERTED_SIDES: Readonly<Sides> = Object.freeze({ parameters: 'response', requestBody: 'response', responses: 'request' });

/**
 * A webhook (OpenAPI 3.1 `webhooks`) or a callback (`callbacks` under an
 * operation, a webhook or another callback), shaped like an {@link Operation}
 * so it can be compared with the same code: `path` is a path-like name,
 * `webhook newPet` or `callback createPet onEvent {$request.body#/url}` (a
 * callback of a callback: its parent's name, then its own name and expression).
 */
export interface WebhookOperation extends Operation {
  kind: 'webhook' | 'callback';
  /** The API is the client: see {@link INVERTED_SIDES}. */
  direction: 'inverted';
  sides: Readonly<Sides>;
  /**
   * Matches the same webhook or callback in another version, whatever the
   * operationIds: `POST webhook newPet`, `POST callback POST /subscriptions
   * onEvent {$request.body#/url}` (its parent's key, then its own name and
   * expression; path templates as `{}`, as operations are matched).
   */
  key: string;
  /** The webhook's name, or the callback's name (`onEvent`). */
  name: string;
  /** For a callback: the runtime expression of its URL (`{$request.body#/url}`). */
  expression?: string;
  /** For a callback: the id of the operation (or webhook, or callback) that declares it. */
  parent?: string;
}

/** How deep callbacks of callbacks are followed. */
const MAX_CALLBACK_DEPTH = 8;

/**
 * Lists every webhook and callback as an operation, in document order:
 * webhooks first (3.1 `webhooks`, then the `x-webhooks` extension of 3.0
 * documents), then the callbacks of each operation under `paths`, each
 * followed by the callbacks it declares in turn. `$ref`s to path items and
 * callbacks (`#/components/callbacks/...`, `#/components/pathItems/...`) are
 * followed, and pointers name where the operation is written. Ids follow
 * {@link listOperations}: the `operationId`, or `POST webhook newPet` when
 * there is none or it is already taken.
 *
 * @example
 * webhookOperations(spec).map((o) => o.path); // ['webhook newPet', 'callback createPet onEvent {$request.body#/url}']
 */
export function webhookOperations(spec: Spec): WebhookOperation[] {
  const paths = listOperations(spec);
  const seen = new Set(paths.map((o) => o.id));
  const out: WebhookOperation[] = [];
  // OpenAPI 3.1 `webhooks`, and the `x-webhooks` 3.0 documents use (GitHub's, Redoc's); a name in both is read once.
  const names = new Set<string>();
  for (const field of ['webhooks', 'x-webhooks']) {
    const webhooks = (spec.document as unknown as Record<string, unknown>)[field];
    if (!webhooks || typeof webhooks !== 'object' || Array.isArray(webhooks)) continue;
    for (const name of Object.keys(webhooks)) {
      if (names.has(name)) continue;
      names.add(name);
      for (const op of pathItemOperations(spec, (webhooks as Record<string, unknown>)[name], appendPointer(`/${field}`, name), `webhook ${name}`, seen)) out.push({ ...op, kind: 'webhook', name });
    }
  }
  const callbacksOf = (parent: Operation, depth: number): void => {
    const raw = parent.operation.callbacks;
    if (depth > MAX_CALLBACK_DEPTH || !raw || typeof raw !== 'object') return;
    for (const name of Object.keys(raw)) {
      const { node: callback, pointer } = follow(spec, (raw as Record<string, unknown>)[name], appendPointer(parent.pointer, 'callbacks', name));
      if (!callback || typeof callback !== 'object' || Array.isArray(callback)) continue;
      for (const expression of Object.keys(callback)) {
        if (expression.startsWith('x-')) continue;
        const owner = 'kind' in parent ? (parent as WebhookOperation) : undefined;
        const label = owner?.kind === 'callback' ? `${owner.path} ${name} ${expression}` : `callback ${parent.id} ${name} ${expression}`;
        const parentKey = owner ? owner.key : `${parent.method.toUpperCase()} ${parent.path.replace(/\{[^}]+\}/g, '{}')}`;
        for (const op of pathItemOperations(spec, (callback as Record<string, unknown>)[expression], appendPointer(pointer, expression), label, seen, `callback ${parentKey} ${name} ${expression}`)) {
          const entry: WebhookOperation = { ...op, kind: 'callback', name, expression, parent: parent.id };
          out.push(entry);
          callbacksOf(entry, depth + 1);
        }
      }
    }
  };
  // Callbacks after the webhooks: those of each webhook, then of each operation under `paths`, depth first.
  for (const hook of out.filter((o) => o.kind === 'webhook')) callbacksOf(hook, 1);
  for (const op of paths) callbacksOf(op, 1);
  return out;
}

/** `NORMAL_SIDES` for an operation under `paths`, `INVERTED_SIDES` for a webhook or callback. */
export function sidesOf(op: Operation | WebhookOperation): Readonly<Sides> {
  return 'direction' in op && op.direction === 'inverted' ? INVERTED_SIDES : NORMAL_SIDES;
}

/** The operations of one path item (followed through `$ref`s) as webhook operations without their kind. */
function pathItemOperations(spec: Spec, raw: unknown, at: string, path: string, seen: Set<string>, keyName = path): Array<Omit<WebhookOperation, 'kind' | 'name'>> {
  const { node, pointer: pathItemPointer } = follow(spec, raw, at);
  if (!node || typeof node !== 'object' || Array.isArray(node)) return [];
  const pathItem = node as OpenAPIV3.PathItemObject;
  const out: Array<Omit<WebhookOperation, 'kind' | 'name'>> = [];
  for (const method of HTTP_METHODS) {
    const operation = pathItem[method];
    if (operation === null || typeof operation !== 'object') continue;
    const operationId = typeof operation.operationId === 'string' && operation.operationId !== '' ? operation.operationId : undefined;
    const generated = `${method.toUpperCase()} ${path}`;
    const key = `${method.toUpperCase()} ${keyName}`;
    let id = operationId ?? generated;
    if (seen.has(id)) id = generated;
    seen.add(id);
    out.push({ id, operationId, method, path, pointer: appendPointer(pathItemPointer, method), pathItemPointer, operation, pathItem, basePaths: [''], direction: 'inverted', sides: INVERTED_SIDES, key });
  }
  return out;
}

/** Follows internal `$ref`s, keeping the pointer of where the value is written. */
export function follow(spec: Spec, raw: unknown, pointer: string): { node: unknown; pointer: string } {
  let node = raw;
  let at = pointer;
  for (let hops = 0; hops < 64 && isRef(node); hops++) {
    const ref = node.$ref;
    if (!ref.startsWith('#')) return { node: spec.deref(node), pointer: at };
    at = decodeURIComponent(ref.slice(1));
    node = spec.get(ref);
  }
  return { node, pointer: at };
}
