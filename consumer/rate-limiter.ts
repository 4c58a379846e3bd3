/**
 * Global rate limits (`rateLimit: '10/s'`), shared by every consumer through one Redis key
 * per task (rate-limit.lua). Celery's rate limit is per worker: ten workers with '10/s' run
 * 100 a second. hardq's is global: '10/s' means ten a second across all of them.
 *
 * A message never spins: it either reserves a start slot and waits for it on a timer
 * (holding its handler slot, as Celery's token bucket holds tasks in worker memory), or,
 * when the next free slot is further than maxWaitMs, goes back to the scheduled set to ask
 * again when a slot is likely free. One round trip per rate-limited task, none for others.
 */
import type { Redis } from 'ioredis';
import type { Keys } from '../shared/keys.ts';
import { parseRateLimit } from '../shared/options.ts';
import { reserveRateSlot } from '../shared/scripts.ts';

export class RateLimiter {
  #redis: Redis;
  #keys: Keys;
  #maxWaitMs: number;
  #spacing = new Map<string, number>();

  constructor(redis: Redis, keys: Keys, maxWaitMs = 5000) {
    this.#redis = redis;
    this.#keys = keys;
    this.#maxWaitMs = maxWaitMs;
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
