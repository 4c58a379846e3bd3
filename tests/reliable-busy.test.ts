/**
 * The reaper and a live consumer, with real processes:
 * 1. a consumer whose handler runs far longer than the heartbeat TTL keeps its message: the
 *    heartbeat is a timer on the event loop, and an awaiting handler does not block it;
 * 2. the documented trade-off: a handler that blocks the event loop past the TTL looks dead,
 *    so another consumer runs its message too (docs/RELIABILITY.md).
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

/** One consumer running `task(ms)`, then a second, idle one whose reaper runs every 100 ms. */
async function busyAndWatcher(task: 'slow_first' | 'spin_first', ms: number) {
  const queue = randomUUID();
  const app = createApp({ redis: server.url, defaultQueue: queue });
  const redis = await app.connection();
  const options = ['--worker', JSON.stringify({ queues: [queue], heartbeatTtlMs: 400, reaperIntervalMs: 100 })];
  const busy = spawnConsumer({ entry: 'worker', redis: server.url, args: options, timeLimitMs: 60_000 });
  const [result] = await app.sendMany(task, [[ms]]);
  await waitFor(async () => (await redis.hget(chaosKeys(queue).starts, result!.id)) !== null, { timeoutMs: 20_000, what: 'the handler to start' });
  const watcher = spawnConsumer({ entry: 'worker', redis: server.url, args: options, timeLimitMs: 60_000 });
  await waitFor(() => registeredId(redis, app.keys.consumers(queue), watcher.pid), { timeoutMs: 20_000, what: 'the watcher to register' });
  const runs = async () => (await redis.smembers(chaosKeys(queue).runs)).filter((run) => run.startsWith(result!.id)).length;
  return { queue, app, redis, busy, watcher, result: result!, runs, starts: () => redis.hget(chaosKeys(queue).starts, result!.id) };
}

test('the reaper leaves a live consumer alone while its handler outlasts the heartbeat TTL many times', async () => {
  // 4 s against a 400 ms TTL: ten TTLs and about forty reaper rounds of the watcher.
  const { app, busy, watcher, result, runs, starts } = await busyAndWatcher('slow_first', 4000);
  try {
    // The watcher registered, and so reaped, while the handler was still running.
    assert.notEqual(await result.state(), 'SUCCESS');
    const value = (await result.get({ timeoutMs: 20_000 })) as { pid: number };
    assert.equal(value.pid, busy.pid);
    assert.equal(await starts(), '1', 'never handed to the watcher');
    assert.equal(await runs(), 1);
    assert.doesNotMatch(watcher.output(), /is dead/);
    assert.doesNotMatch(busy.output(), /taken back/);
  } finally {
    await app.close();
  }
});

test('a handler that blocks the event loop past the TTL loses its message to another consumer: it runs twice', async () => {
  const { app, busy, watcher, runs, starts } = await busyAndWatcher('spin_first', 4000);
  try {
    // The watcher reaps the silent consumer and runs the message; then the spinner wakes,
    // finishes too, and is told its ack found nothing to remove.
    await waitFor(async () => (await runs()) === 2, { timeoutMs: 20_000, what: 'both consumers to finish the message' });
    assert.equal(await starts(), '2');
    assert.match(watcher.output(), /is dead; requeued 1/);
    await waitFor(() => /taken back by a reaper/.test(busy.output()), { timeoutMs: 10_000, what: 'the spinner to log the lost ack' });
  } finally {
    await app.close();
  }
});
