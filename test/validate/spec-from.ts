import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSpec, listOperations, type Operation, type Spec } from '../../src/spec/index.js';
import { compileValidators, type CompiledOperation } from '../../src/validate/index.js';

/** Loads an OpenAPI document given as an object (written to a temporary file, as a user's spec would be). */
export async function specFrom(document: Record<string, unknown>): Promise<Spec> {
  const file = join(mkdtempSync(join(tmpdir(), 'sworn-validate-')), 'openapi.json');
  writeFileSync(file, JSON.stringify(document, null, 2));
  return loadSpec(file);
}

/** A 3.1 document around `paths`, with optional components. */
export function document(paths: Record<string, unknown>, components: Record<string, unknown> = {}, version = '3.1.0'): Record<string, unknown> {
  return { openapi: version, info: { title: 'attack', version: '1' }, paths, components };
}

/** The compiled operations of a document, by operationId. */
export async function compiledFrom(doc: Record<string, unknown>): Promise<{ spec: Spec; compiled: Map<Operation, CompiledOperation>; op: (id: string) => CompiledOperation }> {
  const spec = await specFrom(doc);
  const compiled = compileValidators(spec, listOperations(spec));
  const op = (id: string) => [...compiled.values()].find((o) => o.operation.operationId === id)!;
  return { spec, compiled, op };
}
