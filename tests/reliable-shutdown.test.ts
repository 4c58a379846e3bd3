/**
 * Graceful shutdown in reliable mode, with the workshop CLI as a real process: SIGTERM
 * stops fetching, lets in-flight handlers finish until --shutdown-timeout-ms, then puts
 * what did not finish back at the consuming end of the ready list (RPUSH, so it runs
 * next), unregisters the consumer, and exits 0.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createApp } from 'hardq';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';
import { waitFor } from './helpers/wait-for.ts';
import { spawnConsumer, killAllConsumers, registeredId } from '../scripts/chaos-processes.ts';
import { chaosKeys } from '../scripts/chaos-app.ts';

let server: RedisServer;
before(async () => (server = await startRedis()));
after(async () => {
  await killAllConsumers();
  await server.stop();
});

const idOf = (raw: string) => (JSON.parse(raw) as { id: string }).id;

test('SIGTERM: a quick task finishes, a slow one goes back to the consuming end, the rest stay queued, exit 0', async () => {
  const queue = randomUUID();
  const app = createApp({ redis: server.url, defaultQueue: queue });
  const redis = await app.connection();
  const keys = chaosKeys(queue);
  try {
    // Sent before the consumer starts; with two handler slots it claims the first two.
    const [quick] = await app.sendMany('record', [[200]]);
    const [slow] = await app.sendMany('slow_first', [[60_000]]);
    const queued = await app.sendMany('record', [[0], [0]]);
    const consumer = spawnConsumer({
      redis: server.url, timeLimitMs: 60_000,
      args: ['--queues', queue, '--concurrency', '2', '--shutdown-timeout-ms', '3000', '--quiet'],
    });
    await waitFor(async () => (await redis.hlen(keys.starts)) === 2, { timeoutMs: 20_000, what: 'both claimed handlers to start' });
    const consumerId = (await registeredId(redis, app.keys.consumers(queue), consumer.pid))!;
    assert.ok(consumerId, 'the consumer registered');

    const exit = await consumer.terminate();

    assert.deepEqual(exit, { code: 0, signal: null });
    assert.equal(await quick!.state(), 'SUCCESS', 'the quick task finished within the shutdown timeout');
    assert.equal(await slow!.state(), 'PENDING');
    // The slow one is at the consuming (right) end, unchanged, ahead of the two never claimed.
    const ready = await redis.lrange(app.keys.ready(queue), 0, -1);
    assert.deepEqual(ready.map(idOf).reverse(), [slow!.id, ...queued.map((result) => result.id)]);
    assert.ok(!ready.at(-1)!.includes('deliveries'), 'a graceful requeue is not a redelivery');
    // Nothing is left behind: no processing or quarantine list, no claimed hash, no heartbeat, not registered.
    assert.equal(await redis.exists(
      app.keys.processing(queue, consumerId), app.keys.claimed(queue, consumerId), app.keys.quarantine(queue, consumerId), app.keys.heartbeat(queue, consumerId),
    ), 0);
    assert.equal(await redis.zcard(app.keys.consumers(queue)), 0);
    assert.match(consumer.output(), /1 unfinished message\(s\) put back/);
  } finally {
    await app.close();
  }
});
