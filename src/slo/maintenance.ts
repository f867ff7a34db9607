import rrulePkg from 'rrule';
import { CronExpressionParser } from 'cron-parser';
import { DateTime, IANAZone } from 'luxon';
import type { MaintenanceDefinition, MaintenanceEffect } from './model.js';

const { RRule } = rrulePkg;

/** One occurrence of a maintenance window: [start, end) in epoch milliseconds. */
export interface MaintenanceOccurrence {
  name: string;
  start: number;
  end: number;
  effect: MaintenanceEffect;
  timeZone: string;
}

/** A maintenance window that can list its occurrences. */
export interface CompiledMaintenance {
  definition: MaintenanceDefinition;
  /** Occurrences overlapping [from, to), in start order. */
  between(from: number, to: number): MaintenanceOccurrence[];
}

/** Thrown by {@link compileMaintenance} for a rule that cannot be read; the caller turns it into a finding. */
export class MaintenanceRuleError extends Error {
  constructor(readonly field: 'rrule' | 'cron' | 'start' | 'end' | 'timeZone', message: string) {
    super(message);
  }
}

export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

const RRULE_KEYS = new Set(['FREQ', 'UNTIL', 'COUNT', 'INTERVAL', 'BYSECOND', 'BYMINUTE', 'BYHOUR', 'BYDAY', 'BYMONTHDAY', 'BYYEARDAY', 'BYWEEKNO', 'BYMONTH', 'BYSETPOS', 'WKST']);
const FREQS = new Set(['YEARLY', 'MONTHLY', 'WEEKLY', 'DAILY', 'HOURLY', 'MINUTELY', 'SECONDLY']);
const DAY = /^[+-]?\d{0,2}(MO|TU|WE|TH|FR|SA|SU)$/;
const INT_LIST = /^[+-]?\d+(,[+-]?\d+)*$/;
/** The anchor used when a rule gives neither DTSTART nor `start`: local midnight, 2000-01-01 (a Saturday). */
const DEFAULT_ANCHOR = Date.UTC(2000, 0, 1);

/** Checks an RRULE's parts strictly (the rrule library accepts unknown parts silently). */
function checkRrule(text: string): { rule: string; dtstart?: string } {
  let rule = '';
  let dtstart: string | undefined;
  for (const line of text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean)) {
    if (/^DTSTART/i.test(line)) {
      const m = /^DTSTART(;[^:]*)?:(\d{8}T\d{6}Z?)$/i.exec(line);
      if (!m) throw new MaintenanceRuleError('rrule', `cannot read "${line}"; write DTSTART:20260103T220000 (local time) or use the window's \`start\``);
      if (m[1]) throw new MaintenanceRuleError('rrule', 'DTSTART with parameters (TZID) is not used; set the window\'s `timeZone` instead');
      dtstart = m[2];
      continue;
    }
    rule = line.replace(/^RRULE:/i, '');
  }
  if (rule === '') throw new MaintenanceRuleError('rrule', 'the rule is empty; write e.g. FREQ=WEEKLY;BYDAY=SA');
  for (const part of rule.split(';')) {
    const [key = '', value = ''] = part.split('=', 2);
    const upper = key.toUpperCase();
    if (!RRULE_KEYS.has(upper)) throw new MaintenanceRuleError('rrule', `unknown RRULE part "${key}" (RFC 5545 parts: ${[...RRULE_KEYS].join(', ')})`);
    const v = value.toUpperCase();
    if (upper === 'FREQ' && !FREQS.has(v)) throw new MaintenanceRuleError('rrule', `FREQ must be one of ${[...FREQS].join(', ')}, not "${value}"`);
    if (upper === 'BYDAY' && !v.split(',').every((d) => DAY.test(d))) throw new MaintenanceRuleError('rrule', `BYDAY takes MO, TU, WE, TH, FR, SA, SU (optionally with an ordinal like 1SA), not "${value}"`);
    if (['COUNT', 'INTERVAL'].includes(upper) && !/^\d+$/.test(v)) throw new MaintenanceRuleError('rrule', `${upper} must be a whole number, not "${value}"`);
    if (upper.startsWith('BY') && upper !== 'BYDAY' && !INT_LIST.test(v)) throw new MaintenanceRuleError('rrule', `${upper} takes a comma-separated list of numbers, not "${value}"`);
    if (upper === 'UNTIL' && !/^\d{8}(T\d{6}Z?)?$/.test(v)) throw new MaintenanceRuleError('rrule', `UNTIL must look like 20261231T235959Z, not "${value}"`);
  }
  if (!/(^|;)FREQ=/i.test(rule)) throw new MaintenanceRuleError('rrule', 'the rule has no FREQ; write e.g. FREQ=WEEKLY;BYDAY=SA');
  return dtstart === undefined ? { rule } : { rule, dtstart };
}

/** A "floating" date: the UTC fields of the Date are the local wall-clock fields. */
function floatingOf(instant: number, zone: string): number {
  const local = DateTime.fromMillis(instant, { zone });
  return Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second, local.millisecond);
}

/**
 * The instant of a local wall-clock time in `zone`, as RFC 5545 says:
 * a time skipped by a daylight-saving jump is taken with the offset before the
 * gap (02:30 on a spring-forward night becomes 03:30); a time that happens
 * twice (fall-back) is the first of the two.
 */
export function instantOfLocal(floating: number, zone: string): number {
  const f = new Date(floating);
  const dt = DateTime.fromObject(
    { year: f.getUTCFullYear(), month: f.getUTCMonth() + 1, day: f.getUTCDate(), hour: f.getUTCHours(), minute: f.getUTCMinutes(), second: f.getUTCSeconds(), millisecond: f.getUTCMilliseconds() },
    { zone },
  );
  const candidates = dt.getPossibleOffsets();
  if (candidates.length > 1) return Math.min(...candidates.map((c) => c.toMillis()));
  return dt.toMillis();
}

/** start + duration: `d`/`w` as calendar days in the zone (a day may be 23 or 25 hours), the rest elapsed. */
function endOf(start: number, def: MaintenanceDefinition): number {
  const duration = def.duration;
  if (!duration) return start;
  const afterDays = duration.days === 0 ? start : DateTime.fromMillis(start, { zone: def.timeZone }).plus({ days: duration.days }).toMillis();
  return afterDays + duration.elapsedMs;
}

/** Parses an ISO date-time; without an offset it is local time in `zone`. */
export function parseLocalOrInstant(text: string, zone: string): number | undefined {
  const hasOffset = /(Z|[+-]\d{2}:?\d{2})$/i.test(text);
  const dt = hasOffset ? DateTime.fromISO(text, { setZone: true }) : DateTime.fromISO(text, { zone });
  if (!dt.isValid) return undefined;
  if (hasOffset) return dt.toMillis();
  return instantOfLocal(Date.UTC(dt.year, dt.month - 1, dt.day, dt.hour, dt.minute, dt.second, dt.millisecond), zone);
}

/**
 * Compiles one maintenance window. Throws {@link MaintenanceRuleError} when
 * its rule, cron expression, dates or time zone cannot be read.
 */
export function compileMaintenance(def: MaintenanceDefinition): CompiledMaintenance {
  const zone = def.timeZone;
  if (!isValidTimeZone(zone)) throw new MaintenanceRuleError('timeZone', `"${zone}" is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)`);
  const occurrence = (start: number, end: number): MaintenanceOccurrence => ({ name: def.name, start, end, effect: def.effect, timeZone: zone });

  if (def.kind === 'once') {
    const start = parseLocalOrInstant(def.start ?? '', zone);
    if (start === undefined) throw new MaintenanceRuleError('start', `cannot read start "${def.start}"; write an ISO date-time such as 2026-12-05T22:00:00Z`);
    const end = parseLocalOrInstant(def.end ?? '', zone);
    if (end === undefined) throw new MaintenanceRuleError('end', `cannot read end "${def.end}"; write an ISO date-time such as 2026-12-06T02:00:00Z`);
    if (end <= start) throw new MaintenanceRuleError('end', `the window ends (${def.end}) before it starts (${def.start})`);
    return { definition: def, between: (from, to) => (start < to && end > from ? [occurrence(start, end)] : []) };
  }

  const span = (def.duration?.ms ?? 0) + 2 * 86_400_000; // how far back an occurrence may start and still be active (DST slack included)
  let floatingStarts: (fromFloating: number, toFloating: number) => number[];

  if (def.rrule !== undefined) {
    const { rule, dtstart } = checkRrule(def.rrule);
    let anchor = DEFAULT_ANCHOR;
    if (dtstart !== undefined) {
      const d = dtstart;
      const floating = Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8), +d.slice(9, 11), +d.slice(11, 13), +d.slice(13, 15));
      anchor = d.endsWith('Z') ? floatingOf(floating, zone) : floating;
    } else if (def.start !== undefined) {
      const at = parseLocalOrInstant(def.start, zone);
      if (at === undefined) throw new MaintenanceRuleError('start', `cannot read start "${def.start}"; write a local date-time such as 2026-01-03T22:00`);
      anchor = floatingOf(at, zone);
    }
    let parsed: ReturnType<typeof RRule.parseString>;
    try {
      parsed = RRule.parseString(rule);
    } catch (cause) {
      throw new MaintenanceRuleError('rrule', `cannot read the rule: ${(cause as Error).message}`);
    }
    if (parsed.until && /UNTIL=\d{8}T\d{6}Z/i.test(rule)) parsed.until = new Date(floatingOf(parsed.until.getTime(), zone));
    const rrule = new RRule({ ...parsed, dtstart: new Date(anchor) });
    floatingStarts = (from, to) => rrule.between(new Date(from), new Date(to), true).map((d) => d.getTime());
  } else if (def.cron !== undefined) {
    const fields = def.cron.trim().split(/\s+/);
    if (fields.length !== 5) throw new MaintenanceRuleError('cron', `a cron expression has five fields (minute hour day-of-month month day-of-week), "${def.cron}" has ${fields.length}`);
    try {
      CronExpressionParser.parse(def.cron, { tz: 'UTC', currentDate: new Date(DEFAULT_ANCHOR) });
    } catch (cause) {
      throw new MaintenanceRuleError('cron', `cannot read the cron expression: ${(cause as Error).message}`);
    }
    floatingStarts = (from, to) => {
      const starts: number[] = [];
      try {
        const it = CronExpressionParser.parse(def.cron as string, { tz: 'UTC', currentDate: new Date(from - 1), endDate: new Date(to) });
        while (it.hasNext() && starts.length < 100_000) starts.push(it.next().getTime());
      } catch {
        // no further occurrence (cron-parser throws at its end date or loop limit)
      }
      return starts;
    };
  } else {
    throw new MaintenanceRuleError('rrule', 'a recurring window needs `rrule` or `cron`');
  }

  // Occurrence starts per floating calendar year, computed once: rrule iterates from its anchor on every call.
  const years = new Map<number, number[]>();
  const startsBetween = (from: number, to: number): number[] => {
    const starts: number[] = [];
    for (let year = new Date(from).getUTCFullYear(); year <= new Date(to).getUTCFullYear(); year++) {
      let block = years.get(year);
      if (!block) {
        const end = Date.UTC(year + 1, 0, 1);
        block = floatingStarts(Date.UTC(year, 0, 1), end).filter((f) => f < end);
        years.set(year, block);
      }
      for (const f of block) if (f >= from && f <= to) starts.push(f);
    }
    return starts;
  };

  return {
    definition: def,
    between(from, to) {
      const result: MaintenanceOccurrence[] = [];
      for (const f of startsBetween(floatingOf(from - span, zone), floatingOf(to, zone) + 86_400_000)) {
        const start = instantOfLocal(f, zone);
        const end = endOf(start, def);
        if (start < to && end > from) result.push(occurrence(start, end));
      }
      return result;
    },
  };
}

/**
 * The maintenance windows of one promise, answering "which windows are active
 * at T" in O(log n) from a cached span of occurrences (refreshed when T leaves
 * it), so it can run per request.
 *
 * @example
 * const schedule = new MaintenanceSchedule(promise.maintenance);
 * schedule.activeAt(Date.parse('2026-03-28T12:00:00Z')); // [{ name: 'weekend', start, end, effect }]
 */
export class MaintenanceSchedule {
  readonly windows: CompiledMaintenance[];
  private cacheFrom = 0;
  private cacheTo = -1;
  private cached: MaintenanceOccurrence[] = [];
  private maxLength = 0;
  private readonly cacheSpan: number;

  constructor(definitions: MaintenanceDefinition[] | CompiledMaintenance[], options: { cacheSpanMs?: number } = {}) {
    this.windows = definitions.map((d) => ('between' in d ? d : compileMaintenance(d)));
    this.cacheSpan = options.cacheSpanMs ?? 14 * 86_400_000;
  }

  /** Occurrences overlapping [from, to), by start time. */
  between(from: number, to: number): MaintenanceOccurrence[] {
    return this.windows.flatMap((w) => w.between(from, to)).sort((a, b) => a.start - b.start || a.end - b.end);
  }

  /** The windows active at `at` (start <= at < end). */
  activeAt(at: number): MaintenanceOccurrence[] {
    if (this.windows.length === 0) return [];
    if (at < this.cacheFrom || at >= this.cacheTo) {
      this.cacheFrom = at - 86_400_000;
      this.cacheTo = at + this.cacheSpan;
      this.cached = this.between(this.cacheFrom, this.cacheTo);
      this.maxLength = this.cached.reduce((m, o) => Math.max(m, o.end - o.start), 0);
    }
    // Binary search for the last occurrence starting at or before `at`, then scan back over those that may still run.
    let lo = 0;
    let hi = this.cached.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.cached[mid] as MaintenanceOccurrence).start <= at) lo = mid + 1;
      else hi = mid;
    }
    const active: MaintenanceOccurrence[] = [];
    for (let i = lo - 1; i >= 0; i--) {
      const o = this.cached[i] as MaintenanceOccurrence;
      if (o.start < at - this.maxLength) break;
      if (o.end > at) active.unshift(o);
    }
    return active;
  }

  /** The next `count` occurrences that end after `at` (an active one first), looking ahead at most `horizonMs`. */
  upcoming(at: number, count: number, horizonMs = 366 * 86_400_000): MaintenanceOccurrence[] {
    const result: MaintenanceOccurrence[] = [];
    const step = 31 * 86_400_000;
    for (let from = at; from < at + horizonMs && result.length < count; from += step) {
      for (const o of this.between(from, Math.min(from + step, at + horizonMs))) {
        if (o.end > at && !result.some((r) => r.name === o.name && r.start === o.start)) result.push(o);
      }
    }
    return result.sort((a, b) => a.start - b.start).slice(0, count);
  }
}

/** The combined effect of several active windows: exclusion wins, then the lowest relaxed target. */
export function combineEffects(active: MaintenanceOccurrence[]): MaintenanceEffect | undefined {
  if (active.length === 0) return undefined;
  const targets = active.map((o) => o.effect.availability).filter((t): t is number => t !== undefined);
  return {
    exclude: active.some((o) => o.effect.exclude),
    ...(targets.length > 0 ? { availability: Math.min(...targets) } : {}),
    suppressAlerts: active.some((o) => o.effect.suppressAlerts || o.effect.exclude),
  };
}
