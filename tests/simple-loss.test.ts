/**
 * Documentation as a test: simple mode loses the message a consumer holds when it is
 * killed with kill -9. BLMPOP removed it from the ready list, so it existed only in the
 * dead process's memory. The test asserts the loss; reliable mode's answer is in
 * tests/reliable-kill.test.ts.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createApp } from 'hardq';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';
import { waitFor } from './helpers/wait-for.ts';
import { spawnConsumer, killAllConsumers } from '../scripts/chaos-processes.ts';
import { chaosKeys } from '../scripts/chaos-app.ts';

let server: RedisServer;
before(async () => (server = await startRedis()));
after(async () => {
  await killAllConsumers();
  await server.stop();
});

test('simple mode: kill -9 mid-handler loses the message, and nothing in Redis can bring it back', async () => {
  const queue = randomUUID();
  const app = createApp({ redis: server.url, defaultQueue: queue });
  const redis = await app.connection();
  const keys = chaosKeys(queue);
  const args = ['--mode', 'simple', '--queues', queue, '--quiet'];
  try {
    const first = spawnConsumer({ redis: server.url, args, timeLimitMs: 60_000 });
    const [lost] = await app.sendMany('slow_first', [[60_000]]);
    await waitFor(async () => (await redis.hget(keys.starts, lost!.id)) === '1', { timeoutMs: 20_000, what: 'the handler to start' });
    await first.kill9();

    // No hardq key mentions it: not the ready list, no processing list, no result.
    for (const key of await redis.keys(`${app.keys.prefix}:*`)) {
      const type = await redis.type(key);
      const contents = type === 'list' ? (await redis.lrange(key, 0, -1)).join() : type === 'string' ? await redis.get(key) : '';
      assert.ok(!contents?.includes(lost!.id), `${key} holds the lost message`);
    }
    assert.equal(await redis.exists(app.keys.result(queue, lost!.id)), 0);

    // A new consumer runs what is sent next. The queue is FIFO, so had the lost message
    // been anywhere it could be taken from, it would have run first.
    const second = spawnConsumer({ redis: server.url, args, timeLimitMs: 60_000 });
    const [next] = await app.sendMany('record', [[0]]);
    assert.deepEqual(await next!.get({ timeoutMs: 20_000 }), { pid: second.pid });
    assert.equal(await lost!.state(), 'PENDING', 'the lost message never ran to the end and never will');
    assert.equal(await redis.hget(keys.starts, lost!.id), '1');
    await second.terminate();
  } finally {
    await app.close();
  }
});
