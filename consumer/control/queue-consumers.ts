/**
 * `add_consumer Q` and `cancel_consumer Q`: the worker's queue list, changed while it runs.
 * 1. add: register on Q first (reliable: its first heartbeat, which claim-batch.lua needs),
 *    read Q's revoked ids, and only then let fetch take from Q (queue-set.ts).
 * 2. cancel: stop fetching from Q at once and answer; then, in the background, wait for the
 *    fetch in flight and for every message held from Q to be run and acked, and only then
 *    unregister (unregister.lua). Nothing held is lost: until it is acked, a held message
 *    sits in our processing list under a live heartbeat.
 * A worker that stops meanwhile ends the wait; its own shutdown requeues what it holds and
 * unregisters from every queue, Q included.
 */
import type { Claimed, FetchStrategy } from '../fetch.ts';
import type { QueueSet } from '../queue-set.ts';
import type { Scheduler } from '../scheduler.ts';
import { checkQueueName } from '../../shared/options.ts';

/** How often a cancel looks whether the worker still holds messages of the queue, in ms. */
const drainPollMs = 50;

export type QueueConsumersOptions = {
  queues: QueueSet;
  fetch: Pick<FetchStrategy, 'joinQueue' | 'leaveQueue' | 'interrupt'>;
  scheduler: Pick<Scheduler, 'prepare'>;
  /** What the worker holds now: running, waiting to start, or waiting for its ack. */
  held: () => Iterable<Claimed>;
  /** The fetch in flight (or the last one), settled: its messages are then held. */
  fetchSettled: () => Promise<unknown>;
  log: (line: string) => void;
};

export class QueueConsumers {
  #o: QueueConsumersOptions;
  /** Leaves in progress: fetch no longer takes from their queue, what it held is not all acked yet. */
  #leaving = new Set<Promise<void>>();
  /** Leaves in their last step (unregister.lua): an add of the same queue waits for it. */
  #unregistering = new Map<string, Promise<void>>();
  /** How many leaves reached their last step: an add that saw one start meanwhile registers again. */
  #unregisterSteps = 0;
  #stopped = false;

  constructor(options: QueueConsumersOptions) {
    this.#o = options;
  }

  /** Starts consuming a queue; `added` is false when it already was. */
  async add(queue: string): Promise<{ queue: string; added: boolean; queues: string[] }> {
    const { queues, fetch, scheduler } = this.#o;
    checkQueueName(queue, 'add_consumer');
    for (;;) {
      // Added back while being left: before its last step, the leave sees the queue back and
      // stays registered; during it, wait, and register again after it.
      await this.#unregistering.get(queue);
      if (queues.has(queue)) return { queue, added: false, queues: [...queues.list] };
      const steps = this.#unregisterSteps;
      await fetch.joinQueue(queue);
      // If we crash here: we are registered on the queue and hold nothing there; the heartbeat
      // expires and a reaper removes the id.
      await scheduler.prepare(queue);
      if (steps !== this.#unregisterSteps) continue;
      queues.add(queue);
      return { queue, added: true, queues: [...queues.list] };
    }
  }

  /** Stops fetching from a queue now; unregisters once what is held from it is acked. */
  async cancel(queue: string): Promise<{ queue: string; cancelled: boolean; queues: string[]; holding: number }> {
    const { queues, fetch } = this.#o;
    if (!queues.remove(queue)) return { queue, cancelled: false, queues: [...queues.list], holding: this.#holding(queue) };
    // A pop blocked on this queue returns at once (as a timeout): nothing it took is lost.
    await fetch.interrupt();
    const leaving: Promise<void> = this.#leave(queue).catch((error: Error) => {
      // Still registered: the heartbeat keeps our messages ours, and a later leave or the
      // worker's stop unregisters.
      this.#o.log(`[hardq] cancel_consumer "${queue}": could not unregister (${error.message}); the worker stays registered there until it stops`);
    }).finally(() => this.#leaving.delete(leaving));
    this.#leaving.add(leaving);
    return { queue, cancelled: true, queues: [...queues.list], holding: this.#holding(queue) };
  }

  async #leave(queue: string): Promise<void> {
    await this.#o.fetchSettled();
    // Polled on a timer, not on a microtask: a fetch's messages become held in the loop's
    // own continuation, which runs before any timer.
    do await new Promise((resolve) => setTimeout(resolve, drainPollMs));
    while (!this.#stopped && this.#holding(queue) > 0);
    if (this.#stopped || this.#o.queues.has(queue)) return;
    this.#unregisterSteps++;
    const step = this.#o.fetch.leaveQueue(queue);
    this.#unregistering.set(queue, step.catch(() => {}));
    try {
      await step;
    } finally {
      this.#unregistering.delete(queue);
    }
    this.#o.log(`[hardq] cancel_consumer "${queue}": every message taken from it is acked; unregistered`);
  }

  #holding(queue: string): number {
    let count = 0;
    for (const claimed of this.#o.held()) if (claimed.queue === queue) count++;
    return count;
  }

  /** Ends the waits of cancels in progress: the worker's shutdown requeues and unregisters instead. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#leaving.values());
  }
}
