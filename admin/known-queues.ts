/**
 * The known-queues set (keys.queues, under {control}): every queue a producer has sent to or
 * a worker consumes. `hardq queues`, the counters and events readers and the monitor find
 * queues here, with no SCAN. `rebuildQueueSet` SCANs for queue keys and puts the set right
 * (after a FLUSH of the set, or for queues used before it existed).
 */
import type { AppContext } from '../shared/app-config.ts';
import type { Redis } from 'ioredis';
import { queueOfKey, taggedKeyPattern } from '../shared/keys.ts';

/** Every known queue, sorted. */
export async function listQueues(app: AppContext): Promise<string[]> {
  const redis = await app.connection();
  return (await redis.smembers(app.keys.queues())).sort();
}

/** The queues asked for, or every known queue. */
export async function queuesOrKnown(app: AppContext, queues?: string[]): Promise<string[]> {
  return queues !== undefined && queues.length > 0 ? queues : listQueues(app);
}

/**
 * SCANs every master for keys under the prefix with a queue tag, adds their queues to the
 * set, and removes members that were there before the scan and have no key at all. A queue
 * first sent to during the scan is kept: only members read before it started may go.
 */
export async function rebuildQueueSet(app: AppContext): Promise<{ queues: string[]; added: string[]; removed: string[] }> {
  const redis = await app.connection();
  const before = new Set(await redis.smembers(app.keys.queues()));
  const found = new Set<string>();
  // A Cluster client SCANs each master; a plain client is its own only node.
  const clusterNodes = (redis as unknown as { nodes?: (role: string) => Redis[] }).nodes;
  const nodes = typeof clusterNodes === 'function' ? clusterNodes.call(redis, 'master') : [redis];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', taggedKeyPattern(app.keys), 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const queue = queueOfKey(app.keys, key);
        if (queue !== undefined) found.add(queue);
      }
    } while (cursor !== '0');
  }
  const added = [...found].filter((queue) => !before.has(queue)).sort();
  const removed = [...before].filter((queue) => !found.has(queue)).sort();
  if (added.length > 0) await redis.sadd(app.keys.queues(), ...added);
  if (removed.length > 0) await redis.srem(app.keys.queues(), ...removed);
  return { queues: [...found].sort(), added, removed };
}
