/**
 * The queues a worker consumes, changeable while it runs (`add_consumer` / `cancel_consumer`,
 * consumer/control/consumers.ts). Fetch (both modes, both orders), the reaper, the scheduler
 * and the registry record read `list` afresh on every round, so one change here reaches
 * them all. The heartbeat registers a queue before it is added and leaves it only after
 * what the worker held from it is acked: the set says where to fetch, not where we are
 * registered.
 */
import { checkQueueName } from '../shared/options.ts';
import { InvalidOptionError } from '../shared/errors.ts';

export class QueueSet {
  #queues: readonly string[];

  constructor(queues: readonly string[]) {
    for (const queue of queues) checkQueueName(queue, 'worker');
    if (queues.length === 0) throw new InvalidOptionError('a worker needs at least one queue');
    this.#queues = [...queues];
  }

  /** The queues, highest priority first; a fresh array after each change, never mutated. */
  get list(): readonly string[] {
    return this.#queues;
  }

  has(queue: string): boolean {
    return this.#queues.includes(queue);
  }

  /** Adds a queue at the lowest priority; false when it is already there. */
  add(queue: string): boolean {
    checkQueueName(queue, 'worker');
    if (this.has(queue)) return false;
    this.#queues = [...this.#queues, queue];
    return true;
  }

  /** Stops fetching from a queue; false when it was not there. The last queue cannot go. */
  remove(queue: string): boolean {
    if (!this.has(queue)) return false;
    if (this.#queues.length === 1) throw new InvalidOptionError(`"${queue}" is this worker's only queue: add another first, or shut the worker down`);
    this.#queues = this.#queues.filter((other) => other !== queue);
    return true;
  }
}

/** A QueueSet, or a fixed list for a part used on its own (a reaper in a test, a tool). */
export type Queues = QueueSet | readonly string[];

/** The queues as they are now. */
export function queuesNow(queues: Queues): readonly string[] {
  return queues instanceof QueueSet ? queues.list : queues;
}
