import { existsSync } from 'node:fs';
import { resolve as resolvePath, dirname } from 'node:path';
import type { SourceLocation } from '../errors.js';
import type { Spec } from '../spec/load-spec.js';
import { listOperations, type Operation } from '../spec/operations.js';
import { resolveSlos } from '../slo/resolve.js';
import { MaintenanceSchedule, compileMaintenance } from '../slo/maintenance.js';
import type { MaintenanceDefinition, ResolvedSpecSlo, SloProblem } from '../slo/model.js';
import { checkOpenApiSchema } from './openapi-schema.js';
import { checkPolicy, type Policy } from './policy.js';
import { checkPatterns } from './patterns.js';
import { checkExamples } from './examples.js';
import { ProblemList } from '../slo/problems.js';

/** One lint finding: data with a stable rule id and a place in a file. */
export interface Finding {
  rule: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
  location: SourceLocation;
  /** Operation ids the finding concerns (empty for document-level findings). */
  operations: string[];
}

export interface LintOptions {
  policy?: Policy;
  /** "Now" for rules about time (maintenance windows in the past); default `Date.now()`. */
  at?: number;
}

export interface LintResult {
  findings: Finding[];
  operations: Operation[];
  slo: ResolvedSpecSlo;
}

const YEAR = 366 * 86_400_000;

/**
 * Lints a loaded spec: the OpenAPI document itself, its schema patterns
 * (each must run in linear time), its examples (each must match its
 * schema), every x-slo block, the maintenance
 * windows, and (with a policy) the promises its tier requires.
 *
 * @example
 * const { findings } = lintSpec(await loadSpec('specs/petstore.yaml'));
 * findings.filter((f) => f.severity === 'error'); // []
 */
export function lintSpec(spec: Spec, options: LintOptions = {}): LintResult {
  const at = options.at ?? Date.now();
  const operations = listOperations(spec);
  const slo = resolveSlos(spec, operations);
  const problems: SloProblem[] = [
    ...checkOpenApiSchema(spec.document, spec.version),
    ...checkOperationIds(operations),
    ...checkPathParameters(spec, operations),
    ...checkPatterns(spec),
    ...checkExamples(spec, operations),
    ...slo.problems,
    ...checkConsumerMaps(spec, slo),
    ...checkMaintenance(slo, at),
    ...(options.policy ? checkPolicy(options.policy, slo) : []),
  ];
  const findings = problems.map((p) => ({
    rule: p.rule,
    severity: p.severity,
    message: p.message,
    location: spec.locate(p.pointer),
    operations: p.operations ?? [],
  }));
  findings.sort((a, b) => a.location.file.localeCompare(b.location.file) || a.location.line - b.location.line || a.location.column - b.location.column);
  return { findings, operations, slo };
}

function checkOperationIds(operations: Operation[]): SloProblem[] {
  const first = new Map<string, Operation>();
  const problems: SloProblem[] = [];
  for (const op of operations) {
    if (op.operationId === undefined) continue;
    const earlier = first.get(op.operationId);
    if (earlier) problems.push({ rule: 'operation-id-unique', severity: 'error', pointer: `${op.pointer}/operationId`, message: `operationId "${op.operationId}" is also used by ${earlier.method.toUpperCase()} ${earlier.path}; this one is known as "${op.id}"` });
    else first.set(op.operationId, op);
  }
  return problems;
}

/** Every `{name}` in a path template needs a path parameter, and every path parameter a `{name}`. */
function checkPathParameters(spec: Spec, operations: Operation[]): SloProblem[] {
  const problems: SloProblem[] = [];
  for (const op of operations) {
    const inTemplate = new Set([...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string));
    const declared = new Map<string, string>();
    const collect = (list: unknown, pointer: string) => {
      if (!Array.isArray(list)) return;
      list.forEach((raw, i) => {
        const p = spec.deref(raw) as { in?: string; name?: string } | undefined;
        if (p?.in === 'path' && typeof p.name === 'string') declared.set(p.name, `${pointer}/${i}`);
      });
    };
    collect(op.pathItem.parameters, `${op.pathItemPointer}/parameters`);
    collect(op.operation.parameters, `${op.pointer}/parameters`);
    for (const name of inTemplate) {
      if (!declared.has(name)) problems.push({ rule: 'path-parameter-missing', severity: 'error', pointer: op.pointer, message: `${op.method.toUpperCase()} ${op.path} has {${name}} in its path but declares no path parameter "${name}"` });
    }
    for (const [name, pointer] of declared) {
      if (!inTemplate.has(name)) problems.push({ rule: 'path-parameter-unused', severity: 'error', pointer, message: `path parameter "${name}" does not appear in ${op.path}` });
    }
  }
  return problems;
}

function checkConsumerMaps(spec: Spec, slo: ResolvedSpecSlo): SloProblem[] {
  const problems: SloProblem[] = [];
  slo.consumers.identify.forEach((method, i) => {
    if (!method.apiKey) return;
    const file = resolvePath(dirname(spec.file), method.apiKey.map);
    if (!/^https?:/.test(method.apiKey.map) && !existsSync(file)) {
      problems.push({ rule: 'consumer-map-missing', severity: 'warning', pointer: `${slo.documentPointer}/consumers/identify/${i}/apiKey/map`, message: `API-key map ${method.apiKey.map} does not exist (looked for ${file}); requests with API keys will be "anonymous"` });
    }
  });
  return problems;
}

/** Maintenance windows that never occur, are over, or overlap one another within the next year. */
function checkMaintenance(slo: ResolvedSpecSlo, at: number): SloProblem[] {
  const problems = new ProblemList();
  const add = (p: SloProblem) => problems.add(p);
  const checked = new Set<string>();
  const promises = slo.operations.flatMap((op) => [op.promise, ...Object.values(op.tiers)]).filter((p) => p !== null);
  for (const promise of promises) {
    const windows = promise.maintenance;
    for (const def of windows) {
      if (checked.has(def.pointer)) continue;
      checked.add(def.pointer);
      const problem = checkOccurs(def, at);
      if (problem) add(problem);
    }
    if (windows.length === 0) continue;
    const key = windows.map((w) => w.pointer).join('|');
    if (checked.has(key)) continue;
    checked.add(key);
    const occurrences = new MaintenanceSchedule(windows).between(at, at + YEAR);
    for (let i = 0; i < occurrences.length; i++) {
      const a = occurrences[i]!;
      for (let j = i + 1; j < occurrences.length && occurrences[j]!.start < a.end; j++) {
        const b = occurrences[j]!;
        const pa = windows.find((w) => w.name === a.name)!;
        const pb = windows.find((w) => w.name === b.name)!;
        const same = a.name === b.name;
        const pair = `overlap\0${[pa.pointer, pb.pointer].sort().join('\0')}`;
        if (checked.has(pair)) continue;
        checked.add(pair);
        add({
          rule: 'maintenance-overlap',
          severity: 'warning',
          pointer: pb.pointer,
          message: same
            ? `occurrences of maintenance window "${a.name}" overlap each other (${iso(a.start)} + ${pa.duration?.text} runs past the next start ${iso(b.start)}); shorten the duration or thin the rule`
            : `maintenance windows "${a.name}" and "${b.name}" overlap (first at ${iso(b.start)}); overlapping windows are hard to reason about: merge them or move one`,
        });
      }
    }
  }
  return problems.list();
}

function checkOccurs(def: MaintenanceDefinition, at: number): SloProblem | undefined {
  const compiled = compileMaintenance(def);
  if (def.kind === 'once') {
    const [occurrence] = compiled.between(-8.64e15, 8.64e15);
    if (occurrence && occurrence.end <= at) return { rule: 'maintenance-past', severity: 'warning', pointer: def.pointer, message: `one-off maintenance window "${def.name}" ended ${iso(occurrence.end)}; remove it` };
    return undefined;
  }
  if (compiled.between(at, at + 5 * YEAR).length > 0) return undefined;
  const earlier = compiled.between(at - 5 * YEAR, at);
  if (earlier.length > 0) return { rule: 'maintenance-past', severity: 'warning', pointer: def.pointer, message: `maintenance window "${def.name}" last occurred ${iso(earlier[earlier.length - 1]!.start)} and never will again; remove it` };
  return { rule: 'maintenance-never-occurs', severity: 'error', pointer: def.pointer, message: `maintenance window "${def.name}" never occurs (no occurrence in the five years around ${iso(at)}); check the rule` };
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(':00.000Z', 'Z');
}
