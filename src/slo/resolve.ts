import type { Spec } from '../spec/load-spec.js';
import type { Operation } from '../spec/operations.js';
import { appendPointer } from '../spec/pointer.js';
import { annotate, field, mapOf, merge, nameOf, originsOf, plain, type Annotated, type AnnotatedMap } from './annotated.js';
import { parseDuration, type Duration } from './duration.js';
import { compileMaintenance, isValidTimeZone, MaintenanceRuleError } from './maintenance.js';
import {
  DEFAULT_BURN_RATES, DEFAULT_MAX_TRACKED, DEFAULT_WINDOW,
  type AvailabilityObjective, type BurnRateAlert, type ConsumerIdentification, type LatencyObjective, type MaintenanceDefinition,
  type MaintenanceEffect, type ResolvedOperationSlo, type ResolvedPromise, type ResolvedSpecSlo, type SloProblem, type SloWindow,
} from './model.js';
import { validateSloBlock } from './schema.js';
import { ProblemList } from './problems.js';

/**
 * Resolves every operation's promise: document -> path item -> operation ->
 * consumer tier. Problems in the x-slo blocks are returned, never thrown; a
 * block that fails the schema is left out of the merge.
 *
 * @example
 * const slo = resolveSlos(spec, listOperations(spec));
 * slo.operations.find((o) => o.id === 'listPets')?.promise?.availability?.target; // 99.9
 */
export function resolveSlos(spec: Spec, operations: Operation[]): ResolvedSpecSlo {
  const problems = new ProblemList();
  const doc = spec.document as unknown as Record<string, unknown>;
  const infoBlock = (doc.info as Record<string, unknown> | undefined)?.['x-slo'];
  const rootBlock = doc['x-slo'];
  let documentPointer: string | undefined;
  let documentRaw: unknown;
  if (infoBlock !== undefined) {
    documentPointer = '/info/x-slo';
    documentRaw = infoBlock;
    if (rootBlock !== undefined) problems.add({ rule: 'x-slo-duplicate', severity: 'error', pointer: '/x-slo', message: 'x-slo is declared both at the document root and under info; keep one (info.x-slo is used)' });
  } else if (rootBlock !== undefined) {
    documentPointer = '/x-slo';
    documentRaw = rootBlock;
  }

  const documentBlock = documentPointer === undefined ? undefined : readBlock(documentRaw, 'document', documentPointer, problems);
  const pathBlocks = new Map<string, Block>();
  const context = new ResolveContext(problems);
  const resolved: ResolvedOperationSlo[] = [];
  const tierNames = new Set<string>(documentBlock?.node ? tierNamesOf(documentBlock.node) : []);

  for (const operation of operations) {
    let pathBlock = pathBlocks.get(operation.pathItemPointer);
    if (!pathBlock) {
      const raw = (operation.pathItem as unknown as Record<string, unknown>)['x-slo'];
      pathBlock = raw === undefined ? { state: 'absent' } : readBlock(raw, 'operation', appendPointer(operation.pathItemPointer, 'x-slo'), problems);
      pathBlocks.set(operation.pathItemPointer, pathBlock);
    }
    const rawOp = (operation.operation as unknown as Record<string, unknown>)['x-slo'];
    const opBlock = rawOp === undefined ? { state: 'absent' as const } : readBlock(rawOp, 'operation', appendPointer(operation.pointer, 'x-slo'), problems);
    for (const block of [pathBlock, opBlock]) if (block.node) for (const t of tierNamesOf(block.node)) tierNames.add(t);
    resolved.push(context.resolveOperation(operation, documentBlock ?? { state: 'absent' }, pathBlock, opBlock));
  }

  const consumers = consumersOf(documentBlock?.node, tierNames, problems);
  const service = plain(field(documentBlock?.node, 'service'));
  const tier = plain(field(documentBlock?.node, 'tier'));
  return {
    ...(typeof service === 'string' ? { service } : {}),
    ...(typeof tier === 'string' ? { tier } : {}),
    ...(documentPointer !== undefined ? { documentPointer } : {}),
    consumers,
    operations: resolved,
    problems: problems.list(),
  };
}

interface Block {
  state: 'absent' | 'off' | 'on' | 'invalid';
  node?: AnnotatedMap;
  pointer?: string;
}

function readBlock(raw: unknown, level: 'document' | 'operation', pointer: string, problems: ProblemList): Block {
  const schemaProblems = validateSloBlock(raw, level, pointer);
  if (schemaProblems.length > 0) {
    for (const p of schemaProblems) problems.add(p);
    return { state: 'invalid', pointer };
  }
  if (raw === false) return { state: 'off', pointer };
  return { state: 'on', node: normalize(annotate(raw, pointer) as AnnotatedMap, problems), pointer };
}

/** Rewrites the shorthands into the full form, keeping pointers. */
function normalize(block: AnnotatedMap, problems: ProblemList): AnnotatedMap {
  const fields = new Map(block.fields);
  const availability = fields.get('availability');
  if (availability?.kind === 'value') fields.set('availability', mapOf(availability.pointer, [['target', availability]]));
  const window = fields.get('window');
  if (window?.kind === 'value') fields.set('window', mapOf(window.pointer, [['rolling', window]]));
  const latency = fields.get('latency');
  if (latency?.kind === 'map') {
    fields.set('latency', {
      kind: 'list',
      pointer: latency.pointer,
      items: [...latency.fields].map(([key, max]) => mapOf(max.pointer, [
        ['name', { kind: 'value', pointer: max.pointer, value: key }],
        ['percentile', { kind: 'value', pointer: max.pointer, value: Number(key.slice(1)) }],
        ['max', max],
      ])),
    });
  } else if (latency?.kind === 'list') {
    const seen = new Set<string>();
    const items = latency.items.map((item) => {
      if (item.kind !== 'map') return item;
      let name = nameOf(item);
      if (name === undefined) {
        const percentile = plain(item.fields.get('percentile'));
        name = `p${String(percentile)}`;
        item = mapOf(item.pointer, [['name', { kind: 'value', pointer: item.pointer, value: name }], ...item.fields]);
      }
      if (seen.has(name)) problems.add({ rule: 'latency-duplicate-name', severity: 'error', pointer: item.pointer, message: `two latency objectives are named "${name}"; names must be unique in one block (they are how levels and tiers override each other)` });
      seen.add(name);
      return item;
    });
    fields.set('latency', { kind: 'list', pointer: latency.pointer, items });
  }
  const maintenance = fields.get('maintenance');
  if (maintenance?.kind === 'list') {
    const seen = new Set<string>();
    const items = maintenance.items.map((item) => {
      const name = nameOf(item);
      if (name !== undefined && seen.has(name)) problems.add({ rule: 'maintenance-duplicate-name', severity: 'error', pointer: item.pointer, message: `two maintenance windows are named "${name}"; names must be unique in one block` });
      if (name !== undefined) seen.add(name);
      const effect = field(item, 'effect');
      if (item.kind === 'map' && effect?.kind === 'value') {
        const fields2 = new Map(item.fields);
        fields2.set('effect', mapOf(effect.pointer, [[effect.value === 'exclude' ? 'exclude' : 'suppressAlerts', { kind: 'value', pointer: effect.pointer, value: true }]]));
        return { ...item, fields: fields2 };
      }
      return item;
    });
    fields.set('maintenance', { kind: 'list', pointer: maintenance.pointer, items });
  }
  const consumers = fields.get('consumers');
  const tiers = field(consumers, 'tiers');
  if (consumers?.kind === 'map' && tiers?.kind === 'map') {
    const normalizedTiers = mapOf(tiers.pointer, [...tiers.fields].map(([name, t]) => [name, t.kind === 'map' ? normalize(t, problems) : t]));
    fields.set('consumers', mapOf(consumers.pointer, [...consumers.fields, ['tiers', normalizedTiers]]));
  }
  return { kind: 'map', pointer: block.pointer, fields };
}

function tierNamesOf(node: AnnotatedMap): string[] {
  const tiers = field(node, 'consumers', 'tiers');
  return tiers?.kind === 'map' ? [...tiers.fields.keys()] : [];
}

function consumersOf(node: AnnotatedMap | undefined, tierNames: Set<string>, problems: ProblemList): ResolvedSpecSlo['consumers'] {
  const consumers = plain(field(node, 'consumers')) as { identify?: ConsumerIdentification[]; defaultTier?: string; maxTracked?: number } | undefined;
  const defaultTier = consumers?.defaultTier;
  if (defaultTier !== undefined && !tierNames.has(defaultTier)) {
    const pointer = field(node, 'consumers', 'defaultTier')?.pointer ?? '';
    problems.add({ rule: 'consumer-unknown-tier', severity: 'error', pointer, message: `defaultTier "${defaultTier}" is not a declared tier${tierNames.size > 0 ? ` (tiers: ${[...tierNames].join(', ')})` : '; declare it under consumers.tiers'}` });
  }
  return {
    identify: consumers?.identify ?? [],
    ...(defaultTier !== undefined ? { defaultTier } : {}),
    maxTracked: consumers?.maxTracked ?? DEFAULT_MAX_TRACKED,
    tiers: [...tierNames],
  };
}

class ResolveContext {
  /** Maintenance windows already checked, by their merged node (shared across operations when not overridden). */
  private readonly maintenanceChecked = new WeakMap<Annotated, MaintenanceDefinition | null>();

  constructor(private readonly problems: ProblemList) {}

  resolveOperation(operation: Operation, documentBlock: Block, pathBlock: Block, opBlock: Block): ResolvedOperationSlo {
    const base = { id: operation.id, method: operation.method.toUpperCase(), path: operation.path, pointer: operation.pointer };
    const off = (declaredAt: string | undefined): ResolvedOperationSlo => ({ ...base, enabled: false, ...(declaredAt ? { declaredAt } : {}), promise: null, tiers: {} });
    // The nearest explicit `false` opts out; an object below a `false` starts again from the document defaults.
    if (opBlock.state === 'off') return off(opBlock.pointer);
    if (opBlock.state === 'absent' && pathBlock.state === 'off') return off(pathBlock.pointer);
    if (opBlock.state === 'absent' && pathBlock.state === 'absent' && documentBlock.state === 'off') return off(documentBlock.pointer);

    const layers = [documentBlock, pathBlock.state === 'off' ? { state: 'absent' as const } : pathBlock, opBlock];
    let merged: Annotated | undefined;
    for (const layer of layers) if (layer.node) merged = merge(merged, withoutDocumentOnly(layer.node));
    const declaredAt = [opBlock, pathBlock, documentBlock].find((b) => b.state !== 'absent')?.pointer;
    if (!merged) return { ...base, enabled: true, ...(declaredAt ? { declaredAt } : {}), promise: null, tiers: {} };

    const consumers = field(merged, 'consumers', 'tiers');
    const promiseNode = stripConsumers(merged as AnnotatedMap);
    const promise = this.canonical(promiseNode, operation.id);
    const tiers: Record<string, ResolvedPromise> = {};
    if (consumers?.kind === 'map') {
      for (const [name, override] of consumers.fields) tiers[name] = this.canonical(merge(promiseNode, override) as AnnotatedMap, operation.id);
    }
    return { ...base, enabled: true, ...(declaredAt ? { declaredAt } : {}), promise, tiers };
  }

  /** Turns a merged block into the resolved promise, reporting what makes no sense. */
  private canonical(node: AnnotatedMap, operationId: string): ResolvedPromise {
    const report = (rule: string, pointer: string, message: string, severity: SloProblem['severity'] = 'error') => this.problems.add({ rule, severity, pointer, message }, operationId);
    const window = this.window(field(node, 'window'), report);
    const availability = this.availability(field(node, 'availability'));
    const latency = this.latency(field(node, 'latency'), report);
    const maintenance: MaintenanceDefinition[] = [];
    const maintenanceNode = field(node, 'maintenance');
    if (maintenanceNode?.kind === 'list') {
      for (const item of maintenanceNode.items) {
        const def = this.maintenance(item, report);
        if (def) maintenance.push(def);
      }
    }
    const alertingNode = field(node, 'alerting');
    const declaredRates = plain(field(alertingNode, 'burnRates')) as Array<{ severity?: string; long: string; short: string; factor: number }> | undefined;
    const burnRates: BurnRateAlert[] = [];
    (declaredRates ?? DEFAULT_BURN_RATES).forEach((rate, i) => {
      const pointer = declaredRates ? `${field(alertingNode, 'burnRates')?.pointer}/${i}` : '';
      const long = parseDuration(rate.long) as Duration;
      const short = parseDuration(rate.short) as Duration;
      if (declaredRates && short.ms >= long.ms) report('alert-window-order', `${pointer}/short`, `the short window (${rate.short}) must be shorter than the long window (${rate.long})`);
      if (declaredRates && availability && rate.factor * (1 - availability.target / 100) > 1)
        report('alert-unreachable', `${pointer}/factor`, `burn rate ${rate.factor} can never be reached with a ${availability.target}% target: it needs an error ratio of ${round(rate.factor * (100 - availability.target))}%`, 'warning');
      if (declaredRates && window.kind === 'rolling' && long.ms > window.duration.ms) report('alert-window-longer-than-slo', `${pointer}/long`, `the alert window ${rate.long} is longer than the SLO window ${window.duration.text}`, 'warning');
      burnRates.push({ severity: rate.severity ?? 'page', long, short, factor: rate.factor });
    });
    const minEvents = plain(field(alertingNode, 'minEventsPerHour'));
    const freezeBelow = plain(field(node, 'budgetPolicy', 'freezeBelow'));
    if (availability?.target === 100) report('availability-no-budget', field(node, 'availability', 'target')?.pointer ?? '', 'a 100% target leaves no error budget: any single bad event breaks it', 'warning');
    return {
      window,
      ...(availability ? { availability } : {}),
      latency,
      maintenance,
      alerting: { burnRates, minEventsPerHour: typeof minEvents === 'number' ? minEvents : 0 },
      budgetPolicy: typeof freezeBelow === 'number' ? { freezeBelow } : {},
      origins: originsOf(node),
    };
  }

  private window(node: Annotated | undefined, report: (rule: string, pointer: string, message: string) => void): SloWindow {
    const value = plain(node) as { rolling?: string; calendar?: Extract<SloWindow, { kind: 'calendar' }>['unit']; timeZone?: string } | undefined;
    if (value?.calendar) {
      const timeZone = value.timeZone ?? 'UTC';
      if (!isValidTimeZone(timeZone)) report('time-zone', field(node, 'timeZone')?.pointer ?? '', `"${timeZone}" is not an IANA time zone (e.g. Europe/Berlin, UTC)`);
      if (value.rolling) report('window-shape', node?.pointer ?? '', 'a window is rolling or calendar, not both');
      return { kind: 'calendar', unit: value.calendar, timeZone };
    }
    if (value?.timeZone !== undefined && value.calendar === undefined) report('window-shape', field(node, 'timeZone')?.pointer ?? '', 'timeZone applies to calendar windows only; a rolling window is the same in every zone');
    return { kind: 'rolling', duration: parseDuration(value?.rolling ?? DEFAULT_WINDOW) as Duration };
  }

  private availability(node: Annotated | undefined): AvailabilityObjective | undefined {
    const value = plain(node) as { target?: number; bad?: { status?: Array<string | number>; timeout?: string }; exclude?: { status?: Array<string | number>; clientAbort?: boolean } } | undefined;
    if (value?.target === undefined) return undefined;
    const timeout = value.bad?.timeout === undefined ? undefined : parseDuration(value.bad.timeout);
    return {
      target: value.target,
      bad: { status: (value.bad?.status ?? ['5xx']).map((s) => String(s).toLowerCase()), ...(timeout ? { timeout } : {}) },
      exclude: { status: (value.exclude?.status ?? []).map((s) => String(s).toLowerCase()), clientAbort: value.exclude?.clientAbort ?? true },
    };
  }

  private latency(node: Annotated | undefined, report: (rule: string, pointer: string, message: string) => void): LatencyObjective[] {
    if (node?.kind !== 'list') return [];
    const objectives: LatencyObjective[] = [];
    for (const item of node.items) {
      const o = plain(item) as { name: string; threshold?: string; target?: number; percentile?: number; max?: string };
      if (o.threshold !== undefined && o.percentile !== undefined) {
        report('latency-objective-shape', item.pointer, `latency objective "${o.name}" ends up with both a threshold and a percentile after inheritance; override it with the same kind`);
      } else if (o.threshold !== undefined) {
        if (o.target === undefined) report('latency-incomplete', item.pointer, `threshold objective "${o.name}" needs a \`target\` (the % of good events within ${o.threshold})`);
        else objectives.push({ name: o.name, kind: 'threshold', threshold: parseDuration(o.threshold) as Duration, target: o.target });
      } else if (o.percentile !== undefined) {
        if (o.max === undefined) report('latency-incomplete', item.pointer, `percentile objective "${o.name}" needs a \`max\` (the highest acceptable p${o.percentile})`);
        else objectives.push({ name: o.name, kind: 'percentile', percentile: o.percentile, max: parseDuration(o.max) as Duration });
      } else {
        report('latency-incomplete', item.pointer, `latency objective "${o.name}" has neither a \`threshold\` nor a \`percentile\` (a lower level may only override an objective declared above it)`);
      }
    }
    const percentiles = objectives.filter((o): o is Extract<LatencyObjective, { kind: 'percentile' }> => o.kind === 'percentile').sort((a, b) => a.percentile - b.percentile);
    for (let i = 1; i < percentiles.length; i++) {
      const lower = percentiles[i - 1] as (typeof percentiles)[number];
      const higher = percentiles[i] as (typeof percentiles)[number];
      if (higher.max.ms < lower.max.ms) {
        const item = node.items.find((n) => nameOf(n) === higher.name);
        report('latency-percentile-order', field(item, 'max')?.pointer ?? item?.pointer ?? node.pointer, `p${higher.percentile} max ${higher.max.text} is below p${lower.percentile} max ${lower.max.text}: a higher percentile can never be faster`);
      }
    }
    return objectives;
  }

  private maintenance(item: Annotated, report: (rule: string, pointer: string, message: string) => void): MaintenanceDefinition | undefined {
    const cached = this.maintenanceChecked.get(item);
    if (cached !== undefined) return cached ?? undefined;
    const w = plain(item) as { name: string; rrule?: string; cron?: string; start?: string; end?: string; duration?: string; timeZone?: string; effect?: { exclude?: boolean; suppressAlerts?: boolean; availability?: number } };
    const fail = (pointer: string, message: string, rule = 'maintenance-incomplete'): undefined => {
      report(rule, pointer, message);
      this.maintenanceChecked.set(item, null);
      return undefined;
    };
    const recurring = w.rrule !== undefined || w.cron !== undefined;
    if (w.rrule !== undefined && w.cron !== undefined) return fail(item.pointer, `maintenance window "${w.name}" has both rrule and cron; keep one`);
    if (recurring && w.end !== undefined) return fail(field(item, 'end')?.pointer ?? item.pointer, `maintenance window "${w.name}" recurs, so it takes a \`duration\`, not an \`end\``);
    if (recurring && w.duration === undefined) return fail(item.pointer, `recurring maintenance window "${w.name}" needs a \`duration\` (e.g. 2h)`);
    if (!recurring && (w.start === undefined || w.end === undefined)) return fail(item.pointer, `maintenance window "${w.name}" needs \`rrule\` or \`cron\` with a \`duration\`, or a one-off \`start\` and \`end\``);
    if (!recurring && w.duration !== undefined) return fail(field(item, 'duration')?.pointer ?? item.pointer, `one-off maintenance window "${w.name}" has \`start\` and \`end\`; drop \`duration\``);
    const effect: MaintenanceEffect = {
      exclude: w.effect === undefined ? true : w.effect.exclude === true,
      ...(w.effect?.availability !== undefined ? { availability: w.effect.availability } : {}),
      suppressAlerts: w.effect?.suppressAlerts === true,
    };
    const duration = w.duration === undefined ? undefined : parseDuration(w.duration);
    const def: MaintenanceDefinition = {
      name: w.name,
      kind: recurring ? 'recurring' : 'once',
      ...(w.rrule !== undefined ? { rrule: w.rrule } : {}),
      ...(w.cron !== undefined ? { cron: w.cron } : {}),
      ...(w.start !== undefined ? { start: w.start } : {}),
      ...(w.end !== undefined ? { end: w.end } : {}),
      ...(duration ? { duration } : {}),
      timeZone: w.timeZone ?? 'UTC',
      effect,
      pointer: item.pointer,
    };
    try {
      compileMaintenance(def);
    } catch (error) {
      if (!(error instanceof MaintenanceRuleError)) throw error;
      return fail(field(item, error.field)?.pointer ?? item.pointer, `maintenance window "${w.name}": ${error.message}`, 'maintenance-rule');
    }
    this.maintenanceChecked.set(item, def);
    return def;
  }
}

/** A block without the document-only keys (service, tier, consumer identification); tier overrides stay. */
function withoutDocumentOnly(node: AnnotatedMap): AnnotatedMap {
  const fields = new Map(node.fields);
  fields.delete('service');
  fields.delete('tier');
  const consumers = fields.get('consumers');
  if (consumers?.kind === 'map') {
    const tiers = consumers.fields.get('tiers');
    if (tiers) fields.set('consumers', mapOf(consumers.pointer, [['tiers', tiers]]));
    else fields.delete('consumers');
  }
  return { kind: 'map', pointer: node.pointer, fields };
}

function stripConsumers(node: AnnotatedMap): AnnotatedMap {
  const fields = new Map(node.fields);
  fields.delete('consumers');
  return { kind: 'map', pointer: node.pointer, fields };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
