import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SloEngine } from '../../src/engine/index.js';
import { Store } from '../../src/store/index.js';
import { CONSUMERS, T0, engineSlo, sorted, tempDir, trace, Recorder } from './helpers.js';

/** A regular file where a directory should be: no store can be opened under it, root or not. */
function blocker(dir: string, name = 'blocker'): string {
  const path = join(dir, name);
  closeSync(openSync(path, 'w'));
  return path;
}

function thrown(f: () => unknown): { code?: string; message: string } {
  try {
    f();
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('expected a throw');
}

describe('a store that cannot be opened at start', () => {
  it('starts unavailable, counts in memory, answers reads without a file, and retries at every flush without throwing', () => {
    const path = join(blocker(tempDir()), 'sworn.db');
    const store = new Store(path, { now: T0 });
    const health = store.health();
    expect(health).toMatchObject({ state: 'unavailable', errors: 1, pending: 0, dropped: 0, path });
    expect(health.cause).toMatch(/^(ENOTDIR|EEXIST): /);
    expect(health.lastGoodFlushAt).toBeUndefined();

    expect(store.load()).toEqual({ since: new Date(T0).toISOString(), requests: [], violations: [], unknownRoutes: [] });
    expect(store.loadSlo()).toEqual({ counts: [], latency: [] });
    expect(store.samples()).toEqual([]);
    expect(store.usage()).toEqual([]);
    expect(store.since()).toBe(new Date(T0).toISOString());
    store.setMeta('spec', 'specs/petstore.yaml');
    expect(store.meta('spec')).toBe('specs/petstore.yaml');
    store.prune(T0 - 86_400_000);

    for (let i = 0; i < 7; i++) store.countRequest('op', 'acme', 'gold', T0);
    for (let i = 0; i < 3; i++) {
      const result = store.flush(T0);
      expect(result.ok).toBe(false);
      expect(result.error).toMatchObject({ code: 'SWORN_ERR_STORE' });
      expect(result.error!.message).toContain(`cannot open the store ${path}`);
    }
    expect(store.health()).toMatchObject({ state: 'unavailable', errors: 4, pending: 1, since: health.since });
    const closed = store.close(T0);
    expect(closed).toMatchObject({ ok: false, unwritten: 1, error: { code: 'SWORN_ERR_STORE' } });
  });

  it('not a database: unavailable with SQLite\'s reason, the file untouched', () => {
    const path = join(tempDir(), 'sworn.db');
    const text = 'this is a text file someone named sworn.db, long enough for a header. '.repeat(10);
    writeFileSync(path, text);
    const store = new Store(path);
    expect(store.health()).toMatchObject({ state: 'unavailable', cause: 'SQLITE_NOTADB: file is not a database' });
    store.countRequest('op', 'acme', 'gold', T0);
    expect(store.flush().ok).toBe(false);
    store.close();
    expect(readFileSync(path, 'utf8')).toBe(text);
  });

  it('required: throws SWORN_ERR_STORE as before', () => {
    const path = join(blocker(tempDir()), 'sworn.db');
    const error = thrown(() => new Store(path, { required: true }));
    expect(error.code).toBe('SWORN_ERR_STORE');
    expect(error.message).toContain(`cannot open the store ${path}: `);
  });

  it('an older layout is refused (SWORN_ERR_STORE) even when not required, and when it turns up later it is never written to', () => {
    const dir = tempDir();
    const old = join(dir, 'old.db');
    const db = new Database(old);
    db.exec('CREATE TABLE requests (operation TEXT, consumer TEXT, requests INTEGER)');
    db.close();
    const bytes = readFileSync(old);
    expect(thrown(() => new Store(old))).toMatchObject({ code: 'SWORN_ERR_STORE', message: `the store ${old} has an older layout (schema 1; this version writes 2)` });

    const path = join(dir, 'later', 'sworn.db');
    const block = blocker(dir, 'later');
    const store = new Store(path);
    store.countRequest('op', 'acme', 'gold', T0);
    rmSync(block);
    mkdirSync(join(dir, 'later'));
    renameSync(old, path);
    expect(store.flush().ok).toBe(false);
    expect(store.health()).toMatchObject({ state: 'unavailable', cause: `the store ${path} has an older layout (schema 1; this version writes 2)`, pending: 1 });
    store.close();
    expect(readFileSync(path)).toEqual(bytes);
  });
});

describe('a store opened late', () => {
  it('merges what the file already holds: hourly counts add up, SLO buckets and histograms are summed into the engine and written back', async () => {
    const dir = tempDir();
    const file = join(dir, 'data', 'sworn.db');
    const slo = await engineSlo();
    // Same hours and days in both lives: the merge sums buckets and histograms that both hold.
    const before = trace(21, T0, 2_500, 7_000);
    const during = trace(22, T0 + 3_000, 2_500, 7_000);
    const after = trace(23, T0 + 5_000, 500, 7_000);

    const first = new Recorder(file, slo, { now: T0 - 60_000 });
    for (const e of before) first.record(e);
    first.store.saveSlo(first.engine.takeSnapshot({ force: true }));
    expect(first.store.close(first.now).ok).toBe(true);
    const firstSince = first.store.since();

    // The directory is elsewhere for a while: the next proxy starts without it.
    renameSync(join(dir, 'data'), join(dir, 'away'));
    blocker(dir, 'data');
    const live = new Recorder(file, slo, { now: T0 });
    expect(live.store.health().state).toBe('unavailable');
    for (const e of during) live.record(e);
    for (let i = 0; i < 3; i++) expect(live.flush().ok).toBe(false);
    expect(live.events).toEqual([]);

    rmSync(join(dir, 'data'));
    renameSync(join(dir, 'away'), join(dir, 'data'));
    expect(live.flush()).toEqual({ ok: true });
    expect(live.events).toEqual([{ kind: 'opened', late: true }]);
    expect(live.store.health()).toMatchObject({ state: 'ok', errors: 4, pending: 0 });
    expect(live.store.since()).toBe(firstSince); // counting began with the first life

    // The engine now holds both lives, as one that saw every exchange would.
    const oracle = new SloEngine(slo, { now: () => live.now });
    for (const e of [...before, ...during]) oracle.record(e);
    expect(live.engine.figures('listOrders')).toEqual(oracle.figures('listOrders'));
    for (const c of CONSUMERS) expect(live.engine.figures('listOrders', { consumer: c.name }), c.name).toEqual(oracle.figures('listOrders', { consumer: c.name }));

    for (const e of after) {
      live.record(e);
      oracle.record(e);
    }
    live.store.saveSlo(live.engine.takeSnapshot({ force: true }));
    expect(live.store.close(live.now).ok).toBe(true);

    const reopened = new Store(file, { required: true });
    const stored = reopened.load();
    expect(stored.requests.reduce((n, r) => n + r.requests, 0)).toBe(5_500);
    expect(sorted(stored)).toEqual(sorted(live.tally.counts()));
    expect(reopened.usage().reduce((n, u) => n + u.count, 0)).toBe(5_500);
    const restored = new SloEngine(slo, { now: () => live.now });
    expect(restored.restore(reopened.loadSlo()).skipped).toBe(0);
    reopened.close();
    expect(restored.figures('listOrders')).toEqual(oracle.figures('listOrders'));
    for (const c of CONSUMERS) expect(restored.figures('listOrders', { consumer: c.name }), c.name).toEqual(oracle.figures('listOrders', { consumer: c.name }));
  });

  it('a path that was never a store: opened late as a new file with what memory holds', async () => {
    const dir = tempDir();
    const block = blocker(dir);
    const file = join(block, 'sworn.db');
    const live = new Recorder(file, await engineSlo(), { now: T0 });
    live.store.setMeta('spec', 'specs/petstore.yaml');
    for (const e of trace(24, T0, 300)) live.record(e);
    expect(live.flush().ok).toBe(false);
    rmSync(block);
    expect(live.flush()).toEqual({ ok: true });
    expect(live.events).toEqual([{ kind: 'opened', late: true }]);
    live.store.close(live.now);
    const reopened = new Store(file, { required: true });
    expect(reopened.since()).toBe(new Date(T0).toISOString());
    expect(reopened.meta('spec')).toBe('specs/petstore.yaml');
    expect(reopened.meta('clock')).toBe(String(live.now));
    expect(sorted(reopened.load())).toEqual(sorted(live.tally.counts()));
    reopened.close();
  });
});
