import { describe, expect, it } from 'vitest';
import { compileMaintenance, MaintenanceSchedule, combineEffects, instantOfLocal } from '../../src/slo/maintenance.js';
import { parseDuration } from '../../src/slo/duration.js';
import type { MaintenanceDefinition } from '../../src/slo/model.js';

const EXCLUDE = { exclude: true, suppressAlerts: false };
const window = (w: Partial<MaintenanceDefinition> & { duration?: string | undefined }): MaintenanceDefinition => ({
  name: 'w',
  kind: w.rrule || w.cron ? 'recurring' : 'once',
  timeZone: 'UTC',
  effect: EXCLUDE,
  pointer: '',
  ...w,
  duration: w.duration === undefined ? undefined : parseDuration(w.duration as unknown as string),
} as MaintenanceDefinition);
const iso = (ms: number) => new Date(ms).toISOString();
const at = (text: string) => Date.parse(text);

describe('maintenance windows across daylight-saving changes', () => {
  // Europe/Berlin: 2026-03-29 02:00 CET -> 03:00 CEST; 2026-10-25 03:00 CEST -> 02:00 CET.
  it('a weekly Saturday 2d window in Berlin spans the spring-forward night: 47 elapsed hours, Monday local midnight', () => {
    const w = compileMaintenance(window({ rrule: 'FREQ=WEEKLY;BYDAY=SA', duration: '2d' as never, timeZone: 'Europe/Berlin' }));
    const [o] = w.between(at('2026-03-27T00:00:00Z'), at('2026-03-29T00:00:00Z'));
    expect(iso(o!.start)).toBe('2026-03-27T23:00:00.000Z'); // Sat 00:00 CET
    expect(iso(o!.end)).toBe('2026-03-29T22:00:00.000Z'); // Mon 00:00 CEST
    expect(o!.end - o!.start).toBe(47 * 3_600_000);
  });

  it('the same window across fall-back lasts 49 hours', () => {
    const w = compileMaintenance(window({ rrule: 'FREQ=WEEKLY;BYDAY=SA', duration: '2d' as never, timeZone: 'Europe/Berlin' }));
    const [o] = w.between(at('2026-10-24T00:00:00Z'), at('2026-10-25T00:00:00Z'));
    expect(iso(o!.start)).toBe('2026-10-23T22:00:00.000Z'); // Sat 00:00 CEST
    expect(iso(o!.end)).toBe('2026-10-25T23:00:00.000Z'); // Mon 00:00 CET
  });

  it('a 48h duration is elapsed time, unlike 2d', () => {
    const w = compileMaintenance(window({ rrule: 'FREQ=WEEKLY;BYDAY=SA', duration: '48h' as never, timeZone: 'Europe/Berlin' }));
    const [o] = w.between(at('2026-03-27T00:00:00Z'), at('2026-03-29T00:00:00Z'));
    expect(iso(o!.end)).toBe('2026-03-29T23:00:00.000Z'); // Mon 01:00 CEST
  });

  it('a daily 02:30 local window on the spring-forward night starts at 03:30 CEST (RFC 5545: offset before the gap)', () => {
    const w = compileMaintenance(window({ rrule: 'FREQ=DAILY;BYHOUR=2;BYMINUTE=30', duration: '1h' as never, timeZone: 'Europe/Berlin' }));
    const starts = w.between(at('2026-03-28T00:00:00Z'), at('2026-03-31T00:00:00Z')).map((o) => iso(o.start));
    expect(starts).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z']);
  });

  it('a daily 02:30 local window on the fall-back night takes the first 02:30 (CEST)', () => {
    const w = compileMaintenance(window({ rrule: 'FREQ=DAILY;BYHOUR=2;BYMINUTE=30', duration: '30m' as never, timeZone: 'Europe/Berlin' }));
    const starts = w.between(at('2026-10-24T12:00:00Z'), at('2026-10-26T12:00:00Z')).map((o) => iso(o.start));
    expect(starts).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
    expect(instantOfLocal(Date.UTC(2026, 9, 25, 2, 30), 'Europe/Berlin')).toBe(at('2026-10-25T00:30:00Z'));
  });

  it('cron windows follow the zone\'s wall clock across New York\'s DST change (2026-03-08)', () => {
    const w = compileMaintenance(window({ cron: '0 1 * * *', duration: '1h' as never, timeZone: 'America/New_York' }));
    const starts = w.between(at('2026-03-07T00:00:00Z'), at('2026-03-10T00:00:00Z')).map((o) => iso(o.start));
    expect(starts).toEqual(['2026-03-07T06:00:00.000Z', '2026-03-08T06:00:00.000Z', '2026-03-09T05:00:00.000Z']);
  });

  it('answers "which windows are active at T" with start inclusive and end exclusive, per zone', () => {
    const schedule = new MaintenanceSchedule([
      window({ name: 'weekend', rrule: 'FREQ=WEEKLY;BYDAY=SA', duration: '2d' as never, timeZone: 'Europe/Berlin', effect: { exclude: false, availability: 90, suppressAlerts: false } }),
      window({ name: 'migration', start: '2026-03-28T10:00:00Z', end: '2026-03-28T12:00:00Z' }),
    ]);
    expect(schedule.activeAt(at('2026-03-27T22:59:59.999Z'))).toEqual([]);
    expect(schedule.activeAt(at('2026-03-27T23:00:00Z')).map((o) => o.name)).toEqual(['weekend']);
    expect(schedule.activeAt(at('2026-03-28T11:00:00Z')).map((o) => o.name)).toEqual(['weekend', 'migration']);
    expect(combineEffects(schedule.activeAt(at('2026-03-28T11:00:00Z')))).toEqual({ exclude: true, availability: 90, suppressAlerts: true });
    expect(schedule.activeAt(at('2026-03-29T21:59:59.999Z')).map((o) => o.name)).toEqual(['weekend']);
    expect(schedule.activeAt(at('2026-03-29T22:00:00Z'))).toEqual([]);
  });

  it('the cached activeAt agrees with a direct computation at 5,000 instants over two years', () => {
    const defs = [
      window({ name: 'a', rrule: 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=2', duration: '2h' as never, timeZone: 'Europe/Berlin' }),
      window({ name: 'b', cron: '30 22 28-31 * *', duration: '30m' as never, timeZone: 'America/New_York' }),
      window({ name: 'c', rrule: 'FREQ=MONTHLY;BYDAY=1SA', duration: '1d' as never, timeZone: 'Australia/Sydney' }),
    ];
    const schedule = new MaintenanceSchedule(defs);
    const compiled = defs.map(compileMaintenance);
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const start = at('2026-01-01T00:00:00Z');
    const instants = Array.from({ length: 5_000 }, () => start + Math.floor(random() * 730 * 86_400_000)).sort((x, y) => x - y);
    let active = 0;
    for (const t of instants) {
      const expected = compiled.flatMap((c) => c.between(t - 3 * 86_400_000, t + 1)).filter((o) => o.start <= t && t < o.end).map((o) => o.name).sort();
      const got = schedule.activeAt(t).map((o) => o.name).sort();
      expect(got).toEqual(expected);
      active += got.length;
    }
    expect(active).toBeGreaterThan(50); // the sample does hit windows
  });

  it('lists upcoming occurrences, an active one first', () => {
    const schedule = new MaintenanceSchedule([window({ name: 'nightly', cron: '0 2 * * *', duration: '1h' as never, timeZone: 'UTC' })]);
    expect(schedule.upcoming(at('2026-05-01T02:30:00Z'), 2).map((o) => iso(o.start))).toEqual(['2026-05-01T02:00:00.000Z', '2026-05-02T02:00:00.000Z']);
  });

  it('anchors rules at `start`, and honours UNTIL and COUNT', () => {
    const biweekly = compileMaintenance(window({ rrule: 'FREQ=WEEKLY;INTERVAL=2', start: '2026-01-03T22:00', duration: '1h' as never, timeZone: 'Europe/Berlin' }));
    expect(biweekly.between(at('2026-01-01T00:00:00Z'), at('2026-02-01T00:00:00Z')).map((o) => iso(o.start))).toEqual(['2026-01-03T21:00:00.000Z', '2026-01-17T21:00:00.000Z', '2026-01-31T21:00:00.000Z']);
    const until = compileMaintenance(window({ rrule: 'FREQ=DAILY;UNTIL=20260103T000000Z', start: '2026-01-01T00:00', duration: '1h' as never }));
    expect(until.between(at('2025-12-01T00:00:00Z'), at('2026-02-01T00:00:00Z'))).toHaveLength(3);
  });
});
