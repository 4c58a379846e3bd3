/**
 * The worker: one loop, shared by simple and reliable mode, that
 * 1. fetches up to `free slots` messages through the fetch strategy,
 * 2. runs each with `concurrency` handlers in flight on one event loop,
 * 3. hands finished ones to the completer, which writes results and acks in batches,
 * 4. on close: stops fetching, waits for in-flight handlers up to shutdownTimeoutMs, writes
 *    what finished, and puts what did not back at the consuming end of its ready list.
 */
import { EventEmitter, setMaxListeners } from 'node:events';
import { availableParallelism, hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AppContext } from '../shared/app-config.ts';
import { connectRedis } from '../shared/connection.ts';
import { defineScripts } from '../shared/scripts.ts';
import { checkQueueName } from '../shared/options.ts';
import { InvalidOptionError } from '../shared/errors.ts';
import { encodeResult } from '../shared/result-record.ts';
import type { Claimed, FetchStrategy } from './fetch.ts';
import { SimpleFetch } from './simple-fetch.ts';
import { ReliableFetch } from './reliable-fetch.ts';
import { BlockingConnection } from './blocking-connection.ts';
import { Completer } from './completer.ts';
import { execute, type TaskEvent, type ExecuteContext, type Outcome } from './execute.ts';
import { AsyncPool } from './async-pool.ts';
import type { Pool } from './pool.ts';
import { RateLimiter } from './rate-limiter.ts';
import { Scheduler } from './scheduler.ts';
import { resolveWorkerOptions, type WorkerOptions } from './worker-options.ts';

export type { WorkerOptions, TaskEvent };

type Counts = Record<TaskEvent['state'], number>;

/** Emits 'task' with a TaskEvent for every message it finishes. */
export class Worker extends EventEmitter {
  readonly consumerId: string;
  readonly queues: string[];
  #app: AppContext;
  #options: ReturnType<typeof resolveWorkerOptions>;
  #redis: Redis | undefined;
  #blocking: BlockingConnection | undefined;
  #fetch: FetchStrategy | undefined;
  #completer: Completer | undefined;
  /** Messages claimed and not yet handed to the completer, for requeue on shutdown. */
  #held = new Set<Claimed>();
  /** Finished messages whose ack the completer has not written yet: still ours in Redis. */
  #acking = new Set<Claimed>();
  #inFlight = 0;
  #slotFreed: (() => void) | undefined;
  #stopping = false;
  #abort = new AbortController();
  #stoppingController = new AbortController();
  #running: Promise<void> | undefined;
  #counts: Counts = { SUCCESS: 0, FAILURE: 0, RETRY: 0, REVOKED: 0, DEAD: 0 };
  #scheduler: Scheduler | undefined;
  #pool: Pool | undefined;
  #context: ExecuteContext | undefined;

  constructor(app: AppContext, options: WorkerOptions = {}) {
    super();
    // Every in-flight task with a time limit or a rate-limit wait listens on these two
    // signals, so dozens of listeners are normal here, not a leak.
    setMaxListeners(0, this.#abort.signal, this.#stoppingController.signal);
    this.#app = app;
    this.#options = resolveWorkerOptions(options, app.config.defaultQueue);
    this.queues = this.#options.queues;
    for (const queue of this.queues) checkQueueName(queue, 'worker');
    this.consumerId = this.#options.consumerId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    if (this.consumerId.includes('}')) throw new InvalidOptionError('consumerId must not contain braces');
  }

  override on(event: 'task', listener: (event: TaskEvent) => void): this {
    return super.on(event, listener);
  }

  /** Counts of what this worker finished, by outcome. */
  get counts(): Readonly<Counts> {
    return { ...this.#counts };
  }

  /** Messages currently claimed and running (or waiting to run). */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Epoch ms of the last fetch attempt: the liveness signal (reliable mode). */
  get lastFetchAt(): number | undefined {
    return this.#fetch instanceof ReliableFetch ? this.#fetch.heartbeat.lastFetchAt : undefined;
  }

  /** Connects, then consumes until close(); resolves when the worker has stopped. */
  run(): Promise<void> {
    this.#running ??= this.#run();
    return this.#running;
  }

  async #run(): Promise<void> {
    const { config, keys } = this.#app;
    const connect = (name: string) => connectRedis(config.redis, { connectTimeoutMs: config.connectTimeoutMs, log: config.log, name });
    this.#redis = await connect(`hardq-worker-${this.consumerId}`);
    defineScripts(this.#redis);
    this.#blocking = new BlockingConnection(await connect(`hardq-worker-${this.consumerId}-blocking`));
    const o = this.#options;
    const common = {
      redis: this.#redis, blocking: this.#blocking, keys, queues: this.queues, queueOrder: o.queueOrder,
      blockTimeoutMs: o.blockTimeoutMs, resultTtlMs: config.resultTtlMs,
    };
    this.#fetch = o.mode === 'simple'
      ? new SimpleFetch(common)
      : new ReliableFetch({
          ...common, consumerId: this.consumerId, heartbeatTtlMs: o.heartbeatTtlMs, reaperIntervalMs: o.reaperIntervalMs,
          maxDeliveries: o.maxDeliveries, held: () => [...this.#held, ...this.#acking], log: config.log,
        });
    const fetch = this.#fetch;
    this.#completer = new Completer({
      write: (queue, batch) => fetch.complete(queue, batch),
      onWritten: (batch) => {
        for (const completion of batch) this.#acking.delete(completion.claimed);
      },
      log: config.log,
    });
    this.#pool = await this.#createPool();
    this.#scheduler = new Scheduler({ redis: this.#redis, keys, queues: this.queues, intervalMs: o.promoteIntervalMs, log: config.log });
    const scheduler = this.#scheduler;
    this.#context = {
      registry: this.#app.registry, fetch, pool: this.#pool, rateLimiter: new RateLimiter(this.#redis, keys),
      isRevoked: (queue, id) => scheduler.isRevoked(queue, id), signal: this.#abort.signal,
      stopping: this.#stoppingController.signal, markStarted: this.#markStarted,
    };
    await fetch.start();
    await scheduler.start();
    if (this.#stopping) return this.#shutdown();
    await this.#loop(fetch);
    await this.#shutdown();
  }

  async #loop(fetch: FetchStrategy): Promise<void> {
    const { concurrency } = this.#options;
    let backoffMs = 100;
    while (!this.#stopping) {
      const free = concurrency - this.#inFlight;
      if (free <= 0) {
        await new Promise<void>((resolve) => (this.#slotFreed = resolve));
        continue;
      }
      let claimed: Claimed[];
      try {
        claimed = await fetch.fetch(Math.min(free, this.#options.claimBatchMax));
        backoffMs = 100;
      } catch (error) {
        if (this.#stopping) break;
        this.#app.config.log(`[hardq] fetch failed (${(error as Error).message}); retrying in ${backoffMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, backoffMs));
        backoffMs = Math.min(backoffMs * 2, 5000);
        continue;
      }
      // A message popped after close() began is not dropped: execute() sees `stopping`
      // and returns it unstarted, and #shutdown puts it back.
      for (const item of claimed) this.#start(item);
    }
  }

  #start(claimed: Claimed): void {
    this.#inFlight++;
    this.#held.add(claimed);
    execute(claimed, this.#context!).then(
      (outcome) => this.#finish(claimed, outcome),
      (error: Error) => {
        // execute() catches handler errors itself; this is a Redis error in beforeRun,
        // the rate limiter or markStarted. Give the message back now rather than hold it
        // until shutdown; if that fails too, it stays held and shutdown (or the reaper) does it.
        this.#app.config.log(`[hardq] could not run a message on "${claimed.queue}" (${error.message}); putting it back`);
        this.#fetch!.requeue([claimed]).then(() => this.#held.delete(claimed), () => {});
        this.#release();
      },
    );
  }

  #finish(claimed: Claimed, outcome: Outcome): void {
    // Not started because the worker is stopping: it stays held, and #shutdown requeues it.
    if (outcome === 'unstarted') return this.#release();
    // A handler that outlived the shutdown timeout: its message was already put back.
    if (!this.#held.delete(claimed)) return this.#release();
    if (outcome !== null) {
      const [completion, event] = outcome;
      // Until its ack is written, reconcile must not mistake it for an orphan and requeue it.
      this.#acking.add(claimed);
      this.#completer!.add(completion);
      this.#counts[event.state]++;
      this.emit('task', event);
    }
    this.#release();
  }

  #release(): void {
    this.#inFlight--;
    const resolve = this.#slotFreed;
    this.#slotFreed = undefined;
    resolve?.();
  }

  #markStarted = async (queue: string, id: string): Promise<void> => {
    const record = encodeResult({ state: 'STARTED', startedAt: Date.now() });
    await this.#redis!.set(this.#app.keys.result(queue, id), record, 'PX', this.#app.config.resultTtlMs);
  };

  async #shutdown(): Promise<void> {
    const fetch = this.#fetch!;
    const deadline = Date.now() + this.#options.shutdownTimeoutMs;
    while (this.#inFlight > 0 && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.#slotFreed = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    // Handlers past the deadline are abandoned (their AbortSignal fires); their messages
    // go back to the queue. If we crash here: reliable mode still holds them in the
    // processing list and the reaper requeues them; simple mode loses them.
    // Take them out of #held before the abort fires: a handler that rejects on the abort
    // then finds its message gone from #held and writes nothing (no false FAILURE).
    const unfinished = [...this.#held];
    this.#held.clear();
    this.#abort.abort(new Error('the worker is shutting down'));
    await this.#completer!.drained();
    if (unfinished.length > 0) {
      await fetch.requeue(unfinished);
      this.#app.config.log(`[hardq] shutdown timeout: ${unfinished.length} unfinished message(s) put back at the head of their queue`);
    }
    this.#scheduler!.stop();
    await this.#pool!.close();
    await fetch.stop();
    await this.#redis!.quit().catch(() => this.#redis!.disconnect());
    await this.#blocking!.redis.quit().catch(() => this.#blocking!.redis.disconnect());
  }

  async #createPool(): Promise<Pool> {
    const { pool, appModule, poolSize } = this.#options;
    if (pool === 'async') return new AsyncPool(this.#app.config.log);
    if (appModule === undefined) throw new InvalidOptionError(`the ${pool} pool loads the app module in each ${pool === 'threads' ? 'thread' : 'child'}: pass appModule (its path or URL)`);
    const { createIsolatedPool } = await import('./isolated-pool.ts');
    return createIsolatedPool(pool, { appModule, size: poolSize ?? Math.min(this.#options.concurrency, availableParallelism()), log: this.#app.config.log });
  }

  /** Stops fetching, finishes or requeues in-flight work, and disconnects. */
  async close(): Promise<void> {
    if (!this.#stopping) {
      this.#stopping = true;
      this.#stoppingController.abort();
      this.#slotFreed?.();
      if (this.#fetch) await this.#fetch.interrupt();
    }
    // A run() that failed (Redis unreachable) reported it to run()'s caller; closing is quiet.
    await this.#running?.catch(() => {});
  }
}
