import type { Spec } from '../spec/load-spec.js';
import { appendPointer } from '../spec/pointer.js';
import type { SloProblem } from '../slo/model.js';
import { compilePattern } from '../validate/pattern.js';

/** Keywords whose value is one schema, a list of schemas, or a map of named schemas. */
const ONE = ['items', 'additionalItems', 'additionalProperties', 'unevaluatedItems', 'unevaluatedProperties', 'contains', 'propertyNames', 'not', 'if', 'then', 'else'];
const LIST = ['allOf', 'anyOf', 'oneOf', 'prefixItems', 'items'];
const MAP = ['properties', 'patternProperties', 'x-patternProperties', '$defs', 'definitions', 'dependentSchemas'];

/**
 * Every `pattern` and `patternProperties` key in the document's schemas
 * (components, parameters, headers, media types, at any depth; callbacks
 * and webhooks too), with its JSON pointer. Iterative.
 */
export function listPatterns(spec: Spec): Array<{ pattern: string; pointer: string }> {
  const found: Array<{ pattern: string; pointer: string }> = [];
  const stack: Array<[node: unknown, pointer: string, schema: boolean]> = [[spec.document, '', false]];
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
    if (typeof record.pattern === 'string') found.push({ pattern: record.pattern, pointer: appendPointer(pointer, 'pattern') });
    for (const key of ['patternProperties', 'x-patternProperties']) {
      const map = record[key];
      if (map && typeof map === 'object' && !Array.isArray(map)) for (const name of Object.keys(map)) found.push({ pattern: name, pointer: appendPointer(pointer, key, name) });
    }
    for (const key of ONE) if (record[key] && typeof record[key] === 'object' && !Array.isArray(record[key])) stack.push([record[key], appendPointer(pointer, key), true]);
    for (const key of LIST) if (Array.isArray(record[key])) (record[key] as unknown[]).forEach((s, i) => stack.push([s, appendPointer(pointer, key, i), true]));
    for (const key of MAP) {
      const map = record[key];
      if (map && typeof map === 'object' && !Array.isArray(map)) for (const [name, s] of Object.entries(map)) stack.push([s, appendPointer(pointer, key, name), true]);
    }
  }
  return found;
}

/** `pattern-unsupported`: a pattern RE2 cannot run (lookaround, backreferences…) is not checked by the proxy, the mock or `sworn test`. */
export function checkPatterns(spec: Spec): SloProblem[] {
  const problems: SloProblem[] = [];
  for (const { pattern, pointer } of listPatterns(spec)) {
    const result = compilePattern(pattern);
    if (result.ok) continue;
    problems.push({
      rule: 'pattern-unsupported',
      severity: 'warning',
      pointer,
      message: `pattern ${JSON.stringify(pattern)} is not checked: ${result.reason}; sworn runs patterns in linear time (RE2) and never backtracks, so values are not checked against it (rewrite it without lookaround or backreferences, or split the check)`,
    });
  }
  return problems;
}
