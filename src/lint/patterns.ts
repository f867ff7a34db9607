import type { Spec } from '../spec/load-spec.js';
import { appendPointer } from '../spec/pointer.js';
import type { SloProblem } from '../slo/model.js';
import { compilePattern } from '../validate/pattern.js';
import { eachSchema } from './walk.js';

/**
 * Every `pattern` and `patternProperties` key in the document's schemas
 * (components, parameters, headers, media types, at any depth; callbacks
 * and webhooks too), with its JSON pointer. Iterative.
 */
export function listPatterns(spec: Spec): Array<{ pattern: string; pointer: string }> {
  const found: Array<{ pattern: string; pointer: string }> = [];
  eachSchema(spec.document, (record, pointer) => {
    if (typeof record.pattern === 'string') found.push({ pattern: record.pattern, pointer: appendPointer(pointer, 'pattern') });
    for (const key of ['patternProperties', 'x-patternProperties']) {
      const map = record[key];
      if (map && typeof map === 'object' && !Array.isArray(map)) for (const name of Object.keys(map)) found.push({ pattern: name, pointer: appendPointer(pointer, key, name) });
    }
  });
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
