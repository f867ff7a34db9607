import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import type { Spec } from '../spec/load-spec.js';
import { listOperations } from '../spec/operations.js';
import { resolveSlos } from '../slo/resolve.js';
import { mappedConsumers } from '../proxy/consumers.js';
import { parsePlan } from './plan.js';
import type { Plan } from './types.js';

/**
 * The demo's game day (`sworn demo --gameday`): against a mock of `spec`
 * behaving as promised, one consumer's promises on one operation (the first
 * promised GET, as the first consumer the API-key map names, else a header
 * consumer), through four escalating steps, about a minute end to end.
 */
export function demoPlan(spec: Spec, options: { stepMs?: number; baselineMs?: number; betweenMs?: number } = {}): Plan {
  const operations = listOperations(spec);
  const slo = resolveSlos(spec, operations);
  const promised = slo.operations.filter((o) => o.enabled && o.promise !== null);
  const operation = promised.find((o) => o.method.toLowerCase() === 'get') ?? promised[0];
  const folder = spec.file ? dirname(spec.file) : process.cwd();
  const consumer = mappedConsumers(slo.consumers, folder)[0] ?? (slo.consumers.identify.some((m) => m.header) ? 'gameday-demo' : undefined);
  const step = `${options.stepMs ?? 8_000}ms`;
  const plan = {
    gameday: `${spec.title}: escalating faults on ${operation?.id ?? 'every operation'}`,
    hypothesis: { promises: [{ proxy: 'target', ...(consumer ? { consumer } : {}), ...(operation ? { operations: [operation.id] } : {}) }] },
    target: { mock: spec.file ?? 'spec' },
    blastRadius: { ...(consumer ? { consumers: [consumer] } : {}), ...(operation ? { operations: [operation.id] } : {}), percent: 100 },
    drive: { traffic: { rate: '30/s' } },
    baseline: `${options.baselineMs ?? 5_000}ms`,
    steps: [
      { latency: '+20ms', for: step },
      { latency: '3x', for: step },
      { error: '5%', for: step },
      { unavailable: true, for: step },
    ],
    abort: { availabilityBelow: 50 },
    between: `${options.betweenMs ?? 3_000}ms`,
  };
  // Parsed as a plan in the spec's folder (relative paths resolve there), then named for what it is: no file.
  return { ...parsePlan(stringify(plan), join(folder, 'built-in demo game day.yaml')), file: 'sworn demo --gameday (built-in plan)' };
}
