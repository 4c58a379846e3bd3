/**
 * The reaper and a live consumer, with real processes:
 * 1. a consumer whose handler runs far longer than the heartbeat TTL keeps its message;
 * 2. so does one whose handler blocks the event loop past the TTL: the heartbeat beats from a
 *    thread of its own (consumer/heartbeat.ts);
 * 3. but a worker wedged past stallTimeoutMs stops beating, so another consumer takes its
 *    message and runs it too (docs/RELIABILITY.md).
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
async function busyAndWatcher(task: 'slow_first' | 'spin_first', ms: number, extra: { stallTimeoutMs?: number } = {}) {
  const queue = randomUUID();
  const app = createApp({ redis: server.url, defaultQueue: queue });
  const redis = await app.connection();
  const options = ['--worker', JSON.stringify({ queues: [queue], heartbeatTtlMs: 400, reaperIntervalMs: 100, ...extra })];
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

test('a handler that blocks the event loop far past the TTL keeps its message: it runs once', async () => {
  const { app, busy, watcher, result, runs, starts } = await busyAndWatcher('spin_first', 2000);
  try {
    const value = (await result.get({ timeoutMs: 20_000 })) as { pid: number };
    assert.equal(value.pid, busy.pid);
    assert.equal(await starts(), '1', 'never handed to the watcher');
    assert.equal(await runs(), 1);
    assert.doesNotMatch(watcher.output(), /is dead/);
  } finally {
    await app.close();
  }
});

test('a worker wedged past stallTimeoutMs stops beating, so its message runs again elsewhere', async () => {
  const { app, busy, watcher, runs, starts } = await busyAndWatcher('spin_first', 4000, { stallTimeoutMs: 1000 });
  try {
    // The watcher reaps the silent consumer and runs the message; then the spinner wakes,
    // finishes too, and is told its ack found nothing to remove. (It may run a third time:
    // a BLMOVE the spinner had pending before it wedged can take the message back from the
    // ready list once, and the reaper gives it back again; see docs/RELIABILITY.md.)
    await waitFor(async () => (await runs()) >= 2, { timeoutMs: 20_000, what: 'both consumers to finish the message' });
    assert.ok(Number(await starts()) >= 2);
    assert.match(watcher.output(), /is dead; requeued 1/);
    await waitFor(() => /no progress/.test(busy.output()), { timeoutMs: 10_000, what: 'the spinner to log why it stopped beating' });
    await waitFor(() => /taken back by a reaper/.test(busy.output()), { timeoutMs: 10_000, what: 'the spinner to log the lost ack' });
  } finally {
    await app.close();
  }
});
