/**
 * Poison pills, with real processes: a handler that kills its own consumer (as an OOM kill
 * would) is dead-lettered with reason `redelivered` after maxDeliveries, instead of
 * killing consumers forever (Bee-Queue #106); the messages claimed in the same batch as
 * the poison pill run once each, and none of them is dead-lettered. A delivery counts only
 * when the message may have run, so innocents do not pile up deliveries from deaths that
 * happened while they waited for the quarantine slot.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createApp, TaskFailedError } from 'hardq';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';
import { waitFor } from './helpers/wait-for.ts';
import { spawnConsumer, killAllConsumers } from '../scripts/chaos-processes.ts';
import { chaosKeys } from '../scripts/chaos-app.ts';
import { defineScripts, quarantine, requeueDeadConsumer } from '../shared/scripts.ts';
import { runsAloneFrom } from '../consumer/reaper.ts';

let server: RedisServer;
before(async () => (server = await startRedis()));
after(async () => {
  await killAllConsumers();
  await server.stop();
});

test('a poison pill is dead-lettered after maxDeliveries; the messages claimed with it are not', async () => {
  const queue = randomUUID();
  const maxDeliveries = 3;
  const app = createApp({ redis: server.url, defaultQueue: queue });
  const redis = await app.connection();
  const keys = chaosKeys(queue);
  // Both sends land before any consumer starts, so the first claim takes all six in one batch.
  const [poison] = await app.sendMany('poison', [[]]);
  const innocents = await app.sendMany('record', Array.from({ length: 5 }, () => [300]));
  const options = ['--worker', JSON.stringify({ queues: [queue], concurrency: 10, maxDeliveries, heartbeatTtlMs: 500, reaperIntervalMs: 150 })];
  // Two consumers, each replaced as soon as it dies, as a process supervisor would.
  let supervising = true;
  let deaths = 0;
  const supervise = () => {
    const consumer = spawnConsumer({ entry: 'worker', redis: server.url, args: options, timeLimitMs: 60_000 });
    void consumer.exited.then((exit) => {
      if (exit.signal === 'SIGKILL') deaths++;
      if (supervising) supervise();
    });
  };
  supervise();
  supervise();
  try {
    await waitFor(async () => (await redis.llen(app.keys.dead(queue))) > 0 && (await redis.scard(keys.done)) === innocents.length,
      { timeoutMs: 45_000, what: 'the poison pill in the dead-letter list and every innocent done' });

    const dead = (await redis.lrange(app.keys.dead(queue), 0, -1)).map((entry) => JSON.parse(entry) as { reason: string; raw: string; deliveries: number });
    assert.equal(dead.length, 1, 'only the poison pill is dead-lettered');
    assert.equal(dead[0]!.reason, 'redelivered');
    assert.equal(dead[0]!.deliveries, maxDeliveries);
    assert.equal((JSON.parse(dead[0]!.raw) as { id: string }).id, poison!.id);
    assert.equal(await redis.hget(keys.starts, poison!.id), String(maxDeliveries), 'it ran maxDeliveries times');
    assert.ok(deaths >= maxDeliveries, `it killed ${deaths} consumers`);
    await assert.rejects(poison!.get({ timeoutMs: 5000 }), (error: TaskFailedError) => error.remote.name === 'Redelivered');

    const runs = await redis.smembers(keys.runs);
    for (const innocent of innocents) {
      assert.equal(await innocent.state(), 'SUCCESS');
      assert.equal(runs.filter((run) => run.startsWith(innocent.id)).length, 1, `${innocent.id} ran to the end once`);
    }
    assert.equal(await redis.llen(app.keys.ready(queue)), 0);
  } finally {
    supervising = false;
    await app.close();
  }
});

test('the reaper counts a delivery only when the message may have run', async () => {
  const queue = randomUUID();
  const alone = runsAloneFrom(5);
  const app = createApp({ redis: server.url, defaultQueue: queue });
  const redis = await app.connection();
  defineScripts(redis);
  const k = app.keys;
  const lists = {
    heartbeat: k.heartbeat(queue, 'gone'), processing: k.processing(queue, 'gone'), quarantine: k.quarantine(queue, 'gone'), claimed: k.claimed(queue, 'gone'),
    ready: k.ready(queue), dead: k.dead(queue), consumers: k.consumers(queue),
    events: k.events(queue), counters: k.counters(queue), countersMinute: k.countersMinute(queue, 0),
  };
  const message = (id: string, deliveries?: number) =>
    `{${deliveries === undefined ? '' : `"deliveries":${deliveries},`}"v":1,"id":"${id}","task":"record","args":[0]}`;
  try {
    // A dead consumer ("gone", no heartbeat) held, in its processing list: a first delivery
    // and a second one, both run in a batch, and a third waiting for the quarantine slot;
    // in its quarantine list, a message running alone.
    await redis.lpush(lists.processing, message('first'), message('second', 2), message('waiting', alone));
    await redis.lpush(lists.quarantine, message('alone', alone));
    await redis.zadd(lists.consumers, 0, 'gone');
    const outcome = await requeueDeadConsumer(redis, lists, {
      consumerId: 'gone', maxDeliveries: 5, queue, deadLimit: 10, runsAloneFrom: alone, chunk: 1000, quarantined: message('alone', alone),
      quarantinedId: 'alone', failure: '', resultTtlMs: 60_000, channel: k.resultChannel(queue), deadTtlMs: 60_000, task: 'record', event: '{}',
    });
    assert.deepEqual(outcome, { requeued: 4, left: 0, deadLettered: [] });
    // In the order they will run (from the consuming end): the oldest claim first.
    assert.deepEqual((await redis.lrange(lists.ready, 0, -1)).reverse(),
      [message('first', 2), message('second', 3), message('waiting', alone), message('alone', alone + 1)]);
  } finally {
    await app.close();
  }
});

test('moving a message to the quarantine list twice (a call resent after a reconnect) is harmless', async () => {
  const queue = randomUUID();
  const app = createApp({ redis: server.url, defaultQueue: queue });
  const redis = await app.connection();
  defineScripts(redis);
  const lists = { processing: app.keys.processing(queue, 'c'), quarantine: app.keys.quarantine(queue, 'c'), claimed: app.keys.claimed(queue, 'c') };
  try {
    await redis.hset(lists.claimed, '1', 'a', '2', 'b');
    assert.equal(await quarantine(redis, lists, { raw: 'a', claimNumber: 1 }), 1);
    assert.equal(await quarantine(redis, lists, { raw: 'a', claimNumber: 1 }), 1, 'already there: not "busy", or the caller would wait for itself');
    assert.equal(await quarantine(redis, lists, { raw: 'b', claimNumber: 2 }), 0, 'busy with another');
    assert.deepEqual([await redis.hgetall(lists.claimed), await redis.lrange(lists.quarantine, 0, -1)], [{ 2: 'b' }, ['a']]);
    // A message BLMOVE moved is named by its text.
    await redis.del(lists.quarantine);
    await redis.lpush(lists.processing, 'c');
    assert.equal(await quarantine(redis, lists, { raw: 'c' }), 1);
    assert.equal(await quarantine(redis, lists, { raw: 'b', claimNumber: 7 }), 0, 'busy');
    await redis.del(lists.quarantine);
    assert.equal(await quarantine(redis, lists, { raw: 'b', claimNumber: 7 }), -1, 'not held under that number');
    assert.deepEqual([await redis.llen(lists.processing), await redis.hgetall(lists.claimed)], [0, { 2: 'b' }]);
  } finally {
    await app.close();
  }
});
