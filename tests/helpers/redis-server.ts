/**
 * A private redis-server per test file (scripts/throwaway-redis.ts): a free port, no
 * persistence unless asked, stopped by pid. node:test runs each file in its own process,
 * so files never share a server.
 * With HARDQ_TEST_CLUSTER=1 (tests/cluster-*.test.ts set it), the same call starts a local
 * 3-master cluster instead (tests/helpers/redis-cluster.ts), once per process, and `url` is
 * its redis-cluster:// form: the existing tests run unchanged on a cluster, under the
 * cross-slot hook.
 */
import { freePort, startThrowawayRedis, type ThrowawayRedis } from '../../scripts/throwaway-redis.ts';
import { startCluster, type TestCluster } from './redis-cluster.ts';

export { freePort };
export type RedisServer = ThrowawayRedis;

/** True when this test process runs the suite on a local cluster. */
export const onCluster = process.env.HARDQ_TEST_CLUSTER === '1';

let shared: { cluster: Promise<TestCluster>; users: number } | undefined;

/** With `persist: true`, `restart()` (clean SHUTDOWN, start on the same port) keeps the data. */
export function startRedis(options: { persist?: boolean } = {}): Promise<RedisServer> {
  return onCluster ? startSharedCluster(options) : startThrowawayRedis(options);
}

/**
 * The files a cluster run imports each start "their" server: they share one cluster (fresh
 * queue names keep them apart), stopped when the last one stops it.
 */
async function startSharedCluster(options: { persist?: boolean }): Promise<RedisServer> {
  // Persistence on unless asked otherwise: one of the files restarts it and expects its data back.
  shared ??= { cluster: startCluster({ persist: options.persist ?? true }), users: 0 };
  const state = shared;
  state.users++;
  const cluster = await state.cluster;
  const first = cluster.nodes[0]!;
  return {
    url: cluster.url,
    port: first.port,
    dir: first.dir,
    get pid() {
      return first.pid;
    },
    restart: () => cluster.restart(),
    async stop() {
      if (--state.users > 0) return;
      shared = undefined;
      await cluster.stop();
    },
  };
}
