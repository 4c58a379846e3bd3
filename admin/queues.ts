/**
 * Queue administration, as library functions that the CLI and the monitor share: how much
 * each queue holds and where (ready, scheduled, held by consumers, dead), and purging what
 * waits. Reads keys.ready, scheduled, consumers, processing, claimed, quarantine and dead of a queue.
 */
import type { AppContext } from '../shared/app-config.ts';
import { decodeMessage } from '../shared/message.ts';

export type QueueStats = {
  queue: string;
  /** Waiting on the ready list. */
  ready: number;
  /** Waiting for their time in the scheduled set (countdown, ETA, retries). */
  scheduled: number;
  /** Claimed by a reliable consumer and not yet acknowledged, over every consumer. */
  processing: number;
  /** Redelivered messages running alone (at most one per consumer). */
  quarantine: number;
  dead: number;
  /** Reliable consumers registered on the queue (live, or dead and not yet reaped). */
  consumers: number;
  /** How long the next message to run has waited, in ms; undefined when none waits or it has no createdAt. */
  oldestAgeMs?: number;
};

/** One queue's counts, read in two round trips. */
export async function queueStats(app: AppContext, queue: string): Promise<QueueStats> {
  const redis = await app.connection();
  const { keys } = app;
  const first = await redis.multi()
    .llen(keys.ready(queue)).zcard(keys.scheduled(queue)).llen(keys.dead(queue))
    .zrange(keys.consumers(queue), '0', '-1').lindex(keys.ready(queue), -1).time().exec();
  const values = (first ?? []).map(([error, value]) => {
    if (error) throw error;
    return value;
  });
  const [ready, scheduled, dead, consumers, next, time] = values as [number, number, number, string[], string | null, [string, string]];
  const pipeline = redis.pipeline();
  // A consumer holds messages in its claimed hash (claim-batch.lua) and processing list (BLMOVE).
  for (const consumer of consumers) pipeline.llen(keys.processing(queue, consumer)).llen(keys.quarantine(queue, consumer)).hlen(keys.claimed(queue, consumer));
  const lengths = ((await pipeline.exec()) ?? []).map(([, value]) => Number(value ?? 0));
  const nowMs = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
  const decoded = next === null ? undefined : decodeMessage(next);
  const createdAt = decoded?.ok === true ? decoded.message.createdAt : undefined;
  return {
    queue, ready, scheduled, dead, consumers: consumers.length,
    processing: lengths.filter((_, i) => i % 3 !== 1).reduce((sum, n) => sum + n, 0),
    quarantine: lengths.filter((_, i) => i % 3 === 1).reduce((sum, n) => sum + n, 0),
    oldestAgeMs: createdAt === undefined ? undefined : Math.max(0, nowMs - createdAt),
  };
}

/**
 * Deletes what waits on a queue: the ready list, and the scheduled set too with
 * `scheduled: true`. Messages held by consumers and dead letters are left alone (Celery's
 * purge also leaves the tasks its workers hold). Returns how many were deleted.
 */
export async function purgeQueue(app: AppContext, queue: string, options: { scheduled?: boolean } = {}): Promise<{ ready: number; scheduled: number }> {
  const redis = await app.connection();
  const { keys } = app;
  // One MULTI: the counts are exactly what the DEL removed.
  const multi = redis.multi().llen(keys.ready(queue)).del(keys.ready(queue));
  if (options.scheduled === true) multi.zcard(keys.scheduled(queue)).del(keys.scheduled(queue));
  const replies = (await multi.exec()) ?? [];
  for (const [error] of replies) if (error) throw error;
  return { ready: Number(replies[0]?.[1] ?? 0), scheduled: options.scheduled === true ? Number(replies[2]?.[1] ?? 0) : 0 };
}
