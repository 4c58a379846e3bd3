/**
 * How `get()` waits without polling hard and without a SUBSCRIBE per task.
 *
 * Consumers SPUBLISH the ids of each finished batch on keys.resultChannel(queue): one
 * SPUBLISH per batch, not per task. The app holds one subscriber connection, opened the
 * first time a `get()` has to wait, and SSUBSCRIBEs once per queue, ever. Sharded pub/sub
 * (Redis 7): in a cluster the announcement stays on the queue's own node instead of being
 * copied to every node, and the waiter's SSUBSCRIBE goes to that node (ioredis
 * `shardedSubscribers`); on one Redis it costs the same as PUBLISH (docs/PROTOCOL.md). A waiter
 * re-reads its result key when its id is announced. Pub/sub drops messages while a
 * connection is down, so each waiter also re-reads on a slow backoff (250 ms doubling
 * to 2 s) and on every reconnect: a missed announcement costs latency, never a hang.
 *
 * Cost per task: nothing at send time; one GET when it finishes, for each waiting get().
 */
import type { Redis } from 'ioredis';
import { connectRedis } from '../shared/connection.ts';
import type { AppContext } from '../shared/app-config.ts';

type Waiter = { wake: () => void };

export class ResultWaiter {
  #app: AppContext;
  #subscriber: Promise<Redis> | undefined;
  #subscribed = new Map<string, Promise<unknown>>();
  #waiters = new Map<string, Set<Waiter>>();

  constructor(app: AppContext) {
    this.#app = app;
  }

  #connect(): Promise<Redis> {
    this.#subscriber ??= connectRedis(this.#app.config.redis, {
      connectTimeoutMs: this.#app.config.connectTimeoutMs,
      log: this.#app.config.log,
      name: 'hardq-results',
      tls: this.#app.config.tls,
      shardedSubscribers: true,
    }).then((redis) => {
      redis.on('smessage', (_channel: string, ids: string) => {
        for (const id of ids.split(',')) this.#waiters.get(id)?.forEach((waiter) => waiter.wake());
      });
      // ioredis re-subscribes after a reconnect; wake everyone in case an id went by meanwhile.
      redis.on('ready', () => this.#wakeAll());
      return redis;
    });
    // A failed first connection is not cached: the next get() tries again.
    const connecting = this.#subscriber;
    connecting.catch(() => this.#subscriber === connecting && (this.#subscriber = undefined));
    return connecting;
  }

  #wakeAll(): void {
    for (const set of this.#waiters.values()) for (const waiter of set) waiter.wake();
  }

  /** Resolves once this app listens for the queue's announcements. */
  listen(queue: string): Promise<unknown> {
    let subscribed = this.#subscribed.get(queue);
    if (!subscribed) {
      const subscribing = this.#connect().then((redis) => redis.ssubscribe(this.#app.keys.resultChannel(queue)));
      this.#subscribed.set(queue, subscribing);
      subscribing.catch(() => this.#subscribed.get(queue) === subscribing && this.#subscribed.delete(queue));
      subscribed = subscribing;
    }
    return subscribed;
  }

  /**
   * Calls `check` until it returns a value other than undefined or the deadline passes.
   * `check` runs once after subscribing, then on each announcement of `id` and each backoff tick.
   */
  async waitFor<T>(queue: string, id: string, deadline: number, check: () => Promise<T | undefined>): Promise<T | undefined> {
    await this.listen(queue);
    let wake: () => void = () => {};
    const waiter: Waiter = { wake: () => wake() };
    let set = this.#waiters.get(id);
    if (!set) this.#waiters.set(id, (set = new Set()));
    set.add(waiter);
    try {
      let backoffMs = 250;
      for (;;) {
        const value = await check();
        if (value !== undefined) return value;
        const left = deadline - Date.now();
        if (left <= 0) return undefined;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(backoffMs, left));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = () => {};
        backoffMs = Math.min(backoffMs * 2, 2000);
      }
    } finally {
      set.delete(waiter);
      if (set.size === 0) this.#waiters.delete(id);
    }
  }

  async close(): Promise<void> {
    if (!this.#subscriber) return;
    const redis = await this.#subscriber.catch(() => undefined);
    this.#subscriber = undefined;
    this.#subscribed.clear();
    await redis?.quit().catch(() => redis.disconnect());
  }
}
