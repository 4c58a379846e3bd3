/**
 * admin/: queue counts and purge (admin/queues.ts), and the dead-letter list's list,
 * requeue and drop (admin/dead-letters.ts, requeue-dead.lua), against a real worker: a
 * requeued message keeps its id, starts its counts over, and its old FAILURE is gone in the
 * same step, so it can end in SUCCESS.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { dropDeadLetters, listDeadLetters, purgeQueue, queueStats, requeueDeadLetters } from 'hardq';
import { privateRedis } from './helpers/private-redis.ts';
import { waitFor } from './helpers/wait-for.ts';
import { harness } from './fixtures/harness.ts';

const world = privateRedis();

test('queueStats counts each place a message can be, and purgeQueue empties what waits', async () => {
  const h = harness(world.server.url);
  const add = h.app.task('add', (a: number, b: number) => a + b);
  try {
    await add.applyMany([[1, 1], [2, 2], [3, 3]]);
    await add.applyAsync([4, 4], { countdownMs: 60_000 });
    await world.redis.lpush(h.app.keys.processing(h.queue, 'c1'), 'held');
    await world.redis.zadd(h.app.keys.consumers(h.queue), 0, 'c1');
    await world.redis.lpush(h.app.keys.dead(h.queue), '{"reason":"malformed","raw":"x"}');
    const stats = await queueStats(h.app, h.queue);
    assert.deepEqual({ ...stats, oldestAgeMs: undefined }, {
      queue: h.queue, ready: 3, scheduled: 1, processing: 1, quarantine: 0, dead: 1, consumers: 1, oldestAgeMs: undefined,
    });
    assert.ok(stats.oldestAgeMs !== undefined && stats.oldestAgeMs >= 0 && stats.oldestAgeMs < 60_000);
    assert.deepEqual(await purgeQueue(h.app, h.queue), { ready: 3, scheduled: 0 });
    assert.deepEqual(await purgeQueue(h.app, h.queue, { scheduled: true }), { ready: 0, scheduled: 1 });
    assert.equal((await queueStats(h.app, h.queue)).processing, 1, 'held messages are left alone');
  } finally {
    await h.close();
  }
});

test('a requeued dead letter keeps its id, loses its old FAILURE in the same step, and can succeed', async () => {
  const h = harness(world.server.url);
  let fail = true;
  const flaky = h.app.task('flaky', (n: number) => {
    if (fail) throw 'not an Error'; // dead-lettered as non-error-thrown, with a FAILURE result
    return n * 2;
  });
  try {
    const result = await flaky.delay(21);
    h.start();
    await waitFor(async () => (await result.state()) === 'FAILURE', { what: 'the first FAILURE' });
    const [letter] = await listDeadLetters(h.app, h.queue, { id: result.id });
    assert.equal(letter?.reason, 'non-error-thrown');
    assert.equal(letter?.task, 'flaky');
    fail = false;
    assert.deepEqual(await requeueDeadLetters(h.app, h.queue, { id: result.id }), { requeued: 1, skipped: [] });
    assert.equal(await result.get({ timeoutMs: 10_000 }), 42);
    assert.deepEqual(await listDeadLetters(h.app, h.queue), [], 'the entry left the list');
    // Requeueing the same entry again finds nothing: it cannot be queued twice.
    assert.deepEqual(await requeueDeadLetters(h.app, h.queue, { id: result.id }), { requeued: 0, skipped: [] });
  } finally {
    await h.close();
  }
});

test('requeue resets delivery and retry counts, skips what cannot run, and drop filters by reason', async () => {
  const h = harness(world.server.url);
  try {
    const id = randomUUID();
    const redelivered = `{"deliveries":6,"v":1,"id":"${id}","task":"t","args":[],"retries":3}`;
    const dead = h.app.keys.dead(h.queue);
    await world.redis.lpush(dead,
      JSON.stringify({ reason: 'redelivered', raw: redelivered, queue: h.queue, deadAt: 1 }),
      JSON.stringify({ reason: 'malformed', raw: 'not json', queue: h.queue, deadAt: 2 }));
    await world.redis.set(h.app.keys.result(h.queue, id), '{"state":"FAILURE","error":{"name":"Redelivered","message":"m"},"doneAt":1}');
    const outcome = await requeueDeadLetters(h.app, h.queue, { all: true });
    assert.equal(outcome.requeued, 1);
    assert.deepEqual(outcome.skipped.map((letter) => letter.reason), ['malformed']);
    assert.deepEqual(await world.redis.lrange(h.app.keys.ready(h.queue), 0, -1), [`{"v":1,"id":"${id}","task":"t","args":[]}`]);
    assert.equal(await world.redis.exists(h.app.keys.result(h.queue, id)), 0, 'the old FAILURE is gone');
    await assert.rejects(dropDeadLetters(h.app, h.queue, {}), /id, a reason, or all/);
    assert.equal(await dropDeadLetters(h.app, h.queue, { reason: 'malformed' }), 1);
    assert.equal(await world.redis.llen(dead), 0);
  } finally {
    await h.close();
  }
});
