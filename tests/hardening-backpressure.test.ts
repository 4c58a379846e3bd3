/**
 * Defect 5 of the hardening issue: "no backpressure while acks fail". A finished message
 * whose ack is not written yet still counts against concurrency (up to one more
 * `concurrency`), so a worker whose acks fail stops taking work instead of running the
 * whole queue; and a reaper gives a long list back in bounded chunks, in order.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Keys } from '../shared/keys.ts';
import { Reaper } from '../consumer/reaper.ts';
import { privateRedis } from './helpers/private-redis.ts';
import { waitFor } from './helpers/wait-for.ts';
import { harness } from './fixtures/harness.ts';

const world = privateRedis({ scripts: true });

test('defect 5: while acks fail, a worker runs at most twice its concurrency, then waits', async () => {
  const h = harness(world.server.url);
  let runs = 0;
  // A thrown string is dead-lettered, and a dead list of the wrong type makes every ack fail.
  const bad = h.app.task('bad', () => {
    runs++;
    throw 'not an Error';
  });
  try {
    await world.redis.set(h.app.keys.dead(h.queue), 'not a list');
    await bad.applyMany(Array.from({ length: 100 }, () => []));
    h.start({ concurrency: 5 });
    await waitFor(() => h.logs.filter((line) => line.includes('failed (WRONGTYPE')).length >= 3, { what: 'three failed ack attempts' });
    assert.ok(runs <= 10, `ran ${runs} handlers while no ack could be written`);
    assert.ok((await world.redis.llen(h.app.keys.ready(h.queue))) >= 90, 'the rest stayed on the queue');
    await world.redis.del(h.app.keys.dead(h.queue));
    await waitFor(async () => (await world.redis.llen(h.app.keys.dead(h.queue))) === 100, { what: 'every message dead-lettered once acks work', timeoutMs: 20_000 });
    assert.equal(runs, 100, 'each ran once: the failed acks were retried, not the handlers');
  } finally {
    // close() waits for every ack: let them through, even when an assertion failed.
    await world.redis.del(h.app.keys.dead(h.queue));
    await h.close();
  }
});

test('defect 5: the reaper gives 2,500 messages back in bounded calls, oldest claim at the consuming end', async () => {
  const queue = randomUUID();
  const keys = new Keys();
  const reaper = new Reaper({ redis: world.redis, keys, queues: [queue], consumerId: 'reaper', intervalMs: 1000, maxDeliveries: 5, resultTtlMs: 60_000, log: () => {} });
  const claimed = Array.from({ length: 2500 }, (_, n) => `{"v":1,"id":"m${n}","task":"t","args":[]}`);
  // Claims are LPUSHed, so the oldest claim (m0) sits at the right.
  await world.redis.lpush(keys.processing(queue, 'dead'), ...claimed);
  await world.redis.zadd(keys.consumers(queue), 0, 'dead');
  assert.equal(await reaper.reapOnce(), 2500);
  const ready = await world.redis.lrange(keys.ready(queue), 0, -1);
  assert.deepEqual(ready.reverse(), claimed.map((raw) => raw.replace('{', '{"deliveries":2,')), 'in claim order from the consuming end');
  assert.equal(await world.redis.exists(keys.processing(queue, 'dead')), 0);
  assert.equal(await world.redis.zscore(keys.consumers(queue), 'dead'), null);
});
