import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { SwornError } from '../errors.js';
import type { Violation } from '../validate/violation.js';
import type { EngineSnapshot } from '../engine/engine.js';

/** What the proxy has counted, restored on restart. */
export interface StoredCounts {
  since: string | undefined;
  requests: Array<{ operation: string; consumer: string; tier: string; requests: number }>;
  violations: Array<{ operation: string; consumer: string; code: string; direction: string; count: number }>;
  unknownRoutes: Array<{ method: string; path: string; count: number }>;
}

export interface ViolationSample {
  operation: string;
  consumer: string;
  code: string;
  direction: string;
  at: string;
  requestId: string;
  /** Redacted request/response excerpt and the violation. */
  sample: unknown;
}

const HOUR = 3_600_000;
/** Bumped when a table changes shape; an older store is refused with a clear message. */
const SCHEMA_VERSION = '2';

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

/**
 * The embedded store (SQLite, WAL). The proxy adds to in-memory deltas on the
 * hot path; `flush()` writes them in one transaction (called on an interval
 * and at shutdown), so requests never wait for the disk.
 */
export class Store {
  readonly path: string;
  private readonly db: Database.Database;
  /** hour -> operation -> consumer -> delta: no key building per request. */
  private requestDeltas = new Map<number, Map<string, Map<string, { operation: string; consumer: string; tier: string; hour: number; n: number }>>>();
  private violationDeltas = new Map<string, { operation: string; consumer: string; code: string; direction: string; hour: number; n: number; at: string }>();
  private unknownDeltas = new Map<string, { method: string; path: string; hour: number; n: number }>();
  /** consumer -> operation -> "kind name" -> count: no key building per request. */
  private usageDeltas = new Map<string, Map<string, Map<string, { consumer: string; operation: string; kind: string; name: string; n: number }>>>();
  private pendingSamples: ViolationSample[] = [];
  private readonly samplesPerCode: number;
  private readonly statements: ReturnType<Store['prepare']>;

  constructor(path: string, options: { samplesPerCode?: number; now?: number } = {}) {
    this.path = path;
    this.samplesPerCode = options.samplesPerCode ?? 20;
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      this.db = new Database(path);
      // An older layout is refused before anything is written to it.
      const columns = (this.db.prepare('PRAGMA table_info(requests)').all() as Array<{ name: string }>).map((c) => c.name);
      const hasMeta = (this.db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get() as { n: number }).n > 0;
      const version = hasMeta ? (this.db.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as { value: string } | undefined)?.value : undefined;
      if ((version !== undefined && version !== SCHEMA_VERSION) || (columns.length > 0 && !columns.includes('hour'))) {
        this.db.close();
        throw new SwornError('SWORN_ERR_STORE', `the store ${path} has an older layout (schema ${version ?? '1'}; this version writes ${SCHEMA_VERSION})`, { hint: 'Move the file away (or pass --store with a new path); sworn starts a new store.' });
      }
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.exec(SCHEMA);
      this.db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', ?)").run(SCHEMA_VERSION);
    } catch (cause) {
      if (cause instanceof SwornError) throw cause;
      throw new SwornError('SWORN_ERR_STORE', `cannot open the store ${path}: ${(cause as Error).message}`, { cause, hint: 'Check that the directory is writable, or pass --store with another path.' });
    }
    this.statements = this.prepare();
    if (!this.statements.getMeta.get('since')) this.statements.setMeta.run('since', new Date(options.now ?? Date.now()).toISOString());
  }

  private prepare() {
    return {
      getMeta: this.db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
      setMeta: this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      addRequests: this.db.prepare('INSERT INTO requests (operation, consumer, tier, hour, requests) VALUES (?, ?, ?, ?, ?) ON CONFLICT (operation, consumer, hour) DO UPDATE SET requests = requests + excluded.requests, tier = excluded.tier'),
      addViolations: this.db.prepare('INSERT INTO violations (operation, consumer, code, direction, hour, count, last_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (operation, consumer, code, hour) DO UPDATE SET count = count + excluded.count, last_at = excluded.last_at'),
      addUnknown: this.db.prepare('INSERT INTO unknown_routes (method, path, hour, count) VALUES (?, ?, ?, ?) ON CONFLICT (method, path, hour) DO UPDATE SET count = count + excluded.count'),
      addUsage: this.db.prepare('INSERT INTO usage (consumer, operation, kind, name, count, last_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (consumer, operation, kind, name) DO UPDATE SET count = count + excluded.count, last_at = excluded.last_at'),
      addSample: this.db.prepare('INSERT INTO samples (operation, consumer, code, direction, at, request_id, sample) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      putCounts: this.db.prepare('INSERT INTO slo_counts (operation, consumer, tier, resolution, idx, data) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (operation, consumer, resolution, idx) DO UPDATE SET data = excluded.data, tier = excluded.tier'),
      putLatency: this.db.prepare('INSERT INTO slo_latency (operation, scope, consumer, idx, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT (operation, scope, consumer, idx) DO UPDATE SET data = excluded.data'),
      pruneSamples: this.db.prepare('DELETE FROM samples WHERE operation = ? AND code = ? AND id NOT IN (SELECT id FROM samples WHERE operation = ? AND code = ? ORDER BY id DESC LIMIT ?)'),
    };
  }

  /** Counts one exchange in the hour of `at` (epoch ms). */
  countRequest(operation: string, consumer: string, tier: string, at: number): void {
    const hour = Math.floor(at / HOUR);
    let byOperation = this.requestDeltas.get(hour);
    if (!byOperation) this.requestDeltas.set(hour, (byOperation = new Map()));
    let byConsumer = byOperation.get(operation);
    if (!byConsumer) byOperation.set(operation, (byConsumer = new Map()));
    const known = byConsumer.get(consumer);
    if (known) {
      known.n++;
      known.tier = tier;
    } else byConsumer.set(consumer, { operation, consumer, tier, hour, n: 1 });
  }

  countViolation(v: Violation, consumer: string, at: number): void {
    const operation = v.operationId ?? '(unknown)';
    const hour = Math.floor(at / HOUR);
    const key = `${operation}\0${consumer}\0${v.code}\0${hour}`;
    const iso = v.at ?? new Date(at).toISOString();
    const known = this.violationDeltas.get(key);
    if (known) {
      known.n++;
      known.at = iso;
    } else this.violationDeltas.set(key, { operation, consumer, code: v.code, direction: v.direction, hour, n: 1, at: iso });
  }

  countUnknownRoute(method: string, path: string, at: number): void {
    const hour = Math.floor(at / HOUR);
    const key = `${method} ${path}\0${hour}`;
    const known = this.unknownDeltas.get(key);
    if (known) known.n++;
    else this.unknownDeltas.set(key, { method, path, hour, n: 1 });
  }

  /** What a consumer exercised: parameters sent, response codes seen (used by usage-aware diff). */
  countUsage(consumer: string, operation: string, kind: 'parameter' | 'status' | 'operation', name: string): void {
    let byOperation = this.usageDeltas.get(consumer);
    if (!byOperation) this.usageDeltas.set(consumer, (byOperation = new Map()));
    let byName = byOperation.get(operation);
    if (!byName) byOperation.set(operation, (byName = new Map()));
    const key = kind === 'status' ? name : `${kind} ${name}`;
    const known = byName.get(key);
    if (known) known.n++;
    else byName.set(key, { consumer, operation, kind, name, n: 1 });
  }

  private pendingSlo: EngineSnapshot[] = [];

  /** Engine state to write at the next flush (the changed buckets only). */
  saveSlo(snapshot: EngineSnapshot): void {
    if (snapshot.counts.length + snapshot.latency.length > 0) this.pendingSlo.push(snapshot);
  }

  /** Everything the engine has stored. */
  loadSlo(): EngineSnapshot {
    const counts = (this.db.prepare('SELECT operation, consumer, tier, resolution, idx, data FROM slo_counts').all() as Array<{ operation: string; consumer: string; tier: string; resolution: EngineSnapshot['counts'][number]['resolution']; idx: number; data: Buffer }>)
      .map((r) => ({ operation: r.operation, consumer: r.consumer, tier: r.tier, resolution: r.resolution, index: r.idx, data: new Float64Array(r.data.buffer.slice(r.data.byteOffset, r.data.byteOffset + r.data.byteLength)) }));
    const latency = (this.db.prepare('SELECT operation, scope, consumer, idx, data FROM slo_latency').all() as Array<{ operation: string; scope: EngineSnapshot['latency'][number]['scope']; consumer: string; idx: number; data: string }>)
      .map((r) => ({ operation: r.operation, scope: r.scope, consumer: r.consumer, index: r.idx, encoded: r.data }));
    return { counts, latency };
  }

  /**
   * Drops rows older than `keepFrom` (epoch ms): engine buckets and histograms,
   * hourly request/violation/unknown-route counts. Retention = the longest
   * window plus a margin; `since` moves up to the retention edge.
   */
  prune(keepFrom: number): void {
    const hour = Math.floor(keepFrom / HOUR);
    for (const table of ['requests', 'violations', 'unknown_routes']) this.db.prepare(`DELETE FROM ${table} WHERE hour < ?`).run(hour);
    const since = this.since();
    if (since && Date.parse(since) < hour * HOUR) this.statements.setMeta.run('since', new Date(hour * HOUR).toISOString());
    this.pruneSlo(keepFrom);
  }

  private pruneSlo(keepFrom: number): void {
    const sizes = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
    for (const [resolution, size] of Object.entries(sizes)) this.db.prepare('DELETE FROM slo_counts WHERE resolution = ? AND idx < ?').run(resolution, Math.floor(keepFrom / size));
    this.db.prepare("DELETE FROM slo_latency WHERE scope = 'operation-hour' AND idx < ?").run(Math.floor(keepFrom / 3_600_000));
    this.db.prepare("DELETE FROM slo_latency WHERE scope != 'operation-hour' AND idx < ?").run(Math.floor(keepFrom / 86_400_000));
  }

  addSample(sample: ViolationSample): void {
    if (this.pendingSamples.length < 1_000) this.pendingSamples.push(sample);
  }

  /** A note about the store (`spec`: the spec file the proxy checked; `clock`: its clock at the last flush). */
  meta(key: string): string | undefined {
    return this.statements.getMeta.get(key)?.value;
  }

  setMeta(key: string, value: string): void {
    this.statements.setMeta.run(key, value);
  }

  /**
   * Writes everything counted since the last flush, in one transaction, with
   * the writer's clock (epoch ms) when given: offline reports read the engine's
   * buckets as the proxy last saw them.
   */
  flush(clock?: number): void {
    if (this.requestDeltas.size + this.violationDeltas.size + this.unknownDeltas.size + this.usageDeltas.size + this.pendingSamples.length + this.pendingSlo.length === 0) return;
    const slo = this.pendingSlo;
    this.pendingSlo = [];
    const requests = this.requestDeltas;
    const violations = this.violationDeltas;
    const unknown = this.unknownDeltas;
    const usage = this.usageDeltas;
    const samples = this.pendingSamples;
    this.requestDeltas = new Map();
    this.violationDeltas = new Map();
    this.unknownDeltas = new Map();
    this.usageDeltas = new Map();
    this.pendingSamples = [];
    const s = this.statements;
    this.db.transaction(() => {
      if (clock !== undefined) s.setMeta.run('clock', String(clock));
      for (const byOperation of requests.values()) for (const byConsumer of byOperation.values()) for (const r of byConsumer.values()) s.addRequests.run(r.operation, r.consumer, r.tier, r.hour, r.n);
      for (const v of violations.values()) s.addViolations.run(v.operation, v.consumer, v.code, v.direction, v.hour, v.n, v.at);
      for (const u of unknown.values()) s.addUnknown.run(u.method, u.path, u.hour, u.n);
      const now = new Date().toISOString(); // last_at: the flush time (at most one interval late)
      for (const byOperation of usage.values()) for (const byName of byOperation.values()) for (const u of byName.values()) s.addUsage.run(u.consumer, u.operation, u.kind, u.name, u.n, now);
      for (const snapshot of slo) {
        for (const c of snapshot.counts) s.putCounts.run(c.operation, c.consumer, c.tier, c.resolution, c.index, Buffer.from(c.data.buffer, c.data.byteOffset, c.data.byteLength));
        for (const l of snapshot.latency) s.putLatency.run(l.operation, l.scope, l.consumer, l.index, l.encoded);
      }
      const pruned = new Set<string>();
      for (const sample of samples) {
        s.addSample.run(sample.operation, sample.consumer, sample.code, sample.direction, sample.at, sample.requestId, JSON.stringify(sample.sample));
        pruned.add(`${sample.operation}\0${sample.code}`);
      }
      for (const key of pruned) {
        const [operation, code] = key.split('\0') as [string, string];
        s.pruneSamples.run(operation, code, operation, code, this.samplesPerCode);
      }
    })();
  }

  /**
   * What was counted (flushed) in the hours overlapping [since, until) (epoch
   * ms; everything when omitted): seeds the proxy's live counters after a
   * restart, and feeds `sworn report --window`.
   */
  load(range: { since?: number; until?: number } = {}): StoredCounts {
    const hours = { from: range.since === undefined ? -1e15 : Math.floor(range.since / HOUR), to: range.until === undefined ? 1e15 : Math.ceil(range.until / HOUR) };
    return {
      since: this.statements.getMeta.get('since')?.value,
      requests: this.db.prepare('SELECT operation, consumer, max(tier) AS tier, sum(requests) AS requests FROM requests WHERE hour >= @from AND hour < @to GROUP BY operation, consumer').all(hours) as StoredCounts['requests'],
      violations: this.db.prepare('SELECT operation, consumer, code, max(direction) AS direction, sum(count) AS count FROM violations WHERE hour >= @from AND hour < @to GROUP BY operation, consumer, code').all(hours) as StoredCounts['violations'],
      unknownRoutes: this.db.prepare('SELECT method, path, sum(count) AS count FROM unknown_routes WHERE hour >= @from AND hour < @to GROUP BY method, path').all(hours) as StoredCounts['unknownRoutes'],
    };
  }

  /** When counting began (the store's first open, or the retention edge once pruned). */
  since(): string | undefined {
    return this.statements.getMeta.get('since')?.value;
  }

  samples(filter: { operation?: string; code?: string } = {}, limit = 100): ViolationSample[] {
    const rows = this.db.prepare(`SELECT operation, consumer, code, direction, at, request_id AS requestId, sample FROM samples WHERE (@operation IS NULL OR operation = @operation) AND (@code IS NULL OR code = @code) ORDER BY id DESC LIMIT @limit`)
      .all({ operation: filter.operation ?? null, code: filter.code ?? null, limit }) as Array<Omit<ViolationSample, 'sample'> & { sample: string }>;
    return rows.map((r) => ({ ...r, sample: JSON.parse(r.sample) as unknown }));
  }

  usage(): Array<{ consumer: string; operation: string; kind: string; name: string; count: number; lastAt: string }> {
    return this.db.prepare('SELECT consumer, operation, kind, name, count, last_at AS lastAt FROM usage').all() as never;
  }

  close(clock?: number): void {
    this.flush(clock);
    this.db.close();
  }
}
