/**
 * The worker's options, their defaults and their checks.
 */
import { InvalidOptionError } from '../shared/errors.ts';

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
  /** Most messages claimed per round trip (never more than the free slots). @default 100 */
  claimBatchMax?: number;
  /** Heartbeat TTL in ms: how long a silent consumer counts as alive. @default 3000 */
  heartbeatTtlMs?: number;
  /** How often a reaper looks for dead consumers, in ms (±25 % jitter). @default 1000 */
  reaperIntervalMs?: number;
  /** Deliveries after which a message that keeps killing its consumer is dead-lettered. @default 5 */
  maxDeliveries?: number;
  /** This consumer's id; fresh per process by default (host-pid-random). */
  consumerId?: string;
};

export function resolveWorkerOptions(options: WorkerOptions, defaultQueue: string) {
  const resolved = {
    queues: options.queues ?? [defaultQueue],
    concurrency: options.concurrency ?? 50,
    mode: options.mode ?? 'reliable',
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? 10_000,
    blockTimeoutMs: options.blockTimeoutMs ?? 2000,
    claimBatchMax: options.claimBatchMax ?? 100,
    heartbeatTtlMs: options.heartbeatTtlMs ?? 3000,
    reaperIntervalMs: options.reaperIntervalMs ?? 1000,
    maxDeliveries: options.maxDeliveries ?? 5,
    consumerId: options.consumerId,
  };
  if (resolved.queues.length === 0) throw new InvalidOptionError('a worker needs at least one queue');
  if (new Set(resolved.queues).size !== resolved.queues.length) throw new InvalidOptionError('a queue is listed twice');
  if (resolved.mode !== 'simple' && resolved.mode !== 'reliable') throw new InvalidOptionError(`mode must be 'simple' or 'reliable', got ${JSON.stringify(resolved.mode)}`);
  for (const key of ['concurrency', 'claimBatchMax', 'maxDeliveries'] as const) {
    if (!(Number.isInteger(resolved[key]) && resolved[key] >= 1)) throw new InvalidOptionError(`${key} must be an integer >= 1`);
  }
  for (const key of ['shutdownTimeoutMs', 'blockTimeoutMs', 'heartbeatTtlMs', 'reaperIntervalMs'] as const) {
    if (!(Number.isFinite(resolved[key]) && resolved[key] >= 0)) throw new InvalidOptionError(`${key} must be >= 0 ms`);
  }
  if (resolved.blockTimeoutMs > 2000 || resolved.blockTimeoutMs < 10) throw new InvalidOptionError('blockTimeoutMs must be between 10 and 2000 ms');
  if (resolved.heartbeatTtlMs < 100) throw new InvalidOptionError('heartbeatTtlMs must be >= 100 ms');
  return resolved;
}
