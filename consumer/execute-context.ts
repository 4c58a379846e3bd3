/**
 * What execute() needs from a running worker, wired from its parts (worker-parts.ts): the
 * registry, the pool and the rate limiter, Redis's clock and revoked ids (scheduler.ts),
 * signing, and the reads a signed canvas step's parent check makes. The worker adds its own
 * signals and what it does when a handler starts.
 */
import type { AppContext } from '../shared/app-config.ts';
import type { ExecuteContext } from './execute.ts';
import type { WorkerParts } from './worker-parts.ts';
import { startedMarker } from './started-marker.ts';

export function executeContext(
  app: AppContext, parts: WorkerParts, worker: Pick<ExecuteContext, 'signal' | 'stopping' | 'onStart'>,
): ExecuteContext {
  const { config, keys } = app;
  const { scheduler } = parts;
  return {
    registry: app.registry, fetch: parts.fetch, pool: parts.pool, rateLimiter: parts.rateLimiter, terminations: parts.terminations, timeLimits: parts.timeLimits,
    isRevoked: (queue, id) => scheduler.isRevoked(queue, id), nowMs: () => scheduler.nowMs(),
    maxMessageBytes: config.maxMessageBytes, signing: config.signing,
    readResults: (queue, ids) => parts.redis.mget(ids.map((id) => keys.result(queue, id))),
    readChordParents: (queue, chordId) => parts.redis.hget(keys.chord(queue, chordId), 'parents'),
    markStarted: startedMarker(parts.redis, keys, config.resultTtlMs),
    ...worker,
  };
}
