import type { OpenAPIV3 } from 'openapi-types';
import type { Spec } from '../spec/index.js';
import type { Operation } from '../spec/operations.js';

const cache = new WeakMap<Operation, Map<number, { body: string; contentType: string } | null>>();

/**
 * The operation's own example answer for `status` (the exact status, else
 * its class `5XX`, else `default`), for an injected error fault: consumers
 * rehearse the error bodies the spec promises. Undefined when the spec has no
 * example there (the fault then answers problem+json). Found once per
 * operation and status. The proxy and the mock both answer with it.
 */
export function exampleFor(spec: Spec, op: Operation, status: number): { body: string; contentType: string } | undefined {
  let byStatus = cache.get(op);
  if (!byStatus) cache.set(op, (byStatus = new Map()));
  if (!byStatus.has(status)) byStatus.set(status, find(spec, op, status));
  return byStatus.get(status) ?? undefined;
}

function find(spec: Spec, op: Operation, status: number): { body: string; contentType: string } | null {
  try {
    const responses = (op.operation.responses ?? {}) as Record<string, unknown>;
    const key = [String(status), `${Math.floor(status / 100)}XX`, 'default'].find((k) => responses[k] !== undefined || responses[k.toLowerCase()] !== undefined);
    if (key === undefined) return null;
    const response = spec.deref(responses[key] ?? responses[key.toLowerCase()]) as OpenAPIV3.ResponseObject | undefined;
    for (const [contentType, media] of Object.entries(response?.content ?? {})) {
      const m = spec.deref(media) as OpenAPIV3.MediaTypeObject | undefined;
      let value: unknown = m?.example;
      if (value === undefined && m?.examples) {
        const first = Object.values(m.examples)[0];
        value = (spec.deref(first) as OpenAPIV3.ExampleObject | undefined)?.value;
      }
      if (value === undefined) continue;
      return { body: typeof value === 'string' && !/json/i.test(contentType) ? value : JSON.stringify(value), contentType };
    }
    return null;
  } catch {
    return null; // an odd spec never fails the fault: it answers problem+json
  }
}
