import { throttledLog } from "./log-throttle.server";
import type { Logger } from "./logger.server";

export interface Periodic {
  /** Runs a pass now, or joins the one already running; never rejects (failures are logged, throttled). */
  runOnce(): Promise<void>;
  /** No more passes; resolves when the current one has finished. */
  stop(): Promise<void>;
}

/**
 * A background pass every `intervalMs` in this process, one at a time: a tick or a `runOnce`
 * while a pass runs joins that pass instead of starting another. The timer does not keep the
 * process alive.
 */
export function runPeriodically(pass: () => Promise<unknown>, options: { intervalMs: number; logger: Logger; failure: string }): Periodic {
  let running: Promise<void> | null = null;
  const runOnce = () => {
    running ??= pass()
      .then(() => undefined)
      .catch((error: unknown) => throttledLog(options.logger, "periodic").error({ err: error }, options.failure))
      .finally(() => {
        running = null;
      });
    return running;
  };
  const timer = setInterval(() => void runOnce(), options.intervalMs);
  timer.unref();
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
