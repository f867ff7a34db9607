import pino, { type Logger } from 'pino';

/** Structured JSON logs (pino), one line per event. */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino({ level: options.level ?? 'info', base: { name: 'sworn' }, timestamp: pino.stdTimeFunctions.isoTime }, (options.destination ?? pino.destination({ fd: 1, sync: false })) as never);
}

/**
 * At most `perSecond` log lines a second; the rest are counted and reported
 * in one line when the next second starts, so a broken client (or a broken
 * upstream) cannot flood the logs.
 */
export class RateLimitedLog {
  private windowStart = 0;
  private used = 0;
  private suppressed = 0;

  constructor(private readonly logger: Logger, private readonly perSecond = 20, private readonly now: () => number = Date.now, private readonly what = 'violation') {}

  warn(fields: Record<string, unknown>, message: string): void {
    this.write('warn', fields, message);
  }

  error(fields: Record<string, unknown>, message: string): void {
    this.write('error', fields, message);
  }

  private write(level: 'warn' | 'error', fields: Record<string, unknown>, message: string): void {
    const t = this.now();
    if (t - this.windowStart >= 1_000) {
      if (this.suppressed > 0) this.logger[level]({ suppressed: this.suppressed }, `${this.what} logs suppressed (rate limit)`);
      this.windowStart = t;
      this.used = 0;
      this.suppressed = 0;
    }
    if (this.used < this.perSecond) {
      this.used++;
      this.logger[level](fields, message);
    } else this.suppressed++;
  }
}
