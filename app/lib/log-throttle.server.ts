import { type Clock, systemClock } from "./clock";
import type { Logger } from "./logger.server";

/** How long one summary covers. */
export const LOG_THROTTLE_INTERVAL_MS = 10_000;

type Level = "error" | "warn";
type Fields = Record<string, unknown>;

interface Storm {
  logger: Logger;
  level: Level;
  message: string;
  /** Start of the current interval. */
  since: number;
  /** Failures in this interval that were counted, not logged. */
  more: number;
  lastError?: string;
}

/**
 * Logging for failures that repeat (every request, every pass, every delivery while the
 * database is down): the first is logged in full, the next ones in the same interval are only
 * counted, and each interval that counted some ends with one line, "<message>: N more like this
 * in the last 10 s". An interval with none ends the storm; the next failure is logged in full
 * again. Failures are told apart by component + message, never by the error's text (which
 * carries ids and timings), so one outage is one storm.
 */
export class LogThrottle {
  private readonly storms = new Map<string, Storm>();
  private readonly clock: Clock;
  private readonly intervalMs: number;
  private readonly autoFlush: boolean;
  private timer: NodeJS.Timeout | undefined;

  /** `autoFlush: false` leaves summaries to `flush()` and the next failure (tests on a fake clock). */
  constructor(options: { clock?: Clock; intervalMs?: number; autoFlush?: boolean } = {}) {
    this.clock = options.clock ?? systemClock;
    this.intervalMs = options.intervalMs ?? LOG_THROTTLE_INTERVAL_MS;
    this.autoFlush = options.autoFlush ?? true;
  }

  log(logger: Logger, level: Level, component: string, fields: Fields, message: string): void {
    const key = `${component}\u0000${message}`;
    const now = this.clock.now().getTime();
    const current = this.storms.get(key);
    if (current && now - current.since >= this.intervalMs) this.close(key, current, now);
    const storm = this.storms.get(key);
    if (storm) {
      storm.more += 1;
      storm.logger = logger;
      storm.lastError = errorText(fields.err);
      return;
    }
    logger[level](fields, message);
    this.storms.set(key, { logger, level, message, since: now, more: 0 });
    this.schedule();
  }

  /** Ends every interval that is over, with its summary if it counted failures. */
  flush(): void {
    const now = this.clock.now().getTime();
    for (const [key, storm] of this.storms) {
      if (now - storm.since >= this.intervalMs) this.close(key, storm, now);
    }
    if (this.storms.size === 0) this.stop();
  }

  /** Stops the summary timer (summaries still pending are written by the next `flush`). */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private close(key: string, storm: Storm, now: number): void {
    if (storm.more === 0) {
      this.storms.delete(key);
      return;
    }
    const seconds = Math.round((now - storm.since) / 1000);
    storm.logger[storm.level](
      { repeated: storm.more, seconds, lastError: storm.lastError },
      `${storm.message}: ${storm.more} more like this in the last ${seconds} s`,
    );
    // Still failing: the next interval starts now and is summarised in its turn.
    storm.since = now;
    storm.more = 0;
  }

  private schedule(): void {
    if (!this.autoFlush || this.timer) return;
    // Checked five times an interval, so a summary is at most a fifth of an interval late.
    this.timer = setInterval(() => this.flush(), this.intervalMs / 5);
    this.timer.unref();
  }
}

function errorText(error: unknown): string | undefined {
  if (error === undefined) return undefined;
  return error instanceof Error ? error.message : String(error);
}

/** The process's throttle, shared by every component. */
export const logThrottle = new LogThrottle();

/**
 * `logger.error`/`logger.warn` for a failure that may repeat, throttled by `component` +
 * message: `throttledLog(logger, "inbox-worker").error({ err }, "inbox worker task failed")`.
 */
export function throttledLog(logger: Logger, component: string, throttle: LogThrottle = logThrottle) {
  return {
    error: (fields: Fields, message: string) => throttle.log(logger, "error", component, fields, message),
    warn: (fields: Fields, message: string) => throttle.log(logger, "warn", component, fields, message),
  };
}
