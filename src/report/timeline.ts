import type { SloEngine, SloFigures } from '../engine/engine.js';
import { HOUR_SPAN, MINUTE_SPAN } from '../engine/series.js';
import type { Report } from './report.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Chart steps, smallest first: the first that fits the history in the points allowed is used. */
const STEPS = [MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY];

/** One step of a timeline: the figures at its end (budget) and over the step alone (availability, latency). */
export interface TimelinePoint {
  /** The step's end (epoch ms). */
  at: number;
  /** Error budget left (ratio: 1 untouched, 0 spent, below 0 overspent) of the promise's window ending here; null: no events. */
  remaining: number | null;
  /** Availability (%) of the step's own events; null without valid events. */
  availability: number | null;
  valid: number;
  /** Each latency objective over the step, in promise order: % within threshold, or the percentile in ms. */
  latency: Array<number | null>;
}

/** A promise's figures over the history the engine holds, step by step. */
export interface Timeline {
  /** First step's start and last step's end (epoch ms). */
  from: number;
  to: number;
  stepMs: number;
  /** How much history there is to draw: from the oldest event still counted (or the window's start, if later) to now. */
  historyMs: number;
  points: TimelinePoint[];
}

/** One promise judged on the page: the operation's own (all consumers) or one tier's (its consumers, against the tier's promise). */
export interface Panel {
  /** null: the operation's own promise over every consumer. */
  tier: string | null;
  consumers: string[];
  slo: SloFigures;
  timeline?: Timeline;
}

export interface TimelineOptions {
  now: number;
  /** At most this many steps per chart (default 48). */
  points?: number;
  /** Panels (tiers, timelines) for at most this many operations (default 12): the page lists the rest in its table only. */
  charted?: number;
  /** An explicit report window: the timeline covers [since, until) and the budget is that of [since, step end). */
  since?: number;
  until?: number;
}

/**
 * The panels of the first `charted` operations of a report (those missing
 * an objective or firing an alert first, then the busiest): each one's own
 * promise and each tier its consumers are in, with timelines.
 * Each timeline point costs two reads of the engine's buckets.
 */
export function buildPanels(engine: SloEngine, report: Report, options: TimelineOptions): Map<string, Panel[]> {
  const out = new Map<string, Panel[]>();
  const charted = new Set(rankOperations(report).slice(0, options.charted ?? 12).map((o) => o.operationId));
  for (const o of report.operations) {
    if (!o.slo || !charted.has(o.operationId)) continue;
    const tiers = new Map<string, string[]>();
    for (const c of report.consumers) if (c.operations.some((x) => x.operationId === o.operationId)) tiers.set(c.tier, [...(tiers.get(c.tier) ?? []), c.consumer]);
    const window = options.since === undefined ? {} : { since: options.since, until: options.until ?? options.now };
    const panels: Panel[] = [{ tier: null, consumers: [...tiers.values()].flat(), slo: o.slo }];
    for (const [tier, consumers] of [...tiers].sort(([a], [b]) => a.localeCompare(b))) {
      const slo = engine.figures(o.operationId, { tier, ...window, at: options.until ?? options.now });
      if (slo) panels.push({ tier, consumers, slo });
    }
    for (const p of panels) p.timeline = timeline(engine, o.operationId, p, options);
    out.set(o.operationId, panels);
  }
  return out;
}

/** Operations in the order a reader wants them: missing an objective or firing an alert first, then by traffic. */
export function rankOperations<T extends { operationId: string; requests: number; slo: SloFigures | null }>(report: { operations: T[] }): T[] {
  const trouble = (o: T) => (o.slo?.alerts.some((a) => a.firing) ? 2 : 0) + (o.slo?.availability?.met === false || o.slo?.latency.some((l) => l.met === false) ? 1 : 0);
  return [...report.operations].sort((a, b) => trouble(b) - trouble(a) || b.requests - a.requests || a.operationId.localeCompare(b.operationId));
}

function timeline(engine: SloEngine, operationId: string, panel: Panel, options: TimelineOptions): Timeline | undefined {
  const end = options.until ?? options.now;
  const windowStart = options.since ?? Date.parse(panel.slo.window.start);
  const earliest = engine.earliest(operationId);
  if (earliest === undefined) return undefined;
  const start = Math.max(windowStart, earliest);
  if (start >= end) return undefined;
  const maxPoints = Math.max(2, options.points ?? 48);
  // A step is never finer than what the engine keeps at the history's age: minutes for 7 hours, hours for 4 days, days beyond.
  const age = options.now - start;
  const finest = age > HOUR_SPAN ? DAY : age > MINUTE_SPAN ? HOUR : MINUTE;
  const stepMs = STEPS.find((s) => s >= finest && Math.ceil((end - Math.floor(start / s) * s) / s) <= maxPoints) ?? Math.ceil((end - start) / maxPoints / DAY) * DAY;
  const from = Math.floor(start / stepMs) * stepMs;
  const tier = panel.tier === null ? {} : { tier: panel.tier };
  const points: TimelinePoint[] = [];
  for (let t0 = from; t0 < end; t0 += stepMs) {
    const t1 = Math.min(t0 + stepMs, end);
    const atEnd = engine.figures(operationId, { ...tier, ...(options.since === undefined ? {} : { since: options.since, until: t1 }), at: t1 });
    const step = engine.figures(operationId, { ...tier, since: t0, until: t1, at: t1 });
    const remaining = atEnd?.errorBudget?.remaining;
    points.push({
      at: t1,
      remaining: remaining === undefined || remaining === null || !Number.isFinite(remaining) || (atEnd?.availability?.valid ?? 0) === 0 ? null : remaining,
      availability: step?.availability?.achieved ?? null,
      valid: step?.availability?.valid ?? 0,
      latency: (step?.latency ?? []).map((l) => l.achieved),
    });
  }
  return { from, to: end, stepMs, historyMs: end - start, points };
}

/** "3 minutes", "5 hours", "2 weeks 3 days": a span as a reader says it. */
export function spanText(ms: number): string {
  const units: Array<[number, string]> = [[7 * DAY, 'week'], [DAY, 'day'], [HOUR, 'hour'], [MINUTE, 'minute']];
  if (ms < MINUTE) return 'less than a minute';
  const parts: string[] = [];
  let left = ms;
  for (const [size, name] of units) {
    const n = Math.floor(left / size);
    if (n > 0 && parts.length < 2) {
      parts.push(`${n} ${name}${n === 1 ? '' : 's'}`);
      left -= n * size;
    } else if (parts.length > 0) break;
  }
  return parts.join(' ');
}
