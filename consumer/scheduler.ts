/**
 * The scheduler's timer, one per worker in both modes:
 * 1. promote: moves due messages (countdownMs, eta, retries, rate-limited) from each queue's
 *    scheduled set to the consuming end of its ready list, in batches of 100 (promote-due.lua);
 * 2. refreshes this worker's copy of the queues' revoked ids (simple mode's only check, and
 *    reliable mode's check for a message taken by the blocking pop).
 * It ticks every intervalMs (250 ms) with ±50 % jitter, so K consumers do not poll in step
 * (Sidekiq's scheduled poller does the same). A due message is therefore late by at most
 * about 1.5 × intervalMs plus one claim, when a consumer is free.
 */
import type { Redis } from 'ioredis';
import type { Keys } from '../shared/keys.ts';
import { promoteDue } from '../shared/scripts.ts';
import { startJitteredTimer, type JitteredTimer } from './jittered-timer.ts';

const batch = 100;

export class Scheduler {
  #redis: Redis;
  #keys: Keys;
  #queues: string[];
  #intervalMs: number;
  #log: (line: string) => void;
  #timer: JitteredTimer | undefined;
  #stopped = false;
  #revoked = new Map<string, Set<string>>();

  constructor(options: { redis: Redis; keys: Keys; queues: string[]; intervalMs: number; log: (line: string) => void }) {
    this.#redis = options.redis;
    this.#keys = options.keys;
    this.#queues = options.queues;
    this.#intervalMs = options.intervalMs;
    this.#log = options.log;
  }

  async start(): Promise<void> {
    await this.tick();
    if (this.#stopped) return;
    this.#timer = startJitteredTimer(() => this.tick(), {
      intervalMs: this.#intervalMs, jitter: 0.5,
      onError: (error) => this.#log(`[hardq] scheduler tick failed (${error.message}); the next tick tries again`),
    });
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.stop();
  }

  isRevoked(queue: string, id: string): boolean {
    return this.#revoked.get(queue)?.has(id) ?? false;
  }

  /** One round: promote what is due on every queue, then refresh the revoked ids. */
  async tick(): Promise<void> {
    const now = Date.now();
    for (const queue of this.#queues) {
      const keys = { scheduled: this.#keys.scheduled(queue), ready: this.#keys.ready(queue), revoked: this.#keys.revoked(queue) };
      while ((await promoteDue(this.#redis, keys, now, batch)) === batch) {
        // A full batch: more may be due; bounded batches keep each script call short.
      }
      const ids = await this.#redis.zrangebyscore(keys.revoked, now, '+inf');
      if (ids.length > 0 || this.#revoked.has(queue)) this.#revoked.set(queue, new Set(ids));
    }
  }
}
