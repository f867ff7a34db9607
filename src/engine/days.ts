import { DateTime } from 'luxon';

const DAY = 86_400_000;

/**
 * Day buckets in a time zone: a calendar window (`{calendar: month,
 * timeZone: America/New_York}`) starts at local midnight, so the days its
 * far edge is read from must start there too. A day's index is the UTC day
 * number of its local date (comparable across zones within a day); its
 * length is 23, 24 or 25 hours around daylight-saving changes. UTC days are
 * plain arithmetic; zoned ones cache the current day (events arrive in order).
 */
export class DayClock {
  private cachedStart = 0;
  private cachedEnd = -1;
  private cachedIndex = 0;

  constructor(readonly zone: string = 'UTC') {}

  /** The day `at` (epoch ms) falls in. */
  index(at: number): number {
    if (this.zone === 'UTC') return Math.floor(at / DAY);
    if (at >= this.cachedStart && at < this.cachedEnd) return this.cachedIndex;
    const day = DateTime.fromMillis(at, { zone: this.zone }).startOf('day');
    this.cachedStart = day.toMillis();
    this.cachedEnd = day.plus({ days: 1 }).toMillis();
    this.cachedIndex = Math.round(Date.UTC(day.year, day.month - 1, day.day) / DAY);
    return this.cachedIndex;
  }

  /** When day `index` starts (epoch ms). */
  start(index: number): number {
    if (this.zone === 'UTC') return index * DAY;
    const date = new Date(index * DAY);
    return DateTime.fromObject({ year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() }, { zone: this.zone }).startOf('day').toMillis();
  }

  /** The days covering [from, to): the first, and one past the last. */
  range(from: number, to: number): [number, number] {
    const first = this.index(from);
    const last = this.index(to);
    return [first, this.start(last) === to ? last : last + 1];
  }

  /** The first day start at or after `at`. */
  ceil(at: number): number {
    const index = this.index(at);
    const start = this.start(index);
    return start === at ? start : this.start(index + 1);
  }
}

export const UTC_DAYS = new DayClock('UTC');
