/**
 * Retries with Celery's semantics. Only three things retry: an error listed in
 * `autoretryFor`, a thrown `Retry`, or `ctx.retry()` (which throws one). A plain throw fails.
 * `maxRetries` counts retries, not runs: the default 3 allows 4 runs.
 *
 * The delay: an explicit `countdownMs` wins; else with `retryBackoff`, Celery's formula
 * (min(cap, base·2^n), drawn at random in [0, that] with jitter); else defaultRetryDelayMs.
 */
import { Retry } from '../shared/errors.ts';
import type { TaskOptions } from '../shared/options.ts';

export const retryDefaults = { maxRetries: 3, defaultRetryDelayMs: 180_000, retryBackoffMaxMs: 600_000, backoffBaseMs: 1000 };

/** True when the error asks for a retry under these options. */
export function wantsRetry(error: unknown, options: TaskOptions): boolean {
  if (error instanceof Retry || (error as { code?: string } | null)?.code === 'RETRY') return true;
  const name = (error as { name?: unknown } | null)?.name;
  for (const match of options.autoretryFor ?? []) {
    if (typeof match === 'string' ? name === match : error instanceof match || name === match.name) return true;
  }
  return false;
}

/** The backoff bound for retry number `retries` (0-based): min(cap, base·2^retries). */
export function backoffBoundMs(options: TaskOptions, retries: number): number {
  const base = options.retryBackoff === true ? retryDefaults.backoffBaseMs : Number(options.retryBackoff);
  const cap = options.retryBackoffMaxMs ?? retryDefaults.retryBackoffMaxMs;
  return Math.min(cap, base * 2 ** retries);
}

/** How long to wait before retry number `retries` (0-based), in ms. */
export function retryDelayMs(options: TaskOptions, retries: number, error: unknown, random: () => number = Math.random): number {
  const explicit = (error as { countdownMs?: unknown } | null)?.countdownMs;
  if (typeof explicit === 'number' && explicit >= 0) return explicit;
  if (options.retryBackoff !== undefined && options.retryBackoff !== false) {
    const bound = backoffBoundMs(options, retries);
    return options.retryJitter === false ? bound : Math.floor(random() * (bound + 1));
  }
  return options.defaultRetryDelayMs ?? retryDefaults.defaultRetryDelayMs;
}

/** The error to report when no retries are left: what the Retry wrapped, if anything. */
export function underlyingError(error: unknown): unknown {
  return error instanceof Retry && error.cause !== undefined ? error.cause : error;
}
