/**
 * Simple mode: BLMPOP (BRPOP with a COUNT) from the ready lists, in priority order.
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
    const keys = queues.map((queue) => this.#keys.ready(queue));
    // One command: pops up to `max` from the first non-empty list, in the order given.
    const reply = (await this.#blocking.redis.blmpop(this.#blockTimeoutMs / 1000, keys.length, ...keys, 'RIGHT', 'COUNT', max)) as
      [string, string[]] | null;
    // If we crash here: the popped messages are lost (simple mode's documented loss).
    if (reply === null) return [];
    const queue = queues[keys.indexOf(reply[0])]!;
    return reply[1].map((raw) => ({ raw, queue }));
  }

  async beforeRun(): Promise<'run'> {
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
        processing: k.processing(queue, 'simple'), quarantine: k.quarantine(queue, 'simple'), dead: k.dead(queue),
        scheduled: k.scheduled(queue), revoked: k.revoked(queue), channel: k.resultChannel(queue),
      },
      completionRows(k, queue, completions),
      { resultTtlMs: this.#resultTtlMs, deadLimit: deadLetterLimit, deadTtlMs: deadLetterTtlMs, simple: true, tally: this.#tally(queue) },
    );
  }

  async requeue(items: Claimed[]): Promise<void> {
    if (items.length === 0) return;
    const pipeline = this.#redis.pipeline();
    // RPUSH in reverse so the first item ends at the consuming (right) end.
    for (let i = items.length - 1; i >= 0; i--) pipeline.rpush(this.#keys.ready(items[i]!.queue), items[i]!.raw);
    // A failed push must reach the caller, which logs it: the message exists nowhere else.
    const replies = (await pipeline.exec()) ?? [];
    for (const [error] of replies) if (error) throw error;
  }

  interrupt(): Promise<void> {
    return this.#blocking.interrupt(this.#redis);
  }

  /** Simple mode registers nothing, so there is nothing to take down. */
  async stop(): Promise<void> {}
}
