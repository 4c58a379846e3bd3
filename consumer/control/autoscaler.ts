/**
 * Autoscale (`--autoscale MAX,MIN`, the `autoscale MAX MIN` command): every intervalMs it
 * reads the backlog of the queues consumed (keys.ready: length and the oldest message;
 * keys.scheduled: what is due) and sizes the worker (worker-size.ts) between MIN and MAX:
 * 1. grow at once when messages wait and either every slot is taken or the oldest has
 *    waited growAfterWaitMs: to what it holds plus the backlog, at most MAX;
 * 2. shrink only when nothing waits and cooldownMs has passed since the last change (up,
 *    down or by hand): to the most it held at once meanwhile, at least MIN. Celery shrinks
 *    after its keepalive too; taking the peak rather than the last sample keeps a steady
 *    load from being cut and grown back every cooldown (the flapping of celery#1967).
 * The threads and process pools follow the concurrency, one member per handler (worker-size.ts).
 * Growing never outruns the loop's backpressure: fetch still waits while `concurrency`
 * finished messages wait for their ack, whatever the size.
 */
import type { Redis } from 'ioredis';
import type { Keys } from '../../shared/keys.ts';
import { decodeMessage } from '../../shared/message.ts';
import type { QueueSet } from '../queue-set.ts';
import { startJitteredTimer, type JitteredTimer } from '../jittered-timer.ts';
import { setWorkerSize, type SizedWorker, type WorkerSize } from './worker-size.ts';

export type AutoscaleBounds = { max: number; min: number };

/** How often the autoscaler looks at the backlog, in ms (±10 %). */
export const autoscaleIntervalMs = 1000;
/** A message that waited this long makes the worker grow even with a slot free, in ms. */
const growAfterWaitMs = 1000;

export type Backlog = { waiting: number; oldestWaitMs: number };

export class Autoscaler {
  #redis: Redis;
  #keys: Keys;
  #queues: QueueSet;
  #worker: SizedWorker;
  #busy: () => number;
  #nowMs: () => number;
  #log: (line: string) => void;
  #bounds: AutoscaleBounds | undefined;
  readonly cooldownMs: number;
  #lastChangeAt = Date.now();
  /** What the worker held at each tick of the last cooldownMs: a shrink keeps the peak. */
  #samples: { at: number; busy: number }[] = [];
  #timer: JitteredTimer | undefined;
  #failing = false;

  constructor(options: {
    redis: Redis; keys: Keys; queues: QueueSet; worker: SizedWorker; bounds?: AutoscaleBounds; cooldownMs: number;
    /**
     * Messages the worker has claimed and not finished (running or waiting to start). Not
     * those waiting for their ack: when acks fail, the loop's backpressure stops fetching,
     * and counting them would make the autoscaler grow past what the worker can run.
     */
    busy: () => number;
    /** Now on Redis's clock, epoch ms: scheduled scores and createdAt are on it. */
    nowMs: () => number;
    log: (line: string) => void;
  }) {
    this.#redis = options.redis;
    this.#keys = options.keys;
    this.#queues = options.queues;
    this.#worker = options.worker;
    this.#bounds = options.bounds === undefined ? undefined : { max: options.bounds.max, min: options.bounds.min };
    this.cooldownMs = options.cooldownMs;
    this.#busy = options.busy;
    this.#nowMs = options.nowMs;
    this.#log = options.log;
  }

  /** MAX and MIN, or undefined while autoscale is off. */
  get bounds(): AutoscaleBounds | undefined {
    return this.#bounds;
  }

  start(): void {
    // The pool starts at its own default size (min(concurrency, cores)); with autoscale it follows the concurrency.
    if (this.#bounds !== undefined) setWorkerSize(this.#worker, this.#worker.concurrency(), true);
    this.#timer = startJitteredTimer(() => this.tick(), {
      intervalMs: autoscaleIntervalMs, jitter: 0.1,
      onError: (error) => {
        if (!this.#failing) this.#log(`[hardq] autoscale: could not read the backlog (${error.message}); the size stays as it is`);
        this.#failing = true;
      },
    });
  }

  async stop(): Promise<void> {
    await this.#timer?.stop();
  }

  /** Turns autoscale on with these bounds (or moves them), bringing the size within them now. */
  setBounds(bounds: AutoscaleBounds): WorkerSize & AutoscaleBounds {
    this.#bounds = bounds;
    const size = this.#worker.concurrency();
    const within = Math.min(bounds.max, Math.max(bounds.min, size));
    if (within !== size) return { ...bounds, ...this.#resize(within, 'the new bounds') };
    return { ...bounds, ...setWorkerSize(this.#worker, size, true) };
  }

  /** A change by hand (pool_grow, pool_shrink) holds for a cooldown before the autoscaler may undo it (celery PR #6085). */
  noteManualChange(): void {
    this.#lastChangeAt = Date.now();
  }

  /** One look at the backlog, and a resize when it calls for one. */
  async tick(): Promise<void> {
    const bounds = this.#bounds;
    if (bounds === undefined) return;
    const { waiting, oldestWaitMs } = await this.backlog();
    this.#failing = false;
    const size = this.#worker.concurrency();
    const busy = this.#busy();
    const now = Date.now();
    this.#samples = [...this.#samples.filter((sample) => now - sample.at < this.cooldownMs), { at: now, busy }];
    const peakBusy = Math.max(...this.#samples.map((sample) => sample.busy));
    if (waiting > 0 && size < bounds.max && (busy >= size || oldestWaitMs >= growAfterWaitMs)) {
      this.#resize(Math.min(bounds.max, Math.max(size + 1, busy + waiting)), `${waiting} waiting, the oldest for ${oldestWaitMs} ms`);
    } else if (waiting === 0 && size > bounds.min && now - this.#lastChangeAt >= this.cooldownMs) {
      const target = Math.max(bounds.min, peakBusy);
      if (target < size) this.#resize(target, `nothing waiting, at most ${peakBusy} held in the last ${this.cooldownMs} ms`);
    }
  }

  #resize(concurrency: number, why: string): WorkerSize {
    const before = this.#worker.concurrency();
    const size = setWorkerSize(this.#worker, concurrency, true);
    this.#lastChangeAt = Date.now();
    this.#log(`[hardq] autoscale: concurrency ${before} → ${size.concurrency}${size.poolSize === undefined ? '' : ` (pool ${size.poolSize})`}: ${why}`);
    return size;
  }

  /** What waits on the queues consumed: ready, plus scheduled and due; and how long the oldest has waited. */
  async backlog(): Promise<Backlog> {
    const nowMs = this.#nowMs();
    let waiting = 0;
    let oldestWaitMs = 0;
    // One MULTI per queue: a queue's keys share one hash slot, queues may not.
    for (const queue of this.#queues.list) {
      const ready = this.#keys.ready(queue);
      const scheduled = this.#keys.scheduled(queue);
      const replies = await this.#redis.multi()
        .llen(ready).lindex(ready, -1).zcount(scheduled, '-inf', nowMs)
        .zrangebyscore(scheduled, '-inf', nowMs, 'WITHSCORES', 'LIMIT', 0, 1).exec();
      if (replies === null) throw new Error('the backlog MULTI was discarded');
      for (const [error] of replies) if (error) throw error;
      const [length, next, due, firstDue] = replies.map(([, value]) => value) as [number, string | null, number, string[]];
      waiting += length + due;
      const decoded = next === null ? undefined : decodeMessage(next);
      const createdAt = decoded?.ok === true ? decoded.message.createdAt : undefined;
      if (createdAt !== undefined) oldestWaitMs = Math.max(oldestWaitMs, nowMs - createdAt);
      if (firstDue.length === 2) oldestWaitMs = Math.max(oldestWaitMs, nowMs - Number(firstDue[1]));
    }
    return { waiting, oldestWaitMs };
  }
}
