import { existsSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { SwornError } from '../errors.js';
import { loadSpec, type Spec } from '../spec/load-spec.js';
import { listOperations, type Operation } from '../spec/operations.js';
import { resolveSlos } from '../slo/resolve.js';
import type { ResolvedSpecSlo } from '../slo/model.js';
import { SloEngine } from '../engine/engine.js';
import { Store } from '../store/store.js';

/** A proxy's store read back with the spec it checked: what `report`, `gate` and `baseline` work on. */
export interface History {
  spec: Spec;
  operations: Operation[];
  slo: ResolvedSpecSlo;
  engine: SloEngine;
  store: Store;
  close(): void;
}

/**
 * Opens a store and its spec (`--spec`, else the spec the proxy recorded in
 * the store). The engine's buckets are read as the proxy last saw them (its
 * clock at the last flush), so windows ending at any later instant are exact.
 */
export async function openHistory(options: { store?: string; spec?: string }, cwd: string): Promise<History> {
  const storePath = resolvePath(cwd, options.store ?? 'sworn.db');
  if (!existsSync(storePath)) {
    throw new SwornError('SWORN_ERR_STORE', `no store at ${options.store ?? 'sworn.db'}`, { hint: 'Run `sworn proxy` (it writes sworn.db in the working directory), or pass --store with the file it writes.' });
  }
  const store = new Store(storePath, { required: true });
  try {
    const specPath = options.spec ?? store.meta('spec');
    if (!specPath) throw new SwornError('SWORN_ERR_USAGE', `the store ${options.store ?? 'sworn.db'} does not say which spec it checked`, { hint: 'Add --spec <the spec the proxy ran with>.' });
    if (options.spec === undefined && !existsSync(specPath)) throw new SwornError('SWORN_ERR_SPEC_NOT_FOUND', `the spec the proxy checked, ${specPath}, is gone`, { hint: 'Add --spec <file> with the spec (or its current version).' });
    const spec = await loadSpec(specPath, { cwd });
    const operations = listOperations(spec);
    const slo = resolveSlos(spec, operations);
    const lastClock = Number(store.meta('clock') ?? Date.now());
    const engine = new SloEngine(slo, { now: () => lastClock });
    engine.restore(store.loadSlo());
    return { spec, operations, slo, engine, store, close: () => store.close() };
  } catch (error) {
    store.close();
    throw error;
  }
}
