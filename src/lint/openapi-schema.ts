import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import AjvDraft04 from 'ajv-draft-04';
import { closest, distance } from 'fastest-levenshtein';
import type { SloProblem } from '../slo/model.js';
import { escapeSegment, unescapeSegment } from '../spec/pointer.js';

const require = createRequire(import.meta.url);

/**
 * The official OpenAPI schemas, as kept current by @seriousme/openapi-schema-validator
 * (they check the document's structure; Schema Objects are compiled separately).
 */
function officialSchema(version: '3.0' | '3.1'): object {
  const root = dirname(require.resolve('@seriousme/openapi-schema-validator'));
  return JSON.parse(readFileSync(join(root, 'schemas', `v${version}`, 'schema.json'), 'utf8')) as object;
}
const compiled: Partial<Record<'3.0' | '3.1', ValidateFunction>> = {};

/** The official OpenAPI JSON Schema for the version, compiled once per process. */
function validatorFor(version: '3.0' | '3.1'): ValidateFunction {
  let validate = compiled[version];
  if (!validate) {
    if (version === '3.0') {
      const ajv = new (AjvDraft04 as unknown as typeof import('ajv-draft-04').default)({ allErrors: true, strict: false, verbose: true, validateFormats: false });
      validate = ajv.compile(officialSchema('3.0'));
    } else {
      const ajv = new Ajv2020({ allErrors: true, strict: false, verbose: true, validateFormats: false });
      validate = ajv.compile(officialSchema('3.1'));
    }
    compiled[version] = validate;
  }
  return validate;
}

const UNKNOWN_KEY = new Set(['additionalProperties', 'unevaluatedProperties']);
const PREFERENCE = ['additionalProperties', 'unevaluatedProperties', 'required', 'type', 'enum', 'const', 'pattern', 'minItems', 'uniqueItems', 'format'];

/**
 * Checks a bundled document against the official OpenAPI 3.0 or 3.1 schema.
 * Ajv reports every failed branch of every `oneOf`; this keeps the deepest,
 * most specific problem per location.
 */
export function checkOpenApiSchema(document: unknown, version: '3.0' | '3.1', limit = 100): SloProblem[] {
  const validate = validatorFor(version);
  if (validate(document)) return [];
  const errors = (validate.errors ?? []).filter((e) => !['oneOf', 'anyOf', 'if', 'not', '$ref', 'dependentSchemas'].includes(e.keyword));
  const paths = new Set(errors.map((e) => e.instancePath));
  const deepest = errors.filter((e) => ![...paths].some((p) => p !== e.instancePath && p.startsWith(e.instancePath + '/')));
  const byPath = new Map<string, ErrorObject[]>();
  for (const e of deepest) byPath.set(e.instancePath, [...(byPath.get(e.instancePath) ?? []), e]);
  const problems: SloProblem[] = [];
  for (const [path, list] of byPath) {
    // A failed `Reference` branch says "required: $ref"; only keep it when nothing else is known.
    const useful = list.filter((e) => !(e.keyword === 'required' && (e.params as { missingProperty?: string }).missingProperty === '$ref'));
    const candidates = useful.length > 0 ? useful : list;
    candidates.sort((a, b) => rank(a.keyword) - rank(b.keyword));
    // Unknown keys and missing keys are each worth reporting; otherwise the most specific error.
    const unknown = candidates.filter((e) => UNKNOWN_KEY.has(e.keyword));
    const missing = candidates.filter((e) => e.keyword === 'required');
    const chosen = unknown.length + missing.length > 0 ? [...unknown, ...missing] : [candidates[0] as ErrorObject];
    const seen = new Set<string>();
    for (const error of chosen) {
      const problem = describe(error, path);
      if (seen.has(problem.message)) continue;
      seen.add(problem.message);
      problems.push(problem);
    }
    if (problems.length >= limit) break;
  }
  return problems;
}

function rank(keyword: string): number {
  const i = PREFERENCE.indexOf(keyword);
  return i < 0 ? PREFERENCE.length : i;
}

function describe(error: ErrorObject, path: string): SloProblem {
  const params = error.params as Record<string, unknown>;
  const where = path === '' ? 'the document' : unescapeSegment(path.split('/').pop() ?? '');
  let pointer = path;
  let message: string;
  switch (error.keyword) {
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const key = String(params.additionalProperty ?? params.unevaluatedProperty);
      const allowed = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const suggestion = allowed.length > 0 ? closest(key, allowed) : undefined;
      pointer = `${path}/${escapeSegment(key)}`;
      const hint = suggestion && distance(key, suggestion) <= 2 ? ` (did you mean \`${suggestion}\`?)` : key.startsWith('x-') ? '' : ' (extensions must start with `x-`)';
      message = `unknown key \`${key}\` in ${where}${hint}`;
      break;
    }
    case 'required':
      message = `${where} needs \`${String(params.missingProperty)}\``;
      break;
    case 'type':
      message = `${where} must be ${String(params.type)}`;
      break;
    case 'enum':
      message = `${where} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    default:
      message = `${where} ${error.message ?? 'is invalid'}`;
  }
  return { rule: 'openapi-schema', severity: 'error', pointer, message };
}
