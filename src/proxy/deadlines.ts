/**
 * Deadlines of many requests, checked by one timer for all of them: a timer
 * per request costs more on the hot path than the check does. Precise to a
 * tenth of a second, which deadlines of seconds do not mind.
 */
export interface Deadline {
  /** `performance.now()` when it expires. */
  due: number;
  expire(): void;
}

const waiting = new Set<Deadline>();
let sweeper: NodeJS.Timeout | undefined;

export function watchDeadline(deadline: Deadline): void {
  waiting.add(deadline);
  sweeper ??= setInterval(() => {
    const now = performance.now();
    for (const d of waiting) {
      if (d.due > now) continue;
      waiting.delete(d);
      d.expire();
    }
    if (waiting.size === 0) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  }, 100).unref();
}

export function clearDeadline(deadline: Deadline): void {
  waiting.delete(deadline);
}
