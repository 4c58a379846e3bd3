/**
 * The threads and process pools: a fixed set of members (thread-pool.ts, process-pool.ts)
 * that each import the app module once and run one task at a time.
 * 1. run() queues the job; the first idle member gets it (the queue is FIFO).
 * 2. The member runs the handler and times the soft limit; the worker times the hard one.
 * 3. Hard limit or worker abort: the member is terminated or SIGKILLed, the job rejects,
 *    and a new member starts in its place. A member that dies mid-task (a crash,
 *    process.exit, an OOM kill) fails its job with WorkerLostError and is replaced too.
 * 4. `revoke --terminate` aborts one job's signal with TaskTerminated: its member is stopped
 *    the same way, and a new one starts. resize() (pool_grow, pool_shrink) starts members at
 *    once, and stops idle ones; a busy member beyond the size stops when its task ends.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidOptionError, TimeLimitExceeded, WorkerLostError } from '../shared/errors.ts';
import type { Pool, PoolJob } from './pool.ts';
import { fromWireError, type MemberMessage, type PoolMember } from './pool-messages.ts';
import { startChild } from './process-pool.ts';
import { startThread } from './thread-pool.ts';
import { TaskTerminated } from './control/terminations.ts';

export type IsolatedPoolOptions = {
  /** The app module each member imports; its default export is the app. */
  appModule: string | URL;
  /** Members in the pool. The worker passes poolSize, else min(concurrency, CPU count). */
  size: number;
  log: (line: string) => void;
};

type Entry = { job: PoolJob; jobId: number; resolve: (value: unknown) => void; reject: (error: unknown) => void; timer?: NodeJS.Timeout; onAbort: () => void };
type Slot = { member: PoolMember; ready: boolean; running?: Entry; started: Promise<void>; retired: boolean };

/** A path (absolute, or relative to the current directory) or a URL, as the URL a member imports. */
function moduleUrl(appModule: string | URL): string {
  if (appModule instanceof URL) return appModule.href;
  return isAbsolute(appModule) || !/^[a-z][a-z\d+.-]+:/i.test(appModule) ? pathToFileURL(resolve(appModule)).href : appModule;
}

export class IsolatedPool implements Pool {
  readonly kind: 'threads' | 'process';
  #appModule: string;
  #size: number;
  #log: (line: string) => void;
  #slots = new Set<Slot>();
  /** Members being stopped after they left #slots; close() waits for them too. */
  #stopping = new Set<Promise<void>>();
  #waiting: Entry[] = [];
  #nextJobId = 1;
  #closed = false;
  #started = false;

  constructor(kind: 'threads' | 'process', options: IsolatedPoolOptions) {
    this.kind = kind;
    this.#appModule = moduleUrl(options.appModule);
    this.#size = options.size;
    this.#log = options.log;
  }

  get #noun(): string {
    return this.kind === 'threads' ? 'thread' : 'child process';
  }

  /** Starts every member and waits until each has loaded the app module. */
  async start(): Promise<void> {
    this.#topUp();
    try {
      await Promise.all([...this.#slots].map((slot) => slot.started));
    } catch (error) {
      await this.close();
      throw new InvalidOptionError(`the ${this.kind} pool could not load the app module ${this.#appModule} in a ${this.#noun}: ${(error as Error).message}`);
    }
    this.#started = true;
  }

  run(job: PoolJob): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (job.signal.aborted) return reject(job.signal.reason);
      if (this.#closed) return reject(new WorkerLostError(`the ${this.kind} pool is closed`));
      const entry: Entry = { job, jobId: this.#nextJobId++, resolve, reject, onAbort: () => this.#abort(entry) };
      job.signal.addEventListener('abort', entry.onAbort, { once: true });
      this.#waiting.push(entry);
      this.#topUp();
      this.#dispatch();
    });
  }

  /** Ends every member (by handle: terminate() or SIGKILL to its pid) and waits for them. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const entry of this.#waiting.splice(0)) this.#settle(entry, () => entry.reject(new WorkerLostError(`the ${this.kind} pool closed before the task started`)));
    for (const slot of [...this.#slots]) this.#stopMember(slot, new WorkerLostError(`the ${this.kind} pool closed while the task ran`));
    await Promise.all([...this.#stopping]);
  }

  /** Members the pool keeps. */
  get size(): number {
    return this.#size;
  }

  /** Grows or shrinks the pool to `size` members (at least 1). */
  resize(size: number): void {
    if (!(Number.isInteger(size) && size >= 1)) throw new InvalidOptionError('the pool size must be an integer >= 1');
    this.#size = size;
    this.#topUp();
    this.#trim();
  }

  /** Stops idle members beyond the size; busy ones are trimmed when their task ends. */
  #trim(): void {
    for (const slot of this.#slots) {
      if (this.#slots.size <= this.#size) return;
      if (slot.ready && slot.running === undefined) this.#stopMember(slot);
    }
  }

  #topUp(): void {
    while (!this.#closed && this.#slots.size < this.#size) this.#spawn();
  }

  #spawn(): void {
    const member = this.kind === 'threads' ? startThread() : startChild();
    let loaded!: () => void;
    let failed!: (error: Error) => void;
    const started = new Promise<void>((resolve, reject) => ((loaded = resolve), (failed = reject)));
    const slot: Slot = { member, ready: false, started, retired: false };
    // start() awaits `started`; later members report a failed start through #onStartFailed.
    started.catch((error: Error) => this.#onStartFailed(error));
    this.#slots.add(slot);
    member.onMessage((message) => {
      if (message.type === 'ready') {
        slot.ready = true;
        loaded();
        this.#trim();
        this.#dispatch();
      } else if (message.type === 'load-failed') {
        failed(fromWireError(message.error));
        this.#stopMember(slot);
      } else {
        this.#onReply(slot, message);
      }
    });
    member.onExit((how) => {
      if (slot.retired) return;
      if (!slot.ready) {
        // #onStartFailed decides whether to start another: starting one here could spin.
        this.#retire(slot);
        return failed(new WorkerLostError(`${member.label} exited (${how}) while loading the app module`));
      }
      const task = slot.running?.job.message;
      const doing = task === undefined ? 'while idle' : `while running task ${task.task} ${task.id}`;
      this.#retire(slot, new WorkerLostError(`${member.label} exited (${how}) ${doing}`));
      this.#log(`[hardq] ${member.label} exited (${how}) ${doing}; a new ${this.#noun} starts`);
      this.#topUp();
    });
    member.send({ type: 'load', appModule: this.#appModule });
  }

  #onStartFailed(error: Error): void {
    // During start() the error is start()'s to throw.
    if (this.#closed || !this.#started) return;
    this.#log(`[hardq] a ${this.#noun} of the ${this.kind} pool could not load the app module (${error.message})`);
    // Each failed start fails one waiting job, so a broken app module cannot spin.
    const entry = this.#waiting.shift();
    if (entry) this.#settle(entry, () => entry.reject(new WorkerLostError(`no ${this.#noun} could run the task: loading the app module failed (${error.name}: ${error.message})`)));
    if (this.#waiting.length > 0) this.#topUp();
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      if (this.#waiting.length === 0) return;
      if (!slot.ready || slot.running !== undefined) continue;
      const entry = this.#waiting.shift()!;
      slot.running = entry;
      const { definition, message, queue } = entry.job;
      const { softTimeLimitMs, timeLimitMs } = definition.options;
      slot.member.send({
        type: 'run', jobId: entry.jobId, task: message.task, id: message.id, queue, args: message.args,
        kwargs: message.kwargs ?? {}, retries: message.retries ?? 0, bind: definition.bind, softTimeLimitMs,
      });
      if (timeLimitMs !== undefined) entry.timer = setTimeout(() => this.#hardLimit(slot, entry, timeLimitMs), timeLimitMs);
    }
  }

  #onReply(slot: Slot, message: Exclude<MemberMessage, { type: 'ready' | 'load-failed' }>): void {
    const entry = slot.running;
    // A reply after the hard limit or an abort already settled the job (and retired the slot).
    if (entry === undefined || entry.jobId !== message.jobId) return;
    slot.running = undefined;
    if (message.type === 'done') this.#settle(entry, () => entry.resolve(message.value));
    else if (message.type === 'failed') this.#settle(entry, () => entry.reject(fromWireError(message.error)));
    else this.#settle(entry, () => entry.reject(message.value));
    this.#trim();
    this.#dispatch();
  }

  #hardLimit(slot: Slot, entry: Entry, limitMs: number): void {
    const { task, id } = entry.job.message;
    const how = this.kind === 'threads' ? 'the thread was terminated' : 'the child process was killed';
    this.#log(`[hardq] task ${task} ${id} passed its hard time limit (${limitMs} ms); ${slot.member.label} is stopped and a new ${this.#noun} starts`);
    this.#stopMember(slot, new TimeLimitExceeded(limitMs, how));
    this.#topUp();
  }

  /**
   * The worker gave up (shutdown timeout), or the task was terminated: a waiting job leaves
   * the queue, a running one is stopped. After a shutdown no member starts in its place:
   * the worker closes the pool next.
   */
  #abort(entry: Entry): void {
    const at = this.#waiting.indexOf(entry);
    if (at >= 0) {
      this.#waiting.splice(at, 1);
      return this.#settle(entry, () => entry.reject(entry.job.signal.reason));
    }
    for (const slot of this.#slots) {
      if (slot.running !== entry) continue;
      this.#stopMember(slot, entry.job.signal.reason);
      // A terminated task: the worker goes on, so its member is replaced.
      if (entry.job.signal.reason instanceof TaskTerminated) {
        this.#log(`[hardq] task ${entry.job.message.task} ${entry.job.message.id} terminated: ${slot.member.label} is stopped and a new ${this.#noun} starts`);
        this.#topUp();
      }
      return;
    }
  }

  /** Takes a member out of the pool and stops it, failing its job (if any) with `reason`. */
  #stopMember(slot: Slot, reason?: unknown): void {
    this.#retire(slot, reason);
    const stopped = slot.member.stop().catch((error: Error) => this.#log(`[hardq] could not stop ${slot.member.label} (${error.message})`));
    this.#stopping.add(stopped);
    void stopped.finally(() => this.#stopping.delete(stopped));
  }

  /** Takes a slot out of the pool, failing its job (if any) with `reason`. */
  #retire(slot: Slot, reason?: unknown): void {
    slot.retired = true;
    this.#slots.delete(slot);
    const entry = slot.running;
    slot.running = undefined;
    if (entry !== undefined) this.#settle(entry, () => entry.reject(reason));
  }

  #settle(entry: Entry, settle: () => void): void {
    clearTimeout(entry.timer);
    entry.job.signal.removeEventListener('abort', entry.onAbort);
    settle();
  }
}

/** Starts a threads or process pool and resolves once every member has loaded the app module. */
export async function createIsolatedPool(kind: 'threads' | 'process', options: IsolatedPoolOptions): Promise<Pool> {
  if (!(Number.isInteger(options.size) && options.size >= 1)) throw new InvalidOptionError('the pool size must be an integer >= 1');
  const pool = new IsolatedPool(kind, options);
  await pool.start();
  return pool;
}
