/**
 * What a worker is made of besides its loop: its two connections (commands, and the one it
 * blocks on), the fetch strategy of its mode, the pool its handlers run in, the scheduler,
 * the registry record, the rate limiter, and the control mailbox with what its commands
 * change (time-limit overrides, the running tasks terminate can stop). Assembled in order by `assemble()`, started by `start()`, and
 * taken down in the reverse order by `close()`; `abandon()` undoes a start that failed, so
 * no connection, timer or thread keeps the process alive.
 */
import { availableParallelism } from 'node:os';
import type { Redis } from 'ioredis';
import type { AppContext } from '../shared/app-config.ts';
import { connectRedis } from '../shared/connection.ts';
import { defineScripts } from '../shared/scripts.ts';
import { InvalidOptionError } from '../shared/errors.ts';
import type { WorkerRecord } from '../shared/worker-record.ts';
import type { Claimed, Completion, FetchStrategy } from './fetch.ts';
import { SimpleFetch } from './simple-fetch.ts';
import { ReliableFetch } from './reliable-fetch.ts';
import { BlockingConnection } from './blocking-connection.ts';
import { AsyncPool } from './async-pool.ts';
import type { Pool } from './pool.ts';
import { Scheduler } from './scheduler.ts';
import { WorkerRegistry } from './control/registry.ts';
import type { resolveWorkerOptions } from './worker-options.ts';
import { RateLimiter } from './rate-limiter.ts';
import type { TimeLimitOverrides } from './execute.ts';
import { Terminations } from './control/terminations.ts';
import { ControlMailbox } from './control/mailbox.ts';
import { controlHandler, type ControlledWorker } from './control/commands.ts';
import { TaskEvents } from './task-events.ts';
import { QueueConsumers } from './control/queue-consumers.ts';
import { Autoscaler } from './control/autoscaler.ts';
import type { QueueSet } from './queue-set.ts';
import { Relay } from './relay.ts';
import { ReplicaWait } from './replica-wait.ts';

type Options = ReturnType<typeof resolveWorkerOptions>;

export class WorkerParts {
  readonly redis: Redis;
  readonly blocking: BlockingConnection;
  readonly fetch: FetchStrategy;
  readonly pool: Pool;
  readonly scheduler: Scheduler;
  readonly registry: WorkerRegistry;
  readonly rateLimiter: RateLimiter;
  readonly terminations: Terminations;
  readonly timeLimits: TimeLimitOverrides;
  readonly mailbox: ControlMailbox;
  /** Moves this worker's queues' outbox entries (canvas steps for other queues) to their targets. */
  readonly relay: Relay;
  readonly consumers: QueueConsumers;
  readonly autoscaler: Autoscaler;
  readonly events: TaskEvents;
  /** The WAIT after each completion write, when waitReplicas is on. */
  readonly replicaWait: ReplicaWait | undefined;
  #log: (line: string) => void;
  #fetchStarted = false;

  private constructor(parts: {
    redis: Redis; blocking: BlockingConnection; fetch: FetchStrategy; pool: Pool; scheduler: Scheduler; registry: WorkerRegistry;
    rateLimiter: RateLimiter; terminations: Terminations; timeLimits: TimeLimitOverrides; mailbox: ControlMailbox; log: (line: string) => void;
    consumers: QueueConsumers; autoscaler: Autoscaler; events: TaskEvents; keys: AppContext['keys']; queues: QueueSet; replicaWait: ReplicaWait | undefined;
  }) {
    this.replicaWait = parts.replicaWait;
    this.consumers = parts.consumers;
    this.autoscaler = parts.autoscaler;
    this.events = parts.events;
    this.rateLimiter = parts.rateLimiter;
    this.terminations = parts.terminations;
    this.timeLimits = parts.timeLimits;
    this.mailbox = parts.mailbox;
    this.relay = new Relay({ redis: parts.redis, keys: parts.keys, queues: () => parts.queues.list, log: parts.log });
    this.#log = parts.log;
    this.redis = parts.redis;
    this.blocking = parts.blocking;
    this.fetch = parts.fetch;
    this.pool = parts.pool;
    this.scheduler = parts.scheduler;
    this.registry = parts.registry;
  }

  /** Connects and builds every part; nothing runs yet. On failure, closes what it opened. */
  static async assemble(app: AppContext, o: Options, self: {
    consumerId: string; queues: QueueSet; held: () => Iterable<Claimed>; unfinished: () => number; fetchSettled: () => Promise<unknown>; describe: () => Omit<WorkerRecord, 'writtenAt' | 'intervalMs'>;
    control: Pick<ControlledWorker, 'concurrency' | 'setConcurrency' | 'close'>;
  }): Promise<WorkerParts> {
    const { config, keys } = app;
    const connect = (name: string) => connectRedis(config.redis, { connectTimeoutMs: config.connectTimeoutMs, log: config.log, name, tls: config.tls });
    const opened: Redis[] = [];
    try {
      const redis = await connect(`hardq-worker-${self.consumerId}`);
      opened.push(redis);
      defineScripts(redis);
      const blockingRedis = await connect(`hardq-worker-${self.consumerId}-blocking`);
      opened.push(blockingRedis);
      const blocking = new BlockingConnection(blockingRedis);
      const events = new TaskEvents({ redis, keys, registry: app.registry, workerId: self.consumerId, level: o.events, counters: o.counters, log: config.log });
      const common = {
        redis, blocking, keys, queues: self.queues, queueOrder: o.queueOrder, blockTimeoutMs: o.blockTimeoutMs, resultTtlMs: config.resultTtlMs,
        tally: (queue: string) => events.forBatch(queue),
      };
      const fetch = o.mode === 'simple'
        ? new SimpleFetch(common)
        : new ReliableFetch({
            ...common, consumerId: self.consumerId, heartbeatTtlMs: o.heartbeatTtlMs, reaperIntervalMs: o.reaperIntervalMs,
            maxDeliveries: o.maxDeliveries, stallTimeoutMs: o.stallTimeoutMs, redisUrl: config.redis, tls: config.tls, connectTimeoutMs: config.connectTimeoutMs,
            held: self.held, log: config.log,
          });
      const pool = await createPool(app, o);
      const scheduler = new Scheduler({ redis, keys, queues: self.queues, intervalMs: o.promoteIntervalMs, log: config.log });
      const replicaWait = o.waitReplicas === undefined ? undefined : new ReplicaWait({ redis, keys, ...o.waitReplicas, log: config.log });
      const registry = new WorkerRegistry({
        redis, keys, id: self.consumerId, log: config.log,
        describe: () => ({
          ...self.describe(), events: events.level, poolSize: 'size' in pool ? Number(pool.size) : undefined,
          ...(replicaWait === undefined ? {} : { replicaWaits: { ...replicaWait.stats } }),
        }),
        // Every write also lists the worker's queues as known, and at events on adds its worker event.
        alongside: (multi, record, phase) => {
          multi.sadd(keys.queues(), ...record.queues);
          events.addWorkerEvent(multi, phase, { ...events.workerBody(record.queues, record.concurrency), inFlight: record.inFlight, counts: record.counts });
        },
      });
      const rateLimiter = new RateLimiter(redis, keys, undefined, config.log);
      const [terminations, timeLimits] = [new Terminations(), new Map() as TimeLimitOverrides];
      const consumers = new QueueConsumers({ queues: self.queues, fetch, scheduler, held: self.held, fetchSettled: self.fetchSettled, log: config.log });
      const autoscaler = new Autoscaler({
        redis, keys, queues: self.queues, worker: { pool, ...self.control }, bounds: o.autoscale, cooldownMs: o.autoscale?.cooldownMs ?? 30_000,
        busy: self.unfinished, nowMs: () => scheduler.nowMs(), log: config.log,
      });
      const handle = controlHandler({ redis, keys, registry: app.registry, pool, rateLimiter, timeLimits, terminations, events, consumers, autoscaler, ...self.control });
      const mailbox = new ControlMailbox({ redis, keys, workerId: self.consumerId, nowMs: () => scheduler.nowMs(), handle, log: config.log, signing: config.signing });
      return new WorkerParts({ redis, blocking, fetch, pool, scheduler, registry, rateLimiter, terminations, timeLimits, mailbox, consumers, autoscaler, events, keys, queues: self.queues, log: config.log, replicaWait });
    } catch (error) {
      for (const redis of opened) redis.disconnect();
      throw error;
    }
  }

  /** Writes results and acks (the fetch strategy's complete-batch), then, with waitReplicas, WAITs for the replicas. */
  async complete(queue: string, batch: Completion[]): Promise<void> {
    await this.fetch.complete(queue, batch);
    await this.replicaWait?.after(queue);
  }

  /** Reads the rate-limit overrides, registers (reliable: heartbeat, reaper), starts the scheduler, writes the first record, opens the mailbox. */
  async start(): Promise<void> {
    // Not fatal: a user without access to {control} keys runs with the tasks' own limits.
    await this.rateLimiter.refreshOverrides().catch((error: Error) => this.#log(`[hardq] could not read the rate-limit overrides (${error.message}); the tasks' own limits apply`));
    await this.fetch.start();
    this.#fetchStarted = true;
    await this.scheduler.start();
    await this.registry.start();
    this.events.start();
    this.autoscaler.start();
    this.mailbox.start();
    this.relay.start();
  }

  /** Undoes a start that failed part-way. */
  async abandon(): Promise<void> {
    await this.mailbox.stop();
    await this.relay.stop();
    await this.autoscaler.stop();
    await this.registry.stop();
    await this.events.stop();
    await this.scheduler.stop();
    await this.pool.close().catch(() => {});
    if (this.#fetchStarted) await this.fetch.stop().catch(() => {});
    this.redis.disconnect();
    this.blocking.redis.disconnect();
  }

  /** After the loop and the last acks: leaves the registry, stops timers and the pool, unregisters, disconnects. */
  async close(): Promise<void> {
    await this.mailbox.stop();
    await this.relay.stop();
    await this.consumers.stop();
    await this.autoscaler.stop();
    await this.registry.stop();
    await this.events.stop();
    await this.scheduler.stop();
    await this.pool.close();
    await this.fetch.stop();
    await this.redis.quit().catch(() => this.redis.disconnect());
    await this.blocking.redis.quit().catch(() => this.blocking.redis.disconnect());
  }
}

async function createPool(app: AppContext, o: Options): Promise<Pool> {
  const { pool, appModule, poolSize } = o;
  if (pool === 'async') return new AsyncPool(app.config.log);
  if (appModule === undefined) throw new InvalidOptionError(`the ${pool} pool loads the app module in each ${pool === 'threads' ? 'thread' : 'child'}: pass appModule (its path or URL)`);
  const { createIsolatedPool } = await import('./isolated-pool.ts');
  return createIsolatedPool(pool, { appModule, size: poolSize ?? Math.min(o.concurrency, availableParallelism()), log: app.config.log });
}
