/**
 * The reaper: every live reliable consumer runs one, and a lock per queue lets one reap
 * at a time. Each round it reads the queue's consumer set, checks every heartbeat in one
 * pipeline, and for each consumer whose heartbeat has expired runs
 * requeue-dead-consumer.lua: its messages go back to the consuming end of the ready list,
 * each with its delivery count raised, in chunks of `chunk` per call so that no one call
 * blocks Redis for long, and at most `maxChunksPerRound` chunks a round.
 *
 * Recovery time (owner dies → its messages runnable again) is at most heartbeatTtlMs +
 * 1.25 × reaperIntervalMs while the consumer holding the reaper lock lives (1 s + 625 ms
 * by default), one interval more if it dies too; docs/RELIABILITY.md has the measured figures.
 */
import type { Redis } from 'ioredis';
import type { Keys } from '../shared/keys.ts';
import { requeueDeadConsumer } from '../shared/scripts.ts';
import { startJitteredTimer, type JitteredTimer } from './jittered-timer.ts';
import { deadLetterLimit, deadLetterTtlMs } from '../shared/dead-letter.ts';
import { decodeMessage } from '../shared/message.ts';
import { encodeResult } from '../shared/result-record.ts';
import { minuteOf, unknownTask } from '../shared/counters.ts';
import type { TaskEventBody } from '../shared/events.ts';
import { queuesNow, type Queues } from './queue-set.ts';

/** Messages moved per script call, and calls per consumer per round: bounded work. */
const chunk = 1000;
const maxChunksPerRound = 20;

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
  /** Read each round: a queue added or cancelled at run time is reaped from the next round. */
  queues: Queues;
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

  /** Stops reaping; resolves once a round in flight has ended. */
  async stop(): Promise<void> {
    await this.#timer?.stop();
  }

  /** One round over every queue; returns how many messages went back. */
  async reapOnce(): Promise<number> {
    const { redis, keys, consumerId, intervalMs } = this.#options;
    let requeued = 0;
    for (const queue of queuesNow(this.#options.queues)) {
      const lock = await redis.set(keys.reaperLock(queue), consumerId, 'PX', intervalMs, 'NX');
      if (lock === null) continue;
      const others = (await redis.zrange(keys.consumers(queue), '0', '-1')).filter((other) => other !== consumerId);
      if (others.length === 0) continue;
      // One round trip tells the dead from the living; only the dead cost a script call.
      const pipeline = redis.pipeline();
      for (const other of others) pipeline.exists(keys.heartbeat(queue, other));
      const alive = ((await pipeline.exec()) ?? []).map(([error, exists]) => error !== null || exists === 1);
      for (const [i, other] of others.entries()) {
        if (!alive[i]) requeued += await this.#reap(queue, other);
      }
    }
    return requeued;
  }

  /** Gives one dead consumer's lists back, a chunk a call; returns how many messages went back. */
  async #reap(queue: string, other: string): Promise<number> {
    const { redis, keys, maxDeliveries, resultTtlMs, log } = this.#options;
    const lists = {
      heartbeat: keys.heartbeat(queue, other), processing: keys.processing(queue, other), claimed: keys.claimed(queue, other),
      quarantine: keys.quarantine(queue, other), ready: keys.ready(queue), dead: keys.dead(queue), consumers: keys.consumers(queue),
      events: keys.events(queue), counters: keys.counters(queue),
    };
    let requeued = 0;
    const deadLettered: string[] = [];
    for (let call = 0; call < maxChunksPerRound; call++) {
      // The quarantined message's result key must reach the script through KEYS, so read it first.
      const quarantined = (await redis.lindex(lists.quarantine, 0)) ?? '';
      const decoded = quarantined === '' ? undefined : decodeMessage(quarantined);
      const id = decoded === undefined ? undefined : decoded.ok ? decoded.message.id : decoded.id;
      const error = { name: 'Redelivered', message: `its consumer died while running it more than ${maxDeliveries} times; it was dead-lettered` };
      // Counted under the name it was sent with: a message only gets here after it ran, so its task was registered.
      const task = decoded?.ok === true ? decoded.message.task : unknownTask;
      const now = Date.now();
      const event: TaskEventBody = { id, task: decoded?.ok === true ? task : undefined, worker: other, at: now, reason: 'redelivered', error: `Redelivered: ${error.message}` };
      const outcome = await requeueDeadConsumer(redis, {
        ...lists, countersMinute: keys.countersMinute(queue, minuteOf(now)), result: id === undefined ? undefined : keys.result(queue, id),
      }, {
        consumerId: other, maxDeliveries, queue, deadLimit: deadLetterLimit, runsAloneFrom: runsAloneFrom(maxDeliveries), chunk,
        quarantined, quarantinedId: id ?? '', failure: encodeResult({ state: 'FAILURE', error, doneAt: now, reason: 'redelivered' }),
        resultTtlMs, channel: keys.resultChannel(queue), deadTtlMs: deadLetterTtlMs, task, event: JSON.stringify(event),
      });
      if (outcome === 'alive') break;
      // The quarantine list changed between the read and the call: read it again.
      if (outcome === 'stale') continue;
      requeued += outcome.requeued;
      deadLettered.push(...outcome.deadLettered);
      if (outcome.left === 0) break;
    }
    if (requeued > 0 || deadLettered.length > 0) {
      log(`[hardq] consumer ${other} on "${queue}" is dead; requeued ${requeued}, dead-lettered ${deadLettered.length}`);
    }
    return requeued;
  }
}
