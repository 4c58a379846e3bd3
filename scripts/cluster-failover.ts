/**
 * A master failover on a throwaway cluster (scripts/throwaway-cluster.ts with replicas), for
 * the chaos run's `--cluster` phase and tests/long/cluster-failover.test.ts: who serves a
 * slot, waiting until a slot's master replicates writes, and kill -9 of that master until a
 * replica has taken its slots over and every node agrees (cluster_state:ok).
 */
import { Redis } from 'ioredis';
import type { ThrowawayCluster } from './throwaway-cluster.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One CLUSTER NODES line: `<id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slots…>`. */
function ownsSlot(line: string, slot: number): boolean {
  const fields = line.split(' ');
  if (!fields[2]?.includes('master') || fields[2].includes('fail')) return false;
  return fields.slice(8).some((range) => {
    if (!/^\d/.test(range)) return false;
    const [from, to = from] = range.split('-').map(Number);
    return from! <= slot && slot <= to!;
  });
}

/** The port of the master that serves `slot` now, as a running node sees it. */
export async function slotOwnerPort(cluster: ThrowawayCluster, slot: number): Promise<number | undefined> {
  for (const node of cluster.nodes.filter((candidate) => candidate.running)) {
    const client = new Redis({ port: node.port, host: '127.0.0.1', retryStrategy: () => null, maxRetriesPerRequest: 0, lazyConnect: true });
    client.on('error', () => {});
    try {
      await client.connect();
      const line = String(await client.call('CLUSTER', 'NODES')).split('\n').find((candidate) => ownsSlot(candidate, slot));
      if (line !== undefined) return Number(line.split(' ')[1]!.split('@')[0]!.split(':')[1]);
    } catch {
      // This node is going down or not up yet: ask the next one.
    } finally {
      client.disconnect();
    }
  }
  return undefined;
}

/**
 * Waits until a write of `key` on its master reaches a replica (WAIT 1 answers 1), so that
 * a failover test starts with replication running: a fresh replica syncs for a few seconds.
 * `key` should be a scratch key with the slot's hash tag; it is deleted after.
 */
export async function waitReplicated(redis: Redis, key: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const replies = await redis.pipeline().set(key, '1').call('WAIT', 1, 200).exec();
    if (Number(replies?.[1]?.[1]) >= 1) break;
    if (Date.now() > deadline) throw new Error(`no replica acknowledged a write of ${key} within ${timeoutMs} ms`);
    await sleep(200);
  }
  await redis.del(key);
}

/**
 * kill -9 of the master serving `slot`, then waits until another node serves it and the
 * cluster is ok again. Resolves with the killed port and the ms from the kill to the
 * promotion being seen (a cluster-node-timeout, the election, the polling).
 */
export async function failOverSlot(cluster: ThrowawayCluster, slot: number, timeoutMs = 60_000): Promise<{ killedPort: number; newPort: number; promotedAfterMs: number }> {
  const killedPort = await slotOwnerPort(cluster, slot);
  if (killedPort === undefined) throw new Error(`no master serves slot ${slot}`);
  await cluster.kill(killedPort);
  const killedAt = Date.now();
  const deadline = killedAt + timeoutMs;
  for (;;) {
    const owner = await slotOwnerPort(cluster, slot);
    if (owner !== undefined && owner !== killedPort) {
      const promotedAfterMs = Date.now() - killedAt;
      await cluster.waitReady(Math.max(1000, deadline - Date.now()));
      return { killedPort, newPort: owner, promotedAfterMs };
    }
    if (Date.now() > deadline) throw new Error(`no replica took slot ${slot} over within ${timeoutMs} ms of killing its master on ${killedPort}`);
    await sleep(100);
  }
}
