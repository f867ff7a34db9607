import { DateTime } from 'luxon';
import type { SloWindow } from './model.js';

/**
 * The bounds of an SLO window as seen at `at`: a rolling window is the
 * `duration` before `at`; a calendar window is the current day, week
 * (ISO, Monday first), month, quarter or year in its time zone.
 *
 * @example
 * windowBounds({ kind: 'calendar', unit: 'month', timeZone: 'Europe/Berlin' }, Date.parse('2026-03-15T12:00:00Z'));
 * // { start: 2026-02-28T23:00:00Z, end: 2026-03-31T22:00:00Z }
 */
export function windowBounds(window: SloWindow, at: number): { start: number; end: number } {
  if (window.kind === 'rolling') return { start: at - window.duration.ms, end: at };
  const local = DateTime.fromMillis(at, { zone: window.timeZone });
  const start = local.startOf(window.unit);
  return { start: start.toMillis(), end: start.plus({ [`${window.unit}s`]: 1 }).toMillis() };
}
