import { existsSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SloEngine } from '../../src/engine/index.js';
import { Store } from '../../src/store/index.js';
import { CONSUMERS, T0, engineSlo, sorted, tempDir, trace, Recorder } from './helpers.js';

/** A fresh Store on the file and a fresh engine restored from it hold every count the live pair holds. */
async function expectEverythingStored(file: string, live: Recorder, requests: number): Promise<void> {
  const reopened = new Store(file, { required: true });
  const stored = reopened.load();
  expect(stored.requests.reduce((n, r) => n + r.requests, 0)).toBe(requests);
  expect(sorted(stored)).toEqual(sorted(live.tally.counts()));
  const engine = new SloEngine(await engineSlo(), { now: () => live.now });
  expect(engine.restore(reopened.loadSlo()).skipped).toBe(0);
  reopened.close();
  expect(engine.figures('listOrders')).toEqual(live.engine.figures('listOrders'));
  for (const c of CONSUMERS) expect(engine.figures('listOrders', { consumer: c.name }), c.name).toEqual(live.engine.figures('listOrders', { consumer: c.name }));
}

describe('a store file lost while the proxy runs', () => {
  it('deleted: the next flush notices, opens a new file and writes the whole state into it (live totals and every SLO bucket)', async () => {
    const file = join(tempDir(), 'sworn.db');
    const live = new Recorder(file, await engineSlo(), { now: T0 });
    const events = trace(11, T0, 4_000, 30_000); // 33 hours
    for (let i = 0; i < 2_500; i++) {
      live.record(events[i]!);
      if (i % 100 === 99) expect(live.flush()).toEqual({ ok: true });
    }
    for (const e of events.slice(2_500, 2_550)) live.record(e); // waiting when the file goes
    rmSync(file); // the -wal and -shm stay behind
    expect(readdirSync(join(file, '..')).sort()).toEqual(['sworn.db-shm', 'sworn.db-wal']);
    expect(live.store.health().state).toBe('ok'); // nothing noticed before the flush

    expect(live.flush()).toEqual({ ok: true });
    expect(live.events).toEqual([{ kind: 'recreated', cause: `the store file ${file} was deleted` }]);
    expect(live.store.health()).toMatchObject({ state: 'recreated', cause: `the store file ${file} was deleted`, recreations: 1, errors: 0, pending: 0 });
    expect(existsSync(file)).toBe(true);
    for (const e of events.slice(2_550, 3_000)) live.record(e);
    expect(live.flush()).toEqual({ ok: true });
    expect(live.store.health()).toMatchObject({ state: 'ok', recreations: 1 });
    expect(live.store.health().cause).toBeUndefined();

    for (const e of events.slice(3_000)) live.record(e);
    live.store.saveSlo(live.engine.takeSnapshot({ force: true }));
    expect(live.store.close(live.now)).toEqual({ ok: true, unwritten: 0 });
    await expectEverythingStored(file, live, 4_000);
  });

  it('deleted without a listener: the new file gets what was waiting at least (nothing is counted twice)', () => {
    const file = join(tempDir(), 'sworn.db');
    const store = new Store(file, { now: T0 });
    for (let i = 0; i < 10; i++) store.countRequest('op', 'acme', 'gold', T0);
    expect(store.flush().ok).toBe(true);
    for (let i = 0; i < 5; i++) store.countRequest('op', 'acme', 'gold', T0);
    rmSync(file);
    expect(store.flush()).toEqual({ ok: true });
    expect(store.health()).toMatchObject({ state: 'recreated', recreations: 1 });
    expect(store.load().requests).toEqual([{ operation: 'op', consumer: 'acme', tier: 'gold', requests: 5 }]);
    expect(store.since()).toBe(new Date(T0).toISOString()); // the meta carried over
    store.close();
  });

  it('replaced (another SQLite file renamed over it): the old WAL is not replayed into the newcomer, which gets the whole state', async () => {
    const dir = tempDir();
    const file = join(dir, 'sworn.db');
    const live = new Recorder(file, await engineSlo(), { now: T0 });
    const events = trace(12, T0, 2_000, 30_000);
    for (let i = 0; i < 1_000; i++) {
      live.record(events[i]!);
      if (i % 100 === 99) live.flush();
    }
    const other = new Database(join(dir, 'other.db'));
    other.exec("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('kept')");
    other.close();
    renameSync(join(dir, 'other.db'), file);

    for (const e of events.slice(1_000, 1_010)) live.record(e);
    expect(live.flush()).toEqual({ ok: true });
    expect(live.events).toEqual([{ kind: 'recreated', cause: `the store file ${file} was replaced by another file` }]);
    expect(live.store.health().state).toBe('recreated');
    for (const e of events.slice(1_010)) live.record(e);
    live.store.saveSlo(live.engine.takeSnapshot({ force: true }));
    expect(live.store.close(live.now).ok).toBe(true);

    const check = new Database(file, { readonly: true });
    expect(check.prepare('SELECT text FROM notes').all()).toEqual([{ text: 'kept' }]);
    check.close();
    await expectEverythingStored(file, live, 2_000);
  });

  it('replaced by a file that is not a database: unavailable, counting in memory, until the path is free again', async () => {
    const file = join(tempDir(), 'sworn.db');
    const live = new Recorder(file, await engineSlo(), { now: T0 });
    const events = trace(13, T0, 600, 30_000);
    for (const e of events.slice(0, 200)) live.record(e);
    expect(live.flush().ok).toBe(true);
    rmSync(file);
    writeFileSync(file, 'not a database, but long enough to have a header of one: '.repeat(20));
    for (const e of events.slice(200, 400)) live.record(e);
    for (let i = 0; i < 3; i++) expect(live.flush().ok).toBe(false);
    expect(live.store.health()).toMatchObject({ state: 'unavailable', cause: 'SQLITE_NOTADB: file is not a database', errors: 3 });
    expect(live.events).toEqual([]);
    expect(live.store.load().requests).toEqual([]); // no file: reads are empty

    rmSync(file);
    for (const e of events.slice(400)) live.record(e);
    expect(live.flush()).toEqual({ ok: true });
    expect(live.events).toEqual([{ kind: 'recreated', cause: `the store file ${file} was replaced by another file` }]);
    expect(live.store.health()).toMatchObject({ state: 'recreated', errors: 3, recreations: 1 });
    live.store.saveSlo(live.engine.takeSnapshot({ force: true }));
    live.store.close(live.now);
    await expectEverythingStored(file, live, 600);
  });
});
