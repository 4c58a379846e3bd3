/**
 * The reconcile after a reconnect: a claim whose reply was lost may have left messages in a
 * consumer's processing or quarantine list that the worker does not know it holds (Sidekiq
 * #4495). Those orphans go back to the queue; what the worker holds stays.
 */
import type { Redis } from 'ioredis';
import { requeueHeld } from '../shared/scripts.ts';

/** How many copies of each raw message the worker holds, by queue (the same text may be held twice). */
export function heldCounts(held: Iterable<{ raw: string; queue: string }>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { raw, queue } of held) counts.set(`${queue}\n${raw}`, (counts.get(`${queue}\n${raw}`) ?? 0) + 1);
  return counts;
}

/** Requeues what one queue's lists hold beyond `counts` (which it uses up); throws if the read fails, so the reconcile is retried. */
export async function requeueOrphans(
  redis: Redis,
  queue: string,
  lists: { processing: string; quarantine: string; ready: string },
  counts: Map<string, number>,
  log: (line: string) => void,
): Promise<void> {
  // One MULTI, so a quarantine move between two reads cannot show a message twice.
  const replies = await redis.multi().lrange(lists.processing, 0, -1).lrange(lists.quarantine, 0, -1).exec();
  // A failed read must not pass for empty lists, or the reconcile would count as done.
  if (replies === null) throw new Error('the reconcile MULTI was discarded');
  for (const [error] of replies) if (error) throw error;
  const listed = replies.flatMap(([, value]) => (Array.isArray(value) ? (value as string[]) : []));
  const orphans: string[] = [];
  // Oldest claim is rightmost; walk from the right so orphans keep their order.
  for (let i = listed.length - 1; i >= 0; i--) {
    const key = `${queue}\n${listed[i]}`;
    const count = counts.get(key) ?? 0;
    if (count > 0) counts.set(key, count - 1);
    else orphans.push(listed[i]!);
  }
  if (orphans.length === 0) return;
  const moved = await requeueHeld(redis, lists, orphans);
  log(`[hardq] reconciled "${queue}": ${moved} message(s) in this consumer's lists were not being run; requeued`);
}
