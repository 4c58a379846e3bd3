/**
 * The heartbeat: proof that a reliable consumer is alive, one key per queue it consumes,
 * SET with a TTL (heartbeatTtlMs, default 3 s) and refreshed every third of it.
 * When the key expires, the consumer counts as dead and any reaper may take its work back.
 *
 * The trade-off: a handler that blocks the event loop longer than the TTL stops the
 * refresh, so its work is taken back and runs twice. CPU-bound work belongs in a thread
 * or process pool, where it cannot block this timer.
 *
 * Each beat also re-adds the consumer to the queue's consumer set (a reaper that judged it
 * dead removed it) and records when the consumer last tried to fetch: the liveness signal.
 */
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Keys } from '../shared/keys.ts';

export class Heartbeat {
  #redis: Redis;
  #keys: Keys;
  #queues: string[];
  #consumerId: string;
  #ttlMs: number;
  #timer: NodeJS.Timeout | undefined;
  #startedAt = Date.now();
  /** Epoch ms of the last fetch attempt; the worker updates it. */
  lastFetchAt = Date.now();

  constructor(options: { redis: Redis; keys: Keys; queues: string[]; consumerId: string; ttlMs: number }) {
    this.#redis = options.redis;
    this.#keys = options.keys;
    this.#queues = options.queues;
    this.#consumerId = options.consumerId;
    this.#ttlMs = options.ttlMs;
  }

  /** Beats once (awaited, so the consumer is registered before it claims), then on a timer. */
  async start(): Promise<void> {
    await this.beat();
    this.#timer = setInterval(() => {
      this.beat().catch(() => {
        // The connection logs its own outage; the next beat tries again.
      });
    }, Math.max(50, Math.floor(this.#ttlMs / 3)));
    this.#timer.unref();
  }

  async beat(): Promise<void> {
    const value = JSON.stringify({ pid: process.pid, host: hostname(), startedAt: this.#startedAt, lastFetchAt: this.lastFetchAt });
    const pipeline = this.#redis.pipeline();
    for (const queue of this.#queues) {
      pipeline.set(this.#keys.heartbeat(queue, this.#consumerId), value, 'PX', this.#ttlMs);
      pipeline.sadd(this.#keys.consumers(queue), this.#consumerId);
    }
    await pipeline.exec();
  }

  /** Stops beating and deletes the keys; call only once nothing is held. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    const pipeline = this.#redis.pipeline();
    for (const queue of this.#queues) {
      pipeline.del(this.#keys.heartbeat(queue, this.#consumerId));
      pipeline.srem(this.#keys.consumers(queue), this.#consumerId);
    }
    await pipeline.exec();
  }
}
