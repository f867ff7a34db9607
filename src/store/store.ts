import { SwornError } from '../errors.js';
import type { Violation } from '../validate/violation.js';
import type { EngineSnapshot } from '../engine/engine.js';
import { OlderLayoutError, closeLostFile, describeCause, fileChange, openStoreFile, type StoreFile } from './file.js';
import { PendingWrites, type PendingKind } from './pending.js';

/** What the proxy has counted, restored on restart. */
export interface StoredCounts {
  since: string | undefined;
  requests: Array<{ operation: string; consumer: string; tier: string; requests: number }>;
  violations: Array<{ operation: string; consumer: string; code: string; direction: string; count: number }>;
  unknownRoutes: Array<{ method: string; path: string; count: number }>;
}

/** Counts by hour (epoch ms / 3,600,000), as a ledger hands them over at each flush. */
export interface HourlyCounts {
  requests: Array<{ operation: string; consumer: string; tier: string; hour: number; n: number }>;
  violations: Array<{ operation: string; consumer: string; code: string; direction: string; hour: number; n: number; at: string }>;
  unknownRoutes: Array<{ method: string; path: string; hour: number; n: number }>;
  usage: Array<{ consumer: string; operation: string; kind: string; name: string; n: number }>;
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

/**
 * `ok`: the last flush was written. `failing`: the last write failed (disk
 * full, I/O error, read-only file); counts wait in memory and every flush
 * retries. `unavailable`: no file is open (it could not be opened, at start
 * or after the file was lost); every flush retries opening it.
 * `recreated`: the file was deleted or replaced and a new one was opened; it
 * stays for one good flush, then `ok`.
 */
export type StoreState = 'ok' | 'failing' | 'unavailable' | 'recreated';

/** For /readyz and /metrics. Times are epoch ms (wall clock). */
export interface StoreHealth {
  state: StoreState;
  /** Why the state is not `ok`: the last error (`SQLITE_FULL: database or disk is full`), or what happened to the file. */
  cause?: string;
  /** When the state began. */
  since: number;
  lastGoodFlushAt?: number;
  /** Failed flushes, writes and opens, in total. */
  errors: number;
  /** Entries waiting for a good flush (delta rows, samples and SLO rows together). */
  pending: number;
  /** Entries refused because `maxPending` were waiting, in total. */
  dropped: number;
  droppedByKind: Record<PendingKind, number>;
  /** How many times the file was found deleted or replaced and opened anew. */
  recreations: number;
  path: string;
}

/**
 * `recreated`: the file was deleted or replaced; a new one is open and gets
 * what was waiting. The listener writes the whole state into it:
 * `store.addCounts(totals, now)` with the live totals (they include what was
 * waiting, which is then not added twice) and
 * `store.saveSlo(engine.takeSnapshot({ all: true }))`.
 * `opened` (late): the file could not be opened until now. The listener
 * merges what it holds: `engine.restore(store.loadSlo(), { merge: true })`,
 * the live counters from `store.load()`, then
 * `store.saveSlo(engine.takeSnapshot({ all: true }))`; what was counted in
 * memory is added to its hourly counts by the same flush.
 */
export type StoreEvent = { kind: 'recreated'; cause: string } | { kind: 'opened'; late: true };

export interface StoreOptions {
  /** Violation samples kept per operation and code (default 20). */
  samplesPerCode?: number;
  /** When counting began (epoch ms): the `since` of a new store. */
  now?: number;
  /** Throw SWORN_ERR_STORE when the file cannot be opened (default false: start `unavailable`, count in memory, retry at every flush). */
  required?: boolean;
  /** Entries that may wait for a good flush (default 200,000); past it, new entries are dropped and counted. */
  maxPending?: number;
  /** Called from inside `flush()` when the file was recreated or opened late; what it throws is ignored. */
  onEvent?: (event: StoreEvent) => void;
  /**
   * Called first thing in every `flush()` (and so in `close()`): the owner of
   * the counts hands over what changed (`addHourly`, `addSample`, `saveSlo`).
   * What it throws is ignored.
   */
  beforeFlush?: () => void;
  /** SQLite's max_page_count on this connection (tests: makes writes fail with a real SQLITE_FULL). */
  maxPageCount?: number;
  /** Read an existing store without writing anything to it (reports, gates, game days); implies `required`. */
  readOnly?: boolean;
}

export interface FlushResult {
  ok: boolean;
  /** SWORN_ERR_STORE, with SQLite's or the OS's error as its cause. */
  error?: Error;
}

export interface CloseResult extends FlushResult {
  /** Entries that could not be written (lost with the process). */
  unwritten: number;
}

const HOUR = 3_600_000;
export const DEFAULT_MAX_PENDING = 200_000;

/**
 * The embedded store (SQLite, WAL). The proxy adds to in-memory deltas on the
 * hot path; `flush()` writes them in one transaction (called on an interval
 * and at shutdown), so requests never wait for the disk. A failed flush keeps
 * everything for the next one (bounded by `maxPending`); a deleted or
 * replaced file is noticed at the next flush and opened anew; a file that
 * cannot be opened is retried at every flush while counting goes on in
 * memory. Nothing here throws after the constructor: `health()` says how it
 * goes.
 */
export class Store {
  readonly path: string;
  private file: StoreFile | undefined;
  private readonly pending: PendingWrites;
  private readonly samplesPerCode: number;
  private readonly maxPageCount: number | undefined;
  private readonly onEvent: ((event: StoreEvent) => void) | undefined;
  /** See StoreOptions.beforeFlush; may be set after construction (the ledger is made from what the store loads). */
  beforeFlush: (() => void) | undefined;
  /** Every meta value, as last set or read (reads never need the file). */
  private readonly metaValues = new Map<string, string>();
  /** Meta values not written yet: written by the next flush. */
  private metaWaiting = new Map<string, string>();
  /** Why the open file was lost, until a new one is open. */
  private lost: string | undefined;
  /** Set by addCounts: a `recreated` listener re-seeded the hourly counts. */
  private reseeded = false;
  private closed = false;
  private state: StoreState = 'ok';
  private stateSince = Date.now();
  private cause: string | undefined;
  private lastGoodFlushAt: number | undefined;
  private errors = 0;
  private recreations = 0;

  constructor(path: string, options: StoreOptions = {}) {
    this.path = path;
    this.samplesPerCode = options.samplesPerCode ?? 20;
    this.pending = new PendingWrites(options.maxPending ?? DEFAULT_MAX_PENDING);
    this.maxPageCount = options.maxPageCount;
    this.onEvent = options.onEvent;
    this.beforeFlush = options.beforeFlush;
    const since = new Date(options.now ?? Date.now()).toISOString();
    try {
      this.file = openStoreFile(path, { ...(this.maxPageCount === undefined ? {} : { maxPageCount: this.maxPageCount }), ...(options.readOnly ? { readOnly: true } : {}) });
    } catch (error) {
      // An older layout is refused whatever `required` says: writing to it could corrupt it.
      if (options.required === true || options.readOnly === true || error instanceof OlderLayoutError) throw error;
      this.metaValues.set('since', since);
      this.metaWaiting.set('since', since);
      this.failed('unavailable', error);
      return;
    }
    for (const [key, value] of this.file.meta) this.metaValues.set(key, value);
    if (!this.metaValues.has('since') && options.readOnly !== true) this.setMeta('since', since);
  }

  /** Counts one exchange in the hour of `at` (epoch ms). */
  countRequest(operation: string, consumer: string, tier: string, at: number): void {
    this.pending.addRequests(operation, consumer, tier, Math.floor(at / HOUR), 1);
  }

  countViolation(v: Violation, consumer: string, at: number): void {
    this.pending.addViolations(v.operationId ?? '(unknown)', consumer, v.code, v.direction, Math.floor(at / HOUR), 1, v.at ?? new Date(at).toISOString());
  }

  countUnknownRoute(method: string, path: string, at: number): void {
    this.pending.addUnknown(method, path, Math.floor(at / HOUR), 1);
  }

  /** What a consumer exercised: parameters sent, response codes seen (used by usage-aware diff). */
  countUsage(consumer: string, operation: string, kind: 'parameter' | 'status' | 'operation', name: string): void {
    this.pending.addUsage(consumer, operation, kind, name);
  }

  /**
   * Adds totals (request, violation and unknown-route counts) as counted in
   * the hour of `at`: a recreated file is re-seeded with the live totals.
   * Called from a `recreated` listener, it replaces the hourly counts that
   * were waiting (the totals include them).
   */
  addCounts(counts: StoredCounts, at: number): void {
    const hour = Math.floor(at / HOUR);
    const iso = new Date(at).toISOString();
    for (const r of counts.requests) if (r.requests > 0) this.pending.addRequests(r.operation, r.consumer, r.tier, hour, r.requests);
    for (const v of counts.violations) if (v.count > 0) this.pending.addViolations(v.operation, v.consumer, v.code, v.direction, hour, v.count, iso);
    for (const u of counts.unknownRoutes) if (u.count > 0) this.pending.addUnknown(u.method, u.path, hour, u.count);
    const since = this.since();
    if (counts.since !== undefined && (since === undefined || Date.parse(counts.since) < Date.parse(since))) this.setMeta('since', counts.since);
    this.reseeded = true;
  }

  /** Hourly counts to add at the next flush (what a ledger counted since the last one); past `maxPending`, new rows are dropped and counted. */
  addHourly(counts: HourlyCounts): void {
    for (const r of counts.requests) this.pending.addRequests(r.operation, r.consumer, r.tier, r.hour, r.n);
    for (const v of counts.violations) this.pending.addViolations(v.operation, v.consumer, v.code, v.direction, v.hour, v.n, v.at);
    for (const u of counts.unknownRoutes) this.pending.addUnknown(u.method, u.path, u.hour, u.n);
    for (const u of counts.usage) this.pending.addUsage(u.consumer, u.operation, u.kind, u.name, u.n);
  }

  /** Engine state to write at the next flush (the changed buckets; a later copy of a bucket replaces an earlier one still waiting). */
  saveSlo(snapshot: EngineSnapshot): void {
    this.pending.addSlo(snapshot);
  }

  addSample(sample: ViolationSample): void {
    this.pending.addSample(sample);
  }

  /**
   * Everything the engine has stored (nothing while no file is open);
   * `since` (epoch ms): only the buckets and histograms that end after it
   * (a day bucket counts from a day earlier: days start in their window's
   * zone).
   */
  loadSlo(options: { since?: number } = {}): EngineSnapshot {
    if (!this.file) return { counts: [], latency: [] };
    const db = this.file.db;
    const since = options.since ?? Number.NEGATIVE_INFINITY;
    // Day indexes follow a calendar window's zone (up to ±14h from UTC): a day earlier is safe.
    const from = (size: number) => (since === Number.NEGATIVE_INFINITY ? -1e15 : Math.floor((since - (size === 86_400_000 ? size : 0)) / size));
    const counts = (db.prepare("SELECT operation, consumer, tier, resolution, idx, data FROM slo_counts WHERE (resolution = 'minute' AND idx >= ?) OR (resolution = 'hour' AND idx >= ?) OR (resolution = 'day' AND idx >= ?)").all(from(60_000), from(3_600_000), from(86_400_000)) as Array<{ operation: string; consumer: string; tier: string; resolution: EngineSnapshot['counts'][number]['resolution']; idx: number; data: Buffer }>)
      .map((r) => ({ operation: r.operation, consumer: r.consumer, tier: r.tier, resolution: r.resolution, index: r.idx, data: new Float64Array(r.data.buffer.slice(r.data.byteOffset, r.data.byteOffset + r.data.byteLength)) }));
    const latency = (db.prepare("SELECT operation, scope, consumer, idx, data FROM slo_latency WHERE (scope = 'operation-hour' AND idx >= ?) OR (scope != 'operation-hour' AND idx >= ?)").all(from(3_600_000), from(86_400_000)) as Array<{ operation: string; scope: EngineSnapshot['latency'][number]['scope']; consumer: string; idx: number; data: string }>)
      .map((r) => ({ operation: r.operation, scope: r.scope, consumer: r.consumer, index: r.idx, encoded: r.data }));
    return { counts, latency };
  }

  /**
   * Drops rows older than `keepFrom` (epoch ms): engine buckets and histograms,
   * hourly request/violation/unknown-route counts. Retention = the longest
   * window plus a margin; `since` moves up to the retention edge. A failure
   * counts as a failed write (retried at the next prune).
   */
  prune(keepFrom: number): void {
    const hour = Math.floor(keepFrom / HOUR);
    const since = this.since();
    if (since && Date.parse(since) < hour * HOUR) this.setMeta('since', new Date(hour * HOUR).toISOString());
    if (!this.file) return;
    const db = this.file.db;
    const sizes = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
    try {
      db.transaction(() => {
        for (const table of ['requests', 'violations', 'unknown_routes']) db.prepare(`DELETE FROM ${table} WHERE hour < ?`).run(hour);
        for (const [resolution, size] of Object.entries(sizes)) db.prepare('DELETE FROM slo_counts WHERE resolution = ? AND idx < ?').run(resolution, Math.floor(keepFrom / size));
        db.prepare("DELETE FROM slo_latency WHERE scope = 'operation-hour' AND idx < ?").run(Math.floor(keepFrom / 3_600_000));
        db.prepare("DELETE FROM slo_latency WHERE scope != 'operation-hour' AND idx < ?").run(Math.floor(keepFrom / 86_400_000));
      })();
    } catch (error) {
      this.failed('failing', error, 'prune');
    }
  }

  /** A note about the store (`spec`: the spec file the proxy checked; `clock`: its clock at the last flush). */
  meta(key: string): string | undefined {
    return this.metaValues.get(key);
  }

  /** Written now when it can be, else by the next good flush; `meta()` returns it at once either way. */
  setMeta(key: string, value: string): void {
    this.metaValues.set(key, value);
    if (this.file) {
      try {
        this.file.statements.setMeta.run(key, value);
        this.metaWaiting.delete(key);
        return;
      } catch (error) {
        this.failed('failing', error);
      }
    }
    this.metaWaiting.set(key, value);
  }

  /**
   * Writes everything waiting, in one transaction, with the writer's clock
   * (epoch ms) when given: offline reports read the engine's buckets as the
   * proxy last saw them. First checks that the path still names the file that
   * was opened (one stat), and opens it anew (or for the first time) when
   * needed. Never throws: a failed flush keeps everything for the next one.
   */
  flush(clock?: number): FlushResult {
    if (this.closed) return { ok: false, error: new SwornError('SWORN_ERR_STORE', `the store ${this.path} is closed`) };
    try {
      this.beforeFlush?.();
    } catch {
      // the owner's trouble; what it handed over so far is written
    }
    let recreated = false;
    if (this.file) {
      const change = fileChange(this.path, this.file);
      if (change) {
        closeLostFile(this.file);
        this.file = undefined;
        this.lost = change;
        // The new file gets every meta value, not only those changed since.
        this.metaWaiting = new Map([...this.metaValues].filter(([key]) => key !== 'schema'));
      }
    }
    if (!this.file) {
      const error = this.open();
      if (error) return { ok: false, error };
      recreated = this.state === 'recreated';
    }
    if (this.pending.size === 0 && this.metaWaiting.size === 0) return this.good(recreated);
    const { db, statements: s } = this.file!;
    try {
      db.transaction(() => {
        for (const [key, value] of this.metaWaiting) s.setMeta.run(key, value);
        if (clock !== undefined) s.setMeta.run('clock', String(clock));
        this.pending.write(s, this.samplesPerCode);
      })();
    } catch (error) {
      return { ok: false, error: this.failed('failing', error) };
    }
    if (clock !== undefined) this.metaValues.set('clock', String(clock));
    this.pending.clear();
    this.metaWaiting.clear();
    return this.good(recreated);
  }

  /** Opens the file (late, or anew after it was lost) and tells the listener; the error when it cannot. */
  private open(): Error | undefined {
    let file: StoreFile;
    try {
      file = openStoreFile(this.path, this.maxPageCount === undefined ? {} : { maxPageCount: this.maxPageCount });
    } catch (error) {
      return this.failed('unavailable', error, 'open');
    }
    this.file = file;
    // Values set while no file was open win; `since` is the earliest of the file's and ours (counting began then).
    const ours = this.metaValues.get('since');
    const theirs = file.meta.get('since');
    for (const [key, value] of file.meta) if (!this.metaWaiting.has(key)) this.metaValues.set(key, value);
    if (theirs !== undefined && ours !== undefined && Date.parse(theirs) < Date.parse(ours)) {
      this.metaValues.set('since', theirs);
      this.metaWaiting.delete('since');
    } else if (ours !== undefined) this.metaWaiting.set('since', ours);
    if (this.lost !== undefined) {
      const cause = this.lost;
      this.lost = undefined;
      this.recreations++;
      this.setState('recreated', cause);
      const hourly = this.pending.takeHourly();
      this.reseeded = false;
      this.emit({ kind: 'recreated', cause });
      if (!this.reseeded) this.pending.putBackHourly(hourly);
    } else {
      this.setState('ok', undefined);
      this.emit({ kind: 'opened', late: true });
    }
    return undefined;
  }

  private emit(event: StoreEvent): void {
    try {
      this.onEvent?.(event);
    } catch {
      // A failing listener must not cost the counts this flush writes.
    }
  }

  private good(recreated: boolean): FlushResult {
    this.lastGoodFlushAt = Date.now();
    // `recreated` shows for one good flush (the one that recreated the file), then `ok`.
    if (!recreated) this.setState('ok', undefined);
    return { ok: true };
  }

  private setState(state: StoreState, cause: string | undefined): void {
    if (state !== this.state) {
      this.state = state;
      this.stateSince = Date.now();
    }
    this.cause = cause;
  }

  private failed(state: 'failing' | 'unavailable', error: unknown, what: 'write' | 'open' | 'prune' = 'write'): SwornError {
    this.errors++;
    // An open failure is a SwornError already; its cause says what SQLite or the OS said.
    const cause = error instanceof SwornError ? (error.cause === undefined ? error.message : describeCause(error.cause)) : describeCause(error);
    this.setState(state, cause);
    if (what === 'open' && error instanceof SwornError) return error;
    return new SwornError('SWORN_ERR_STORE', `cannot ${what === 'prune' ? 'prune' : 'write'} the store ${this.path}: ${cause}`, { cause: error, hint: 'Free disk space, or check that the file is writable; counts wait in memory (up to maxPending entries) and the next flush retries.' });
  }

  health(): StoreHealth {
    return {
      state: this.state,
      ...(this.cause === undefined ? {} : { cause: this.cause }),
      since: this.stateSince,
      ...(this.lastGoodFlushAt === undefined ? {} : { lastGoodFlushAt: this.lastGoodFlushAt }),
      errors: this.errors,
      pending: this.pending.size,
      dropped: this.pending.droppedTotal,
      droppedByKind: { ...this.pending.dropped },
      recreations: this.recreations,
      path: this.path,
    };
  }

  /**
   * What was counted (flushed) in the hours overlapping [since, until) (epoch
   * ms; everything when omitted): seeds the proxy's live counters after a
   * restart, and feeds `sworn report --window`. Nothing but `since` while no
   * file is open.
   */
  load(range: { since?: number; until?: number } = {}): StoredCounts {
    if (!this.file) return { since: this.since(), requests: [], violations: [], unknownRoutes: [] };
    const db = this.file.db;
    const hours = { from: range.since === undefined ? -1e15 : Math.floor(range.since / HOUR), to: range.until === undefined ? 1e15 : Math.ceil(range.until / HOUR) };
    return {
      since: this.since(),
      requests: db.prepare('SELECT operation, consumer, max(tier) AS tier, sum(requests) AS requests FROM requests WHERE hour >= @from AND hour < @to GROUP BY operation, consumer').all(hours) as StoredCounts['requests'],
      violations: db.prepare('SELECT operation, consumer, code, max(direction) AS direction, sum(count) AS count FROM violations WHERE hour >= @from AND hour < @to GROUP BY operation, consumer, code').all(hours) as StoredCounts['violations'],
      unknownRoutes: db.prepare('SELECT method, path, sum(count) AS count FROM unknown_routes WHERE hour >= @from AND hour < @to GROUP BY method, path').all(hours) as StoredCounts['unknownRoutes'],
    };
  }

  /** When counting began (the store's first open, or the retention edge once pruned; the construction time while no file was ever open). */
  since(): string | undefined {
    return this.metaValues.get('since');
  }

  samples(filter: { operation?: string; code?: string } = {}, limit = 100): ViolationSample[] {
    if (!this.file) return [];
    const rows = this.file.db.prepare(`SELECT operation, consumer, code, direction, at, request_id AS requestId, sample FROM samples WHERE (@operation IS NULL OR operation = @operation) AND (@code IS NULL OR code = @code) ORDER BY id DESC LIMIT @limit`)
      .all({ operation: filter.operation ?? null, code: filter.code ?? null, limit }) as Array<Omit<ViolationSample, 'sample'> & { sample: string }>;
    return rows.map((r) => ({ ...r, sample: JSON.parse(r.sample) as unknown }));
  }

  usage(): Array<{ consumer: string; operation: string; kind: string; name: string; count: number; lastAt: string }> {
    if (!this.file) return [];
    return this.file.db.prepare('SELECT consumer, operation, kind, name, count, last_at AS lastAt FROM usage').all() as never;
  }

  /** A last flush, then the file is closed. Never throws; `unwritten` says what could not be written. */
  close(clock?: number): CloseResult {
    if (this.closed) return { ok: true, unwritten: 0 };
    const flushed = this.flush(clock);
    this.closed = true;
    let error = flushed.error;
    if (this.file) {
      try {
        this.file.db.close();
      } catch (cause) {
        error ??= new SwornError('SWORN_ERR_STORE', `cannot close the store ${this.path}: ${describeCause(cause)}`, { cause });
      }
    }
    return error ? { ok: false, error, unwritten: this.pending.size } : { ok: true, unwritten: 0 };
  }
}
