/**
 * Defect 1 of the hardening issue: "claimed by an unregistered consumer means lost for
 * good". A consumer may claim only while its heartbeat exists (claim-batch.lua), its first
 * beat must succeed or it does not start, and the reaper keeps a dead consumer's id until
 * a blocking claim (BLMOVE, which no script can guard) can no longer land in its list.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Keys } from '../shared/keys.ts';
import { claimBatch } from '../shared/scripts.ts';
import { Reaper } from '../consumer/reaper.ts';
import { privateRedis } from './helpers/private-redis.ts';
import { waitFor } from './helpers/wait-for.ts';
import { harness } from './fixtures/harness.ts';

const world = privateRedis({ scripts: true });

const keys = new Keys();

test('defect 1: claim-batch.lua claims nothing for a consumer without a heartbeat', async () => {
  const queue = randomUUID();
  const lists = { ready: keys.ready(queue), claimed: keys.claimed(queue, 'c1'), revokedRecent: keys.revokedRecent(queue), heartbeat: keys.heartbeat(queue, 'c1') };
  await world.redis.lpush(lists.ready, 'a', 'b', 'c');
  await assert.rejects(claimBatch(world.redis, lists, 10, 1), /NOHEARTBEAT/);
  assert.equal(await world.redis.llen(lists.ready), 3, 'nothing left the ready list');
  assert.equal(await world.redis.exists(lists.claimed), 0);
  await world.redis.set(lists.heartbeat, '{}', 'PX', 10_000);
  assert.deepEqual(await claimBatch(world.redis, lists, 10, 1), ['a', 'b', 'c']);
  assert.deepEqual(await world.redis.hgetall(lists.claimed), { 1: 'a', 2: 'b', 3: 'c' }, 'numbered oldest first');
});

test('claim-batch.lua sent twice (ioredis resends a call whose reply a reconnect swallowed) moves nothing the second time', async () => {
  const queue = randomUUID();
  const lists = { ready: keys.ready(queue), claimed: keys.claimed(queue, 'c1'), revokedRecent: keys.revokedRecent(queue), heartbeat: keys.heartbeat(queue, 'c1') };
  await world.redis.set(lists.heartbeat, '{}', 'PX', 10_000);
  await world.redis.lpush(lists.ready, 'a', 'b', 'c', 'd');
  assert.deepEqual(await claimBatch(world.redis, lists, 2, 5), ['a', 'b']);
  await assert.rejects(claimBatch(world.redis, lists, 2, 5), /RESENT/);
  assert.deepEqual(await world.redis.hgetall(lists.claimed), { 5: 'a', 6: 'b' }, 'the first call\'s messages are not overwritten');
  assert.deepEqual(await world.redis.lrange(lists.ready, 0, -1), ['d', 'c'], 'and nothing else left the ready list');
});

test('defect 1: a blocking claim that lands after the heartbeat expired is still reaped', async () => {
  const queue = randomUUID();
  const logs: string[] = [];
  const reaper = new Reaper({ redis: world.redis, keys, queues: [queue], consumerId: 'reaper', intervalMs: 20, maxDeliveries: 5, resultTtlMs: 60_000, log: (line) => logs.push(line) });
  // "late" beat last (its heartbeat has expired), and its keep-until lies 1.5 s ahead: a
  // BLMOVE it began before the heartbeat expired may still land until then.
  const [seconds] = await world.redis.time();
  await world.redis.zadd(keys.consumers(queue), Number(seconds) * 1000 + 1500, 'late');
  assert.equal(await reaper.reapOnce(), 0);
  assert.notEqual(await world.redis.zscore(keys.consumers(queue), 'late'), null, 'an empty, expired consumer is kept until its keep-until');
  // The BLMOVE lands now.
  await world.redis.lpush(keys.ready(queue), 'message');
  await world.redis.lmove(keys.ready(queue), keys.processing(queue, 'late'), 'RIGHT', 'LEFT');
  await waitFor(async () => (await reaper.reapOnce()) === 1, { what: 'the reaper to give the late claim back' });
  assert.deepEqual(await world.redis.lrange(keys.ready(queue), 0, -1), ['message'], 'not a JSON object: moved as it is');
  // Once its keep-until has passed and its lists are empty, it leaves the set.
  await waitFor(async () => {
    await reaper.reapOnce();
    return (await world.redis.zscore(keys.consumers(queue), 'late')) === null;
  }, { what: 'the consumer to leave the set after its keep-until' });
});

test('defect 1: a worker whose first beat fails does not start, claims nothing, and its queue runs once Redis recovers', async () => {
  const h = harness(world.server.url);
  const add = h.app.task('add', (a: number, b: number) => a + b);
  try {
    const results = await add.applyMany(Array.from({ length: 50 }, (_, n) => [n, 1]));
    // Out of memory with noeviction: every write that adds memory is refused.
    await world.redis.config('SET', 'maxmemory-policy', 'noeviction');
    await world.redis.config('SET', 'maxmemory', '1');
    const worker = h.app.worker({ queues: [h.queue] });
    await assert.rejects(worker.run(), /OOM/);
    await world.redis.config('SET', 'maxmemory', '0');
    assert.equal(await world.redis.llen(h.app.keys.ready(h.queue)), 50, 'nothing was claimed');
    h.start();
    const values = await Promise.all(results.map((result) => result.get({ timeoutMs: 10_000 })));
    assert.equal(values.length, 50);
  } finally {
    await world.redis.config('SET', 'maxmemory', '0');
    await h.close();
  }
});
