import { readFile } from 'node:fs/promises';
import { resolve as resolvePath, relative } from 'node:path';
import { SwornError } from '../errors.js';
import { SourceFile } from '../spec/source-file.js';
import { appendPointer } from '../spec/pointer.js';
import { parseDuration, formatDuration } from '../slo/duration.js';
import type { ResolvedPromise, ResolvedSpecSlo, SloProblem, SloWindow } from '../slo/model.js';
import { ProblemList } from '../slo/problems.js';

type Comparator = '>=' | '<=' | '>' | '<' | '==';

export interface PolicyRequirement {
  /** `availability`, `window`, or `latency.<name>` (`latency.p99` also matches any p99 percentile objective). */
  key: string;
  comparator: Comparator;
  /** Percent for availability, milliseconds for durations. */
  value: number;
  text: string;
  /** Where the requirement is written in the policy file. */
  pointer: string;
}

/** An organisation policy: the least each tier must promise. */
export interface Policy {
  source: SourceFile;
  tiers: Map<string, PolicyRequirement[]>;
}

const REQUIREMENT = /^\s*(>=|<=|>|<|==)?\s*(\S+)\s*$/;

/**
 * Reads a policy file:
 * ```yaml
 * P0: {availability: ">= 99.99", latency.p99: "<= 500ms", window: ">= 28d"}
 * P3: {availability: ">= 90"}
 * ```
 */
export async function loadPolicy(path: string, cwd = process.cwd()): Promise<Policy> {
  const absolute = resolvePath(cwd, path);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (cause) {
    throw new SwornError('SWORN_ERR_POLICY', `cannot read policy file ${path}`, { cause, hint: 'Check the --policy path; it is resolved against the current directory.' });
  }
  let source: SourceFile;
  try {
    source = SourceFile.parse(absolute, relative(cwd, absolute) || absolute, text);
  } catch (error) {
    if (error instanceof SwornError) throw new SwornError('SWORN_ERR_POLICY', error.message, { ...(error.location ? { location: error.location } : {}), cause: error, hint: 'Fix the policy file\'s syntax.' });
    throw error;
  }
  const fail = (pointer: string, message: string): never => {
    throw new SwornError('SWORN_ERR_POLICY', message, {
      location: source.locate(pointer),
      hint: 'A policy maps each tier to requirements, e.g. `P0: {availability: ">= 99.99", latency.p99: "<= 500ms", window: ">= 28d"}`.',
    });
  };
  const root = source.value;
  if (root === null || typeof root !== 'object' || Array.isArray(root)) fail('', 'a policy file is a map from tier names to requirements');
  const tiers = new Map<string, PolicyRequirement[]>();
  for (const [tier, requirements] of Object.entries(root as Record<string, unknown>)) {
    const tierPointer = appendPointer('', tier);
    if (requirements === null || typeof requirements !== 'object' || Array.isArray(requirements)) fail(tierPointer, `tier ${tier} must map requirement names to values`);
    const list: PolicyRequirement[] = [];
    for (const [key, raw] of Object.entries(requirements as Record<string, unknown>)) {
      const pointer = appendPointer(tierPointer, key);
      const match = REQUIREMENT.exec(String(raw));
      if (!match || (typeof raw !== 'string' && typeof raw !== 'number')) fail(pointer, `cannot read requirement ${JSON.stringify(raw)}; write e.g. ">= 99.9" or "<= 500ms"`);
      const comparator = ((match as RegExpExecArray)[1] ?? (key.startsWith('latency.') ? '<=' : '>=')) as Comparator;
      const valueText = (match as RegExpExecArray)[2] as string;
      let value: number;
      if (key === 'availability') {
        value = Number(valueText);
        if (!Number.isFinite(value) || value <= 0 || value > 100) fail(pointer, `availability requirement ${valueText} must be a percentage above 0 and at most 100`);
      } else if (key === 'window' || key.startsWith('latency.')) {
        const d = parseDuration(valueText);
        if (!d) fail(pointer, `${JSON.stringify(valueText)} is not a duration; write e.g. 500ms or 28d`);
        value = (d as { ms: number }).ms;
        if (key === 'latency.') fail(pointer, 'name the latency objective: latency.p99 or latency.fast');
      } else {
        fail(pointer, `unknown requirement \`${key}\`; use availability, window, or latency.<objective> (e.g. latency.p99)`);
      }
      list.push({ key, comparator, value: value!, text: `${comparator} ${valueText}`, pointer });
    }
    tiers.set(tier, list);
  }
  return { source, tiers };
}

function compare(actual: number, comparator: Comparator, required: number): boolean {
  switch (comparator) {
    case '>=': return actual >= required;
    case '<=': return actual <= required;
    case '>': return actual > required;
    case '<': return actual < required;
    case '==': return actual === required;
  }
}

/** A calendar window's length, the short end for "at least" and the long end for "at most". */
function windowMs(window: SloWindow, comparator: Comparator): number {
  if (window.kind === 'rolling') return window.duration.ms;
  const days = { day: [1, 1], week: [7, 7], month: [28, 31], quarter: [89, 92], year: [365, 366] }[window.unit];
  return (comparator.startsWith('>') ? days[0] : days[1]) as number * 86_400_000;
}

/**
 * Checks every operation's promise against the policy of the spec's tier.
 * Consumer-tier promises are commercial levels and are not checked; the
 * operation's own promise is.
 */
export function checkPolicy(policy: Policy, slo: ResolvedSpecSlo): SloProblem[] {
  const where = (requirement: PolicyRequirement) => {
    const at = policy.source.locate(requirement.pointer);
    return `${at.file}:${at.line}`;
  };
  if (slo.tier === undefined) {
    return [{ rule: 'policy-no-tier', severity: 'error', pointer: slo.documentPointer ?? '/info', message: `the spec declares no tier, so the policy cannot be checked; add \`tier:\` (one of ${[...policy.tiers.keys()].join(', ')}) to info.x-slo` }];
  }
  const requirements = policy.tiers.get(slo.tier);
  if (!requirements) {
    return [{ rule: 'policy-unknown-tier', severity: 'error', pointer: `${slo.documentPointer ?? '/info/x-slo'}/tier`, message: `tier ${slo.tier} is not in the policy (${[...policy.tiers.keys()].join(', ')})` }];
  }
  const problems = new ProblemList();
  const add = (p: SloProblem, operation: string) => problems.add(p, operation);
  for (const op of slo.operations) {
    if (!op.enabled) {
      add({ rule: 'policy-opt-out', severity: 'warning', pointer: op.declaredAt ?? op.pointer, message: `opted out with x-slo: false, so it makes none of the promises tier ${slo.tier} requires` }, op.id);
      continue;
    }
    const promise = op.promise;
    for (const r of requirements) {
      const missing = (what: string) => add({ rule: 'policy-missing', severity: 'error', pointer: op.declaredAt ?? op.pointer, message: `tier ${slo.tier} requires ${r.key} ${r.text} (${where(r)}), but no ${what} is promised` }, op.id);
      if (!promise) {
        missing(r.key);
        continue;
      }
      const check = (actual: number, shown: string, pointer: string | undefined) => {
        if (!compare(actual, r.comparator, r.value)) add({ rule: 'policy-violation', severity: 'error', pointer: pointer ?? op.pointer, message: `${r.key} is ${shown}; tier ${slo.tier} requires ${r.text} (${where(r)})` }, op.id);
      };
      if (r.key === 'availability') {
        if (!promise.availability) missing('availability target');
        else check(promise.availability.target, `${promise.availability.target}%`, promise.origins['availability.target']);
      } else if (r.key === 'window') {
        const ms = windowMs(promise.window, r.comparator);
        check(ms, promise.window.kind === 'rolling' ? promise.window.duration.text : `a calendar ${promise.window.unit}`, promise.origins['window.rolling'] ?? promise.origins['window.calendar']);
      } else {
        const objective = findObjective(promise, r.key.slice('latency.'.length));
        if (!objective) missing(`latency objective ${r.key.slice('latency.'.length)}`);
        else check(objective.ms, formatDuration(objective.ms), objective.pointer);
      }
    }
  }
  return problems.list();
}

function findObjective(promise: ResolvedPromise, name: string): { ms: number; pointer: string | undefined } | undefined {
  const percentile = /^p(\d+(\.\d+)?)$/.exec(name);
  const objective = promise.latency.find((o) => o.name === name) ?? (percentile ? promise.latency.find((o) => o.kind === 'percentile' && o.percentile === Number(percentile[1])) : undefined);
  if (!objective) return undefined;
  return objective.kind === 'percentile'
    ? { ms: objective.max.ms, pointer: promise.origins[`latency[${objective.name}].max`] }
    : { ms: objective.threshold.ms, pointer: promise.origins[`latency[${objective.name}].threshold`] };
}
