import type { Operation } from '../spec/operations.js';
import type { StoredCounts } from '../store/store.js';
import type { Violation } from '../validate/violation.js';

interface Cell {
  requests: number;
  request: number;
  response: number;
  byCode: Record<string, number>;
  /** By `direction code` (`not-validated` happens on both sides): what the store's rows need. */
  directed: Map<string, number>;
}

export const UNKNOWN_ROUTES_KEPT = 1_000;
export const OTHER_PATHS = '(other paths)';

const cell = (): Cell => ({ requests: 0, request: 0, response: 0, byCode: {}, directed: new Map() });

/** The JSON report (`GET /report`): stable field names, documented in docs/proxy.md. */
export interface ConformanceReport {
  spec: { title: string; version: string };
  since: string;
  until: string;
  operations: Array<{ operationId: string; method: string; path: string; requests: number; violations: { request: number; response: number; byCode: Record<string, number> } }>;
  consumers: Array<{ consumer: string; tier: string; requests: number; violations: { request: number; response: number }; operations: Array<{ operationId: string; requests: number; violations: { request: number; response: number; byCode: Record<string, number> } }> }>;
  unknownRoutes: Array<{ method: string; path: string; count: number }>;
  /**
   * Requests the proxy answered itself before any operation could be
   * matched, by reason (`malformed` HTTP the parser refused, `header-timeout`,
   * `duplicate-host`, `transfer-coding`, `request-target`, `options-asterisk`).
   */
  refused: Array<{ reason: string; count: number }>;
}

/** Live counters per operation x consumer, what `GET /report` shows. */
export class ConformanceStats {
  private readonly cells = new Map<string, Map<string, Cell>>();
  private readonly tiers = new Map<string, string>();
  private readonly unknown = new Map<string, { method: string; path: string; count: number }>();
  private readonly refused = new Map<string, number>();
  private since: string;

  constructor(private readonly operations: Operation[], private readonly spec: { title: string; version: string }) {
    this.since = new Date().toISOString();
  }

  private cellOf(operation: string, consumer: string): Cell {
    let byConsumer = this.cells.get(operation);
    if (!byConsumer) this.cells.set(operation, (byConsumer = new Map()));
    let c = byConsumer.get(consumer);
    if (!c) byConsumer.set(consumer, (c = cell()));
    return c;
  }

  /** Adds what the store holds to the counters (a restarted proxy keeps its numbers; a store opened late adds its own). */
  restore(stored: StoredCounts): void {
    if (stored.since && stored.since < this.since) this.since = stored.since;
    for (const r of stored.requests) {
      this.cellOf(r.operation, r.consumer).requests += r.requests;
      this.tiers.set(r.consumer, r.tier);
    }
    for (const v of stored.violations) {
      const c = this.cellOf(v.operation, v.consumer);
      if (v.direction === 'response') c.response += v.count;
      else c.request += v.count;
      c.byCode[v.code] = (c.byCode[v.code] ?? 0) + v.count;
      const key = `${v.direction} ${v.code}`;
      c.directed.set(key, (c.directed.get(key) ?? 0) + v.count);
    }
    for (const u of stored.unknownRoutes) {
      const known = this.unknown.get(`${u.method} ${u.path}`);
      if (known) known.count += u.count;
      else this.unknown.set(`${u.method} ${u.path}`, { ...u });
    }
  }

  /** Everything counted, as the store's rows (a recreated store file is seeded with it). */
  totals(): StoredCounts {
    const requests: StoredCounts['requests'] = [];
    const violations: StoredCounts['violations'] = [];
    for (const [operation, consumers] of this.cells) {
      for (const [consumer, c] of consumers) {
        if (c.requests > 0) requests.push({ operation, consumer, tier: this.tiers.get(consumer) ?? 'default', requests: c.requests });
        for (const [key, count] of c.directed) {
          const space = key.indexOf(' ');
          violations.push({ operation, consumer, direction: key.slice(0, space), code: key.slice(space + 1), count });
        }
      }
    }
    return { since: this.since, requests, violations, unknownRoutes: [...this.unknown.values()].map((u) => ({ ...u })) };
  }

  consumers(): string[] {
    return [...this.tiers.keys()];
  }

  countRequest(operation: string, consumer: string, tier: string): void {
    this.cellOf(operation, consumer).requests++;
    this.tiers.set(consumer, tier);
  }

  countViolation(v: Violation, consumer: string): void {
    const c = this.cellOf(v.operationId ?? '(unknown)', consumer);
    if (v.direction === 'response') c.response++;
    else c.request++;
    c.byCode[v.code] = (c.byCode[v.code] ?? 0) + 1;
    const key = `${v.direction} ${v.code}`;
    c.directed.set(key, (c.directed.get(key) ?? 0) + 1);
  }

  /**
   * Counts a request no operation matches. At most 1,000 distinct paths are
   * kept; later ones count as `(other paths)`, so scanners cannot grow the
   * report or the store without bound. Returns the path it was counted under.
   */
  countUnknownRoute(method: string, path: string): string {
    let key = `${method} ${path}`;
    let known = this.unknown.get(key);
    if (!known && this.unknown.size >= UNKNOWN_ROUTES_KEPT) {
      path = OTHER_PATHS;
      key = `${method} ${path}`;
      known = this.unknown.get(key);
    }
    if (known) known.count++;
    else this.unknown.set(key, { method, path, count: 1 });
    return path;
  }

  /** Counts a request the proxy answered itself, before routing (see `ConformanceReport.refused`). */
  countRefused(reason: string, n = 1): void {
    this.refused.set(reason, (this.refused.get(reason) ?? 0) + n);
  }

  report(now = new Date()): ConformanceReport {
    const sum = (cells: Iterable<Cell>) => {
      const total = cell();
      for (const c of cells) {
        total.requests += c.requests;
        total.request += c.request;
        total.response += c.response;
        for (const [code, n] of Object.entries(c.byCode)) total.byCode[code] = (total.byCode[code] ?? 0) + n;
      }
      return total;
    };
    const operations = this.operations.map((op) => {
      const total = sum(this.cells.get(op.id)?.values() ?? []);
      return { operationId: op.id, method: op.method.toUpperCase(), path: op.path, requests: total.requests, violations: { request: total.request, response: total.response, byCode: total.byCode } };
    });
    const byConsumer = new Map<string, ConformanceReport['consumers'][number]>();
    for (const [operationId, consumers] of this.cells) {
      for (const [consumer, c] of consumers) {
        let entry = byConsumer.get(consumer);
        if (!entry) byConsumer.set(consumer, (entry = { consumer, tier: this.tiers.get(consumer) ?? 'default', requests: 0, violations: { request: 0, response: 0 }, operations: [] }));
        entry.requests += c.requests;
        entry.violations.request += c.request;
        entry.violations.response += c.response;
        entry.operations.push({ operationId, requests: c.requests, violations: { request: c.request, response: c.response, byCode: { ...c.byCode } } });
      }
    }
    return {
      spec: this.spec,
      since: this.since,
      until: now.toISOString(),
      operations,
      consumers: [...byConsumer.values()].sort((a, b) => b.requests - a.requests || a.consumer.localeCompare(b.consumer)),
      unknownRoutes: [...this.unknown.values()].sort((a, b) => b.count - a.count),
      refused: [...this.refused].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count),
    };
  }
}
