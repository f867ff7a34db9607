import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { loadSpec, listOperations } from '../../src/spec/index.js';
import { resolveSlos } from '../../src/slo/index.js';
import type { ResolvedSpecSlo } from '../../src/slo/model.js';
import { SloEngine, type EngineEvent } from '../../src/engine/index.js';
import { Store, type StoredCounts, type StoreEvent, type StoreOptions } from '../../src/store/index.js';
import type { Violation } from '../../src/validate/violation.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const clean of cleanups.splice(0).reverse()) clean();
});

/** A fresh directory, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sworn-store-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs after the test (and after every `tempDir` made later is removed). */
export function onCleanup(clean: () => void): void {
  cleanups.push(clean);
}

/** A small tmpfs at a new directory (root with CAP_SYS_ADMIN), unmounted after the test; undefined where mounting is not permitted. */
export function mountTmpfs(sizeKb: number): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'sworn-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  cleanups.push(() => {
    execFileSync('umount', [dir], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Whether this process may mount a tmpfs (tried once, at collection). */
export const canMountTmpfs = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'sworn-tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'ignore' });
    execFileSync('umount', [dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
})();

export async function engineSlo(): Promise<ResolvedSpecSlo> {
  const spec = await loadSpec(fileURLToPath(new URL('../fixtures/engine-spec.yaml', import.meta.url)));
  return resolveSlos(spec, listOperations(spec));
}

export const T0 = Date.parse('2026-03-30T08:00:00Z');
export const CONSUMERS = [{ name: 'acme', tier: 'gold' }, { name: 'hobby', tier: 'free' }, { name: 'walk-in', tier: 'anonymous' }] as const;

/** A seeded generator (mulberry32). */
export function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` exchanges of listOrders from `from`, one every `stepMs`: some 5xx, some slow, some 4xx (a request violation each). */
export function trace(seed: number, from: number, n: number, stepMs = 7_000): EngineEvent[] {
  const rnd = random(seed);
  const events: EngineEvent[] = [];
  for (let i = 0; i < n; i++) {
    const c = CONSUMERS[Math.floor(rnd() * CONSUMERS.length)]!;
    const r = rnd();
    const status = r < 0.03 ? 503 : r < 0.08 ? 400 : 200;
    events.push({ at: from + i * stepMs, operationId: 'listOrders', consumer: c.name, tier: c.tier, status, durationMs: 5 + Math.floor(rnd() * rnd() * 2_500), outcome: 'response' });
  }
  return events;
}

const key = (...parts: string[]) => parts.join('\0');

/** The proxy's live totals (what its ConformanceStats holds), kept the plain way. */
export class Tally {
  since: string | undefined;
  readonly requests = new Map<string, { operation: string; consumer: string; tier: string; requests: number }>();
  readonly violations = new Map<string, { operation: string; consumer: string; code: string; direction: string; count: number }>();
  readonly unknownRoutes = new Map<string, { method: string; path: string; count: number }>();

  add(counts: StoredCounts): void {
    if (counts.since !== undefined && (this.since === undefined || counts.since < this.since)) this.since = counts.since;
    for (const r of counts.requests) this.addRequest(r.operation, r.consumer, r.tier, r.requests);
    for (const v of counts.violations) this.addViolation(v.operation, v.consumer, v.code, v.direction, v.count);
    for (const u of counts.unknownRoutes) this.addUnknown(u.method, u.path, u.count);
  }

  addRequest(operation: string, consumer: string, tier: string, n = 1): void {
    const known = this.requests.get(key(operation, consumer));
    if (known) known.requests += n;
    else this.requests.set(key(operation, consumer), { operation, consumer, tier, requests: n });
  }

  addViolation(operation: string, consumer: string, code: string, direction: string, n = 1): void {
    const known = this.violations.get(key(operation, consumer, code));
    if (known) known.count += n;
    else this.violations.set(key(operation, consumer, code), { operation, consumer, code, direction, count: n });
  }

  addUnknown(method: string, path: string, n = 1): void {
    const known = this.unknownRoutes.get(key(method, path));
    if (known) known.count += n;
    else this.unknownRoutes.set(key(method, path), { method, path, count: n });
  }

  counts(): StoredCounts {
    return { since: this.since, requests: [...this.requests.values()], violations: [...this.violations.values()], unknownRoutes: [...this.unknownRoutes.values()] };
  }
}

/** Sorted, for comparing what two stores hold. */
export function sorted(counts: StoredCounts): Omit<StoredCounts, 'since'> {
  const by = <T>(f: (x: T) => string) => (a: T, b: T) => f(a).localeCompare(f(b));
  return {
    requests: [...counts.requests].sort(by((r) => key(r.operation, r.consumer))),
    violations: [...counts.violations].sort(by((v) => key(v.operation, v.consumer, v.code))),
    unknownRoutes: [...counts.unknownRoutes].sort(by((u) => key(u.method, u.path))),
  };
}

export function violation(operationId: string, at: number): Violation {
  return { code: 'request-body-invalid', operationId, direction: 'request', location: 'body', pointer: '/name', keyword: 'type', message: 'must be string', at: new Date(at).toISOString() };
}

/**
 * A proxy without HTTP: a store and an SLO engine fed the same exchanges,
 * wired to the store's events the way the proxy is: on `recreated` the new
 * file is re-seeded with the live totals and the whole engine state; on a
 * late `opened` what the file holds is merged into the engine and the totals.
 */
export class Recorder {
  now: number;
  readonly tally = new Tally();
  readonly events: StoreEvent[] = [];
  readonly engine: SloEngine;
  readonly store: Store;

  constructor(file: string, slo: ResolvedSpecSlo, options: StoreOptions & { now: number }) {
    this.now = options.now;
    this.engine = new SloEngine(slo, { now: () => this.now, latencyIntervalMs: 0 });
    this.store = new Store(file, {
      ...options,
      onEvent: (event) => {
        this.events.push(event);
        if (event.kind === 'recreated') this.store.addCounts(this.tally.counts(), this.now);
        else {
          this.engine.restore(this.store.loadSlo(), { merge: true });
          this.tally.add(this.store.load());
        }
        this.store.saveSlo(this.engine.takeSnapshot({ all: true }));
      },
    });
    this.engine.restore(this.store.loadSlo());
    this.tally.add(this.store.load());
  }

  record(e: EngineEvent): void {
    this.now = Math.max(this.now, e.at);
    this.engine.record(e);
    this.store.countRequest(e.operationId, e.consumer, e.tier, e.at);
    this.tally.addRequest(e.operationId, e.consumer, e.tier);
    this.store.countUsage(e.consumer, e.operationId, 'status', String(e.status));
    if (e.status === 400) {
      this.store.countViolation(violation(e.operationId, e.at), e.consumer, e.at);
      this.tally.addViolation(e.operationId, e.consumer, 'request-body-invalid', 'request');
    }
    if (e.status === 503) {
      this.store.countUnknownRoute('GET', '/nowhere', e.at);
      this.tally.addUnknown('GET', '/nowhere');
    }
  }

  /** What the proxy's flush timer does. */
  flush(): ReturnType<Store['flush']> {
    this.store.saveSlo(this.engine.takeSnapshot());
    return this.store.flush(this.now);
  }
}
