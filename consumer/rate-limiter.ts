/**
 * Global rate limits (`rateLimit: '10/s'`), shared by every consumer through one Redis key
 * per task (rate-limit.lua). Celery's rate limit is per worker: ten workers with '10/s' run
 * 100 a second. hardq's is global: '10/s' means ten a second across all of them.
 *
 * A message never spins: it either reserves a start slot and waits for it on a timer
 * (holding its handler slot, as Celery's token bucket holds tasks in worker memory), or,
 * when the next free slot is further than maxWaitMs, goes back to the scheduled set to ask
 * again when a slot is likely free. One round trip per rate-limited task, none for others.
 *
 * The rate_limit control command stores overrides in keys.rateLimitOverrides (a hash under
 * {control}, so they hold across workers and restarts); rateFor() reads a copy refreshed at
 * most every overrideCacheMs, in the background, so a change reaches every worker within
 * about a second and costs no round trip per task.
 */
import type { Redis } from 'ioredis';
import type { Keys } from '../shared/keys.ts';
import { parseRateLimit } from '../shared/options.ts';
import { reserveRateSlot } from '../shared/scripts.ts';

/** How long a copy of the rate-limit overrides is used before it is read again, in ms. */
export const overrideCacheMs = 1000;

export class RateLimiter {
  #redis: Redis;
  #keys: Keys;
  #maxWaitMs: number;
  #spacing = new Map<string, number>();
  #overrides = new Map<string, string>();
  #overridesReadAt = 0;
  #log: (line: string) => void;
  #failing = false;

  constructor(redis: Redis, keys: Keys, maxWaitMs = 5000, log: (line: string) => void = () => {}) {
    this.#redis = redis;
    this.#keys = keys;
    this.#maxWaitMs = maxWaitMs;
    this.#log = log;
  }

  /**
   * The rate that applies to `task` now: its override if one is set ('0' means none), else
   * `own` (the task's rateLimit option); undefined means no limit.
   */
  rateFor(task: string, own: string | undefined): string | undefined {
    if (Date.now() - this.#overridesReadAt > overrideCacheMs) {
      this.refreshOverrides().catch((error: Error) => {
        // The copy we have stays in use; one line per outage.
        if (!this.#failing) this.#log(`[hardq] could not read the rate-limit overrides (${error.message}); using the last copy`);
        this.#failing = true;
      });
    }
    const override = this.#overrides.get(task);
    if (override === undefined) return own;
    return override === '0' ? undefined : override;
  }

  /** Reads every override now (at start, and when this worker sets one). */
  async refreshOverrides(): Promise<void> {
    // Marked before the read, so tasks started meanwhile do not each start another read.
    this.#overridesReadAt = Date.now();
    const stored = await this.#redis.hgetall(this.#keys.rateLimitOverrides());
    const overrides = new Map<string, string>();
    for (const [task, rate] of Object.entries(stored)) {
      try {
        if (rate !== '0') parseRateLimit(rate);
        overrides.set(task, rate);
      } catch {
        // Written by hand or by a foreign tool: ignoring it keeps the task's own limit,
        // where using it would fail every start of the task.
        this.#log(`[hardq] ignoring the rate-limit override ${JSON.stringify(rate)} of task ${task}: not a rate`);
      }
    }
    this.#overrides = overrides;
    this.#failing = false;
  }

  /**
   * Resolves when the task may start (undefined), or to the epoch ms at which to ask again.
   * A wait ends early when `stopping` fires: the caller then gives the message back.
   */
  async acquire(task: string, rate: string, stopping: AbortSignal): Promise<number | undefined> {
    let spacingMs = this.#spacing.get(rate);
    if (spacingMs === undefined) {
      const { limit, periodMs } = parseRateLimit(rate);
      spacingMs = periodMs / limit;
      this.#spacing.set(rate, spacingMs);
    }
    const { waitMs, reserved } = await reserveRateSlot(this.#redis, this.#keys.rateLimit(task), spacingMs, Math.max(this.#maxWaitMs, spacingMs));
    if (!reserved) return Date.now() + waitMs - this.#maxWaitMs / 2;
    if (waitMs > 0 && !stopping.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          stopping.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, waitMs);
        stopping.addEventListener('abort', done);
      });
    }
    return undefined;
  }
}
