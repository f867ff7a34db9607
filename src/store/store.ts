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

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS requests (operation TEXT NOT NULL, consumer TEXT NOT NULL, tier TEXT NOT NULL, requests INTEGER NOT NULL, PRIMARY KEY (operation, consumer));
CREATE TABLE IF NOT EXISTS violations (operation TEXT NOT NULL, consumer TEXT NOT NULL, code TEXT NOT NULL, direction TEXT NOT NULL, count INTEGER NOT NULL, last_at TEXT NOT NULL, PRIMARY KEY (operation, consumer, code));
CREATE TABLE IF NOT EXISTS samples (id INTEGER PRIMARY KEY AUTOINCREMENT, operation TEXT NOT NULL, consumer TEXT NOT NULL, code TEXT NOT NULL, direction TEXT NOT NULL, at TEXT NOT NULL, request_id TEXT NOT NULL, sample TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS samples_by_code ON samples (operation, code, id);
CREATE TABLE IF NOT EXISTS unknown_routes (method TEXT NOT NULL, path TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (method, path));
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
  private requestDeltas = new Map<string, Map<string, { operation: string; consumer: string; tier: string; n: number }>>();
  private violationDeltas = new Map<string, { operation: string; consumer: string; code: string; direction: string; n: number; at: string }>();
  private unknownDeltas = new Map<string, { method: string; path: string; n: number }>();
  /** consumer -> operation -> "kind name" -> count: no key building per request. */
  private usageDeltas = new Map<string, Map<string, Map<string, { consumer: string; operation: string; kind: string; name: string; n: number }>>>();
  private pendingSamples: ViolationSample[] = [];
  private readonly samplesPerCode: number;
  private readonly statements: ReturnType<Store['prepare']>;

  constructor(path: string, options: { samplesPerCode?: number } = {}) {
    this.path = path;
    this.samplesPerCode = options.samplesPerCode ?? 20;
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.exec(SCHEMA);
    } catch (cause) {
      throw new SwornError('SWORN_ERR_STORE', `cannot open the store ${path}: ${(cause as Error).message}`, { cause, hint: 'Check that the directory is writable, or pass --store with another path.' });
    }
    this.statements = this.prepare();
    if (!this.statements.getMeta.get('since')) this.statements.setMeta.run('since', new Date().toISOString());
  }

  private prepare() {
    return {
      getMeta: this.db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
      setMeta: this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      addRequests: this.db.prepare('INSERT INTO requests (operation, consumer, tier, requests) VALUES (?, ?, ?, ?) ON CONFLICT (operation, consumer) DO UPDATE SET requests = requests + excluded.requests, tier = excluded.tier'),
      addViolations: this.db.prepare('INSERT INTO violations (operation, consumer, code, direction, count, last_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (operation, consumer, code) DO UPDATE SET count = count + excluded.count, last_at = excluded.last_at'),
      addUnknown: this.db.prepare('INSERT INTO unknown_routes (method, path, count) VALUES (?, ?, ?) ON CONFLICT (method, path) DO UPDATE SET count = count + excluded.count'),
      addUsage: this.db.prepare('INSERT INTO usage (consumer, operation, kind, name, count, last_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (consumer, operation, kind, name) DO UPDATE SET count = count + excluded.count, last_at = excluded.last_at'),
      addSample: this.db.prepare('INSERT INTO samples (operation, consumer, code, direction, at, request_id, sample) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      putCounts: this.db.prepare('INSERT INTO slo_counts (operation, consumer, tier, resolution, idx, data) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (operation, consumer, resolution, idx) DO UPDATE SET data = excluded.data, tier = excluded.tier'),
      putLatency: this.db.prepare('INSERT INTO slo_latency (operation, scope, consumer, idx, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT (operation, scope, consumer, idx) DO UPDATE SET data = excluded.data'),
      pruneSamples: this.db.prepare('DELETE FROM samples WHERE operation = ? AND code = ? AND id NOT IN (SELECT id FROM samples WHERE operation = ? AND code = ? ORDER BY id DESC LIMIT ?)'),
    };
  }

  countRequest(operation: string, consumer: string, tier: string): void {
    let byConsumer = this.requestDeltas.get(operation);
    if (!byConsumer) this.requestDeltas.set(operation, (byConsumer = new Map()));
    const known = byConsumer.get(consumer);
    if (known) {
      known.n++;
      known.tier = tier;
    } else byConsumer.set(consumer, { operation, consumer, tier, n: 1 });
  }

  countViolation(v: Violation, consumer: string): void {
    const operation = v.operationId ?? '(unknown)';
    const key = `${operation}\0${consumer}\0${v.code}`;
    const at = v.at ?? new Date().toISOString();
    const known = this.violationDeltas.get(key);
    if (known) {
      known.n++;
      known.at = at;
    } else this.violationDeltas.set(key, { operation, consumer, code: v.code, direction: v.direction, n: 1, at });
  }

  countUnknownRoute(method: string, path: string): void {
    const key = `${method} ${path}`;
    const known = this.unknownDeltas.get(key);
    if (known) known.n++;
    else this.unknownDeltas.set(key, { method, path, n: 1 });
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

  /** Drops engine rows older than `keepFrom` (epoch ms): retention = the longest window plus a margin. */
  pruneSlo(keepFrom: number): void {
    const sizes = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
    for (const [resolution, size] of Object.entries(sizes)) this.db.prepare('DELETE FROM slo_counts WHERE resolution = ? AND idx < ?').run(resolution, Math.floor(keepFrom / size));
    this.db.prepare("DELETE FROM slo_latency WHERE scope = 'operation-hour' AND idx < ?").run(Math.floor(keepFrom / 3_600_000));
    this.db.prepare("DELETE FROM slo_latency WHERE scope != 'operation-hour' AND idx < ?").run(Math.floor(keepFrom / 86_400_000));
  }

  addSample(sample: ViolationSample): void {
    if (this.pendingSamples.length < 1_000) this.pendingSamples.push(sample);
  }

  /** Writes everything counted since the last flush, in one transaction. */
  flush(): void {
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
      for (const byConsumer of requests.values()) for (const r of byConsumer.values()) s.addRequests.run(r.operation, r.consumer, r.tier, r.n);
      for (const v of violations.values()) s.addViolations.run(v.operation, v.consumer, v.code, v.direction, v.n, v.at);
      for (const u of unknown.values()) s.addUnknown.run(u.method, u.path, u.n);
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

  /** Everything counted so far (flushed), to seed the proxy's live counters after a restart. */
  load(): StoredCounts {
    return {
      since: this.statements.getMeta.get('since')?.value,
      requests: this.db.prepare('SELECT operation, consumer, tier, requests FROM requests').all() as StoredCounts['requests'],
      violations: this.db.prepare('SELECT operation, consumer, code, direction, count FROM violations').all() as StoredCounts['violations'],
      unknownRoutes: this.db.prepare('SELECT method, path, count FROM unknown_routes').all() as StoredCounts['unknownRoutes'],
    };
  }

  samples(filter: { operation?: string; code?: string } = {}, limit = 100): ViolationSample[] {
    const rows = this.db.prepare(`SELECT operation, consumer, code, direction, at, request_id AS requestId, sample FROM samples WHERE (@operation IS NULL OR operation = @operation) AND (@code IS NULL OR code = @code) ORDER BY id DESC LIMIT @limit`)
      .all({ operation: filter.operation ?? null, code: filter.code ?? null, limit }) as Array<Omit<ViolationSample, 'sample'> & { sample: string }>;
    return rows.map((r) => ({ ...r, sample: JSON.parse(r.sample) as unknown }));
  }

  usage(): Array<{ consumer: string; operation: string; kind: string; name: string; count: number; lastAt: string }> {
    return this.db.prepare('SELECT consumer, operation, kind, name, count, last_at AS lastAt FROM usage').all() as never;
  }

  close(): void {
    this.flush();
    this.db.close();
  }
}
