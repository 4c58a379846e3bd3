/**
 * The worker registry: every worker, in both modes, writes a small record of itself
 * (shared/worker-record.ts) under keys.workerRecord(id) with a TTL, and keeps its id in
 * keys.workers, every registryIntervalMs. `inspect` reads these records instead of asking
 * the workers, so it costs no round trip to a worker and works while one is busy (Celery's
 * broadcast waits for replies; Flower sends eight per worker per refresh). On stop the
 * record is deleted; a worker that died disappears once its record's TTL has passed, and
 * shows as offline (an old writtenAt) until then. What else rides in the same MULTI under
 * {control} (the known-queues set, worker events) comes from the `alongside` hook.
 */
import type { ChainableCommander, Redis } from 'ioredis';
import type { Keys } from '../../shared/keys.ts';
import { registryIntervalMs, registryTtlMs, type WorkerRecord } from '../../shared/worker-record.ts';
import { startJitteredTimer, type JitteredTimer } from '../jittered-timer.ts';

/** Which write this is: the first, a timed one, or the last (stop). */
export type RegistryPhase = 'worker-online' | 'worker-heartbeat' | 'worker-offline';
type Alongside = (multi: ChainableCommander, record: WorkerRecord, phase: RegistryPhase) => void;

export class WorkerRegistry {
  #redis: Redis;
  #keys: Keys;
  #id: string;
  #describe: () => Omit<WorkerRecord, 'writtenAt' | 'intervalMs'>;
  #log: (line: string) => void;
  #timer: JitteredTimer | undefined;
  #failing = false;
  #alongside: Alongside;
  #online = false;

  constructor(options: {
    redis: Redis; keys: Keys; id: string; describe: () => Omit<WorkerRecord, 'writtenAt' | 'intervalMs'>; log: (line: string) => void; alongside?: Alongside;
  }) {
    this.#alongside = options.alongside ?? (() => {});
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
    const multi = this.#redis.multi()
      .set(this.#keys.workerRecord(this.#id), JSON.stringify(record), 'PX', registryTtlMs)
      .zadd(this.#keys.workers(), record.writtenAt, this.#id);
    this.#alongside(multi, record, this.#online ? 'worker-heartbeat' : 'worker-online');
    const replies = await multi.exec();
    for (const [error] of replies ?? []) if (error) throw error;
    this.#online = true;
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
    const multi = this.#redis.multi().del(this.#keys.workerRecord(this.#id)).zrem(this.#keys.workers(), this.#id);
    this.#alongside(multi, { ...this.#describe(), writtenAt: Date.now(), intervalMs: registryIntervalMs }, 'worker-offline');
    await multi.exec().catch(() => {
      // Redis is away: the record expires by itself within registryTtlMs.
    });
  }
}
