import { Agent, request } from 'undici';
import { connect } from 'node:net';
import { SwornError } from '../errors.js';
import type { Spec } from '../spec/load-spec.js';
import { listOperations } from '../spec/operations.js';
import { resolveSlos } from '../slo/resolve.js';
import { compileRouter } from '../router/router.js';
import { compileValidators, validateRequest, validateResponse } from '../validate/index.js';
import { planRequests, type PlannedRequest } from './requests.js';

export interface ContractOptions {
  /** The running service, with its base path: `http://127.0.0.1:8080/v1`. */
  target: string;
  operations?: string[];
  examples: boolean;
  generate: number;
  seed: number;
  /** Extra headers on every request (credentials). */
  headers: Record<string, string>;
  /** Also POST, PUT, PATCH, DELETE (which may change data). */
  unsafe: boolean;
  concurrency: number;
  timeoutMs: number;
  /** Called after each request, for progress. */
  onResult?: (result: CheckResult, done: number, total: number) => void;
}

/** One request and what its answer showed. */
export interface CheckResult {
  operationId: string;
  kind: PlannedRequest['kind'];
  name: string;
  method: string;
  path: string;
  status: number | null;
  durationMs: number;
  /** Contract failures: the run fails on any. */
  failures: string[];
  /** Worth a look, not a failure (an undeclared 4xx to an invalid request). */
  warnings: string[];
  /** Not sent, and why (a generated request our own validators call invalid). */
  skipped?: string;
}

export interface ContractReport {
  target: string;
  results: CheckResult[];
  /** Latency against each operation's x-slo, over this run's valid requests: warnings only (one run is not a window). */
  latency: Array<{ operationId: string; objective: string; target: number; achieved: number; met: boolean; samples: number }>;
  summary: { requests: number; passed: number; failed: number; skipped: number; operations: number };
  /** What makes a passing run worth little (every answer a 401: the service refused the requests before checking them). */
  warnings: string[];
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

const unreachableHint = (why: string) => `Start the service, or fix --target (scheme, host, port and base path, e.g. http://127.0.0.1:8080/v1)${/time/i.test(why) ? '; raise --timeout for a slow one' : ''}.`;

/** A TCP connection to the target first: a service that is down is one clear error, not a contract failure per request. */
function reachable(target: URL, timeoutMs: number): Promise<void> {
  const port = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const fail = (why: string) => {
      socket.destroy();
      reject(new SwornError('SWORN_ERR_TARGET_UNREACHABLE', `cannot reach ${target.origin}: ${why}`, { hint: unreachableHint(why) }));
    };
    socket.setTimeout(timeoutMs, () => fail(`no connection within ${timeoutMs} ms (timed out)`));
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => fail(error.code === 'ECONNREFUSED' ? 'connection refused (nothing listens there)' : error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN' ? `the host name ${host} does not resolve` : (error.code ?? error.message)));
  });
}

/**
 * Contract tests against a live service: for every operation, requests from
 * the spec's examples, seeded schema-generated valid ones, and negative ones
 * that break the request schema and must be refused with 4xx. Every answer is
 * checked with the proxy's validators.
 */
export async function runContractTests(spec: Spec, options: ContractOptions): Promise<ContractReport> {
  const target = new URL(options.target);
  const basePath = target.pathname.replace(/\/+$/, '');
  const operations = listOperations(spec).filter((op) => (options.operations === undefined || options.operations.includes(op.id)) && (options.unsafe || SAFE.has(op.method.toUpperCase())));
  const compiled = compileValidators(spec, operations);
  const router = compileRouter(operations);
  const promises = new Map(resolveSlos(spec, operations).operations.map((o) => [o.id, o.promise]));
  await reachable(target, options.timeoutMs);
  const planned = operations.flatMap((op) => planRequests(spec, op, { examples: options.examples, generate: options.generate, seed: options.seed, negative: true, headers: options.headers }));
  const dispatcher = new Agent({ connections: options.concurrency, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs });
  const results: CheckResult[] = new Array(planned.length);
  let next = 0;
  let done = 0;

  const one = async (plan: PlannedRequest): Promise<CheckResult> => {
    const op = compiled.get(plan.operation)!;
    const base: Omit<CheckResult, 'status' | 'durationMs' | 'failures' | 'warnings'> = { operationId: plan.operation.id, kind: plan.kind, name: plan.name, method: plan.method, path: plan.path };
    const [pathOnly, query = ''] = plan.path.split('?') as [string, string?];
    const match = router.match(plan.method, (plan.operation.basePaths[0] ?? '') + pathOnly);
    const requestViolations = match
      ? (await validateRequest(op, { params: match.params, query, headers: plan.headers, body: plan.body ? Buffer.from(plan.body.text) : undefined, bodyTooLarge: false })).filter((v) => v.code !== 'not-validated' && v.code !== 'request-security')
      : [];
    if (plan.kind !== 'negative' && requestViolations.length > 0) return { ...base, status: null, durationMs: 0, failures: [], warnings: [], skipped: `the generated request is not valid: ${requestViolations[0]!.message}` };
    if (plan.kind === 'negative' && requestViolations.length === 0) return { ...base, status: null, durationMs: 0, failures: [], warnings: [], skipped: 'the request turned out valid' };
    const started = performance.now();
    let status: number;
    let headers: Record<string, string | string[] | undefined>;
    let body: Buffer;
    try {
      const res = await request(`${target.origin}${basePath}${plan.path}`, { method: plan.method as never, headers: plan.headers, body: plan.body?.text ?? null, dispatcher });
      body = Buffer.from(await res.body.arrayBuffer());
      status = res.statusCode;
      headers = res.headers;
    } catch (error) {
      return { ...base, status: null, durationMs: performance.now() - started, failures: [`no answer: ${(error as Error).message}`], warnings: [] };
    }
    const durationMs = performance.now() - started;
    const failures: string[] = [];
    const warnings: string[] = [];
    const responseViolations = await validateResponse(op, { status, headers: headers as never, body, bodyTooLarge: false, bodyless: plan.method === 'HEAD' || status === 204 || status === 304 });
    if (plan.kind === 'negative') {
      if (status < 400) failures.push(`accepted a request that breaks the contract (${requestViolations[0]!.message}) with ${status}`);
      else if (status >= 500) failures.push(`answered a request that breaks the contract with a server error ${status} instead of 4xx`);
      else for (const v of responseViolations) warnings.push(`${v.code}: ${v.message}`);
    } else {
      if (status >= 500) failures.push(`server error ${status} answering a valid request`);
      for (const v of responseViolations) failures.push(`${v.code}: ${v.message}`);
    }
    return { ...base, status, durationMs, failures, warnings };
  };

  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= planned.length) return;
      results[i] = await one(planned[i]!);
      done++;
      options.onResult?.(results[i]!, done, planned.length);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  } finally {
    await dispatcher.close();
  }

  const latency: ContractReport['latency'] = [];
  for (const op of operations) {
    const promise = promises.get(op.id);
    const durations = results.filter((r) => r.operationId === op.id && r.kind !== 'negative' && r.status !== null && r.status < 500).map((r) => r.durationMs).sort((a, b) => a - b);
    if (!promise || durations.length === 0) continue;
    for (const o of promise.latency) {
      if (o.kind === 'threshold') {
        const achieved = (durations.filter((d) => d <= o.threshold.ms).length / durations.length) * 100;
        latency.push({ operationId: op.id, objective: o.name, target: o.target, achieved: Math.round(achieved * 100) / 100, met: achieved >= o.target, samples: durations.length });
      } else {
        const achieved = durations[Math.ceil((o.percentile / 100) * durations.length) - 1]!;
        latency.push({ operationId: op.id, objective: o.name, target: o.max.ms, achieved: Math.round(achieved * 10) / 10, met: achieved <= o.max.ms, samples: durations.length });
      }
    }
  }
  const sent = results.filter((r) => !r.skipped);
  const answered = sent.filter((r) => r.status !== null);
  // Nothing answered: nothing about the contract is known, so no contract failure is reported.
  if (sent.length > 0 && answered.length === 0) {
    const why = sent[0]!.failures[0]?.replace(/^no answer: /, '') ?? 'no answer';
    throw new SwornError('SWORN_ERR_TARGET_UNREACHABLE', `${target.origin} answered none of the ${sent.length} request(s): ${why}`, {
      hint: unreachableHint(why),
    });
  }
  const warnings: string[] = [];
  const valid = answered.filter((r) => r.kind !== 'negative');
  const refusedAll = (code: number) => valid.length > 0 && valid.every((r) => r.status === code);
  for (const [code, name] of [[401, 'Unauthorized'], [403, 'Forbidden']] as const) {
    if (refusedAll(code)) warnings.push(`every valid request was answered ${code} ${name}: the service refused them before checking them, so their answers say little about the contract; pass credentials with --header, e.g. --header "Authorization: Bearer $TOKEN" (repeat --header for more)`);
  }
  const skipped = results.filter((r) => r.skipped).length;
  const failed = results.filter((r) => r.failures.length > 0).length;
  return { target: options.target, results, latency, warnings, summary: { requests: results.length - skipped, passed: results.length - skipped - failed, failed, skipped, operations: operations.length } };
}
