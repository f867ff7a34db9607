import { randomUUID } from 'node:crypto';
import type { EngineEvent } from '../engine/engine.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Reading, RequestTarget } from '../router/index.js';
import type { CompiledOperation } from '../validate/index.js';
import type { Violation } from '../validate/violation.js';
import type { Consumer } from './consumers.js';
import type { RateLimitedLog } from './log.js';

/** One exchange as it goes through the pipeline. */
export interface Exchange {
  /** performance.now() when the request arrived. */
  started: number;
  /** Epoch ms when the first request byte arrived. */
  at: number;
  /** The client's X-Request-Id (up to 200 characters), or one made when something refers to it. */
  requestId: string;
  method: string;
  target: RequestTarget;
  /** The path as it may be stored (an unknown one redacted). */
  path: string;
  query: string;
  /** Path parameters (percent-decoded), when an operation matched. */
  params: Record<string, string>;
  operation: CompiledOperation | undefined;
  /** Readings servers disagree on that the match needed. */
  readings: Reading[];
  consumer: Consumer;
  /** The request body read whole (up to --max-body); undefined when none was sent or it was too large. */
  body: Buffer | undefined;
  hadBody: boolean;
  bodyTooLarge: boolean;
  /** First request byte to last response byte, set when the client has the whole response. */
  durationMs?: number;
}

/** What recording needs besides the exchange: the ledger, logs, the clock. */
export interface Recorder {
  ledger: Ledger;
  violationLog: RateLimitedLog;
  failureLog: RateLimitedLog;
  /** The injected clock, when there is one: durations are measured on it too. */
  clock: (() => number) | undefined;
}

/** Marks the moment the client had the whole response (durations end here, checks may run later). */
export function ended(ex: Exchange, clock: (() => number) | undefined): void {
  ex.durationMs ??= clock ? clock() - ex.at : performance.now() - ex.started;
}

/** The exchange's request id, made now if the client sent none. */
export function requestIdOf(ex: Exchange): string {
  if (ex.requestId === '') ex.requestId = randomUUID();
  return ex.requestId;
}

/**
 * The last stage: stamps the violations (consumer, request id, time), logs
 * them (rate-limited), and records the exchange in the ledger, once.
 */
export function record(r: Recorder, ex: Exchange, status: number, outcome: EngineEvent['outcome'], violations: Violation[], options: { sample?: () => object; parameters?: string[]; unknownRoute?: boolean; injected?: readonly string[] } = {}): void {
  try {
    ended(ex, r.clock);
    if (violations.length > 0) {
      const requestId = requestIdOf(ex);
      const at = new Date(ex.at).toISOString();
      for (const v of violations) {
        v.consumer = ex.consumer.name;
        v.requestId = requestId;
        v.at = at;
        r.violationLog.warn({ requestId, operationId: v.operationId, consumer: ex.consumer.name, direction: v.direction, code: v.code, location: v.location, pointer: v.pointer }, `${v.direction === 'request' ? 'consumer' : 'provider'} broke the contract: ${v.message}`);
      }
    }
    r.ledger.record({
      at: ex.at,
      durationMs: ex.durationMs!,
      operationId: ex.operation?.operation.id,
      consumer: ex.consumer.name,
      tier: ex.consumer.tier,
      status,
      outcome,
      violations,
      requestId: ex.requestId,
      ...(options.unknownRoute ? { unknownRoute: { method: ex.method, path: ex.path } } : {}),
      ...(options.parameters ? { parameters: options.parameters } : {}),
      ...(options.sample ? { sample: options.sample } : {}),
      ...(options.injected ? { injected: options.injected } : {}),
    });
  } catch (error) {
    r.failureLog.error({ err: error, requestId: ex.requestId }, 'recording failed');
  }
}
