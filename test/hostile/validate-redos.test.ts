import { describe, expect, it } from 'vitest';
import { built, runIsolated } from '../validate/isolated.js';
import { document, specFrom } from '../validate/spec-from.js';

const EVIL = '^(a+)+$';
const LOOKAHEAD = '^(?=(a+)+$)\\w+$';
/** 40 characters: a backtracking engine needs ~2^40 steps to refuse it (hours); RE2 needs 41. */
const VALUE = `${'a'.repeat(40)}!`;

function attackDocument(version: string): Record<string, unknown> {
  const text = { type: 'string', pattern: EVIL };
  return document({
    '/items/{code}': {
      post: {
        operationId: 'attack',
        parameters: [
          { name: 'code', in: 'path', required: true, schema: text },
          { name: 'q', in: 'query', schema: text },
          { name: 'look', in: 'query', schema: { type: 'string', pattern: LOOKAHEAD } },
          { name: 'x-tag', in: 'header', schema: text },
          { name: 'c', in: 'cookie', schema: text },
        ],
        requestBody: {
          content: {
            'application/json': { schema: { type: 'object', properties: { name: text }, patternProperties: { [EVIL]: { type: 'integer' } } } },
            'application/x-www-form-urlencoded': { schema: { type: 'object', properties: { name: text } } },
          },
        },
        responses: { 200: { description: 'ok', headers: { 'x-out': { schema: text } }, content: { 'application/json': { schema: text } } } },
      },
    },
  }, {}, version);
}

/** Runs the built validators on the attack in a child process (`runIsolated`: a backtracking engine would hang it). */
function runAttack(specFile: string): { signal: NodeJS.Signals | null; stdout: string; stderr: string } {
  return runIsolated(`
    const { loadSpec, listOperations } = await import(${built('spec/index.js')});
    const { compileValidators, validateRequest, validateResponse, unsupportedPatterns } = await import(${built('validate/index.js')});
    const spec = await loadSpec(${JSON.stringify(specFile)});
    const compiled = compileValidators(spec, listOperations(spec));
    const op = [...compiled.values()][0];
    const v = ${JSON.stringify(VALUE)};
    const base = { params: { code: 'aaa' }, query: '', headers: {}, body: undefined, bodyTooLarge: false };
    const codes = async (p) => (await p).map((x) => x.code + ' ' + x.location + ' ' + x.pointer);
    const out = {
      path: await codes(validateRequest(op, { ...base, params: { code: v } })),
      query: await codes(validateRequest(op, { ...base, query: 'q=' + v })),
      lookahead: await codes(validateRequest(op, { ...base, query: 'look=' + v })),
      header: await codes(validateRequest(op, { ...base, headers: { 'x-tag': v } })),
      cookie: await codes(validateRequest(op, { ...base, headers: { cookie: 'c=' + v } })),
      jsonField: await codes(validateRequest(op, { ...base, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ name: v })) })),
      // the hostile key is tested first; the next key matches the pattern and breaks its schema
      patternProperties: await codes(validateRequest(op, { ...base, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"' + v + '": 1, "' + 'a'.repeat(40) + '": "x"}') })),
      formField: await codes(validateRequest(op, { ...base, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from('name=' + v) })),
      responseHeader: await codes(validateResponse(op, { status: 200, headers: { 'x-out': v }, body: undefined, bodyTooLarge: false, bodyless: true })),
      responseBody: await codes(validateResponse(op, { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(v)), bodyTooLarge: false, bodyless: false })),
      unsupported: unsupportedPatterns(compiled),
    };
    process.stdout.write(JSON.stringify(out));
  `);
}

describe('catastrophic patterns (ReDoS) in every place a spec can put one', () => {
  it.each(['3.1.0', '3.0.3'])('OpenAPI %s: `^(a+)+$` refuses a 40-character value at once; a lookahead is left unchecked and reported', async (version) => {
    const spec = await specFrom(attackDocument(version));
    const result = runAttack(spec.file);
    expect(result.signal, 'the validators hung (a backtracking engine) and were killed').toBe(null);
    expect(result.stderr).toBe('');
    const out = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(out).toEqual({
      path: ['request-parameter-invalid path code'],
      query: ['request-parameter-invalid query q'],
      lookahead: [],
      header: ['request-parameter-invalid header x-tag'],
      cookie: ['request-parameter-invalid cookie c'],
      jsonField: ['request-body-invalid body /name'],
      patternProperties: [`request-body-invalid body /${'a'.repeat(40)}`],
      formField: ['request-body-invalid body /name'],
      responseHeader: ['response-header-invalid header x-out'],
      responseBody: ['response-body-invalid body '],
      unsupported: [{ pattern: LOOKAHEAD, reason: 'lookahead (?= is not supported by RE2' }],
    });
  });
});
