import { existsSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { SwornError } from '../errors.js';
import { loadSpec, type Spec } from '../spec/load-spec.js';
import { listOperations, type Operation } from '../spec/operations.js';
import { resolveSlos } from '../slo/resolve.js';
import type { ResolvedSpecSlo } from '../slo/model.js';
import { SloEngine } from '../engine/engine.js';
import { Store, type StoredCounts, type ViolationSample } from '../store/store.js';

/** What a report reads counts from: one store, or several merged. */
export interface CountsSource {
  load(range?: { since?: number; until?: number }): StoredCounts;
  /** The latest redacted violation samples, newest first (every store's, merged). */
  samples(filter?: { operation?: string; code?: string }, limit?: number): ViolationSample[];
}

/** One or several proxies' stores read back with the spec they checked: what `report`, `gate` and `baseline` work on. */
export interface History {
  spec: Spec;
  operations: Operation[];
  slo: ResolvedSpecSlo;
  /** The SLO buckets and histograms of every store, merged (counts add, histograms merge); read on first use. */
  readonly engine: SloEngine;
  /** The conformance counts of every store, added up. */
  store: CountsSource;
  /**
   * The stores read again, now: a fresh engine with what they hold at this
   * instant (proxies still writing them flush every second), judged on
   * `now`'s clock. `since`: only buckets and histograms reaching past it
   * are read (a game day's polls stay cheap on a store of weeks).
   */
  read(options?: { now?: number; since?: number }): SloEngine;
  close(): void;
}

/**
 * Opens one or several stores (a sidecar's each: every pod of a service has
 * its own) and their spec (`--spec`, else the spec the proxies recorded,
 * which must then be one). Their figures are merged exactly: request and
 * violation counts add, SLO buckets add, latency histograms merge, so the
 * figures are the whole fleet's, for rolling and calendar windows alike. The
 * buckets are read as the proxies last saw them (the latest clock among
 * their last flushes), so windows ending at any later instant are exact.
 */
export async function openHistory(options: { store?: string | string[]; spec?: string }, cwd: string): Promise<History> {
  const names = options.store === undefined ? ['sworn.db'] : Array.isArray(options.store) ? options.store : [options.store];
  const stores: Store[] = [];
  const closeAll = () => {
    for (const s of stores) s.close();
  };
  try {
    for (const name of names) {
      const path = resolvePath(cwd, name);
      if (!existsSync(path)) throw new SwornError('SWORN_ERR_STORE', `no store at ${name}`, { hint: 'Run `sworn proxy` (it writes sworn.db in the working directory), or pass --store with the file it writes.' });
      if (stores.some((s) => s.path === path)) throw new SwornError('SWORN_ERR_USAGE', `--store ${name} is given twice`, { hint: 'Each store counts once: name each pod\'s store once.' });
      stores.push(new Store(path, { readOnly: true }));
    }
    const specPath = options.spec ?? recordedSpec(stores, names);
    if (options.spec === undefined && !existsSync(specPath)) throw new SwornError('SWORN_ERR_SPEC_NOT_FOUND', `the spec the proxy checked, ${specPath}, is gone`, { hint: 'Add --spec <file> with the spec (or its current version).' });
    const spec = await loadSpec(specPath, { cwd });
    const operations = listOperations(spec);
    const slo = resolveSlos(spec, operations);
    const lastClock = Math.max(...stores.map((s) => Number(s.meta('clock') ?? Date.now())));
    const restored = (now: number, since?: number) => {
      const engine = new SloEngine(slo, { now: () => now });
      stores.forEach((s, i) => engine.restore(s.loadSlo(since === undefined ? {} : { since }), { merge: i > 0 }));
      return engine;
    };
    // Restored on first use: a game day only ever reads the stores again (`read`).
    let engine: SloEngine | undefined;
    const store: CountsSource = stores.length === 1 ? stores[0]! : {
      load: (range) => addCounts(stores.map((s) => s.load(range))),
      samples: (filter, limit = 100) => stores.flatMap((s) => s.samples(filter, limit)).sort((a, b) => b.at.localeCompare(a.at)).slice(0, limit),
    };
    return {
      spec,
      operations,
      slo,
      get engine() {
        return (engine ??= restored(lastClock));
      },
      store,
      read: (o = {}) => restored(o.now ?? Date.now(), o.since),
      close: closeAll,
    };
  } catch (error) {
    closeAll();
    throw error;
  }
}

/** The spec the stores' proxies checked: one, or an error naming them. */
function recordedSpec(stores: Store[], names: string[]): string {
  const specs = stores.map((s) => s.meta('spec'));
  const missing = specs.findIndex((s) => !s);
  if (missing >= 0) throw new SwornError('SWORN_ERR_USAGE', `the store ${names[missing]} does not say which spec it checked`, { hint: 'Add --spec <the spec the proxy ran with>.' });
  const distinct = [...new Set(specs)];
  if (distinct.length > 1) throw new SwornError('SWORN_ERR_USAGE', `the stores checked different specs: ${stores.map((_s, i) => `${names[i]} (${specs[i]})`).join(', ')}`, { hint: 'Add --spec <file> to judge them all against one spec (during a rollout, the newer one).' });
  return distinct[0]!;
}

/** Counts of several stores as one: rows are added up by whoever reads them (a ledger restores by adding). */
function addCounts(all: StoredCounts[]): StoredCounts {
  const since = all.map((c) => c.since).filter((s): s is string => s !== undefined).sort()[0];
  return { since, requests: all.flatMap((c) => c.requests), violations: all.flatMap((c) => c.violations), unknownRoutes: all.flatMap((c) => c.unknownRoutes) };
}
