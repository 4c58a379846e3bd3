/**
 * Blocking on several queues of a Redis Cluster. One blocking pop cannot name two slots
 * (CROSSSLOT), and every queue is its own slot, so the worker blocks once per node that owns
 * a consumed queue, all at once, on its blocking Cluster client (one connection per node,
 * so the pops do not hold each other up). On each node it blocks on that node's first queue
 * in the fetch order. The first pop that returns something interrupts the others
 * (BlockingConnection.interrupt: CLIENT UNBLOCK … TIMEOUT on each node, which loses
 * nothing); a pop that had already taken a message keeps it, so a round can bring back one
 * message per node. A node with more than one consumed queue watches only its first one,
 * so then the block is short (shortMs) and the next round looks at the others.
 * Keys read: each queue's ready list, through the caller's `pop`.
 */
import type { Redis } from 'ioredis';
import { asCluster } from '../shared/cluster-connection.ts';
import { hashSlot } from '../shared/hash-slot.ts';
import type { BlockingConnection } from './blocking-connection.ts';

/** The queues grouped by the node that owns their slot now, each group in the order given. */
export function queuesByNode(redis: Redis, queues: readonly string[], readyKey: (queue: string) => string): string[][] {
  const slots = asCluster(redis)?.slots ?? [];
  const groups = new Map<string, string[]>();
  for (const queue of queues) {
    // A slot not in the map yet (a node just failed over) gets its own group: the pop
    // follows MOVED on its own.
    const node = slots[hashSlot(readyKey(queue))]?.[0] ?? `unknown:${queue}`;
    const group = groups.get(node);
    if (group) group.push(queue);
    else groups.set(node, [queue]);
  }
  return [...groups.values()];
}

/**
 * Blocks on the first queue of each node at once, for `timeoutMs` (or `shortMs` when a node
 * has a queue it does not watch); returns what the pops brought, in the order of `queues`.
 */
export async function blockOnShards<T>(options: {
  blocking: BlockingConnection; via: Redis; queues: readonly string[]; readyKey: (queue: string) => string;
  timeoutMs: number; shortMs: number; pop: (queue: string, timeoutS: number) => Promise<T | null>;
}): Promise<{ queue: string; value: T }[]> {
  const { blocking, via, queues, readyKey, pop } = options;
  const groups = queuesByNode(blocking.redis, queues, readyKey);
  const timeoutMs = groups.some((group) => group.length > 1) ? Math.min(options.shortMs, options.timeoutMs) : options.timeoutMs;
  await blocking.prepare();
  let woken = false;
  const watched = groups.map((group) => group[0]!);
  const values = await Promise.all(watched.map(async (queue) => {
    const value = await pop(queue, timeoutMs / 1000);
    if (value !== null && !woken && watched.length > 1) {
      woken = true;
      // The others return null now, or what they had already taken.
      await blocking.interrupt(via);
    }
    return value;
  }));
  const found = watched.flatMap((queue, i) => (values[i] === null ? [] : [{ queue, value: values[i]! }]));
  return found.sort((a, b) => queues.indexOf(a.queue) - queues.indexOf(b.queue));
}
