/**
 * The reaper: every live reliable consumer runs one, and a lock per queue lets one reap
 * at a time. Each round it looks at the queue's consumer set and, for each consumer whose
 * heartbeat has expired, runs requeue-dead-consumer.lua: its messages go back to the
 * consuming end of the ready list, each with its delivery count raised.
 *
 * Recovery time (owner dies → its messages runnable again) is at most heartbeatTtlMs +
 * 1.25 × reaperIntervalMs while the consumer holding the reaper lock lives (4.25 s by
 * default), one interval more if it dies too; docs/RELIABILITY.md has the measured figures.
 */
import type { Redis } from 'ioredis';
import type { Keys } from '../shared/keys.ts';
import { requeueDeadConsumer } from '../shared/scripts.ts';
import { startJitteredTimer, type JitteredTimer } from './jittered-timer.ts';
import { deadLetterLimit } from '../shared/dead-letter.ts';
import { decodeMessage } from '../shared/message.ts';
import { encodeResult } from '../shared/result-record.ts';

/**
 * The delivery from which a message runs alone, from the quarantine list (reliable-fetch.ts):
 * the third. Not the second: one crash, of a deploy or of a neighbour, should not make the
 * twenty messages its consumer held run one at a time. A poison pill kills one more batch,
 * then runs alone until it is dead-lettered, after maxDeliveries deaths. With maxDeliveries
 * below 3 it is the second, so that a poison pill still dies only twice.
 */
export function runsAloneFrom(maxDeliveries: number): number {
  return maxDeliveries < 3 ? 2 : 3;
}

export type ReaperOptions = {
  redis: Redis;
  keys: Keys;
  queues: string[];
  consumerId: string;
  intervalMs: number;
  maxDeliveries: number;
  resultTtlMs: number;
  log: (line: string) => void;
};

export class Reaper {
  #options: ReaperOptions;
  #timer: JitteredTimer | undefined;

  constructor(options: ReaperOptions) {
    this.#options = options;
  }

  start(): void {
    // Jitter (±25 %) keeps K consumers from reaching for the lock in the same instant.
    // The first round runs at once: a consumer often starts as the replacement of one
    // that died, and may not live a whole interval if consumers keep dying.
    this.#timer = startJitteredTimer(() => this.reapOnce(), {
      intervalMs: this.#options.intervalMs, jitter: 0.25, firstDelayMs: 0,
      onError: (error) => this.#options.log(`[hardq] reaper round failed (${error.message}); next round tries again`),
    });
  }

  stop(): void {
    this.#timer?.stop();
  }

  /** One round over every queue; returns how many messages went back. */
  async reapOnce(): Promise<number> {
    const { redis, keys, consumerId, intervalMs, maxDeliveries, log } = this.#options;
    let requeued = 0;
    for (const queue of this.#options.queues) {
      const lock = await redis.set(keys.reaperLock(queue), consumerId, 'PX', intervalMs, 'NX');
      if (lock === null) continue;
      for (const other of await redis.smembers(keys.consumers(queue))) {
        if (other === consumerId) continue;
        const outcome = await requeueDeadConsumer(
          redis,
          {
            heartbeat: keys.heartbeat(queue, other), processing: keys.processing(queue, other),
            quarantine: keys.quarantine(queue, other), ready: keys.ready(queue),
            dead: keys.dead(queue), consumers: keys.consumers(queue),
          },
          { consumerId: other, maxDeliveries, nowMs: Date.now(), queue, deadLimit: deadLetterLimit, runsAloneFrom: runsAloneFrom(maxDeliveries) },
        );
        if (outcome === null) continue;
        requeued += outcome.requeued;
        if (outcome.requeued > 0 || outcome.deadLettered.length > 0) {
          log(`[hardq] consumer ${other} on "${queue}" is dead; requeued ${outcome.requeued}, dead-lettered ${outcome.deadLettered.length}`);
        }
        await this.#failDeadLettered(queue, outcome.deadLettered);
      }
    }
    return requeued;
  }

  /** A poison pill's result becomes FAILURE so that get() ends. */
  async #failDeadLettered(queue: string, raws: string[]): Promise<void> {
    const { redis, keys, resultTtlMs, maxDeliveries } = this.#options;
    for (const raw of raws) {
      const decoded = decodeMessage(raw);
      const id = decoded.ok ? decoded.message.id : decoded.id;
      if (id === undefined) continue;
      const error = { name: 'Redelivered', message: `its consumer died while running it ${maxDeliveries} times; it was dead-lettered` };
      // If we crash here: the dead-letter entry exists but the result stays PENDING until get() times out.
      await redis.set(keys.result(queue, id), encodeResult({ state: 'FAILURE', error, doneAt: Date.now(), reason: 'redelivered' }), 'PX', resultTtlMs);
      await redis.publish(keys.resultChannel(queue), id);
    }
  }
}
