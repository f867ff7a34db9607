import type { Spec } from '../spec/load-spec.js';
import type { LatencyObjective, ResolvedOperationSlo, ResolvedPromise, SloWindow } from '../slo/model.js';
import { where, type Change, type Severity } from './change.js';

const CALENDAR_DAYS = { day: 1, week: 7, month: 30, quarter: 91, year: 365 } as const;

/** A window's length in days, for comparing a rolling 28d with a calendar month. */
function windowDays(window: SloWindow): number {
  return window.kind === 'rolling' ? window.duration.ms / 86_400_000 : CALENDAR_DAYS[window.unit];
}

const windowText = (w: SloWindow) => (w.kind === 'rolling' ? w.duration.text : `calendar ${w.unit} (${w.timeZone})`);

/** How long a maintenance window lasts, in ms (one-off: end − start). */
function maintenanceLength(m: ResolvedPromise['maintenance'][number]): number {
  if (m.duration) return m.duration.ms;
  if (m.start && m.end) return Date.parse(m.end) - Date.parse(m.start);
  return 0;
}

/**
 * Compares the promises of one operation (and of each consumer tier) in two
 * versions: a weaker promise is breaking, because consumers were promised
 * more; a stronger one is reported as a safe improvement.
 */
export function diffPromises(base: Spec, head: Spec, b: ResolvedOperationSlo | undefined, h: ResolvedOperationSlo | undefined, operation: string, operationId: string, out: Change[]): void {
  const push = (rule: string, severity: Severity, message: string, basePointer: string | undefined, headPointer: string | undefined) =>
    out.push({ rule, severity, operation, operationId, message, base: where(base, basePointer), head: where(head, headPointer), usageKey: { kind: 'operation' } });
  if (b?.promise && !h?.promise) {
    push('slo-promise-removed', 'breaking', h && !h.enabled ? 'the operation opted out of its runtime promise (x-slo: false)' : 'the operation no longer makes a runtime promise', b.declaredAt, h?.declaredAt ?? h?.pointer);
    return;
  }
  if (!b?.promise && h?.promise) {
    push('slo-promise-added', 'safe', 'the operation now makes a runtime promise', b?.pointer, h.declaredAt);
    return;
  }
  if (!b?.promise || !h?.promise) return;
  comparePromise(b.promise, h.promise, '', push);
  for (const [tier, promise] of Object.entries(b.tiers)) {
    const now = h.tiers[tier];
    if (!now) push('slo-tier-removed', 'breaking', `consumer tier \`${tier}\` lost its promise`, promise.origins['availability.target'] ?? b.declaredAt, h.declaredAt);
    else comparePromise(promise, now, `tier \`${tier}\`: `, push);
  }
}

type Push = (rule: string, severity: Severity, message: string, basePointer: string | undefined, headPointer: string | undefined) => void;

function comparePromise(b: ResolvedPromise, h: ResolvedPromise, prefix: string, push: Push): void {
  const at = (p: ResolvedPromise, key: string) => p.origins[key];
  const ba = b.availability?.target;
  const ha = h.availability?.target;
  if (ba !== undefined && ha === undefined) push('slo-availability-removed', 'breaking', `${prefix}availability objective ${ba}% removed`, at(b, 'availability.target'), undefined);
  else if (ba !== undefined && ha !== undefined && ha < ba) push('slo-availability-lowered', 'breaking', `${prefix}availability lowered from ${ba}% to ${ha}%`, at(b, 'availability.target'), at(h, 'availability.target'));
  else if (ha !== undefined && (ba === undefined || ha > ba)) push('slo-availability-raised', 'safe', `${prefix}availability ${ba === undefined ? 'promised' : `raised from ${ba}%`} to ${ha}%`, at(b, 'availability.target'), at(h, 'availability.target'));

  const byName = (list: LatencyObjective[]) => new Map(list.map((o) => [o.name, o]));
  const bl = byName(b.latency);
  const hl = byName(h.latency);
  for (const [name, o] of bl) {
    const key = `latency[${name}]`;
    const n = hl.get(name);
    if (!n) {
      push('slo-latency-objective-removed', 'breaking', `${prefix}latency objective \`${name}\` removed`, at(b, `${key}.name`) ?? at(b, `${key}.max`) ?? at(b, `${key}.threshold`), undefined);
      continue;
    }
    if (o.kind === 'threshold' && n.kind === 'threshold') {
      if (n.threshold.ms > o.threshold.ms || n.target < o.target) push('slo-latency-weakened', 'breaking', `${prefix}\`${name}\`: ${o.target}% within ${o.threshold.text} became ${n.target}% within ${n.threshold.text}`, at(b, `${key}.threshold`), at(h, `${key}.threshold`));
      else if (n.threshold.ms < o.threshold.ms || n.target > o.target) push('slo-latency-tightened', 'safe', `${prefix}\`${name}\`: ${o.target}% within ${o.threshold.text} became ${n.target}% within ${n.threshold.text}`, at(b, `${key}.threshold`), at(h, `${key}.threshold`));
    } else if (o.kind === 'percentile' && n.kind === 'percentile') {
      if (n.max.ms > o.max.ms || n.percentile < o.percentile) push('slo-latency-weakened', 'breaking', `${prefix}\`${name}\`: p${o.percentile} ≤ ${o.max.text} became p${n.percentile} ≤ ${n.max.text}`, at(b, `${key}.max`), at(h, `${key}.max`));
      else if (n.max.ms < o.max.ms || n.percentile > o.percentile) push('slo-latency-tightened', 'safe', `${prefix}\`${name}\`: p${o.percentile} ≤ ${o.max.text} became p${n.percentile} ≤ ${n.max.text}`, at(b, `${key}.max`), at(h, `${key}.max`));
    } else push('slo-latency-weakened', 'warning', `${prefix}\`${name}\` changed kind (${o.kind} to ${n.kind}); check it promises as much`, at(b, key), at(h, key));
  }
  for (const name of hl.keys()) if (!bl.has(name)) push('slo-latency-objective-added', 'safe', `${prefix}latency objective \`${name}\` added`, undefined, at(h, `latency[${name}].name`) ?? at(h, `latency[${name}].max`) ?? at(h, `latency[${name}].threshold`));

  const windowAt = (p: ResolvedPromise) => at(p, 'window.rolling') ?? at(p, 'window.calendar') ?? at(p, 'window');
  const bw = windowDays(b.window);
  const hw = windowDays(h.window);
  if (hw < bw) push('slo-window-shortened', 'breaking', `${prefix}window ${windowText(b.window)} became ${windowText(h.window)}`, windowAt(b), windowAt(h));
  else if (hw > bw) push('slo-window-lengthened', 'safe', `${prefix}window ${windowText(b.window)} became ${windowText(h.window)}`, windowAt(b), windowAt(h));

  const bm = new Map(b.maintenance.map((m) => [m.name, m]));
  for (const m of h.maintenance) {
    const was = bm.get(m.name);
    if (!was) push('slo-maintenance-added', 'breaking', `${prefix}maintenance window \`${m.name}\` added (${m.rrule ?? m.cron ?? `${m.start} to ${m.end}`})`, undefined, m.pointer);
    else if (maintenanceLength(m) > maintenanceLength(was) || (m.effect.exclude && !was.effect.exclude) || (m.effect.availability ?? 100) < (was.effect.availability ?? 100)) push('slo-maintenance-lengthened', 'breaking', `${prefix}maintenance window \`${m.name}\` lasts longer or promises less`, was.pointer, m.pointer);
  }
  const hm = new Set(h.maintenance.map((m) => m.name));
  for (const m of b.maintenance) if (!hm.has(m.name)) push('slo-maintenance-removed', 'safe', `${prefix}maintenance window \`${m.name}\` removed`, m.pointer, undefined);
}
