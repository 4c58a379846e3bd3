/**
 * A test file's private redis-server and one plain client to it, started before the file's
 * tests and stopped after them. `scripts: true` registers hardq's Lua scripts on the client,
 * for tests that call a script's wrapper directly.
 */
import { before, after } from 'node:test';
import type { Redis } from 'ioredis';
import { defineScripts } from '../../shared/scripts.ts';
import { startRedis, type RedisServer } from './redis-server.ts';
import { connectRaw } from './redis-cluster.ts';

export function privateRedis(options: { scripts?: boolean } = {}): { server: RedisServer; redis: Redis } {
  const world = {} as { server: RedisServer; redis: Redis };
  before(async () => {
    world.server = await startRedis();
    // A Cluster client when the file runs on a local cluster (HARDQ_TEST_CLUSTER=1).
    world.redis = connectRaw(world.server.url);
    if (options.scripts === true) defineScripts(world.redis);
  });
  after(async () => {
    world.redis.disconnect();
    await world.server.stop();
  });
  return world;
}
