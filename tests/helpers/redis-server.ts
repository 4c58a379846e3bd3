/**
 * A private redis-server per test file (scripts/throwaway-redis.ts): a free port, no
 * persistence unless asked, stopped by pid. node:test runs each file in its own process,
 * so files never share a server.
 */
import { freePort, startThrowawayRedis, type ThrowawayRedis } from '../../scripts/throwaway-redis.ts';

export { freePort };
export type RedisServer = ThrowawayRedis;

/** With `persist: true`, `restart()` (clean SHUTDOWN, start on the same port) keeps the data. */
export function startRedis(options: { persist?: boolean } = {}): Promise<RedisServer> {
  return startThrowawayRedis(options);
}
