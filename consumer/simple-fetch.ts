/**
 * Simple mode: BLMPOP (BRPOP with a COUNT) from the ready lists, in priority order. On a
 * Redis Cluster, LMPOP on each queue in turn, then one BLMPOP per node (shard-block.ts).
 *
 * What it loses, by design: once popped, a message exists only in this process's memory.
 * If the process dies (kill -9, OOM, power) before the result is written, the message is
 * gone and its result stays PENDING forever. Graceful shutdown does not lose it: unfinished
 * messages are pushed back. Reliable mode (reliable-fetch.ts) closes this hole.
 */
import type { Redis } from 'ioredis';
import type { Keys } from '../shared/keys.ts';
import { deadLetterLimit, deadLetterTtlMs } from '../shared/dead-letter.ts';
import { completeBatch, type CompletionTally } from '../shared/scripts.ts';
import { completionRows } from './completion-rows.ts';
import type { Claimed, Completion, FetchStrategy } from './fetch.ts';
import type { BlockingConnection } from './blocking-connection.ts';
import type { QueueSet } from './queue-set.ts';
import { asCluster } from '../shared/cluster-connection.ts';
import { blockOnShards } from './shard-block.ts';

/** On a cluster, a node with several consumed queues blocks this long, then looks at them all again. */
const multiQueueBlockMs = 250;

export class SimpleFetch implements FetchStrategy {
  readonly mode = 'simple' as const;
  #redis: Redis;
  #blocking: BlockingConnection;
  #keys: Keys;
  #queues: QueueSet;
  #blockTimeoutMs: number;
  #resultTtlMs: number;
  #tally: (queue: string) => CompletionTally;

  #roundRobin: boolean;
  #turn = 0;

  constructor(options: {
    redis: Redis; blocking: BlockingConnection; keys: Keys; queues: QueueSet; queueOrder: 'strict' | 'round-robin';
    blockTimeoutMs: number; resultTtlMs: number; tally: (queue: string) => CompletionTally;
  }) {
    this.#tally = options.tally;
    this.#roundRobin = options.queueOrder === 'round-robin';
    this.#redis = options.redis;
    this.#blocking = options.blocking;
    this.#keys = options.keys;
    this.#queues = options.queues;
    this.#blockTimeoutMs = options.blockTimeoutMs;
    this.#resultTtlMs = options.resultTtlMs;
  }

  async start(): Promise<void> {}

  /** Simple mode registers nowhere: a queue is joined and left by the queue set alone. */
  async joinQueue(): Promise<void> {}
  async leaveQueue(): Promise<void> {}

  async fetch(max: number): Promise<Claimed[]> {
    let queues = this.#queues.list;
    if (this.#roundRobin && queues.length > 1) {
      const start = this.#turn++ % queues.length;
      queues = [...queues.slice(start), ...queues.slice(0, start)];
    }
    if (asCluster(this.#redis) !== undefined) return this.#fetchFromShards(queues, max);
    const keys = queues.map((queue) => this.#keys.ready(queue));
    // One command: pops up to `max` from the first non-empty list, in the order given.
    const reply = (await this.#blocking.redis.blmpop(this.#blockTimeoutMs / 1000, keys.length, ...keys, 'RIGHT', 'COUNT', max)) as
      [string, string[]] | null;
    // If we crash here: the popped messages are lost (simple mode's documented loss).
    if (reply === null) return [];
    const queue = queues[keys.indexOf(reply[0])]!;
    return reply[1].map((raw) => ({ raw, queue }));
  }

  /**
   * On a Redis Cluster one BLMPOP cannot name two queues (two slots): try each queue without
   * blocking, in order, then block on every node that owns one (shard-block.ts).
   */
  async #fetchFromShards(queues: readonly string[], max: number): Promise<Claimed[]> {
    const readyKey = (queue: string) => this.#keys.ready(queue);
    for (const queue of queues.length > 1 ? queues : []) {
      const reply = (await this.#redis.lmpop(1, readyKey(queue), 'RIGHT', 'COUNT', max)) as [string, string[]] | null;
      // If we crash here: the popped messages are lost (simple mode's documented loss).
      if (reply !== null) return reply[1].map((raw) => ({ raw, queue }));
    }
    const found = await blockOnShards({
      blocking: this.#blocking, via: this.#redis, queues, readyKey, timeoutMs: this.#blockTimeoutMs, shortMs: multiQueueBlockMs,
      pop: async (queue, timeoutS) => ((await this.#blocking.redis.blmpop(timeoutS, 1, readyKey(queue), 'RIGHT', 'COUNT', max)) as [string, string[]] | null)?.[1] ?? null,
    });
    // If we crash here: the popped messages are lost (simple mode's documented loss).
    const claimed = found.flatMap(({ queue, value }) => value.map((raw) => ({ raw, queue })));
    // Pops on several nodes may bring more than `max`: the rest go back where they were.
    await this.requeue(claimed.splice(max));
    return claimed;
  }

  beforeRun(): 'run' {
    return 'run';
  }

  async complete(queue: string, completions: Completion[]): Promise<void> {
    // The same step as reliable mode, with nothing to remove: results never replace a final
    // state, a revoked task's retry is dropped, and the writes succeed or fail together.
    // Not atomic with the pop, as nothing in simple mode is: a crash before this loses them.
    const k = this.#keys;
    await completeBatch(
      this.#redis,
      {
        processing: k.processing(queue, 'simple'), quarantine: k.quarantine(queue, 'simple'), claimed: k.claimed(queue, 'simple'), dead: k.dead(queue),
        scheduled: k.scheduled(queue), revoked: k.revoked(queue), channel: k.resultChannel(queue),
      },
      completionRows(k, queue, completions),
      { resultTtlMs: this.#resultTtlMs, deadLimit: deadLetterLimit, deadTtlMs: deadLetterTtlMs, simple: true, tally: this.#tally(queue) },
    );
  }

  async requeue(items: Claimed[]): Promise<void> {
    if (items.length === 0) return;
    // One RPUSH per queue (a queue is one hash slot), in reverse so the first item ends at
    // the consuming (right) end. A failed push must reach the caller, which logs it: the
    // message exists nowhere else.
    const queues = [...new Set(items.map((item) => item.queue))];
    await Promise.all(queues.map((queue) => {
      const raws = items.filter((item) => item.queue === queue).map((item) => item.raw).reverse();
      return this.#redis.rpush(this.#keys.ready(queue), ...raws);
    }));
  }

  interrupt(): Promise<void> {
    return this.#blocking.interrupt(this.#redis);
  }

  /** Simple mode registers nothing, so there is nothing to take down. */
  async stop(): Promise<void> {}
}
