import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { tempDir } from '../proxy/harness.js';
import { cli } from '../helpers.js';

/** Two versions of `POST /notes`, whose request and response media types have `before` / `after` as their schema (none when undefined). */
function pair(before: unknown, after: unknown): string {
  const dir = tempDir();
  const media = (schema: unknown) => ({ 'application/json': schema === undefined ? {} : { schema } });
  const doc = (schema: unknown) => ({ openapi: '3.1.0', info: { title: 'Notes', version: '1' }, paths: { '/notes': { post: { operationId: 'addNote', requestBody: { content: media(schema) }, responses: { '200': { description: 'ok', content: media(schema) } } } } } });
  writeFileSync(join(dir, 'base.yaml'), stringify(doc(before)));
  writeFileSync(join(dir, 'head.yaml'), stringify(doc(after)));
  return dir;
}
const found = async (dir: string) => {
  const run = await cli(['diff', 'base.yaml', 'head.yaml', '--format', 'json'], dir);
  return (JSON.parse(run.stdout) as { changes: Array<{ rule: string; severity: string; message: string }> }).changes.map((c) => `${c.severity} ${c.message}`);
};

describe('a media type that accepted anything gaining a schema', () => {
  it('narrows what the server accepts (breaking) and what clients receive (safe); the revert the other way round', async () => {
    const gained = await found(pair(undefined, { type: 'object', required: ['text'] }));
    expect(gained.some((c) => c.startsWith('breaking request body'))).toBe(true);
    expect(gained.some((c) => c.startsWith('breaking response'))).toBe(false);
    const lost = await found(pair({ type: 'object', required: ['text'] }, undefined));
    expect(lost.some((c) => c.startsWith('breaking response 200'))).toBe(true);
    expect(lost.some((c) => c.startsWith('breaking request'))).toBe(false);
    expect(await found(pair(undefined, undefined))).toEqual([]);
  });
});
