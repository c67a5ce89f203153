import { type Clock, systemClock } from "../lib/clock";

/**
 * Counts failures per client in fixed windows, in this process's memory: after `limit`
 * failures within `windowMs` of a client's first one, the client is blocked until that window
 * ends. Successes neither count nor reset (a client holding one valid token cannot wipe its
 * failures with it). Memory is bounded: windows are kept in the order they started, expired
 * ones are dropped as new ones start, and past `maxClients` the oldest are evicted. Several
 * processes each keep their own counts.
 */
export interface FailureLimiterOptions {
  limit: number;
  windowMs: number;
  maxClients?: number;
  clock?: Clock;
}

interface Window {
  startedAt: number;
  failures: number;
}

export class FailureLimiter {
  readonly limit: number;
  readonly windowMs: number;
  private readonly maxClients: number;
  private readonly clock: Clock;
  /** Insertion order is window start order: the first entry is the oldest window. */
  private readonly windows = new Map<string, Window>();

  constructor(options: FailureLimiterOptions) {
    this.limit = options.limit;
    this.windowMs = options.windowMs;
    this.maxClients = options.maxClients ?? 10_000;
    this.clock = options.clock ?? systemClock;
  }

  /** Milliseconds until the client may try again, or 0 when it is not blocked. */
  blockedFor(client: string): number {
    const window = this.current(client, this.clock.now().getTime());
    if (!window || window.failures < this.limit) return 0;
    return window.startedAt + this.windowMs - this.clock.now().getTime();
  }

  recordFailure(client: string): void {
    const now = this.clock.now().getTime();
    const window = this.current(client, now);
    if (window) {
      window.failures += 1;
      return;
    }
    this.windows.set(client, { startedAt: now, failures: 1 });
    this.evict(now);
  }

  /** Clients currently tracked (for tests and metrics). */
  get size(): number {
    return this.windows.size;
  }

  private current(client: string, now: number): Window | undefined {
    const window = this.windows.get(client);
    if (window && now - window.startedAt >= this.windowMs) {
      this.windows.delete(client);
      return undefined;
    }
    return window;
  }

  private evict(now: number): void {
    for (const [client, window] of this.windows) {
      if (this.windows.size <= this.maxClients && now - window.startedAt < this.windowMs) return;
      this.windows.delete(client);
    }
  }
}
