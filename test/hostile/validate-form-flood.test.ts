import { describe, expect, it } from 'vitest';
import { built, runIsolated } from '../validate/isolated.js';
import { document, specFrom } from '../validate/spec-from.js';

describe('a form body repeating one field', () => {
  it('1 MiB of `a=&` (350,000 repeats, urlencoded and multipart) is read in one pass and checked', async () => {
    const spec = await specFrom(document({
      '/forms': {
        post: {
          operationId: 'forms',
          requestBody: { content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', properties: { a: { type: 'array', maxItems: 10 } } } }, 'multipart/form-data': { schema: { type: 'object', properties: { a: { type: 'array', maxItems: 10 } } } } } },
          responses: { 200: { description: 'ok' } },
        },
      },
    }));
    const result = runIsolated(`
      const { loadSpec, listOperations } = await import(${built('spec/index.js')});
      const { compileValidators, validateRequest } = await import(${built('validate/index.js')});
      const spec = await loadSpec(${JSON.stringify(spec.file)});
      const op = [...compileValidators(spec, listOperations(spec)).values()][0];
      const form = Buffer.from('a=&'.repeat(350_000));
      const part = '--b\\r\\ncontent-disposition: form-data; name="a"\\r\\n\\r\\n\\r\\n';
      const multipart = Buffer.from(part.repeat(Math.floor(1_048_576 / part.length)) + '--b--\\r\\n');
      const run = (type, body) => validateRequest(op, { params: {}, query: '', headers: { 'content-type': type }, body, bodyTooLarge: false });
      const found = [...await run('application/x-www-form-urlencoded', form), ...await run('multipart/form-data; boundary=b', multipart)];
      process.stdout.write(JSON.stringify(found.map((v) => v.code + ' ' + v.keyword)));
    `);
    expect(result.signal, 'reading the form took minutes (quadratic) and was killed').toBe(null);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual(['request-body-invalid maxItems', 'request-body-invalid maxItems']);
  });
});
