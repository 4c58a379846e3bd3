/**
 * The worker registry: every worker, in both modes, writes a small record of itself
 * (shared/worker-record.ts) under keys.workerRecord(id) with a TTL, and keeps its id in
 * keys.workers, every registryIntervalMs. `inspect` reads these records instead of asking
 * the workers, so it costs no round trip to a worker and works while one is busy (Celery's
 * broadcast waits for replies; Flower sends eight per worker per refresh). On stop the
 * record is deleted; a worker that died disappears once its record's TTL has passed, and
 * shows as offline (an old writtenAt) until then.
 */
import type { Redis } from 'ioredis';
import type { Keys } from '../../shared/keys.ts';
import { registryIntervalMs, registryTtlMs, type WorkerRecord } from '../../shared/worker-record.ts';
import { startJitteredTimer, type JitteredTimer } from '../jittered-timer.ts';

export class WorkerRegistry {
  #redis: Redis;
  #keys: Keys;
  #id: string;
  #describe: () => Omit<WorkerRecord, 'writtenAt' | 'intervalMs'>;
  #log: (line: string) => void;
  #timer: JitteredTimer | undefined;
  #failing = false;

  constructor(options: { redis: Redis; keys: Keys; id: string; describe: () => Omit<WorkerRecord, 'writtenAt' | 'intervalMs'>; log: (line: string) => void }) {
    this.#redis = options.redis;
    this.#keys = options.keys;
    this.#id = options.id;
    this.#describe = options.describe;
    this.#log = options.log;
  }

  /** Writes the first record (a failure is logged, not fatal: the registry is for people), then on a timer. */
  async start(): Promise<void> {
    await this.write().catch((error: Error) => this.#report(error));
    this.#timer = startJitteredTimer(() => this.write(), { intervalMs: registryIntervalMs, jitter: 0.1, onError: (error) => this.#report(error) });
  }

  async write(): Promise<void> {
    const record: WorkerRecord = { ...this.#describe(), writtenAt: Date.now(), intervalMs: registryIntervalMs };
    const replies = await this.#redis.multi()
      .set(this.#keys.workerRecord(this.#id), JSON.stringify(record), 'PX', registryTtlMs)
      .zadd(this.#keys.workers(), record.writtenAt, this.#id)
      .exec();
    for (const [error] of replies ?? []) if (error) throw error;
    if (this.#failing) this.#log(`[hardq] worker registry: writing the record works again`);
    this.#failing = false;
  }

  #report(error: Error): void {
    // One line per outage: the connection logs its own reconnects.
    if (!this.#failing) this.#log(`[hardq] worker registry: could not write this worker's record (${error.message}); inspect will show it offline`);
    this.#failing = true;
  }

  /** Stops the timer and removes the record, so inspect stops listing this worker at once. */
  async stop(): Promise<void> {
    await this.#timer?.stop();
    await this.#redis.multi().del(this.#keys.workerRecord(this.#id)).zrem(this.#keys.workers(), this.#id).exec().catch(() => {
      // Redis is away: the record expires by itself within registryTtlMs.
    });
  }
}
