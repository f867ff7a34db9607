import { appendPointer } from '../spec/pointer.js';

/** Keywords whose value is one schema, a list of schemas, or a map of named schemas. */
const ONE = ['items', 'additionalItems', 'additionalProperties', 'unevaluatedItems', 'unevaluatedProperties', 'contains', 'propertyNames', 'not', 'if', 'then', 'else'];
const LIST = ['allOf', 'anyOf', 'oneOf', 'prefixItems', 'items'];
const MAP = ['properties', 'patternProperties', 'x-patternProperties', '$defs', 'definitions', 'dependentSchemas'];

/**
 * Calls `visit` for every Schema Object of an OpenAPI document, each once,
 * where it is written: `components.schemas` entries and every `schema` of
 * parameters, headers and media types (paths, components, callbacks,
 * webhooks), and their subschemas at any depth. `$ref`s are not followed
 * (the target is visited where it is written); example values are never
 * taken for schemas. Iterative: deep documents cannot overflow the stack.
 */
export function eachSchema(document: unknown, visit: (schema: Record<string, unknown>, pointer: string) => void): void {
  const stack: Array<[node: unknown, pointer: string, schema: boolean]> = [[document, '', false]];
  const seen = new Set<unknown>();
  while (stack.length > 0) {
    const [node, pointer, schema] = stack.pop()!;
    if (node === null || typeof node !== 'object' || seen.has(node)) continue;
    seen.add(node);
    if (Array.isArray(node)) {
      if (!schema) node.forEach((item, i) => stack.push([item, appendPointer(pointer, i), false]));
      continue;
    }
    const record = node as Record<string, unknown>;
    if (!schema) {
      for (const [key, value] of Object.entries(record)) {
        if (key === 'example' || key === 'examples') continue; // values, not schemas (`x-…` keys stay: header names)
        const at = appendPointer(pointer, key);
        if (key === 'schema') stack.push([value, at, true]);
        else if (key === 'schemas' && pointer === '/components' && value && typeof value === 'object') for (const [name, s] of Object.entries(value)) stack.push([s, appendPointer(at, name), true]);
        else stack.push([value, at, false]);
      }
      continue;
    }
    visit(record, pointer);
    for (const key of ONE) if (record[key] && typeof record[key] === 'object' && !Array.isArray(record[key])) stack.push([record[key], appendPointer(pointer, key), true]);
    for (const key of LIST) if (Array.isArray(record[key])) (record[key] as unknown[]).forEach((s, i) => stack.push([s, appendPointer(pointer, key, i), true]));
    for (const key of MAP) {
      const map = record[key];
      if (map && typeof map === 'object' && !Array.isArray(map)) for (const [name, s] of Object.entries(map)) stack.push([s, appendPointer(pointer, key, name), true]);
    }
  }
}
