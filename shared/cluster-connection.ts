/**
 * Opening an ioredis Cluster client for a `redis-cluster://` URL, with the same promises
 * as a single connection (shared/connection.ts): a bounded first connection that fails
 * with one line, then commands that wait through reconnects; TLS and credentials on every
 * node. The rest of hardq uses it through the same command interface as a single Redis;
 * only the places that must know (blocking pops, pub/sub, pipelines over several queues)
 * ask `isCluster()`.
 */
import { Cluster, type Redis } from 'ioredis';
import { parseClusterUrl } from './cluster-url.ts';
import { FirstConnection } from './first-connection.ts';
import { probeClusterSeed } from './cluster-probe.ts';
import type { ResolvedTls } from './tls.ts';

export type ClusterConnectOptions = {
  connectTimeoutMs: number;
  log: (line: string) => void;
  name?: string;
  tls?: ResolvedTls;
  /** Routes SSUBSCRIBE to the node that owns each channel's slot (the result waiter's connection). */
  shardedSubscribers?: boolean;
};

/** True when this connection is a Cluster client (it was made from a redis-cluster:// URL). */
export function isCluster(redis: Redis | Cluster): boolean {
  return (redis as { isCluster?: boolean }).isCluster === true;
}

/** The same connection, typed as the Cluster it is; undefined for a single Redis. */
export function asCluster(redis: Redis | Cluster): Cluster | undefined {
  return isCluster(redis) ? (redis as Cluster) : undefined;
}

export async function connectCluster(url: string, options: ClusterConnectOptions): Promise<Cluster> {
  const { nodes, username, password, tls: tlsFromUrl } = parseClusterUrl(url);
  const { connectTimeoutMs, log, name, tls } = options;
  const seeds = nodes.map((node) => `${node.host}:${node.port}`).join(',');
  const first = new FirstConnection(connectTimeoutMs, username);
  const cluster = new Cluster(nodes, {
    lazyConnect: true,
    enableReadyCheck: true,
    shardedSubscribers: options.shardedSubscribers === true,
    // A slot moving or a failover answers MOVED, ASK, TRYAGAIN or CLUSTERDOWN for a while:
    // ioredis retries each after these delays; together they outlast a 2 s node timeout.
    maxRedirections: 32,
    retryDelayOnFailover: 200,
    retryDelayOnTryAgain: 100,
    retryDelayOnClusterDown: 200,
    redisOptions: {
      username, password, connectionName: name,
      ...(tls !== undefined || tlsFromUrl ? { tls: { ...tls } } : {}),
      // As for a single Redis: commands wait through a reconnect instead of failing.
      maxRetriesPerRequest: null,
      enableReadyCheck: true,
      reconnectOnError: (error) => (error.message.startsWith('LOADING') ? 2 : false),
      connectTimeout: Math.max(1000, Math.min(connectTimeoutMs, 10_000)),
    },
    // No clusterNodeRetryStrategy (ioredis's default: a node connection that closes ends):
    // commands to a master that died then fail over to its promoted replica after
    // retryDelayOnFailover. With reconnects, a slot refresh that dropped the node while it was
    // reconnecting left the commands queued on it waiting forever (ioredis 6.0.0: disconnect()
    // in the reconnecting state never flushes that queue), and a failover stalled every
    // worker for good (tests/long/cluster-failover.test.ts reproduced it).
    clusterRetryStrategy: (times) => (first.mayRetry() ? Math.min(100 * 2 ** Math.min(times, 5), 2000) : null),
  });
  // The Cluster client hides a TLS or permission failure behind "Failed to refresh slots
  // cache."; on the first failure one plain connection to a seed finds the real reason,
  // which stops the retries when retrying cannot help (shared/cluster-probe.ts).
  let probing: Promise<void> | undefined;
  const probe = () => {
    if (first.connectedOnce) return;
    probing ??= probeClusterSeed(nodes[0]!, { username, password, tls: tls ?? (tlsFromUrl ? {} : undefined), connectTimeoutMs })
      .then((reason) => reason && first.noteError(reason));
  };
  cluster.on('error', (error: Error) => {
    first.noteError(error);
    probe();
  });
  cluster.on('node error', first.noteError);
  // A failed ready check (CLUSTER INFO refused) emits no error at all, only a close.
  cluster.on('close', probe);
  const advice = 'start a local one with: npm run cluster';
  await first.wait(cluster, nodes[0]!.host, nodes[0]!.port, advice).catch(async () => {
    probe();
    await probing;
    throw first.failure(nodes[0]!.host, nodes[0]!.port, advice);
  });
  // One line when the whole cluster is lost and one when it is back; a single node's
  // failover shows as commands that wait, then succeed.
  let lostAt: number | undefined;
  cluster.on('reconnecting', () => {
    if (lostAt !== undefined) return;
    lostAt = Date.now();
    log(`[hardq] lost the Redis Cluster at ${seeds} (${first.lastError}); reconnecting, commands wait`);
  });
  cluster.on('ready', () => {
    if (lostAt === undefined) return;
    log(`[hardq] the Redis Cluster at ${seeds} is back after ${((Date.now() - lostAt) / 1000).toFixed(1)} s`);
    lostAt = undefined;
  });
  return cluster;
}
