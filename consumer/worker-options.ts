/**
 * The worker's options, their defaults and their checks.
 */
import { InvalidOptionError } from '../shared/errors.ts';
import { parseEventsLevel, type EventsLevel } from '../shared/events.ts';
import { resolveWaitReplicas, type WaitReplicas } from './replica-wait.ts';

export type WorkerOptions = {
  /** Queues to consume, highest priority first. @default [the app's defaultQueue] */
  queues?: string[];
  /** Handlers in flight at once. @default 50 */
  concurrency?: number;
  /** `reliable` (BLMOVE into a processing list) or `simple` (BRPOP; loses in-flight work on a crash). @default 'reliable' */
  mode?: 'simple' | 'reliable';
  /** How long close() waits for in-flight handlers before requeueing them, in ms. @default 10000 */
  shutdownTimeoutMs?: number;
  /** Longest single blocking pop, in ms; close() interrupts it at once anyway. @default 2000 */
  blockTimeoutMs?: number;
  /** Most messages claimed per round trip (never more than the free slots), at most 1000. @default 100 */
  claimBatchMax?: number;
  /**
   * Heartbeat TTL in ms: how long a silent consumer counts as alive. A thread of its own
   * renews it every third of the TTL, so a blocked event loop does not silence it (see
   * stallTimeoutMs). A killed consumer's work runs again after at most
   * heartbeatTtlMs + 1.25 × reaperIntervalMs (1625 ms with the defaults).
   * @default 1000
   */
  heartbeatTtlMs?: number;
  /** How often a reaper looks for dead consumers, in ms (±25 % jitter). @default 500 */
  reaperIntervalMs?: number;
  /**
   * How long this worker's event loop may make no progress before its heartbeat stops, in
   * ms, so that other consumers take its messages back. Well above any sane hard time
   * limit: a handler that blocks the loop this long is taken for a hung process. Must be
   * greater than heartbeatTtlMs.
   * @default 300000
   */
  stallTimeoutMs?: number;
  /** Deliveries after which a message that keeps killing its consumer is dead-lettered. @default 5 */
  maxDeliveries?: number;
  /** This consumer's id; fresh per process by default (host-pid-random). */
  consumerId?: string;
  /** `strict`: always the first non-empty queue in the order given; `round-robin`: start from the next queue each fetch. @default 'strict' */
  queueOrder?: 'strict' | 'round-robin';
  /** How often the scheduler promotes due messages, in ms (±50 % jitter). @default 250 */
  promoteIntervalMs?: number;
  /** Where handlers run: in this event loop, in worker_threads, or in child processes. @default 'async' */
  pool?: 'async' | 'threads' | 'process';
  /** The app module (path or file URL) the threads and process pools load; its default export is the app. */
  appModule?: string | URL;
  /**
   * Threads or child processes in the pool (each loads the app module and runs one task at
   * a time; tasks beyond it wait in the pool). Celery's prefork also defaults to the CPU count.
   * @default min(concurrency, os.availableParallelism())
   */
  poolSize?: number;
  /**
   * Grow and shrink concurrency (the threads or process pool follows it) between `min` and `max`
   * with the backlog of the queues consumed (consumer/control/autoscaler.ts), as Celery's
   * `--autoscale MAX,MIN`. The worker starts at `min` unless `concurrency` says otherwise.
   * It grows at once; it shrinks after `cooldownMs` (default 30000) without a change.
   * @default undefined (a fixed concurrency)
   * @example { max: 20, min: 2 }
   */
  autoscale?: { max: number; min: number; cooldownMs?: number };
  /** The worker group this worker belongs to (`hardq worker --processes N` sets it); shown by inspect. */
  group?: string;
  /**
   * Task and worker events (docs/PROTOCOL.md, "Events"): `'final'` (or `true`, Celery's -E)
   * writes final-state events in the step that writes each state, and worker events; `'all'`
   * adds task-received and task-started. Counters are written at every level. The
   * enable_events and disable_events control commands change it at run time.
   * @default 'off'
   */
  events?: EventsLevel | boolean;
  /**
   * Count each state in the step that writes it (per queue, task and state; run times; per
   * minute). Off only saves work while events are off too: an event is written with its count.
   * @default true
   */
  counters?: boolean;
  /**
   * After each completion write, WAIT until this many replicas of the queue's node have it,
   * or until `timeoutMs` (consumer/replica-wait.ts, docs/RELIABILITY.md): fewer acks lost
   * to a failover, at one round trip and up to `timeoutMs` per batch. A shortfall is logged
   * at most every 10 s and counted in the worker record; the ack stands.
   * @default undefined (no WAIT); `timeoutMs` defaults to 100
   * @example { replicas: 1, timeoutMs: 100 }
   */
  waitReplicas?: WaitReplicas;
};

export function resolveWorkerOptions(options: WorkerOptions, defaultQueue: string) {
  const resolved = {
    queues: options.queues ?? [defaultQueue],
    concurrency: options.concurrency ?? options.autoscale?.min ?? 50,
    mode: options.mode ?? 'reliable',
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? 10_000,
    blockTimeoutMs: options.blockTimeoutMs ?? 2000,
    claimBatchMax: options.claimBatchMax ?? 100,
    heartbeatTtlMs: options.heartbeatTtlMs ?? 1000,
    reaperIntervalMs: options.reaperIntervalMs ?? 500,
    stallTimeoutMs: options.stallTimeoutMs ?? 300_000,
    maxDeliveries: options.maxDeliveries ?? 5,
    consumerId: options.consumerId,
    queueOrder: options.queueOrder ?? 'strict',
    promoteIntervalMs: options.promoteIntervalMs ?? 250,
    pool: options.pool ?? 'async',
    appModule: options.appModule,
    poolSize: options.poolSize,
    autoscale: options.autoscale === undefined ? undefined : { cooldownMs: 30_000, ...options.autoscale },
    group: options.group,
    events: parseEventsLevel(options.events, 'events'),
    counters: options.counters ?? true,
    waitReplicas: resolveWaitReplicas(options.waitReplicas),
  };
  const { autoscale } = resolved;
  if (autoscale !== undefined) {
    const { max, min, cooldownMs } = autoscale;
    if (!(Number.isInteger(min) && Number.isInteger(max) && min >= 1 && max >= min && max <= 10_000)) {
      throw new InvalidOptionError(`autoscale needs whole numbers 1 <= min <= max <= 10000, got max ${max}, min ${min}`);
    }
    if (!(Number.isFinite(cooldownMs) && cooldownMs >= 0)) throw new InvalidOptionError('autoscale.cooldownMs must be >= 0 ms');
    resolved.concurrency = Math.min(max, Math.max(min, resolved.concurrency));
  }
  if (resolved.group !== undefined && (typeof resolved.group !== 'string' || resolved.group.length === 0 || resolved.group.length > 200)) {
    throw new InvalidOptionError('group must be a non-empty name of at most 200 characters');
  }
  if (resolved.queueOrder !== 'strict' && resolved.queueOrder !== 'round-robin') throw new InvalidOptionError(`queueOrder must be 'strict' or 'round-robin'`);
  if (!['async', 'threads', 'process'].includes(resolved.pool)) throw new InvalidOptionError(`pool must be 'async', 'threads' or 'process', got ${JSON.stringify(resolved.pool)}`);
  if (resolved.poolSize !== undefined && !(Number.isInteger(resolved.poolSize) && resolved.poolSize >= 1)) throw new InvalidOptionError('poolSize must be an integer >= 1');
  if (!(resolved.promoteIntervalMs >= 10)) throw new InvalidOptionError('promoteIntervalMs must be >= 10 ms');
  if (resolved.queues.length === 0) throw new InvalidOptionError('a worker needs at least one queue');
  if (new Set(resolved.queues).size !== resolved.queues.length) throw new InvalidOptionError('a queue is listed twice');
  if (resolved.mode !== 'simple' && resolved.mode !== 'reliable') throw new InvalidOptionError(`mode must be 'simple' or 'reliable', got ${JSON.stringify(resolved.mode)}`);
  for (const key of ['concurrency', 'claimBatchMax', 'maxDeliveries'] as const) {
    if (!(Number.isInteger(resolved[key]) && resolved[key] >= 1)) throw new InvalidOptionError(`${key} must be an integer >= 1`);
  }
  for (const key of ['shutdownTimeoutMs', 'blockTimeoutMs', 'heartbeatTtlMs', 'reaperIntervalMs', 'stallTimeoutMs'] as const) {
    if (!(Number.isFinite(resolved[key]) && resolved[key] >= 0)) throw new InvalidOptionError(`${key} must be >= 0 ms`);
  }
  if (resolved.claimBatchMax > 1000) throw new InvalidOptionError('claimBatchMax must be at most 1000 (one Lua unpack)');
  if (resolved.blockTimeoutMs > 2000 || resolved.blockTimeoutMs < 10) throw new InvalidOptionError('blockTimeoutMs must be between 10 and 2000 ms');
  if (resolved.heartbeatTtlMs < 100) throw new InvalidOptionError('heartbeatTtlMs must be >= 100 ms');
  if (!(resolved.stallTimeoutMs > resolved.heartbeatTtlMs)) throw new InvalidOptionError(`stallTimeoutMs must be greater than heartbeatTtlMs (${resolved.heartbeatTtlMs} ms)`);
  return resolved;
}
