/**
 * The plain redis-server a cluster chaos test's handlers record their runs in
 * (HARDQ_CHAOS_TALLY_URL, scripts/chaos-app.ts): apart from the cluster, so a failover cannot
 * roll the tally back. One per test file; `stop()` also kills any consumer left running.
 */
import { Redis } from 'ioredis';
import { startThrowawayRedis } from '../../scripts/throwaway-redis.ts';
import { killAllConsumers } from '../../scripts/chaos-processes.ts';

export async function startTallyServer(): Promise<{ url: string; redis: Redis; stop(): Promise<void> }> {
  const server = await startThrowawayRedis();
  const redis = new Redis(server.url);
  return {
    url: server.url,
    redis,
    async stop() {
      await killAllConsumers();
      redis.disconnect();
      await server.stop();
    },
  };
}
