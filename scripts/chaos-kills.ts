/**
 * The chaos run's record of its kills and of how long each took to recover.
 *
 * Recovery time, as measured here: from the kill -9 to the moment the victim's consumer
 * id leaves the queue's consumer set. requeue-dead-consumer.lua removes it in the same
 * atomic step that puts the victim's messages back on the ready list, so that instant is
 * exactly "the killed consumer's messages are runnable again". Polled every ~50 ms.
 *
 * Right after a kill, the victim's processing and quarantine lists are frozen (nobody
 * touches them until the reaper, a heartbeat TTL later), so reading them then counts the
 * messages it held and the delivery number each will have when it comes back.
 */
import type { Redis } from 'ioredis';
import type { Keys } from 'hardq';

type Pending = { consumerId: string; killedAt: number };

export class KillLog {
  kills = 0;
  /** Epoch ms of the last kill, for "last kill → all done" (the anchors' figure). */
  lastKillAt: number | undefined;
  /** Messages the killed consumers held in their lists (reliable mode). */
  held = 0;
  /** The highest delivery number a message got from a kill (1 = never redelivered). */
  mostDeliveries = 1;
  readonly recoveriesMs: number[] = [];
  #pending: Pending[] = [];
  #redis: Redis;
  #keys: Keys;
  #queue: string;

  constructor(redis: Redis, keys: Keys, queue: string) {
    this.#redis = redis;
    this.#keys = keys;
    this.#queue = queue;
  }

  /** Call right after the kill -9 has landed; `consumerId` is undefined if it never registered. */
  async killed(consumerId: string | undefined, killedAt: number): Promise<void> {
    this.kills++;
    this.lastKillAt = killedAt;
    if (consumerId === undefined) return;
    this.#pending.push({ consumerId, killedAt });
    const lists = await this.#redis.multi()
      .lrange(this.#keys.processing(this.#queue, consumerId), 0, -1)
      .lrange(this.#keys.quarantine(this.#queue, consumerId), 0, -1)
      .hvals(this.#keys.claimed(this.#queue, consumerId))
      .exec();
    for (const [, value] of lists ?? []) {
      for (const raw of value as string[]) {
        this.held++;
        // The reaper writes the count as the first field; absent means delivered once.
        const delivered = Number(/^\{"deliveries":(\d+),/.exec(raw)?.[1] ?? 1);
        this.mostDeliveries = Math.max(this.mostDeliveries, delivered + 1);
      }
    }
  }

  /** Notes every pending kill whose messages are back; returns how many are still pending. */
  async poll(now = Date.now()): Promise<number> {
    if (this.#pending.length === 0) return 0;
    // Recovered once its heartbeat has expired and a reaper has emptied its lists.
    const pipeline = this.#redis.pipeline();
    for (const { consumerId } of this.#pending) {
      pipeline.exists(this.#keys.heartbeat(this.#queue, consumerId));
      pipeline.llen(this.#keys.processing(this.#queue, consumerId));
      pipeline.llen(this.#keys.quarantine(this.#queue, consumerId));
      pipeline.hlen(this.#keys.claimed(this.#queue, consumerId));
    }
    const replies = ((await pipeline.exec()) ?? []).map(([, value]) => value);
    this.#pending = this.#pending.filter((pending, i) => {
      if (replies.slice(4 * i, 4 * i + 4).some((value) => value !== 0)) return true;
      this.recoveriesMs.push(now - pending.killedAt);
      return false;
    });
    return this.#pending.length;
  }

  get pending(): number {
    return this.#pending.length;
  }

  /** Longest and median recovery, in ms; undefined before the first. */
  recovery(): { maxMs: number; medianMs: number } | undefined {
    if (this.recoveriesMs.length === 0) return undefined;
    const sorted = [...this.recoveriesMs].sort((a, b) => a - b);
    return { maxMs: sorted[sorted.length - 1]!, medianMs: sorted[Math.floor(sorted.length / 2)]! };
  }
}
