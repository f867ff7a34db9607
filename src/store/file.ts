import Database from 'better-sqlite3';
import { mkdirSync, statSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { SwornError } from '../errors.js';

/** Bumped when a table changes shape; an older store is refused with a clear message. */
export const SCHEMA_VERSION = '2';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS requests (operation TEXT NOT NULL, consumer TEXT NOT NULL, tier TEXT NOT NULL, hour INTEGER NOT NULL, requests INTEGER NOT NULL, PRIMARY KEY (operation, consumer, hour));
CREATE TABLE IF NOT EXISTS violations (operation TEXT NOT NULL, consumer TEXT NOT NULL, code TEXT NOT NULL, direction TEXT NOT NULL, hour INTEGER NOT NULL, count INTEGER NOT NULL, last_at TEXT NOT NULL, PRIMARY KEY (operation, consumer, code, hour));
CREATE TABLE IF NOT EXISTS samples (id INTEGER PRIMARY KEY AUTOINCREMENT, operation TEXT NOT NULL, consumer TEXT NOT NULL, code TEXT NOT NULL, direction TEXT NOT NULL, at TEXT NOT NULL, request_id TEXT NOT NULL, sample TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS samples_by_code ON samples (operation, code, id);
CREATE TABLE IF NOT EXISTS unknown_routes (method TEXT NOT NULL, path TEXT NOT NULL, hour INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (method, path, hour));
CREATE TABLE IF NOT EXISTS slo_counts (operation TEXT NOT NULL, consumer TEXT NOT NULL, tier TEXT NOT NULL, resolution TEXT NOT NULL, idx INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (operation, consumer, resolution, idx));
CREATE TABLE IF NOT EXISTS slo_latency (operation TEXT NOT NULL, scope TEXT NOT NULL, consumer TEXT NOT NULL, idx INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (operation, scope, consumer, idx));
CREATE TABLE IF NOT EXISTS usage (consumer TEXT NOT NULL, operation TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, count INTEGER NOT NULL, last_at TEXT NOT NULL, PRIMARY KEY (consumer, operation, kind, name));
`;

/** Which file a path named when it was opened. */
interface FileId {
  dev: number;
  ino: number;
}

/** An open store file: the connection, its statements, and which files it uses on disk. */
export interface StoreFile {
  db: Database.Database;
  statements: Statements;
  /** The database file (undefined in memory). */
  id: FileId | undefined;
  /** Its -wal and -shm files as opened: removed after the database file is lost, so a new file never replays them. */
  sidecars: Array<{ path: string; id: FileId }>;
  /** Every meta row the file held when opened. */
  meta: Map<string, string>;
}

/** The writes a flush runs, prepared once per file. */
export interface Statements {
  setMeta: Database.Statement;
  addRequests: Database.Statement;
  addViolations: Database.Statement;
  addUnknown: Database.Statement;
  addUsage: Database.Statement;
  addSample: Database.Statement;
  putCounts: Database.Statement;
  putLatency: Database.Statement;
  pruneSamples: Database.Statement;
}

/** The store refuses a file of an older layout (writing could corrupt it), required or not. */
export class OlderLayoutError extends SwornError {}

const isFile = (path: string) => path !== ':memory:' && path !== '';

function idOf(path: string): FileId | undefined {
  const s = statSync(path, { throwIfNoEntry: false });
  return s ? { dev: s.dev, ino: s.ino } : undefined;
}

/**
 * Opens (or creates) a store file with its schema. Throws SWORN_ERR_STORE:
 * an OlderLayoutError for an older layout, before anything is written to it.
 */
export function openStoreFile(path: string, options: { maxPageCount?: number; readOnly?: boolean } = {}): StoreFile {
  let db: Database.Database | undefined;
  try {
    if (options.readOnly) return openReadOnly(path);
    if (isFile(path)) mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
    // An older layout is refused before anything is written to it.
    const columns = (db.prepare('PRAGMA table_info(requests)').all() as Array<{ name: string }>).map((c) => c.name);
    const hasMeta = (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get() as { n: number }).n > 0;
    const version = hasMeta ? (db.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as { value: string } | undefined)?.value : undefined;
    if ((version !== undefined && version !== SCHEMA_VERSION) || (columns.length > 0 && !columns.includes('hour'))) {
      throw new OlderLayoutError('SWORN_ERR_STORE', `the store ${path} has an older layout (schema ${version ?? '1'}; this version writes ${SCHEMA_VERSION})`, { hint: 'Move the file away (or pass --store with a new path); sworn starts a new store.' });
    }
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    if (options.maxPageCount !== undefined) db.pragma(`max_page_count = ${Math.floor(options.maxPageCount)}`);
    db.exec(SCHEMA);
    db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', ?)").run(SCHEMA_VERSION);
    const meta = new Map((db.prepare('SELECT key, value FROM meta').all() as Array<{ key: string; value: string }>).map((r) => [r.key, r.value]));
    const id = isFile(path) ? idOf(path) : undefined;
    const sidecars = isFile(path) ? [`${path}-wal`, `${path}-shm`].flatMap((p) => { const sid = idOf(p); return sid ? [{ path: p, id: sid }] : []; }) : [];
    return { db, statements: prepare(db), id, sidecars, meta };
  } catch (cause) {
    try {
      db?.close();
    } catch {
      // The open failure is what matters.
    }
    if (cause instanceof SwornError) throw cause;
    throw new SwornError('SWORN_ERR_STORE', `cannot open the store ${path}: ${describeCause(cause)}`, { cause, hint: options.readOnly ? 'Name the file a sworn proxy writes (its --store, sworn.db by default), and check it can be read.' : 'Check that the directory is writable and the file is a sworn store, or pass --store with another path.' });
  }
}

/**
 * Opens an existing store to read it (reports, gates, game days): nothing is
 * created or written, so a proxy writing it meanwhile is never held up and a
 * file that is not a sworn store is refused untouched.
 */
function openReadOnly(path: string): StoreFile {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const hasMeta = (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get() as { n: number }).n > 0;
    if (!hasMeta) throw new SwornError('SWORN_ERR_STORE', `${path} is not a sworn store (it has no meta table)`, { hint: 'Name the file a sworn proxy writes (its --store, sworn.db by default).' });
    const meta = new Map((db.prepare('SELECT key, value FROM meta').all() as Array<{ key: string; value: string }>).map((r) => [r.key, r.value]));
    const version = meta.get('schema');
    const columns = (db.prepare('PRAGMA table_info(requests)').all() as Array<{ name: string }>).map((c) => c.name);
    if (version === undefined && columns.length === 0) throw new SwornError('SWORN_ERR_STORE', `${path} is not a sworn store (its meta table has no schema version)`, { hint: 'Name the file a sworn proxy writes (its --store, sworn.db by default).' });
    if (version !== SCHEMA_VERSION || !columns.includes('hour')) throw new OlderLayoutError('SWORN_ERR_STORE', `the store ${path} has an older layout (schema ${version ?? '1'}; this version writes ${SCHEMA_VERSION})`, { hint: 'Move the file away (a proxy of this version then starts a new store), or read it with the version that wrote it.' });
    return { db, statements: prepare(db), id: idOf(path), sidecars: [], meta };
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Why the path no longer names the file that was opened, or undefined while it does (one stat). */
export function fileChange(path: string, file: StoreFile): string | undefined {
  if (!file.id) return undefined;
  let now: FileId | undefined;
  try {
    now = idOf(path);
  } catch (error) {
    return `the store file cannot be found (${describeCause(error)})`;
  }
  if (!now) return `the store file ${path} was deleted`;
  if (now.dev !== file.id.dev || now.ino !== file.id.ino) return `the store file ${path} was replaced by another file`;
  return undefined;
}

/**
 * Closes a file whose path was deleted or replaced, and removes its -wal and
 * -shm when they are still the ones it opened: SQLite would replay that WAL
 * into whatever file is opened at the path next.
 */
export function closeLostFile(file: StoreFile): void {
  try {
    file.db.close();
  } catch {
    // Its data is gone with the file; closing is a courtesy.
  }
  for (const sidecar of file.sidecars) {
    try {
      const now = idOf(sidecar.path);
      if (now && now.dev === sidecar.id.dev && now.ino === sidecar.id.ino) unlinkSync(sidecar.path);
    } catch {
      // Left behind: opening the path next reports what is wrong with it.
    }
  }
}

/** An error as `CODE: message` (SQLite's and the OS's codes first), without repeating the code. */
export function describeCause(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(error);
  const code = typeof e?.code === 'string' ? e.code : undefined;
  return code && !message.startsWith(code) ? `${code}: ${message}` : message;
}

function prepare(db: Database.Database): Statements {
  return {
    setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    addRequests: db.prepare('INSERT INTO requests (operation, consumer, tier, hour, requests) VALUES (?, ?, ?, ?, ?) ON CONFLICT (operation, consumer, hour) DO UPDATE SET requests = requests + excluded.requests, tier = excluded.tier'),
    addViolations: db.prepare('INSERT INTO violations (operation, consumer, code, direction, hour, count, last_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (operation, consumer, code, hour) DO UPDATE SET count = count + excluded.count, last_at = excluded.last_at'),
    addUnknown: db.prepare('INSERT INTO unknown_routes (method, path, hour, count) VALUES (?, ?, ?, ?) ON CONFLICT (method, path, hour) DO UPDATE SET count = count + excluded.count'),
    addUsage: db.prepare('INSERT INTO usage (consumer, operation, kind, name, count, last_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (consumer, operation, kind, name) DO UPDATE SET count = count + excluded.count, last_at = excluded.last_at'),
    addSample: db.prepare('INSERT INTO samples (operation, consumer, code, direction, at, request_id, sample) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    putCounts: db.prepare('INSERT INTO slo_counts (operation, consumer, tier, resolution, idx, data) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (operation, consumer, resolution, idx) DO UPDATE SET data = excluded.data, tier = excluded.tier'),
    putLatency: db.prepare('INSERT INTO slo_latency (operation, scope, consumer, idx, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT (operation, scope, consumer, idx) DO UPDATE SET data = excluded.data'),
    pruneSamples: db.prepare('DELETE FROM samples WHERE operation = ? AND code = ? AND id NOT IN (SELECT id FROM samples WHERE operation = ? AND code = ? ORDER BY id DESC LIMIT ?)'),
  };
}
