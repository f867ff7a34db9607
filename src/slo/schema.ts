import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { closest, distance } from 'fastest-levenshtein';
import type { SloProblem } from './model.js';
import { escapeSegment } from '../spec/pointer.js';

/** Where the x-slo JSON Schema lives (shipped with the package). */
export const X_SLO_SCHEMA_URL = new URL('../../specs/x-slo.schema.json', import.meta.url);

let validators: { document: ValidateFunction; operation: ValidateFunction } | undefined;

/** Compiles the two entry points of the schema once per process. */
function getValidators(): { document: ValidateFunction; operation: ValidateFunction } {
  if (!validators) {
    const schema = JSON.parse(readFileSync(X_SLO_SCHEMA_URL, 'utf8')) as { $id: string };
    const ajv = new Ajv2020({ allErrors: true, strict: false, verbose: true });
    ajv.addSchema(schema);
    validators = {
      document: ajv.getSchema(`${schema.$id}#/$defs/documentSlo`) as ValidateFunction,
      operation: ajv.getSchema(`${schema.$id}#/$defs/operationSlo`) as ValidateFunction,
    };
  }
  return validators;
}

/**
 * Validates one x-slo block against the schema. Returns problems (never
 * throws) whose pointers are absolute: `pointer` is where the block is.
 */
export function validateSloBlock(value: unknown, level: 'document' | 'operation', pointer: string): SloProblem[] {
  const validate = getValidators()[level];
  if (validate(value)) return [];
  const problems = new Map<string, SloProblem>();
  for (const error of validate.errors ?? []) {
    if (error.keyword === 'if') continue;
    const problem = describe(error, pointer, level);
    const key = problem.pointer + '\0' + problem.message;
    if (!problems.has(key)) problems.set(key, problem);
  }
  return [...problems.values()];
}

function describe(error: ErrorObject, base: string, level: 'document' | 'operation'): SloProblem {
  const at = base + error.instancePath;
  const name = error.instancePath.split('/').filter(Boolean).filter((s) => !/^\d+$/.test(s)).pop() ?? 'x-slo';
  const value = error.data;
  const params = error.params as Record<string, unknown>;
  const shown = JSON.stringify(value);
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const onlyHere = level === 'operation' && ['service', 'tier'].includes(key);
      const suggestion = allowed.length > 0 && !onlyHere ? closest(key, allowed) : undefined;
      const hint = onlyHere
        ? ` (\`${key}\` belongs in the document-level x-slo, under info)`
        : suggestion && similar(key, suggestion) ? ` (did you mean \`${suggestion}\`?)` : allowed.length > 0 ? ` (allowed: ${allowed.join(', ')})` : '';
      return problem(`${at}/${escapeSegment(key)}`, `unknown key \`${key}\` in ${name}${hint}`);
    }
    case 'required':
      return problem(at, `${name} needs \`${String(params.missingProperty)}\``);
    case 'type':
      return problem(at, `${name} must be ${String(params.type).split(',').join(' or ')}, not ${typeName(value)}`);
    case 'pattern':
      if (error.schemaPath.includes('propertyNames')) return problem(at, `latency shorthand keys are percentiles like p50, p95, p99, p99.9`);
      if (error.schemaPath.includes('/status')) return problem(at, `${shown} is not a status; write a code such as 503 or a class such as 5xx`);
      return problem(at, `${shown} is not a duration; write a number and a unit, e.g. 250ms, 10s, 5m, 1h30m, 28d`);
    case 'propertyNames':
      return problem(`${at}/${escapeSegment(String(params.propertyName))}`, `\`${String(params.propertyName)}\` is not a percentile key; write p50, p95, p99 or p99.9`);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const percent = /target|availability|percentile/.test(error.instancePath) || error.instancePath.endsWith('/availability');
      if (percent) return problem(at, `${name} ${shown} is impossible: a percentage must be above 0 and at most 100${error.instancePath.includes('percentile') ? ' (and below 100 for a percentile)' : ''}`);
      if (name === 'freezeBelow') return problem(at, `freezeBelow ${shown} must be a ratio at most 1 (0.25 means freeze below 25% of the budget left)`);
      return problem(at, `${name} ${shown} must be ${String(params.comparison)} ${String(params.limit)}`);
    }
    case 'enum':
      return problem(at, `${name} ${shown} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`);
    case 'const':
      return problem(at, level === 'operation' || name === 'x-slo' ? '`x-slo: true` means nothing; write `false` to opt out or an object to promise something' : `${name} must be ${JSON.stringify(params.allowedValue)}`);
    case 'not':
      return problem(at, 'a latency objective is a threshold (`threshold` + `target`) or a percentile (`percentile` + `max`), not both');
    case 'anyOf':
      return problem(at, 'a latency objective needs a `name` (a percentile objective may omit it: it is then named pNN)');
    case 'minProperties':
    case 'maxProperties':
      if (error.instancePath.includes('/identify/')) return problem(at, 'each identify entry names exactly one method: header, apiKey, jwt or clientAddress');
      if (error.instancePath.includes('/apiKey')) return problem(at, 'apiKey needs where the key is (header, query or cookie) and a `map` file');
      return problem(at, `${name} must not be empty`);
    case 'uniqueItems':
      return problem(at, `${name} lists the same value twice`);
    default:
      return problem(at, `${name} ${error.message ?? 'is invalid'}`);
  }
}

function similar(a: string, b: string): boolean {
  return distance(a.toLowerCase(), b.toLowerCase()) <= Math.max(2, Math.floor(Math.min(a.length, b.length) / 3));
}

function problem(pointer: string, message: string): SloProblem {
  return { rule: 'x-slo-schema', severity: 'error', pointer, message };
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}
