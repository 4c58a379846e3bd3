/**
 * Task options and call options: their types, their defaults, and the checks that turn
 * nonsense into InvalidOptionError before anything reaches Redis.
 * Task options live in the registry the consumer reads, never in the message, so a stale
 * producer cannot override them; call options are per-call facts and travel.
 */
import { InvalidOptionError } from './errors.ts';

export type TaskOptions = {
  /** The queue this task goes to unless a route or the call says otherwise. @default the app's defaultQueue */
  queue?: string;
  /** Retries allowed after the first run (not attempts). @default 3 */
  maxRetries?: number;
  /** Delay before a retry, in ms. @default 180000 (Celery's 3 minutes) */
  defaultRetryDelayMs?: number;
  /** Global start rate across all consumers: `'10/s'`, `'100/m'` or `'1000/h'`. @default none */
  rateLimit?: string;
  /** Hard time limit in ms: the task fails with TimeLimitExceeded. @default none */
  timeLimitMs?: number;
  /** Soft time limit in ms: the handler's AbortSignal fires. @default none */
  softTimeLimitMs?: number;
  /** Store no result; `get()` rejects at once. Saves one SET per task. @default false */
  ignoreResult?: boolean;
  /** Record STARTED when the handler starts. Costs one extra write per task. @default false */
  trackStarted?: boolean;
  /**
   * Errors that trigger a retry, as classes or names (names survive the thread and process
   * pools, classes do not). A plain throw of anything else is not retried. @default []
   */
  autoretryFor?: (string | (abstract new (...args: never[]) => Error))[];
  /** Exponential backoff for retries: `true` (base 1000 ms) or a base in ms. @default false */
  retryBackoff?: boolean | number;
  /** Cap on a backoff delay, in ms. @default 600000 */
  retryBackoffMaxMs?: number;
  /** Draw each backoff delay at random in [0, cap] (full jitter). @default true */
  retryJitter?: boolean;
};

export type CallOptions = {
  /** Send to this queue, ahead of routes and the task's own queue. */
  queue?: string;
  /** Run no sooner than this many ms from now. */
  countdownMs?: number;
  /** Run no sooner than this time (a Date or epoch ms). */
  eta?: Date | number;
  /** Do not run after this time (a Date or epoch ms). */
  expires?: Date | number;
  /** Use this id instead of a fresh UUID. It must not contain a comma. */
  taskId?: string;
};

const nonNegative = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value >= 0;
const positive = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value > 0;

export function checkQueueName(queue: unknown, where: string): void {
  if (typeof queue !== 'string' || queue.length === 0 || /[{}\s]/.test(queue)) {
    throw new InvalidOptionError(`${where}: queue must be a non-empty name without braces or spaces, got ${JSON.stringify(queue)}`);
  }
}

/** `'10/s'` → { limit: 10, periodMs: 1000 }. */
export function parseRateLimit(rate: string): { limit: number; periodMs: number } {
  const match = /^(\d+)\/(s|m|h)$/.exec(rate);
  if (!match || Number(match[1]) === 0) {
    throw new InvalidOptionError(`rateLimit must look like '10/s', '100/m' or '1000/h', got ${JSON.stringify(rate)}`);
  }
  return { limit: Number(match[1]), periodMs: { s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 's' | 'm' | 'h'] };
}

export function checkTaskOptions(name: string, options: TaskOptions): void {
  const where = `task "${name}"`;
  if (options.queue !== undefined) checkQueueName(options.queue, where);
  if (options.maxRetries !== undefined && !(Number.isInteger(options.maxRetries) && options.maxRetries >= 0)) {
    throw new InvalidOptionError(`${where}: maxRetries must be a non-negative integer`);
  }
  if (options.defaultRetryDelayMs !== undefined && !nonNegative(options.defaultRetryDelayMs)) {
    throw new InvalidOptionError(`${where}: defaultRetryDelayMs must be >= 0 ms`);
  }
  if (options.rateLimit !== undefined) parseRateLimit(options.rateLimit);
  if (options.autoretryFor !== undefined && (!Array.isArray(options.autoretryFor) || !options.autoretryFor.every((e) => typeof e === 'string' || typeof e === 'function'))) {
    throw new InvalidOptionError(`${where}: autoretryFor must be a list of error classes or names`);
  }
  if (options.retryBackoff !== undefined && typeof options.retryBackoff !== 'boolean' && !positive(options.retryBackoff)) {
    throw new InvalidOptionError(`${where}: retryBackoff must be true, false or a base delay > 0 ms`);
  }
  if (options.retryBackoffMaxMs !== undefined && !nonNegative(options.retryBackoffMaxMs)) {
    throw new InvalidOptionError(`${where}: retryBackoffMaxMs must be >= 0 ms`);
  }
  for (const key of ['timeLimitMs', 'softTimeLimitMs'] as const) {
    if (options[key] !== undefined && !positive(options[key])) throw new InvalidOptionError(`${where}: ${key} must be > 0 ms`);
  }
  if (options.timeLimitMs !== undefined && options.softTimeLimitMs !== undefined && options.softTimeLimitMs >= options.timeLimitMs) {
    throw new InvalidOptionError(`${where}: softTimeLimitMs must be below timeLimitMs, or the soft limit never fires`);
  }
}

const toEpochMs = (value: Date | number, key: string): number => {
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new InvalidOptionError(`${key} must be a valid Date or epoch ms`);
  return ms;
};

/** Checks call options and resolves them to the message's epoch-ms fields. */
export function resolveCallOptions(options: CallOptions, nowMs: number): { eta?: number; expires?: number } {
  if (options.queue !== undefined) checkQueueName(options.queue, 'applyAsync');
  if (options.taskId !== undefined && (typeof options.taskId !== 'string' || options.taskId.length === 0)) {
    throw new InvalidOptionError('taskId must be a non-empty string');
  }
  // Consumers announce finished ids comma-joined on one channel, and refuse such an id.
  if (options.taskId?.includes(',')) {
    throw new InvalidOptionError(`taskId ${JSON.stringify(options.taskId)} contains a comma; use an id without commas (result announcements join ids with commas)`);
  }
  if (options.countdownMs !== undefined && options.eta !== undefined) {
    throw new InvalidOptionError('give countdownMs or eta, not both');
  }
  let eta: number | undefined;
  if (options.countdownMs !== undefined) {
    if (!nonNegative(options.countdownMs)) throw new InvalidOptionError(`countdownMs must be >= 0, got ${options.countdownMs}`);
    if (options.countdownMs > 0) eta = nowMs + options.countdownMs;
  } else if (options.eta !== undefined) {
    eta = toEpochMs(options.eta, 'eta');
  }
  const expires = options.expires === undefined ? undefined : toEpochMs(options.expires, 'expires');
  if (expires !== undefined && eta !== undefined && expires <= eta) {
    throw new InvalidOptionError('expires is at or before the eta, so the task could never run');
  }
  return { eta, expires };
}
