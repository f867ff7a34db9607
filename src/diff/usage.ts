import type { Store } from '../store/store.js';
import type { DiffResult } from './diff.js';

/**
 * Usage-aware impact: each breaking change gets the consumers that used what
 * it touches (the operation; the parameter they sent; the status they
 * received) in the proxy's store, with request counts. A breaking change no
 * consumer used is lowered to a warning, with that evidence.
 */
export function applyUsage(result: DiffResult, store: Store): DiffResult {
  const rows = store.usage();
  const since = store.since() ?? 'the store began';
  const index = new Map<string, Map<string, number>>();
  const add = (key: string, consumer: string, n: number) => {
    let byConsumer = index.get(key);
    if (!byConsumer) index.set(key, (byConsumer = new Map()));
    byConsumer.set(consumer, (byConsumer.get(consumer) ?? 0) + n);
  };
  for (const r of rows) {
    if (r.kind === 'status') {
      add(`${r.operation}\0operation`, r.consumer, r.count); // every exchange records its status: these are the calls
      add(`${r.operation}\0status\0${r.name}`, r.consumer, r.count);
      add(`${r.operation}\0status\0${r.name[0]}XX`, r.consumer, r.count);
    } else if (r.kind === 'parameter') add(`${r.operation}\0parameter\0${r.name}`, r.consumer, r.count);
  }
  for (const change of result.changes) {
    if (change.severity !== 'breaking' || !change.operationId || !change.usageKey) continue;
    const u = change.usageKey;
    const key = u.kind === 'operation' ? `${change.operationId}\0operation` : `${change.operationId}\0${u.kind}\0${u.name}`;
    // Query, header and cookie parameters are recorded by name; path parameters go with every call of the operation.
    const recorded = u.kind !== 'parameter' || !u.name.startsWith('path:');
    const users = index.get(recorded ? key : `${change.operationId}\0operation`) ?? new Map<string, number>();
    change.consumers = [...users].map(([consumer, requests]) => ({ consumer, requests })).sort((a, b) => b.requests - a.requests || a.consumer.localeCompare(b.consumer));
    if (change.consumers.length === 0) {
      change.severity = 'warning';
      const what = u.kind === 'operation' ? 'called the operation' : u.kind === 'parameter' ? `sent ${u.name.replace(':', ' parameter ')}` : `received ${u.name}`;
      change.evidence = `breaking, but no consumer ${what} since ${since} (proxy store)`;
    }
  }
  const summary = { breaking: 0, warning: 0, safe: 0 };
  for (const c of result.changes) summary[c.severity]++;
  return { ...result, summary };
}
