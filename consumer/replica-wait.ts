/**
 * The opt-in `waitReplicas`: after each completion write (complete-batch.lua), WAIT until
 * that many replicas of the node that ran it have acknowledged it, or until timeoutMs.
 * Replication is asynchronous, so without it a failover can drop acks the worker already
 * counted; the message then runs again (a duplicate) and its result is missing until it
 * does. WAIT narrows that window; it does not make Redis strongly consistent (redis.io,
 * WAIT), and Redis 7.0 refuses it inside scripts, hence a command of its own.
 * It touches no key: the EXISTS of the queue's ready list only routes it to the queue's node.
 */
import type { Redis } from 'ioredis';
import type { Keys } from '../shared/keys.ts';
import { InvalidOptionError } from '../shared/errors.ts';

/**
 * A replica count, or a count and how long to wait for it, in ms (WAIT's timeout; 0, which
 * WAIT reads as "forever", is refused).
 * @example 1
 * @example { replicas: 1, timeoutMs: 100 }
 */
export type WaitReplicas = number | { replicas: number; timeoutMs?: number };

/** What the worker record shows (`inspect stats`): how many WAITs, and how many fell short. */
export type ReplicaWaitStats = { replicas: number; timeoutMs: number; waits: number; short: number };

export const defaultWaitTimeoutMs = 100;
/** At most one log line per this long about WAITs that fell short, not one per batch. */
const logIntervalMs = 10_000;

export function resolveWaitReplicas(option: WaitReplicas | undefined): { replicas: number; timeoutMs: number } | undefined {
  if (option === undefined) return undefined;
  const { replicas, timeoutMs = defaultWaitTimeoutMs } = typeof option === 'number' ? { replicas: option } : option;
  if (!(Number.isInteger(replicas) && replicas >= 1 && replicas <= 100)) {
    throw new InvalidOptionError(`waitReplicas needs a replica count from 1 to 100, got ${JSON.stringify(replicas)}`);
  }
  if (!(Number.isInteger(timeoutMs) && timeoutMs >= 1 && timeoutMs <= 60_000)) {
    throw new InvalidOptionError(`waitReplicas.timeoutMs must be a whole number of ms from 1 to 60000 (0 would make WAIT block forever), got ${JSON.stringify(timeoutMs)}`);
  }
  return { replicas, timeoutMs };
}

export class ReplicaWait {
  readonly stats: ReplicaWaitStats;
  #redis: Redis;
  #keys: Keys;
  #log: (line: string) => void;
  #loggedAt = -Infinity;
  #shortSinceLog = 0;

  constructor(options: { redis: Redis; keys: Keys; replicas: number; timeoutMs: number; log: (line: string) => void }) {
    this.#redis = options.redis;
    this.#keys = options.keys;
    this.#log = options.log;
    this.stats = { replicas: options.replicas, timeoutMs: options.timeoutMs, waits: 0, short: 0 };
  }

  /**
   * Waits for the replicas after a completion write on `queue`. Never throws: the ack is
   * written whatever WAIT answers, and writing it again would change nothing.
   */
  async after(queue: string): Promise<void> {
    const { replicas, timeoutMs } = this.stats;
    let acked: number;
    let why = '';
    try {
      // WAIT counts the writes of this connection. On a Cluster client the pipeline goes to the
      // node of its first key, the queue's, over the connection complete-batch just used.
      const replies = await this.#redis.pipeline().exists(this.#keys.ready(queue)).call('WAIT', replicas, timeoutMs).exec();
      const [error, value] = replies?.[1] ?? [new Error('the pipeline was discarded'), undefined];
      if (error) throw error;
      acked = Number(value);
    } catch (error) {
      acked = 0;
      why = ` (${(error as Error).message})`;
    }
    this.stats.waits++;
    if (acked >= replicas) return;
    // If we crash here, or the node fails over now: the ack may exist on fewer replicas than
    // asked, and a promoted replica without it runs the message again (a duplicate, not a loss).
    this.stats.short++;
    this.#shortSinceLog++;
    const now = Date.now();
    if (now - this.#loggedAt < logIntervalMs) return;
    this.#log(`[hardq] waitReplicas: ${this.#shortSinceLog} completion write(s) reached fewer than ${replicas} replica(s) within ${timeoutMs} ms`
      + ` (last on "${queue}": ${acked}${why}); the acks stand, but a failover now could run those tasks again`);
    this.#loggedAt = now;
    this.#shortSinceLog = 0;
  }
}
