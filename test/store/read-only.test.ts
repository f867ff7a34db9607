import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/store/index.js';
import { cli, fixture } from '../helpers.js';
import { tempDir } from './helpers.js';

// Readers of a store (sworn report, gate, baseline, init, game days) open it
// read-only: a file that is not a sworn store is refused untouched, and a
// store a proxy is writing is never written by its readers.

describe('stores opened to be read', () => {
  it('refuse another program\'s SQLite file without adding a table or a byte to it, for report, gate and game days', async () => {
    const dir = tempDir();
    const file = join(dir, 'app.db');
    const db = new Database(file);
    db.exec("CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO accounts (name) VALUES ('a');");
    db.close();
    const before = readFileSync(file);
    for (const args of [['report', '--store', file, '--spec', fixture('engine-spec.yaml')], ['gate', '--store', file, '--spec', fixture('engine-spec.yaml')]]) {
      const run = await cli(args);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain(`SWORN_ERR_STORE: ${file} is not a sworn store`);
    }
    writeFileSync(join(dir, 'plan.yaml'), ['gameday: wrong file', 'hypothesis:', '  promises:', '    - {store: app.db, consumer: web}', 'target: {proxy: http://127.0.0.1:9}', 'steps:', '  - {latency: +5ms, for: 1s}', ''].join('\n'));
    const run = await cli(['gameday', join(dir, 'plan.yaml')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('is not a sworn store');
    expect(readFileSync(file).equals(before)).toBe(true);
    const after = new Database(file, { readonly: true });
    expect((after.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((t) => t.name)).toEqual(['accounts']);
    after.close();
  });

  it('a store read while its writer holds it open: the reader sees the writer\'s last flush and writes nothing, even a missing `since`', () => {
    const dir = tempDir();
    const path = join(dir, 'sworn.db');
    const writer = new Store(path, { now: Date.parse('2026-03-30T08:00:00Z') });
    writer.countRequest('listOrders', 'acme', 'gold', Date.parse('2026-03-30T08:10:00Z'));
    expect(writer.flush(Date.parse('2026-03-30T08:11:00Z')).ok).toBe(true);
    // The meta row a reader would have filled in, gone: it must stay gone.
    new Database(path).prepare("DELETE FROM meta WHERE key = 'since'").run();
    const size = statSync(path).size;
    const reader = new Store(path, { readOnly: true });
    expect(reader.load().requests).toEqual([expect.objectContaining({ operation: 'listOrders', consumer: 'acme', requests: 1 })]);
    expect(reader.close(Date.now()).ok).toBe(true);
    const check = new Database(path, { readonly: true });
    expect(check.prepare("SELECT value FROM meta WHERE key = 'since'").get()).toBeUndefined();
    check.close();
    expect(statSync(path).size).toBe(size);
    // The writer goes on writing.
    writer.countRequest('listOrders', 'acme', 'gold', Date.parse('2026-03-30T08:12:00Z'));
    expect(writer.flush(Date.parse('2026-03-30T08:13:00Z')).ok).toBe(true);
    writer.close(Date.parse('2026-03-30T08:13:00Z'));
  });
});
