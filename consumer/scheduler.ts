/**
 * The scheduler's timer, one per worker in both modes:
 * 1. promote: moves due messages (countdownMs, eta, retries, rate-limited) from each queue's
 *    scheduled set to the consuming end of its ready list, in batches of 100 (promote-due.lua,
 *    due by Redis's clock);
 * 2. keeps this worker's copy of the queues' revoked ids (shared/revoked.ts): the recent set
 *    read incrementally each tick, the long set whole at start, every minute, and whenever
 *    the worker fell behind the recent window;
 * 3. measures this worker's clock against Redis's (TIME, on the node of its first queue), so
 *    that eta and expiry checks in execute.ts agree with the scripts whatever this machine's
 *    clock says.
 * It ticks every intervalMs (250 ms) with ±50 % jitter, so K consumers do not poll in step
 * (Sidekiq's scheduled poller does the same). A due message is therefore late by at most
 * about 1.5 × intervalMs plus one claim, when a consumer is free.
 */
import type { Redis } from 'ioredis';
import type { Keys } from '../shared/keys.ts';
import { promoteDue } from '../shared/scripts.ts';
import { revokedRecentMs } from '../shared/revoked.ts';
import { startJitteredTimer, type JitteredTimer } from './jittered-timer.ts';
import { queuesNow, type Queues } from './queue-set.ts';

const batch = 100;
/** A full read of the long revoked set at least this often, which also forgets old ids. */
const fullRefreshMs = 60_000;

type RevokedCopy = { ids: Set<string>; fullAt: number; readAt: number; recentSeen: number };

export class Scheduler {
  #redis: Redis;
  #keys: Keys;
  /** Read each tick: a queue added at run time is promoted from the next tick. */
  #queues: Queues;
  #intervalMs: number;
  #log: (line: string) => void;
  #timer: JitteredTimer | undefined;
  #stopped = false;
  #revoked = new Map<string, RevokedCopy>();
  /** Redis's clock minus this machine's, in ms. */
  #offsetMs = 0;

  constructor(options: { redis: Redis; keys: Keys; queues: Queues; intervalMs: number; log: (line: string) => void }) {
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

  /** Stops ticking; resolves once a tick in flight has ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#timer?.stop();
  }

  /** Now on Redis's clock, in epoch ms, as last measured. */
  nowMs(): number {
    return Date.now() + this.#offsetMs;
  }

  isRevoked(queue: string, id: string): boolean {
    return this.#revoked.get(queue)?.ids.has(id) ?? false;
  }

  /** One round: measure the clock, promote what is due on every queue, then refresh the revoked ids. */
  async tick(): Promise<void> {
    const queues = queuesNow(this.#queues);
    // With no queue left (all cancelled), the last offset stands until one is added.
    if (queues.length > 0) await this.#measureClock(queues[0]!);
    for (const queue of queues) {
      const keys = { scheduled: this.#keys.scheduled(queue), ready: this.#keys.ready(queue), revoked: this.#keys.revoked(queue) };
      while ((await promoteDue(this.#redis, keys, batch)) === batch) {
        // A full batch: more may be due; bounded batches keep each script call short.
      }
      await this.#refreshRevoked(queue);
    }
  }

  /**
   * Redis's clock minus ours. On a Cluster a bare TIME goes to any node: the EXISTS of the
   * queue's ready list routes the transaction to that queue's node, whose clock its scripts read.
   */
  async #measureClock(queue: string): Promise<void> {
    const sentAt = Date.now();
    const replies = await this.#redis.multi().exists(this.#keys.ready(queue)).time().exec();
    const receivedAt = Date.now();
    const [error, time] = replies?.[1] ?? [new Error('the clock read was discarded; the next tick tries again'), undefined];
    if (error) throw error;
    const [seconds, micros] = time as [string, string];
    this.#offsetMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - Math.round((sentAt + receivedAt) / 2);
  }

  /** Reads a queue's revoked ids before the worker first fetches from it (add_consumer). */
  async prepare(queue: string): Promise<void> {
    await this.#refreshRevoked(queue);
  }

  async #refreshRevoked(queue: string): Promise<void> {
    const now = this.nowMs();
    const copy = this.#revoked.get(queue);
    // Behind by more than half the recent window (a stall, an outage): revokes may have left
    // the recent set unseen, so read the long one.
    if (copy === undefined || now - copy.fullAt > fullRefreshMs || now - copy.readAt > revokedRecentMs / 2) {
      const ids = await this.#redis.zrangebyscore(this.#keys.revoked(queue), now, '+inf');
      this.#revoked.set(queue, { ids: new Set(ids), fullAt: now, readAt: now, recentSeen: now - revokedRecentMs });
      return;
    }
    // Inclusive of the newest score seen: two revokes in one millisecond are both read.
    const recent = await this.#redis.zrangebyscore(this.#keys.revokedRecent(queue), copy.recentSeen, '+inf', 'WITHSCORES');
    for (let i = 0; i < recent.length; i += 2) {
      copy.ids.add(recent[i]!);
      copy.recentSeen = Math.max(copy.recentSeen, Number(recent[i + 1]));
    }
    copy.readAt = now;
  }
}
