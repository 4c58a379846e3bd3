/**
 * STARTED, written when a handler starts (execute.ts calls it through its context): a
 * result record under keys.result(queue, id) with the result TTL, which a final state
 * later replaces (complete-batch.lua never replaces a final one).
 */
import type { Redis } from 'ioredis';
import type { Keys } from '../shared/keys.ts';
import { encodeResult } from '../shared/result-record.ts';

export function startedMarker(redis: Redis, keys: Keys, resultTtlMs: number): (queue: string, id: string) => Promise<void> {
  return async (queue, id) => {
    const record = encodeResult({ state: 'STARTED', startedAt: Date.now() });
    await redis.set(keys.result(queue, id), record, 'PX', resultTtlMs);
  };
}
