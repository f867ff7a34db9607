/**
 * Durations as written in x-slo: a number and a unit, optionally compound.
 * `250ms`, `10s`, `5m`, `1h30m`, `28d`, `2w`.
 */
export interface Duration {
  /** As written. */
  text: string;
  /** Total length in milliseconds, a day counted as 24 h. */
  ms: number;
  /** The `d` and `w` part in days: calendar days where a time zone applies (maintenance windows). */
  days: number;
  /** The `ms`/`s`/`m`/`h` part: always elapsed time. */
  elapsedMs: number;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/y;

/** Parses a duration; `undefined` when the text is not one. */
export function parseDuration(text: string): Duration | undefined {
  if (typeof text !== 'string' || text.length === 0) return undefined;
  let days = 0;
  let elapsedMs = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const start = PART.lastIndex;
    const match = PART.exec(text);
    if (!match || match.index !== start) return undefined;
    const amount = Number(match[1]);
    const unit = match[2] as string;
    if (unit === 'd') days += amount;
    else if (unit === 'w') days += amount * 7;
    else elapsedMs += amount * (UNIT_MS[unit] as number);
  }
  return { text, ms: days * 86_400_000 + elapsedMs, days, elapsedMs };
}

/** A compact human form: 300ms, 1.5s, 5m, 2h, 28d, 1h30m. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${round(ms)}ms`;
  if (ms < 60_000) return `${round(ms / 1_000)}s`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1_000);
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('');
}

function round(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}
