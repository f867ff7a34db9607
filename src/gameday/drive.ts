import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { Agent, request } from 'undici';
import { planRequests, type PlannedRequest } from '../contract/requests.js';
import type { Spec } from '../spec/load-spec.js';
import { listOperations } from '../spec/operations.js';
import { resolveSlos } from '../slo/resolve.js';
import { credentialsFor } from '../proxy/consumers.js';

/** At most this many requests in flight: a slow target slows the traffic down instead of piling sockets up. */
const MAX_IN_FLIGHT = 256;

/**
 * Built-in traffic: valid requests made from the spec's examples (and
 * generated values where there are none) for `operations` (all when none),
 * sent as each of `consumers` in turn (identified the way the spec's
 * x-slo.consumers.identify says), at `perSecond`, until `stop()`.
 */
export function startTraffic(spec: Spec, base: string, options: { perSecond: number; consumers: string[]; operations?: string[]; seed: number }): { stop(): Promise<void>; sent(): number; pause(): void; resume(): void } {
  const operations = listOperations(spec).filter((o) => !options.operations || options.operations.includes(o.id));
  const slo = resolveSlos(spec, listOperations(spec));
  const identities = (options.consumers.length > 0 ? options.consumers : [undefined]).map((c) => (c === undefined ? { headers: {}, query: {} } : credentialsFor(slo.consumers, spec.file ? dirname(spec.file) : process.cwd(), c) ?? { headers: {}, query: {} }));
  const planned: PlannedRequest[] = [];
  for (const op of operations) {
    try {
      const mine = planRequests(spec, op, { examples: true, generate: 2, seed: options.seed, negative: false, headers: {} });
      planned.push(...mine.filter((p) => p.kind === 'example').slice(0, 3), ...(mine.some((p) => p.kind === 'example') ? [] : mine.slice(0, 2)));
    } catch {
      // an operation no request can be made for is left out of the traffic
    }
  }
  const agent = new Agent({ connections: 64, headersTimeout: 60_000, bodyTimeout: 60_000 });
  const root = base.replace(/\/$/, '');
  const prefix = (p: PlannedRequest) => p.operation.basePaths.find((b) => b !== '') ?? '';
  let sent = 0;
  let stopped = false;
  let paused = false;
  const pending = new Set<Promise<void>>();
  const interval = Math.max(1, 1_000 / options.perSecond);
  const perTick = Math.max(1, Math.round(options.perSecond / (1_000 / interval)));
  const timer = setInterval(() => {
    if (stopped || paused || planned.length === 0) return;
    for (let k = 0; k < perTick && pending.size < MAX_IN_FLIGHT; k++) {
      const call = planned[sent % planned.length]!;
      const who = identities[Math.floor(sent / planned.length) % identities.length]!;
      sent++;
      const query = new URLSearchParams(who.query).toString();
      const path = `${prefix(call)}${call.path}${query ? (call.path.includes('?') ? '&' : '?') + query : ''}`;
      const p = request(root + path, { method: call.method as never, headers: { ...call.headers, ...who.headers, ...(call.body ? { 'content-type': call.body.contentType } : {}) }, body: call.body?.text ?? null, dispatcher: agent })
        .then((res) => res.body.dump())
        .catch(() => undefined)
        .then(() => void pending.delete(p));
      pending.add(p);
    }
  }, interval);
  return {
    sent: () => sent,
    /** No new calls until `resume` (calls under way go on). */
    pause: () => void (paused = true),
    resume: () => void (paused = false),
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await Promise.all(pending);
      await agent.close();
    },
  };
}

/** Bytes of the command's output kept (the end): a chatty test suite cannot fill memory. */
const OUTPUT_KEPT = 64 * 1024;

/**
 * Runs the consumer's own command once (in a shell, in `cwd`, its own
 * process group), keeping the end of what it prints; killed (the whole
 * group) on `timeoutMs` or `signal`.
 */
export function runCommand(command: string, options: { cwd: string; timeoutMs: number; signal: AbortSignal; env?: NodeJS.ProcessEnv }): Promise<{ exitCode: number | null; signal: string | null; output: string; durationMs: number; timedOut: boolean }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, { cwd: options.cwd, shell: true, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
    let output = '';
    const keep = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.length > OUTPUT_KEPT * 2) output = output.slice(-OUTPUT_KEPT);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const kill = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutMs);
    const onAbort = () => kill();
    options.signal.addEventListener('abort', onAbort, { once: true });
    const done = (exitCode: number | null, signal: string | null) => {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      resolve({ exitCode, signal, output: output.slice(-OUTPUT_KEPT), durationMs: performance.now() - started, timedOut });
    };
    child.on('error', (error) => {
      keep(Buffer.from(`${error.message}\n`));
      done(null, null);
    });
    child.on('close', (code, sig) => done(code, sig));
  });
}
