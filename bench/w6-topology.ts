/**
 * W6's brokers: one plain redis-server, or a local Redis Cluster of 1, 2 or 3 masters
 * (scripts/throwaway-cluster.ts), each started for one step and stopped by pid after it.
 * It also says where each queue landed (its hash slot and the master that serves it) and
 * gives one direct connection per master, for INFO's CPU counters.
 */
import { Redis } from 'ioredis';
import { startThrowawayCluster } from '../scripts/throwaway-cluster.ts';
import { startThrowawayRedis } from '../scripts/throwaway-redis.ts';

export type Topology = {
  /** 0 for one plain Redis, else the cluster's masters. */
  masters: number;
  label: string;
  /** The URL hardq takes: redis:// or redis-cluster://. */
  url: string;
  /** A seed node's host and port, for BullMQ's own Cluster client. */
  seeds: { host: string; port: number }[];
  /** One direct connection per slot-serving node, in slot order. */
  nodes: { port: number; redis: Redis }[];
  /** The port of the node that serves `queue`'s hash tag. */
  ownerOf(queue: string): number;
  stop(): Promise<void>;
};

export const topologyLabel = (masters: number) => (masters === 0 ? 'one Redis' : `cluster, ${masters} master${masters > 1 ? 's' : ''}`);

/** Starts the brokers; `queues` are the names whose owner `ownerOf` will be asked for. */
export async function startTopology(masters: number, queues: string[]): Promise<Topology> {
  if (masters === 0) {
    const server = await startThrowawayRedis();
    const redis = new Redis(server.url);
    return {
      masters, label: topologyLabel(0), url: server.url, seeds: [{ host: '127.0.0.1', port: server.port }],
      nodes: [{ port: server.port, redis }],
      ownerOf: () => server.port,
      async stop() {
        redis.disconnect();
        await server.stop();
      },
    };
  }
  const cluster = await startThrowawayCluster({ masters });
  const probe = new Redis(cluster.nodes[0]!.port, '127.0.0.1');
  // CLUSTER SLOTS: [start, end, [host, port, id], ...replicas] per range. Masters are listed
  // in slot order (the one serving slot 0 first), so master i means the same range every run.
  const ranges = (await probe.cluster('SLOTS')).map(([low, high, owner]) => [low, high, owner!] as const).sort((a, b) => a[0] - b[0]);
  probe.disconnect();
  const ports = [...new Set(ranges.map((range) => Number(range[2][1])))];
  const nodes = ports.map((port) => ({ port, redis: new Redis({ host: '127.0.0.1', port }) }));
  // The server's own CLUSTER KEYSLOT of each queue's hash tag, the tag every key of it carries.
  const slots = new Map(await Promise.all(queues.map(async (queue) => [queue, Number(await nodes[0]!.redis.cluster('KEYSLOT', `{${queue}}`))] as const)));
  return {
    masters, label: topologyLabel(masters), url: cluster.url,
    seeds: cluster.nodes.map((node) => ({ host: '127.0.0.1', port: node.port })),
    nodes,
    ownerOf(queue) {
      const slot = slots.get(queue);
      if (slot === undefined) throw new Error(`queue ${queue} was not named when the brokers started`);
      const range = ranges.find(([low, high]) => low <= slot && slot <= high);
      if (range === undefined) throw new Error(`no master serves slot ${slot} of queue ${queue}`);
      return Number(range[2][1]);
    },
    async stop() {
      for (const node of nodes) node.redis.disconnect();
      await cluster.stop();
    },
  };
}
