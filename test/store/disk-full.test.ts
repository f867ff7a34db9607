import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/store/index.js';
import { CONSUMERS, T0, canMountTmpfs, engineSlo, mountTmpfs, sorted, tempDir, trace, Recorder } from './helpers.js';

/** Writes zeros into `file` until the file system says ENOSPC. */
function fillUp(file: string): void {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (let i = 0; i < 100_000; i++) writeSync(fd, chunk);
    throw new Error('the file system never filled up');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}

describe('a full disk', () => {
  it.runIf(canMountTmpfs)('on a full tmpfs: flushes fail with SQLITE_FULL, nothing is lost, and the first flush after space is freed writes all of it', async () => {
    const dir = mountTmpfs(2_048)!;
    const file = join(dir, 'sworn.db');
    const slo = await engineSlo();
    const live = new Recorder(file, slo, { now: T0 });
    const events = trace(1, T0, 3_000);
    for (const e of events.slice(0, 500)) live.record(e);
    expect(live.flush()).toEqual({ ok: true });

    fillUp(join(dir, 'filler'));
    for (const e of events.slice(500, 2_000)) live.record(e);
    for (let i = 0; i < 3; i++) {
      const result = live.flush();
      expect(result.ok).toBe(false);
      expect((result.error as { code?: string }).code).toBe('SWORN_ERR_STORE');
      expect(result.error!.message).toContain('SQLITE_FULL');
    }
    const failing = live.store.health();
    expect(failing).toMatchObject({ state: 'failing', cause: 'SQLITE_FULL: database or disk is full', errors: 3, dropped: 0, path: file });
    expect(failing.pending).toBeGreaterThan(0);
    expect(failing.lastGoodFlushAt).toBeLessThanOrEqual(failing.since);
    for (const e of events.slice(2_000)) live.record(e);
    expect(live.flush().ok).toBe(false);

    rmSync(join(dir, 'filler'));
    expect(live.flush()).toEqual({ ok: true });
    const healthy = live.store.health();
    expect(healthy).toMatchObject({ state: 'ok', errors: 4, pending: 0, dropped: 0 });
    expect(healthy.cause).toBeUndefined();
    expect(healthy.lastGoodFlushAt).toBeGreaterThanOrEqual(healthy.since);
    live.store.saveSlo(live.engine.takeSnapshot({ force: true }));
    expect(live.store.close(live.now)).toEqual({ ok: true, unwritten: 0 });

    const reopened = new Store(file);
    const stored = reopened.load();
    expect(stored.requests.reduce((n, r) => n + r.requests, 0)).toBe(3_000);
    expect(sorted(stored)).toEqual(sorted(live.tally.counts()));
    expect(reopened.usage().reduce((n, u) => n + u.count, 0)).toBe(3_000);
    const engine = new Recorder(':memory:', slo, { now: live.now }).engine;
    engine.restore(reopened.loadSlo());
    reopened.close();
    expect(engine.figures('listOrders')).toEqual(live.engine.figures('listOrders'));
    for (const c of CONSUMERS) expect(engine.figures('listOrders', { consumer: c.name }), c.name).toEqual(live.engine.figures('listOrders', { consumer: c.name }));
  });

  it('at SQLite max_page_count (a real SQLITE_FULL, where no tmpfs can be mounted): nothing is lost, the next flush with room writes all of it', async () => {
    const file = join(tempDir(), 'sworn.db');
    new Store(file).close();
    // Ballast fills the file; the store may not grow it, so it writes only once the ballast's pages are free again.
    const other = new Database(file);
    other.exec('CREATE TABLE ballast (b BLOB)');
    other.prepare('INSERT INTO ballast (b) VALUES (zeroblob(4000000))').run();
    const pages = (other.pragma('page_count', { simple: true }) as number) + 2;
    other.pragma('wal_checkpoint(TRUNCATE)');
    const slo = await engineSlo();
    const live = new Recorder(file, slo, { now: T0, maxPageCount: pages });
    const events = trace(2, T0, 2_000, 60_000); // across 33 hours: many rows
    for (const e of events) live.record(e);
    const result = live.flush();
    expect(result.ok).toBe(false);
    expect(live.store.health()).toMatchObject({ state: 'failing', cause: 'SQLITE_FULL: database or disk is full', errors: 1 });
    expect(live.flush().ok).toBe(false);

    other.exec('DROP TABLE ballast');
    other.close();
    expect(live.flush()).toEqual({ ok: true });
    expect(live.store.health()).toMatchObject({ state: 'ok', errors: 2, pending: 0, dropped: 0 });
    live.store.close();

    const reopened = new Store(file);
    expect(reopened.load().requests.reduce((n, r) => n + r.requests, 0)).toBe(2_000);
    expect(sorted(reopened.load())).toEqual(sorted(live.tally.counts()));
    reopened.close();
  });
});

describe('bounded memory while flushes fail', () => {
  it('keeps at most maxPending entries: past it new entries are dropped and counted by kind, entries waiting still count up', () => {
    const blocker = join(tempDir(), 'blocker');
    closeSync(openSync(blocker, 'w'));
    const store = new Store(join(blocker, 'sworn.db'), { maxPending: 100, now: T0 });
    for (let i = 0; i < 150; i++) store.countRequest('op', `c${i}`, 'free', T0);
    for (let i = 0; i < 10; i++) store.countRequest('op', 'c0', 'free', T0); // waiting already: counted
    store.countViolation({ code: 'request-body-invalid', operationId: 'op', direction: 'request', location: 'body', pointer: '', keyword: null, message: '' }, 'c0', T0);
    store.countUsage('c0', 'op', 'status', '200');
    store.countUnknownRoute('GET', '/x', T0);
    store.addSample({ operation: 'op', consumer: 'c0', code: 'request-body-invalid', direction: 'request', at: new Date(T0).toISOString(), requestId: 'r', sample: {} });
    const data = new Float64Array(9);
    store.saveSlo({ counts: [{ operation: 'op', consumer: 'c0', tier: 'free', resolution: 'minute', index: 1, data }], latency: [{ operation: 'op', scope: 'operation-day', consumer: '', index: 1, encoded: 'sparse:' }] });
    expect(store.flush().ok).toBe(false);
    expect(store.health()).toMatchObject({ state: 'unavailable', pending: 100, dropped: 56, droppedByKind: { requests: 50, violations: 1, usage: 1, unknownRoutes: 1, samples: 1, slo: 2 } });

    // The path becomes openable: the 100 entries waiting are written.
    rmSync(blocker);
    expect(store.flush()).toEqual({ ok: true });
    expect(store.health()).toMatchObject({ state: 'ok', pending: 0, dropped: 56, errors: 2 }); // the open at start and the flush
    const requests = store.load().requests;
    expect(requests).toHaveLength(100);
    expect(requests.reduce((n, r) => n + r.requests, 0)).toBe(110);
    store.countRequest('op', 'c149', 'free', T0); // room again
    expect(store.health().pending).toBe(1);
    store.close();
  });

  it('keeps the newest copy of each SLO bucket and histogram: failing for a thousand flushes, the rows waiting do not grow', async () => {
    const dir = tempDir();
    const blocker = join(dir, 'blocker');
    closeSync(openSync(blocker, 'w'));
    const file = join(blocker, 'sworn.db');
    const slo = await engineSlo();
    const live = new Recorder(file, slo, { now: T0 });
    const events = trace(3, T0, 1_000, 100); // 100 s of traffic, then the same buckets snapshotted again and again
    let pending = 0;
    for (let i = 0; i < 1_000; i++) {
      live.record(events[i]!);
      expect(live.flush().ok).toBe(false);
      if (i === 10) pending = live.store.health().pending;
    }
    const health = live.store.health();
    expect(health).toMatchObject({ state: 'unavailable', errors: 1_001, dropped: 0 });
    expect(health.pending).toBeLessThan(pending + 20); // two new minute buckets, no new copies of the same ones
    rmSync(blocker);
    expect(live.flush()).toEqual({ ok: true });
    live.store.close();
    const reopened = new Store(file);
    const engine = new Recorder(':memory:', slo, { now: live.now }).engine;
    engine.restore(reopened.loadSlo());
    expect(reopened.load().requests.reduce((n, r) => n + r.requests, 0)).toBe(1_000);
    reopened.close();
    expect(engine.figures('listOrders')).toEqual(live.engine.figures('listOrders'));
  });
});
