/**
 * Reliable mode against kill -9, with real processes: a consumer killed in the middle of a
 * handler leaves the message in its processing list, the reaper gives it back, and
 * another consumer runs it. Short heartbeat and reaper timings keep the test quick.
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

test('kill -9 in the middle of a handler: another consumer runs the message and its result appears', async () => {
  const queue = randomUUID();
  const app = createApp({ redis: server.url, defaultQueue: queue });
  const redis = await app.connection();
  const keys = chaosKeys(queue);
  const options = ['--worker', JSON.stringify({ queues: [queue], heartbeatTtlMs: 600, reaperIntervalMs: 200 })];
  try {
    const first = spawnConsumer({ entry: 'worker', redis: server.url, args: options, timeLimitMs: 60_000 });
    const [result] = await app.sendMany('slow_first', [[60_000]]);
    const id = result!.id;
    await waitFor(async () => (await redis.hget(keys.starts, id)) === '1', { timeoutMs: 20_000, what: 'the first consumer to start the handler' });

    // Mid-handler, the message is in the consumer's claimed hash and nowhere else.
    const firstId = await registeredId(redis, app.keys.consumers(queue), first.pid);
    assert.ok(firstId, 'the first consumer registered');
    assert.equal(await redis.llen(app.keys.ready(queue)), 0);
    assert.match(Object.values(await redis.hgetall(app.keys.claimed(queue, firstId))).join(), new RegExp(id));

    assert.equal((await first.kill9()).signal, 'SIGKILL');
    const second = spawnConsumer({ entry: 'worker', redis: server.url, args: options, timeLimitMs: 60_000 });
    const value = (await result!.get({ timeoutMs: 20_000 })) as { pid: number };

    assert.equal(value.pid, second.pid, 'the second consumer ran it');
    assert.equal(await redis.hget(keys.starts, id), '2', 'started twice: once in each consumer');
    assert.equal((await redis.smembers(keys.runs)).filter((run) => run.startsWith(id)).length, 1, 'ran to the end once');
    // The reaper emptied the dead consumer's lists, and strikes it from the consumer set
    // once its keep-until has passed (a blocking claim it began could still land until then).
    assert.equal(await redis.exists(app.keys.processing(queue, firstId), app.keys.claimed(queue, firstId), app.keys.quarantine(queue, firstId)), 0);
    await waitFor(async () => (await redis.zscore(app.keys.consumers(queue), firstId)) === null, { timeoutMs: 10_000, what: 'the dead consumer to leave the set' });
    await second.terminate();
  } finally {
    await app.close();
  }
});
