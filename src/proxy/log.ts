import pino, { type Logger } from 'pino';

/** Structured JSON logs (pino), one line per event. */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino({ level: options.level ?? 'info', base: { name: 'sworn' }, timestamp: pino.stdTimeFunctions.isoTime }, (options.destination ?? pino.destination({ fd: 1, sync: false })) as never);
}

/**
 * At most `perSecond` log lines a second; the rest are counted and reported
 * in one line when the next second starts, so a broken client cannot flood
 * the logs.
 */
export class RateLimitedLog {
  private windowStart = 0;
  private used = 0;
  private suppressed = 0;

  constructor(private readonly logger: Logger, private readonly perSecond = 20, private readonly now: () => number = Date.now) {}

  warn(fields: Record<string, unknown>, message: string): void {
    const t = this.now();
    if (t - this.windowStart >= 1_000) {
      if (this.suppressed > 0) this.logger.warn({ suppressed: this.suppressed }, 'violation logs suppressed (rate limit)');
      this.windowStart = t;
      this.used = 0;
      this.suppressed = 0;
    }
    if (this.used < this.perSecond) {
      this.used++;
      this.logger.warn(fields, message);
    } else this.suppressed++;
  }
}
