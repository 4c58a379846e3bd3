/**
 * The reconcile after a reconnect: a claim whose reply was lost may have left messages in a
 * consumer's claimed hash, processing list or quarantine list that the worker does not know
 * it holds (Sidekiq #4495). Those orphans go back to the queue; what the worker holds stays.
 */
import type { Redis } from 'ioredis';
import { requeueHeld } from '../shared/scripts.ts';
import type { Claimed } from './fetch.ts';

/** What the worker holds, by queue: claim numbers (claimed hash), and counts of each raw message held by its text (the same text may be held twice). */
export type HeldIndex = { numbers: Set<string>; counts: Map<string, number> };

export function heldIndex(held: Iterable<Claimed>): HeldIndex {
  const numbers = new Set<string>();
  const counts = new Map<string, number>();
  for (const { raw, queue, claimNumber } of held) {
    if (claimNumber !== undefined) numbers.add(`${queue}\n${claimNumber}`);
    else counts.set(`${queue}\n${raw}`, (counts.get(`${queue}\n${raw}`) ?? 0) + 1);
  }
  return { numbers, counts };
}

/** Requeues what one queue's lists and hash hold beyond `held` (whose counts it uses up); throws if the read fails, so the reconcile is retried. */
export async function requeueOrphans(
  redis: Redis,
  queue: string,
  keys: { processing: string; quarantine: string; ready: string; claimed: string },
  held: HeldIndex,
  log: (line: string) => void,
): Promise<void> {
  // One MULTI, so a quarantine move between two reads cannot show a message twice.
  const replies = await redis.multi().hgetall(keys.claimed).lrange(keys.processing, 0, -1).lrange(keys.quarantine, 0, -1).exec();
  // A failed read must not pass for empty lists, or the reconcile would count as done.
  if (replies === null) throw new Error('the reconcile MULTI was discarded');
  for (const [error] of replies) if (error) throw error;
  const claimed = (replies[0]![1] ?? {}) as Record<string, string>;
  const orphans: { raw: string; claimNumber?: number }[] = Object.keys(claimed)
    .filter((number) => !held.numbers.has(`${queue}\n${number}`))
    .sort((a, b) => Number(a) - Number(b))
    .map((number) => ({ raw: claimed[number]!, claimNumber: Number(number) }));
  const listed = replies.slice(1).flatMap(([, value]) => (Array.isArray(value) ? (value as string[]) : []));
  // Oldest claim is rightmost; walk from the right so orphans keep their order.
  for (let i = listed.length - 1; i >= 0; i--) {
    const key = `${queue}\n${listed[i]}`;
    const count = held.counts.get(key) ?? 0;
    if (count > 0) held.counts.set(key, count - 1);
    else orphans.push({ raw: listed[i]! });
  }
  if (orphans.length === 0) return;
  const moved = await requeueHeld(redis, keys, orphans);
  log(`[hardq] reconciled "${queue}": ${moved} message(s) in this consumer's lists were not being run; requeued`);
}
