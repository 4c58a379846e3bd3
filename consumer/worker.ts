/**
 * The worker: one loop, shared by simple and reliable mode, that
 * 1. fetches up to `free slots` messages through the fetch strategy,
 * 2. runs each with `concurrency` handlers in flight on one event loop,
 * 3. hands finished ones to the completer, which writes results and acks in batches; while
 *    `concurrency` finished messages wait for their ack it takes no more (backpressure),
 * 4. when Redis fails before a handler starts, tries that message again with backoff, and
 *    after maxStartAttempts dead-letters it (`start-failed`): never a hot loop,
 * 5. on close: stops fetching, waits for in-flight handlers up to shutdownTimeoutMs, writes
 *    what finished, and puts what did not back at the consuming end of its ready list.
 */
import { EventEmitter, setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { AppContext } from '../shared/app-config.ts';
import { InvalidOptionError } from '../shared/errors.ts';
import type { Claimed, FetchStrategy } from './fetch.ts';
import { ReliableFetch } from './reliable-fetch.ts';
import { Completer } from './completer.ts';
import { execute, startFailed, type TaskEvent, type ExecuteContext, type Outcome } from './execute.ts';
import { resolveWorkerOptions, type WorkerOptions } from './worker-options.ts';
import { WorkerParts } from './worker-parts.ts';
import { describeWorker } from './control/describe.ts';
import { QueueSet } from './queue-set.ts';
import { requeueUnfinished } from './requeue-unfinished.ts';
import { executeContext } from './execute-context.ts';
import type { TaskMessage } from '../shared/message.ts';

export type { WorkerOptions, TaskEvent };

type Counts = Record<TaskEvent['state'], number>;

/** Tries to start one message before it is dead-lettered as `start-failed`, and the backoff between them. */
export const maxStartAttempts = 5;
const startBackoffMs = (attempt: number) => Math.min(200 * 2 ** (attempt - 1), 5000);

/** Emits 'task' with a TaskEvent for every message it finishes. */
export class Worker extends EventEmitter {
  readonly consumerId: string;
  /** The queues consumed now: add_consumer and cancel_consumer change them (queue-set.ts). */
  #queues: QueueSet;
  #app: AppContext;
  #options: ReturnType<typeof resolveWorkerOptions>;
  #parts: WorkerParts | undefined;
  #completer: Completer | undefined;
  /** Messages claimed and not yet handed to the completer, for requeue on shutdown. */
  #held = new Set<Claimed>();
  /** Finished messages whose ack the completer has not written yet: still ours in Redis. */
  #acking = new Set<Claimed>();
  #inFlight = 0;
  #slotFreed: (() => void) | undefined;
  /** The fetch in flight, or the last one: cancel_consumer waits for it before counting what is held. */
  #fetching: Promise<Claimed[]> = Promise.resolve([]);
  /** Messages waiting to try again after Redis failed before their handler started. */
  #backoffs = new Map<Claimed, NodeJS.Timeout>();
  #stopping = false;
  #abort = new AbortController();
  #stoppingController = new AbortController();
  #running: Promise<void> | undefined;
  #counts: Counts = { SUCCESS: 0, FAILURE: 0, RETRY: 0, REVOKED: 0, DEAD: 0 };
  #context: ExecuteContext | undefined;
  /** Messages whose handler has started, for the registry's list of active tasks. */
  #active = new Map<Claimed, { message: TaskMessage; startedAt: number }>();
  readonly startedAt = Date.now();

  constructor(app: AppContext, options: WorkerOptions = {}) {
    super();
    // Every in-flight task with a time limit or a rate-limit wait listens on these two
    // signals, so dozens of listeners are normal here, not a leak.
    setMaxListeners(0, this.#abort.signal, this.#stoppingController.signal);
    this.#app = app;
    this.#options = resolveWorkerOptions(options, app.config.defaultQueue);
    this.#queues = new QueueSet(this.#options.queues);
    this.consumerId = this.#options.consumerId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    if (this.consumerId.includes('}')) throw new InvalidOptionError('consumerId must not contain braces');
  }

  override on(event: 'task', listener: (event: TaskEvent) => void): this {
    return super.on(event, listener);
  }

  /** The queues consumed now, highest priority first. */
  get queues(): string[] {
    return [...this.#queues.list];
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
    const fetch = this.#parts?.fetch;
    return fetch instanceof ReliableFetch ? fetch.heartbeat.lastFetchAt : undefined;
  }

  /** Connects, then consumes until close(); resolves when the worker has stopped. */
  run(): Promise<void> {
    this.#running ??= this.#run();
    return this.#running;
  }

  async #run(): Promise<void> {
    const { config } = this.#app;
    const o = this.#options;
    const parts = await WorkerParts.assemble(this.#app, o, {
      consumerId: this.consumerId, queues: this.#queues, held: () => [...this.#held, ...this.#acking], unfinished: () => this.#held.size, fetchSettled: () => this.#fetching.catch(() => {}),
      describe: () => describeWorker({
        id: this.consumerId, startedAt: this.startedAt, queues: this.queues, options: o, config, registry: this.#app.registry,
        counts: this.#counts, inFlight: this.#held.size + this.#acking.size, active: [...this.#active], autoscale: this.#parts?.autoscaler.bounds,
        reserved: [...this.#held].filter((claimed) => !this.#active.has(claimed)),
      }),
      // Remote control (control/commands.ts): shutdown, and the size (pool_grow, pool_shrink, autoscale).
      control: { close: () => this.close(), concurrency: () => o.concurrency, setConcurrency: (n) => ((o.concurrency = n), this.#wake()) },
    });
    this.#parts = parts;
    const { fetch } = parts;
    this.#completer = new Completer({
      write: (queue, batch) => parts.complete(queue, batch),
      onWritten: (batch) => {
        for (const completion of batch) this.#acking.delete(completion.claimed);
        // Canvas steps for other queues wait in an outbox: relay them now, not at the next tick.
        if (batch.some((completion) => completion.followUps !== undefined)) parts.relay.poke();
        this.#wake();
      },
      log: config.log,
    });
    this.#context = executeContext(this.#app, parts, {
      signal: this.#abort.signal, stopping: this.#stoppingController.signal,
      // Only what is at hand: the record's summaries (argument previews) are built when it is
      // written, once a second for at most 100 tasks, not once per job.
      onStart: (claimed, message) => {
        this.#active.set(claimed, { message, startedAt: Date.now() });
        parts.events.started(claimed, message);
      },
    });
    try {
      await parts.start();
    } catch (error) {
      // A worker that could not start (Redis out of memory, its consumer id in use) leaves
      // nothing behind: no connection, timer or thread keeps the process alive.
      await parts.abandon();
      throw error;
    }
    if (!this.#stopping) await this.#loop(fetch);
    await this.#shutdown();
  }

  async #loop(fetch: FetchStrategy): Promise<void> {
    let backoffMs = 100;
    while (!this.#stopping) {
      const { concurrency } = this.#options; // pool_grow and pool_shrink change it
      const free = concurrency - this.#inFlight;
      // Backpressure: finished messages whose ack is not written yet still count, up to one
      // more `concurrency`, so failing acks cannot let the worker run the whole queue.
      if (free <= 0 || this.#acking.size >= concurrency) {
        await new Promise<void>((resolve) => (this.#slotFreed = resolve));
        continue;
      }
      let claimed: Claimed[];
      try {
        claimed = await (this.#fetching = fetch.fetch(Math.min(free, this.#options.claimBatchMax)));
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

  #start(claimed: Claimed, attempt = 1): void {
    if (attempt === 1) {
      this.#inFlight++;
      this.#held.add(claimed);
      this.#parts!.events.received(claimed);
    }
    execute(claimed, this.#context!).then(
      (outcome) => this.#finish(claimed, outcome),
      (error: Error) => this.#startFailed(claimed, attempt, error),
    );
  }

  /**
   * execute() rejects only when Redis failed before the handler started (beforeRun, the rate
   * limiter, STARTED); after it started, every failure is a FAILURE result. The message stays
   * held, and its slot taken, while it waits: giving it back to the queue at once would only
   * make the next claim fail the same way, thousands of times a second.
   */
  #startFailed(claimed: Claimed, attempt: number, error: Error): void {
    this.#active.delete(claimed);
    if (!this.#held.has(claimed)) return this.#release(); // shutdown gave it back already
    const { log } = this.#app.config;
    if (attempt >= maxStartAttempts) {
      log(`[hardq] could not start a message on "${claimed.queue}" after ${attempt} attempts (${error.message}); dead-lettering it as start-failed`);
      return this.#finish(claimed, startFailed(claimed, attempt, error));
    }
    const waitMs = startBackoffMs(attempt);
    // If we crash here: the message is in our processing list and the reaper requeues it; its
    // attempts were counted in memory only, so they start over on the next consumer.
    log(`[hardq] could not start a message on "${claimed.queue}" (${error.message}); attempt ${attempt} of ${maxStartAttempts}, next in ${waitMs} ms`);
    const timer = setTimeout(() => {
      this.#backoffs.delete(claimed);
      if (!this.#held.has(claimed)) return this.#release();
      this.#start(claimed, attempt + 1);
    }, waitMs);
    this.#backoffs.set(claimed, timer);
  }

  #finish(claimed: Claimed, outcome: Outcome): void {
    const message = this.#active.get(claimed)?.message;
    this.#active.delete(claimed);
    // Not started because the worker is stopping: it stays held, and #shutdown requeues it.
    if (outcome === 'unstarted') return this.#release();
    // A handler that outlived the shutdown timeout: its message was already put back.
    if (!this.#held.delete(claimed)) return this.#release();
    if (outcome !== null) {
      const [completion, event] = outcome;
      // What complete-batch counts, and its event (task-events.ts).
      this.#parts!.events.annotate(completion, event, message);
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
    this.#wake();
  }

  /** Wakes the loop (or #shutdown) waiting for a slot or for acks to be written. */
  #wake(): void {
    const resolve = this.#slotFreed;
    this.#slotFreed = undefined;
    resolve?.();
  }

  async #shutdown(): Promise<void> {
    const { fetch } = this.#parts!;
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
    await requeueUnfinished(fetch, unfinished, this.#app.config.log);
    this.#active.clear();
    await this.#parts!.close();
  }

  /** Stops fetching, finishes or requeues in-flight work, and disconnects. */
  async close(): Promise<void> {
    if (!this.#stopping) {
      this.#stopping = true;
      this.#stoppingController.abort();
      // A message waiting to try again stays held: #shutdown gives it back to the queue.
      for (const timer of this.#backoffs.values()) {
        clearTimeout(timer);
        this.#release();
      }
      this.#backoffs.clear();
      this.#slotFreed?.();
      if (this.#parts) await this.#parts.fetch.interrupt();
    }
    // A run() that failed (Redis unreachable) reported it to run()'s caller; closing is quiet.
    await this.#running?.catch(() => {});
  }
}
