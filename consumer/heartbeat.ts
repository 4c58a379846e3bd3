/**
 * The heartbeat: proof that a reliable consumer is alive, one key per queue it consumes
 * (keys.heartbeat, SET PX heartbeatTtlMs through beat.lua, which also keeps the id in
 * keys.consumers). When the key expires, any reaper may take the consumer's work back.
 * 1. start(): the first beat, from this thread on the worker's connection, registers the
 *    consumer or refuses an id that another live process uses (ConsumerIdInUseError).
 * 2. Then consumer/heartbeat-thread.ts beats every third of the TTL from a worker_thread on
 *    its own connection, so a handler that blocks this event loop does not stop it.
 * 3. This thread proves its own progress through shared memory (progressAt, every 100 ms);
 *    after stallTimeoutMs without it, the thread stops beating so reapers take the work back.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Redis } from 'ioredis';
import { ConsumerIdInUseError, WorkerLostError } from '../shared/errors.ts';
import type { Keys } from '../shared/keys.ts';
import type { ResolvedTls } from '../shared/tls.ts';
import { beat, defineScripts } from '../shared/scripts.ts';
import { fromWireError } from './pool-messages.ts';
import type { HeartbeatControlMessage, HeartbeatThreadData, HeartbeatThreadMessage } from './heartbeat-thread.ts';

export type HeartbeatOptions = {
  /** The worker's command connection: the first beat goes through it. */
  redis: Redis;
  keys: Keys;
  queues: string[];
  consumerId: string;
  /** The heartbeat key's TTL in ms; the thread beats every third of it. */
  ttlMs: number;
  /** How long a reaper must keep the id in the consumer set after each beat, in ms (beat.lua ARGV[6]). */
  keepMs: number;
  /** After this many ms without progress of this event loop, the thread stops beating. */
  stallTimeoutMs: number;
  /** The Redis URL the thread opens its own connection to (the worker's). */
  redisUrl: string;
  /** The TLS settings of that connection, PEM already read (the thread gets them by message). */
  tls?: ResolvedTls;
  /** The thread's first-connection bound, in ms (connectRedis). */
  connectTimeoutMs: number;
  log: (line: string) => void;
};

/** Slots of the shared BigInt64Array: epoch ms, written by this thread, read by the heartbeat thread. */
export const livenessSlot = { progressAt: 0, lastFetchAt: 1 } as const;

/** How often this thread proves its progress, in ms; well under any stallTimeoutMs (> ttl ≥ 100). */
const progressIntervalMs = 100;

/** The heartbeat value: JSON that contains the token, as beat.lua requires. */
export function heartbeatValue(token: string, startedAt: number, liveness: BigInt64Array): string {
  return JSON.stringify({
    token, pid: process.pid, host: hostname(), startedAt,
    lastFetchAt: Number(Atomics.load(liveness, livenessSlot.lastFetchAt)),
    progressAt: Number(Atomics.load(liveness, livenessSlot.progressAt)),
  });
}

/**
 * Node 20 runs a thread's `.ts` entry before the `--import tsx` hooks apply there, so the
 * thread starts from a line that registers tsx first (as consumer/thread-pool.ts does).
 */
function threadCode(entry: string): string {
  const load = `import(${JSON.stringify(entry)})`;
  // The build's .js entry needs no tsx, even where tsx is installed (a project that runs
  // the compiled package and has tsx among its dev dependencies).
  if (!entry.endsWith('.ts')) return load;
  let tsxApi: string | undefined;
  try {
    tsxApi = import.meta.resolve('tsx/esm/api');
  } catch {
    // No tsx to register: the entry loads as it is.
  }
  return tsxApi === undefined ? load : `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return ${load}; })`;
}

/** `.ts` from the sources, `.js` from the build: the build does not rewrite URL strings. */
const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const code = threadCode(new URL(`./heartbeat-thread${extension}`, import.meta.url).href);

export class Heartbeat {
  #o: HeartbeatOptions;
  /** Random per Heartbeat: beat.lua refuses the id to any beat whose value lacks it. */
  #token = randomUUID();
  #startedAt = Date.now();
  #liveness = new BigInt64Array(new SharedArrayBuffer(2 * BigInt64Array.BYTES_PER_ELEMENT));
  #progressTimer: NodeJS.Timeout | undefined;
  #thread: Worker | undefined;
  /** Settles when the thread has ended, however it ended. */
  #threadExited: Promise<void> = Promise.resolve();
  #stopped = false;
  /** True once the thread beats: an exit after that is news, an exit while starting is start()'s error. */
  #beating = false;
  /** The queues beaten on now (start's, then add_consumer's and cancel_consumer's changes). */
  #queues: string[];
  /** Target changes the thread has not confirmed yet, by sequence number. */
  #targetsSet = new Map<number, () => void>();
  #targetsSeq = 0;

  constructor(options: HeartbeatOptions) {
    this.#o = options;
    this.#queues = [...options.queues];
    this.lastFetchAt = Date.now();
  }

  /** This Heartbeat's random token, which every beat's value carries; unregister.lua checks it. */
  get token(): string {
    return this.#token;
  }

  /** Epoch ms of the last fetch attempt; the worker sets it, the heartbeat value carries it. */
  get lastFetchAt(): number {
    return Number(Atomics.load(this.#liveness, livenessSlot.lastFetchAt));
  }

  set lastFetchAt(epochMs: number) {
    Atomics.store(this.#liveness, livenessSlot.lastFetchAt, BigInt(Math.floor(epochMs)));
  }

  /**
   * Registers the consumer on every queue, then hands the beating to the thread. Rejects
   * with ConsumerIdInUseError, a Redis error, or the thread's connection error; on a
   * rejection no thread is left running.
   */
  async start(): Promise<void> {
    const { redis, keys, queues, consumerId, ttlMs } = this.#o;
    this.#markProgress();
    this.#progressTimer = setInterval(() => this.#markProgress(), progressIntervalMs).unref();
    try {
      // The thread connects first: were it started after the first beat, its start-up
      // (loading tsx, connecting) could outlast a short TTL before its first renewal.
      await this.#startThread();
      defineScripts(redis);
      const replies = await Promise.all(queues.map((queue) => this.#firstBeat(queue)));
      const refused = replies.indexOf(0);
      // The other queues' keys are left to expire: deleting them needs the token check.
      if (refused >= 0) throw new ConsumerIdInUseError(consumerId, queues[refused]!, ttlMs);
      this.#thread!.postMessage({ type: 'beat' });
      this.#beating = true;
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** The beat that registers the consumer on a queue, from this thread: 0 when another live process holds the id there. */
  #firstBeat(queue: string): Promise<0 | 1 | 2> {
    const { redis, keys, consumerId, ttlMs, keepMs } = this.#o;
    const value = heartbeatValue(this.#token, this.#startedAt, this.#liveness);
    return beat(redis, { heartbeat: keys.heartbeat(queue, consumerId), consumers: keys.consumers(queue) }, { consumerId, token: this.#token, value, ttlMs, first: true, keepMs });
  }

  /** Registers on one more queue (add_consumer): the first beat here, then the thread renews it. */
  async addQueue(queue: string): Promise<void> {
    if (this.#queues.includes(queue)) return;
    if ((await this.#firstBeat(queue)) === 0) throw new ConsumerIdInUseError(this.#o.consumerId, queue, this.#o.ttlMs);
    this.#queues = [...this.#queues, queue];
    await this.#sendTargets();
  }

  /** Stops beating on a queue (cancel_consumer); resolves once no beat there can land any more. */
  async removeQueue(queue: string): Promise<void> {
    this.#queues = this.#queues.filter((other) => other !== queue);
    await this.#sendTargets();
  }

  /** Hands the thread its new queue list and waits until it confirms, after any beat in flight. */
  #sendTargets(): Promise<void> {
    const thread = this.#thread;
    if (thread === undefined) return Promise.resolve();
    const { keys, consumerId } = this.#o;
    const seq = ++this.#targetsSeq;
    const confirmed = new Promise<void>((resolve) => this.#targetsSet.set(seq, resolve));
    thread.postMessage({ type: 'targets', seq, targets: targetsOf(keys, this.#queues, consumerId) } satisfies HeartbeatControlMessage);
    return confirmed;
  }

  /**
   * Stops the thread (its connection quits after its last beat is answered) and waits for
   * it to end. The keys stay: unregistering deletes them with the consumer's lists.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#progressTimer);
    const thread = this.#thread;
    if (thread === undefined) return;
    this.#thread = undefined;
    thread.postMessage({ type: 'stop' });
    // The thread quits its connection and ends itself; a thread that cannot (its QUIT waits
    // on a Redis that is down) is ended by terminate() after a bound.
    const bound = setTimeout(() => void thread.terminate(), Math.max(1000, this.#o.ttlMs));
    await this.#threadExited;
    clearTimeout(bound);
  }

  #markProgress(): void {
    Atomics.store(this.#liveness, livenessSlot.progressAt, BigInt(Date.now()));
  }

  /** Starts the thread and resolves once its connection is ready. */
  #startThread(): Promise<void> {
    const { keys, consumerId, ttlMs, keepMs, stallTimeoutMs, redisUrl, tls, connectTimeoutMs, log } = this.#o;
    const workerData: HeartbeatThreadData = {
      redisUrl, tls, connectTimeoutMs, consumerId, token: this.#token, ttlMs, keepMs, stallTimeoutMs,
      startedAt: this.#startedAt, liveness: this.#liveness.buffer as SharedArrayBuffer,
      targets: targetsOf(keys, this.#queues, consumerId),
    };
    const thread = new Worker(code, { eval: true, workerData });
    this.#thread = thread;
    this.#threadExited = new Promise((resolve) => thread.once('exit', () => resolve()));
    let uncaught: Error | undefined;
    thread.on('error', (error) => (uncaught = error));
    return new Promise((resolve, reject) => {
      thread.on('message', (message: HeartbeatThreadMessage) => {
        if (message.type === 'log') log(message.line);
        else if (message.type === 'ready') resolve();
        else if (message.type === 'targets-set') this.#confirmTargets(message.seq);
        else if (message.type === 'failed') reject(fromWireError(message.error));
      });
      thread.once('exit', (exitCode) => {
        const why = `exit code ${exitCode}${uncaught ? `: ${uncaught.name}: ${uncaught.message}` : ''}`;
        reject(uncaught ?? new WorkerLostError(`the heartbeat thread exited while starting (${why})`));
        // A thread that is gone beats nowhere: a queue change waiting on it is done.
        for (const seq of [...this.#targetsSet.keys()]) this.#confirmTargets(seq);
        if (!this.#beating || this.#stopped) return;
        this.#thread = undefined;
        log(`[hardq] the heartbeat thread of consumer ${consumerId} exited (${why}); this consumer no longer beats, so reapers will take its messages back`);
      });
    });
  }

  #confirmTargets(seq: number): void {
    this.#targetsSet.get(seq)?.();
    this.#targetsSet.delete(seq);
  }
}

function targetsOf(keys: Keys, queues: string[], consumerId: string): HeartbeatThreadData['targets'] {
  return queues.map((queue) => ({ queue, heartbeat: keys.heartbeat(queue, consumerId), consumers: keys.consumers(queue) }));
}
