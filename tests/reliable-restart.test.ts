/**
 * A Redis restart under a running reliable consumer (a real process), with persistence on
 * so that the server comes back with its data: the consumer reconnects, writes the ack it
 * could not write while Redis was away, re-issues its blocking pop and goes on consuming
 * (the Celery #8030 family), logging readable lines and no stack traces.
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
before(async () => (server = await startRedis({ persist: true })));
after(async () => {
  await killAllConsumers();
  await server.stop();
});

test('the consumer survives a Redis restart: the task in flight finishes once, and later tasks run', async () => {
  const queue = randomUUID();
  const app = createApp({ redis: server.url, defaultQueue: queue, log: () => {} });
  const redis = await app.connection();
  const keys = chaosKeys(queue);
  const consumer = spawnConsumer({ entry: 'worker', redis: server.url, args: ['--worker', JSON.stringify({ queues: [queue] })], timeLimitMs: 60_000 });
  try {
    const [before] = await app.sendMany('slow_first', [[1500]]);
    await waitFor(async () => (await redis.hget(keys.starts, before!.id)) === '1', { timeoutMs: 20_000, what: 'the handler to start' });

    const restartedAt = Date.now();
    await server.restart();

    // Its handler ends after the restart; the result and the ack are written on reconnect.
    assert.deepEqual(await before!.get({ timeoutMs: 20_000 }), { pid: consumer.pid });
    const [after] = await app.sendMany('record', [[0]]);
    assert.deepEqual(await after!.get({ timeoutMs: 20_000 }), { pid: consumer.pid }, 'the blocking pop was re-issued');
    assert.equal((await redis.smembers(keys.runs)).filter((run) => run.startsWith(before!.id)).length, 1, 'ran to the end once');
    assert.equal(consumer.child.exitCode, null, 'the same process, still running');
    // The liveness signal: the heartbeat carries the time of the last fetch attempt.
    const consumerId = (await registeredId(redis, app.keys.consumers(queue), consumer.pid))!;
    await waitFor(async () => {
      const beat = await redis.get(app.keys.heartbeat(queue, consumerId));
      return beat !== null && (JSON.parse(beat) as { lastFetchAt: number }).lastFetchAt > restartedAt;
    }, { timeoutMs: 10_000, what: 'a heartbeat that reports a fetch attempt after the restart' });

    // A quick restart may pass before the first reconnect attempt fails, so there may be
    // no line at all; whatever there is, is one readable line each, never a stack trace.
    const lines = consumer.output().split('\n').filter(Boolean);
    for (const line of lines) assert.match(line, /^(\[hardq\] |consumer )/);
  } finally {
    await app.close();
  }
});
