/**
 * Every Lua script on a real local 3-master cluster (issue 12, item 2): the files that test
 * the scripts one by one (beat's, control's reply, the poison-pill quarantine and reaper),
 * the round trip, revoke, dead-letter requeue, the canvas (the relay across queues) and the
 * Python producer run unchanged on the cluster under the cross-slot hook, and then one test
 * per script checks that it really ran there: its SHA
 * is loaded on the node that served it (ioredis sends EVALSHA, and EVAL after NOSCRIPT,
 * to the node that owns the script's first key).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';

process.env.HARDQ_TEST_CLUSTER = '1';
const { scriptKeyCounts, scriptSource } = await import('../shared/scripts.ts');
const { startRedis } = await import('./helpers/redis-server.ts');
const { parseClusterUrl } = await import('../shared/cluster-url.ts');

await import('./beat-scripts.test.ts');
await import('./control.test.ts');
await import('./reliable-poison.test.ts');
await import('./round-trip.test.ts');
await import('./revoke.test.ts');
await import('./admin.test.ts');
// Chains and chords across queues: relay-deliver.lua in the target queue's slot.
await import('./canvas.test.ts');
// The Python producer on the cluster: redis.cluster.RedisCluster, polling for its result.
await import('./protocol.test.ts');

for (const name of Object.keys(scriptKeyCounts) as (keyof typeof scriptKeyCounts)[]) {
  test(`${name}.lua ran on the cluster`, async () => {
    const server = await startRedis();
    try {
      const sha = createHash('sha1').update(scriptSource(name)).digest('hex');
      const loaded = await Promise.all(parseClusterUrl(server.url).nodes.map(async ({ port }) => {
        const node = new Redis(port);
        try {
          return ((await node.script('EXISTS', sha)) as number[])[0] === 1;
        } finally {
          node.disconnect();
        }
      }));
      assert.ok(loaded.includes(true), `${name}.lua was never run on any node`);
    } finally {
      await server.stop();
    }
  });
}
