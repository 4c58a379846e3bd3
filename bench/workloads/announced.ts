/**
 * Counts the results hardq announces: complete-batch.lua SPUBLISHes the ids of each batch
 * it has written on the queue's result channel (keys.resultChannel). W5 and W6 end their
 * window at the announcement that brings the count to n, so the n-th result is written.
 */
import type { Redis } from 'ioredis';
import { nowMs } from '../payload.ts';

export type Announced = {
  /** Epoch ms of the announcement that reached n (0 before any). */
  readonly lastAt: number;
  /** Resolves once n ids were announced; rejects after `limitS` seconds. */
  wait(limitS: number, what: string): Promise<void>;
};

/** Subscribes each connection to its channels (a cluster node serves only its own slots' channels). */
export async function countAnnounced(subscriptions: [Redis, string[]][], n: number): Promise<Announced> {
  let written = 0;
  let lastAt = 0;
  let allWritten!: () => void;
  const finished = new Promise<void>((resolve) => (allWritten = resolve));
  for (const [subscriber, channels] of subscriptions) {
    subscriber.on('smessage', (_channel: string, ids: string) => {
      written += ids.split(',').length;
      lastAt = nowMs();
      if (written >= n) allWritten();
    });
    for (const channel of channels) await subscriber.ssubscribe(channel);
  }
  return {
    get lastAt() {
      return lastAt;
    },
    async wait(limitS, what) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: only ${written} of ${n} results written within ${limitS} s`)), limitS * 1000);
      });
      await Promise.race([finished, late]).finally(() => clearTimeout(timer));
    },
  };
}
