/**
 * Reliable mode: a message is always in a Redis list, never only in this process.
 * 1. Claim: claim-batch.lua moves up to `free slots` messages from the ready list into this
 *    consumer's claimed hash, under claim numbers the consumer picks, in one round trip; when
 *    every queue is empty, BLMOVE blocks for one and moves it into the processing list.
 * 2. Run: a message whose consumers died twice while it may have been running (deliveries
 *    ≥ runsAloneFrom(), 3 by default) first moves to the quarantine list and runs as this
 *    consumer's only such message, so that the next crash blames the right one.
 * 3. Ack: complete-batch.lua writes the results and removes the messages in one step: by
 *    claim number (HDEL), or by text (LREM) for what BLMOVE or the quarantine moved.
 * 4. Recovery: the heartbeat and the reaper (heartbeat.ts, reaper.ts) give a dead
 *    consumer's lists back to the queue. Only a consumer whose heartbeat exists can claim
 *    (claim-batch.lua), so whatever it claims, a reaper will find.
 * 5. Stop: unregister.lua gives back everything its lists still hold and removes it.
 *
 * Several queues: BLMOVE blocks on one list only. So the consumer claims from each queue in
 * priority order without blocking, and only when all are empty blocks on the first queue,
 * briefly (multiQueueBlockMs, 250 ms) so that a message on a later queue waits at most that.
 * On a Redis Cluster it blocks once per node that owns a consumed queue, all at once
 * (shard-block.ts), briefly only when a node owns more than one of them.
 */
import type { Redis } from 'ioredis';
import type { Keys } from '../shared/keys.ts';
import type { ResolvedTls } from '../shared/tls.ts';
import type { TaskMessage } from '../shared/message.ts';
import { claimBatch, completeBatch, quarantine, requeueHeld, unregister, type CompletionTally } from '../shared/scripts.ts';
import { deadLetterLimit, deadLetterTtlMs } from '../shared/dead-letter.ts';
import type { Claimed, Completion, FetchStrategy } from './fetch.ts';
import type { BlockingConnection } from './blocking-connection.ts';
import { asCluster } from '../shared/cluster-connection.ts';
import { blockOnShards } from './shard-block.ts';
import { Heartbeat } from './heartbeat.ts';
import { Reaper, runsAloneFrom } from './reaper.ts';
import { completionRows } from './completion-rows.ts';
import type { QueueSet } from './queue-set.ts';
import { heldIndex, requeueOrphans } from './reconcile-held.ts';

export type ReliableFetchOptions = {
  redis: Redis;
  blocking: BlockingConnection;
  keys: Keys;
  /** Where to fetch from, changeable at run time (queue-set.ts). */
  queues: QueueSet;
  consumerId: string;
  blockTimeoutMs: number;
  resultTtlMs: number;
  heartbeatTtlMs: number;
  reaperIntervalMs: number;
  maxDeliveries: number;
  /** After this long without progress of the event loop, the heartbeat stops (heartbeat.ts). */
  stallTimeoutMs: number;
  /** The Redis URL and first-connection bound, for the heartbeat thread's own connection. */
  redisUrl: string;
  tls?: ResolvedTls;
  connectTimeoutMs: number;
  queueOrder: 'strict' | 'round-robin';
  /** The events and counters part of a complete-batch call on a queue (task-events.ts). */
  tally: (queue: string) => CompletionTally;
  /** The raw messages the worker holds right now, for reconciling after a reconnect. */
  held: () => Iterable<Claimed>;
  log: (line: string) => void;
};

const multiQueueBlockMs = 250;

export class ReliableFetch implements FetchStrategy {
  readonly mode = 'reliable' as const;
  readonly heartbeat: Heartbeat;
  readonly reaper: Reaper;
  #o: ReliableFetchOptions;
  #lists = new Map<string, ReturnType<typeof queueLists>>();
  /** The queues this consumer has a heartbeat on: a superset of `queues.list` while one is being left. */
  #registered: Set<string>;
  /**
   * Each queue's quarantine slot: the message that holds it (from the moment it asks for
   * the list until its ack is written or it is given back), and who waits for it.
   */
  #quarantined = new Map<string, { owner: Claimed; freed: Promise<void>; free: () => void }>();
  /** Reconciles asked for (each reconnect asks) and the last one done: a request during a reconcile is not lost. */
  #reconcileAsked = 0;
  #reconciledUpTo = 0;
  #turn = 0;
  /** The next claim number (claim-batch.lua): each call takes `max` of them, used or not, so none is ever reused. */
  #nextClaim = 1;

  constructor(options: ReliableFetchOptions) {
    this.#o = options;
    const { keys, consumerId } = options;
    this.#registered = new Set(options.queues.list);
    this.heartbeat = new Heartbeat({
      redis: options.redis, keys, queues: [...options.queues.list], consumerId, ttlMs: options.heartbeatTtlMs,
      // A blocking claim starts right after a claim-batch that saw the heartbeat, and ends
      // within the block timeout: the reaper keeps the id at least that long past a beat.
      keepMs: options.blockTimeoutMs + options.heartbeatTtlMs + 1000,
      stallTimeoutMs: options.stallTimeoutMs, redisUrl: options.redisUrl, tls: options.tls, connectTimeoutMs: options.connectTimeoutMs, log: options.log,
    });
    this.reaper = new Reaper({
      redis: options.redis, keys, queues: options.queues, consumerId, intervalMs: options.reaperIntervalMs,
      maxDeliveries: options.maxDeliveries, resultTtlMs: options.resultTtlMs, log: options.log,
    });
    // After a reconnect, a claim whose reply was lost may have left messages in our
    // processing list that we do not know about (Sidekiq #4495); the next fetch reconciles.
    options.redis.on('ready', () => this.#reconcileAsked++);
    options.blocking.redis.on('ready', () => this.#reconcileAsked++);
  }

  async start(): Promise<void> {
    // Registers, or fails the start: a consumer that claimed without a heartbeat would hold
    // messages no reaper visits.
    await this.heartbeat.start();
    // A consumer id is fresh per process, so anything already in our lists is an orphan.
    this.#reconcileAsked++;
    this.reaper.start();
  }

  #list(queue: string) {
    let lists = this.#lists.get(queue);
    if (lists === undefined) this.#lists.set(queue, (lists = queueLists(this.#o.keys, queue, this.#o.consumerId)));
    return lists;
  }

  /** Registers on a queue (its first heartbeat) before the queue set lets fetch claim there: claim-batch.lua refuses without one. */
  async joinQueue(queue: string): Promise<void> {
    if (this.#registered.has(queue)) return;
    await this.heartbeat.addQueue(queue);
    this.#registered.add(queue);
  }

  /**
   * Leaves a queue the worker no longer fetches from and holds nothing of: the heartbeat
   * thread stops beating there first, so no late beat registers us again after unregister.lua.
   */
  async leaveQueue(queue: string): Promise<void> {
    if (!this.#registered.has(queue)) return;
    await this.heartbeat.removeQueue(queue);
    // If we crash here: the queue's heartbeat is no longer renewed; it expires and a reaper
    // gives back whatever our lists there still hold.
    await this.#unregister(queue);
    this.#registered.delete(queue);
    this.#lists.delete(queue);
  }

  async fetch(max: number): Promise<Claimed[]> {
    this.heartbeat.lastFetchAt = Date.now();
    // A failed reconcile throws before it is marked done, so the next fetch tries again.
    if (this.#reconcileAsked > this.#reconciledUpTo) await this.#reconcileHeld();
    const { redis, blocking } = this.#o;
    let queues = this.#o.queues.list;
    if (this.#o.queueOrder === 'round-robin' && queues.length > 1) {
      const start = this.#turn++ % queues.length;
      queues = [...queues.slice(start), ...queues.slice(0, start)];
    }
    for (const queue of queues) {
      const first = this.#nextClaim;
      this.#nextClaim += max;
      const raws = await claimBatch(redis, this.#list(queue), max, first).catch((error: Error) => {
        // RESENT: ioredis sent this call again after a reconnect, and the first one moved
        // messages whose reply never came; the reconcile gives them back.
        this.#reconcileAsked++;
        throw error;
      });
      // If we crash here: the messages sit in our claimed hash; the reaper requeues them.
      if (raws.length > 0) return raws.map((raw, i) => ({ raw, queue, claimNumber: first + i }));
    }
    if (asCluster(blocking.redis) !== undefined) return this.#blockOnShards(queues, max);
    const first = queues[0]!;
    const lists = this.#list(first);
    const timeoutMs = queues.length > 1 ? Math.min(multiQueueBlockMs, this.#o.blockTimeoutMs) : this.#o.blockTimeoutMs;
    const raw = await blocking.redis.blmove(lists.ready, lists.processing, 'RIGHT', 'LEFT', timeoutMs / 1000);
    // If we crash here: the message sits in our processing list; the reaper requeues it (and
    // if only the reply was lost to a reconnect, the next fetch's reconcile requeues it).
    // BLMOVE cannot check the heartbeat as claim-batch.lua does, and may land after it has
    // expired: the reaper keeps our id until keepMs after our last beat, so it still looks.
    return raw === null ? [] : [{ raw, queue: first }];
  }

  /** On a Redis Cluster: one BLMOVE per node that owns a consumed queue, all at once (shard-block.ts). */
  async #blockOnShards(queues: readonly string[], max: number): Promise<Claimed[]> {
    const { redis, blocking } = this.#o;
    const found = await blockOnShards({
      blocking, via: redis, queues, readyKey: (queue) => this.#list(queue).ready, timeoutMs: this.#o.blockTimeoutMs, shortMs: multiQueueBlockMs,
      pop: (queue, timeoutS) => blocking.redis.blmove(this.#list(queue).ready, this.#list(queue).processing, 'RIGHT', 'LEFT', timeoutS),
    });
    // If we crash here: as after the single BLMOVE above, the reaper requeues them.
    const claimed = found.map(({ queue, value }) => ({ raw: value, queue }));
    // Pops on several nodes may bring more than `max`: the rest go back to their queues.
    const surplus = claimed.splice(max);
    if (surplus.length > 0) await this.requeue(surplus);
    return claimed;
  }

  /** 'run' at once, with no promise, for a first or second delivery (the hot path): only a redelivered message waits for the quarantine. */
  beforeRun(claimed: Claimed, message: TaskMessage): 'run' | Promise<'run' | 'gone'> {
    return (message.deliveries ?? 1) < runsAloneFrom(this.#o.maxDeliveries) ? 'run' : this.#quarantine(claimed);
  }

  async #quarantine(claimed: Claimed): Promise<'run' | 'gone'> {
    const lists = this.#list(claimed.queue);
    for (;;) {
      const slot = this.#quarantined.get(claimed.queue);
      if (slot && slot.owner !== claimed) {
        await slot.freed;
        continue;
      }
      // Take the slot in memory before asking Redis: the waiters woken by one `freed` would
      // otherwise all race for the list, and each loser would reconcile needlessly. A second
      // attempt by the same message (its first failed on a Redis error) keeps the slot.
      if (!slot) {
        let free!: () => void;
        const freed = new Promise<void>((resolve) => (free = resolve));
        this.#quarantined.set(claimed.queue, { owner: claimed, freed, free });
      }
      // A Redis error here leaves the slot with this message, which still holds it: the worker
      // tries again or gives the message back, and both paths free the slot (#freeSlot).
      const moved = await quarantine(this.#o.redis, lists, claimed);
      // If we crash here: it is in the quarantine list, so the reaper counts this delivery
      // against it, and dead-letters it once that makes more than maxDeliveries.
      if (moved === 1) {
        // From now on it is named by its text, in the quarantine list.
        claimed.claimNumber = undefined;
        return 'run';
      }
      this.#freeSlot(claimed);
      if (moved === -1) return 'gone';
      // 0: the list holds a message we no longer track (a reconnect); reconcile frees it.
      await this.#reconcileHeld();
    }
  }

  /** Frees the quarantine slot if this message holds it. */
  #freeSlot(claimed: Claimed): void {
    const slot = this.#quarantined.get(claimed.queue);
    if (slot?.owner !== claimed) return;
    this.#quarantined.delete(claimed.queue);
    slot.free();
  }

  async complete(queue: string, completions: Completion[]): Promise<void> {
    const lists = this.#list(queue);
    const rows = completionRows(this.#o.keys, queue, completions);
    const held = await completeBatch(this.#o.redis, lists, rows, {
      resultTtlMs: this.#o.resultTtlMs, deadLimit: deadLetterLimit, deadTtlMs: deadLetterTtlMs, simple: false, tally: this.#o.tally(queue),
    });
    // If we crash here: results and acks are written; nothing is lost or run again.
    if (held < rows.length) {
      this.#o.log(`[hardq] ${rows.length - held} finished message(s) on "${queue}" had been taken back by a reaper (this consumer missed its heartbeat); they may run twice`);
    }
    for (const completion of completions) this.#freeSlot(completion.claimed);
  }

  async requeue(items: Claimed[]): Promise<void> {
    for (const queue of new Set(items.map((item) => item.queue))) {
      await requeueHeld(this.#o.redis, this.#list(queue), items.filter((item) => item.queue === queue));
    }
    for (const item of items) this.#freeSlot(item);
  }

  /** Gives back whatever our lists hold beyond what the worker holds in memory. */
  async #reconcileHeld(): Promise<void> {
    const asked = this.#reconcileAsked;
    const held = heldIndex(this.#o.held());
    for (const queue of this.#registered) await requeueOrphans(this.#o.redis, queue, this.#list(queue), held, this.#o.log);
    // Marked done only now: under OOM or an outage the MULTI fails, and the next fetch retries.
    this.#reconciledUpTo = asked;
  }

  interrupt(): Promise<void> {
    return this.#o.blocking.interrupt(this.#o.redis);
  }

  /**
   * Stops the reaper and the heartbeat, then unregisters: whatever the lists still hold
   * (messages the worker did not know it held) goes back to the queue in the same step.
   */
  async stop(): Promise<void> {
    await this.reaper.stop();
    await this.heartbeat.stop();
    // If we crash in this loop: the rest of the queues keep this consumer registered until
    // its heartbeat expires, and a reaper gives their lists back.
    for (const queue of this.#registered) await this.#unregister(queue);
  }

  async #unregister(queue: string): Promise<void> {
    const { redis, keys, consumerId } = this.#o;
    const moved = await unregister(redis, { ...this.#list(queue), consumers: keys.consumers(queue) }, { consumerId, token: this.heartbeat.token });
    if (moved > 0) this.#o.log(`[hardq] leaving "${queue}": ${moved} message(s) left in this consumer's lists there went back to the queue`);
  }
}

function queueLists(keys: Keys, queue: string, consumerId: string) {
  return {
    ready: keys.ready(queue), processing: keys.processing(queue, consumerId), quarantine: keys.quarantine(queue, consumerId), claimed: keys.claimed(queue, consumerId),
    heartbeat: keys.heartbeat(queue, consumerId), dead: keys.dead(queue), scheduled: keys.scheduled(queue),
    revoked: keys.revoked(queue), revokedRecent: keys.revokedRecent(queue), channel: keys.resultChannel(queue),
  };
}
