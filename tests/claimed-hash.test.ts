/**
 * The claimed hash (issue 17): claim-batch.lua stores each message under a claim number the
 * consumer chose, and every step that ends a claim names it by that number instead of
 * sending the message back. Each step keeps the rule of the processing list it replaces:
 * it acts only on what is still held, a resent call is harmless, and what goes back to a
 * queue keeps the oldest claim at the consuming end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Keys } from 'hardq';
import { privateRedis } from './helpers/private-redis.ts';
import { claimBatch, completeBatch, completionTally, requeueDeadConsumer, requeueHeld, unregister } from '../shared/scripts.ts';
import { heldIndex, requeueOrphans } from '../consumer/reconcile-held.ts';

const world = privateRedis({ scripts: true });
const keys = new Keys();

function consumerKeys(queue: string, consumer = 'c1') {
  return {
    ready: keys.ready(queue), claimed: keys.claimed(queue, consumer), processing: keys.processing(queue, consumer),
    quarantine: keys.quarantine(queue, consumer), heartbeat: keys.heartbeat(queue, consumer), revokedRecent: keys.revokedRecent(queue),
    dead: keys.dead(queue), scheduled: keys.scheduled(queue), revoked: keys.revoked(queue), channel: keys.resultChannel(queue),
    consumers: keys.consumers(queue), events: keys.events(queue), counters: keys.counters(queue), countersMinute: keys.countersMinute(queue, 0),
  };
}

const message = (id: string) => `{"v":1,"id":"${id}","task":"t","args":[]}`;

async function claimThree(queue: string, first: number) {
  const k = consumerKeys(queue);
  await world.redis.set(k.heartbeat, '{}', 'PX', 60_000);
  await world.redis.lpush(k.ready, message('a'), message('b'), message('c'));
  assert.deepEqual(await claimBatch(world.redis, k, 10, first), [message('a'), message('b'), message('c')]);
  return k;
}

test('an ack names a claimed message by its number: the message is not sent back, and a resent ack writes nothing', async () => {
  const queue = randomUUID();
  const k = await claimThree(queue, 1);
  const options = { resultTtlMs: 60_000, deadLimit: 100, deadTtlMs: 60_000, simple: false, tally: completionTally(keys, queue) };
  const row = (id: string, claimNumber: number) => ({
    raw: message(id), claimNumber, id, resultKey: keys.result(queue, id), result: `{"state":"SUCCESS","value":"${id}","doneAt":1}`,
  });
  // b failed for good: its dead letter is written with the ack.
  const rows = [row('a', 1), { ...row('b', 2), dead: '{"reason":"max-retries"}' }];
  assert.equal(await completeBatch(world.redis, k, rows, options), 2);
  assert.deepEqual(await world.redis.hgetall(k.claimed), { 3: message('c') }, 'c is still held');
  assert.equal(await world.redis.get(keys.result(queue, 'a')), '{"state":"SUCCESS","value":"a","doneAt":1}');
  // ioredis resends the call after a reconnect: nothing is held under those numbers any more.
  assert.equal(await completeBatch(world.redis, k, rows, options), 0);
  assert.equal(await world.redis.llen(k.dead), 1, 'the dead letter is not written twice');
  // A number that is not ours (the reaper took the hash back) writes nothing either.
  await world.redis.del(k.claimed);
  assert.equal(await completeBatch(world.redis, k, [row('c', 3)], options), 0);
  assert.equal(await world.redis.exists(keys.result(queue, 'c')), 0);
});

test('requeue-held.lua gives back claimed messages by number and BLMOVEd ones by text, each only if still held', async () => {
  const queue = randomUUID();
  const k = await claimThree(queue, 10);
  await world.redis.lpush(k.processing, message('d'));
  // In the order they should run: c, then d, then a; 99 is no claim of ours.
  const moved = await requeueHeld(world.redis, k, [
    { raw: message('c'), claimNumber: 12 }, { raw: message('d') }, { raw: message('a'), claimNumber: 10 }, { raw: message('x'), claimNumber: 99 },
  ]);
  assert.equal(moved, 3);
  assert.deepEqual((await world.redis.lrange(k.ready, 0, -1)).reverse(), [message('c'), message('d'), message('a')]);
  assert.deepEqual(await world.redis.hgetall(k.claimed), { 11: message('b') });
  assert.equal(await world.redis.llen(k.processing), 0);
});

test('unregister.lua and the reaper give the claimed hash back with the oldest claim at the consuming end', async () => {
  const queue = randomUUID();
  const k = await claimThree(queue, 1);
  await world.redis.zadd(k.consumers, 0, 'c1');
  assert.equal(await unregister(world.redis, k, { consumerId: 'c1', token: '' }), 3);
  assert.deepEqual((await world.redis.lrange(k.ready, 0, -1)).reverse(), [message('a'), message('b'), message('c')]);
  assert.equal(await world.redis.exists(k.claimed, k.heartbeat), 0);

  // A dead consumer (no heartbeat), taken back two at a time: the deliveries are counted.
  const other = consumerKeys(queue, 'gone');
  await world.redis.del(k.ready);
  await world.redis.hset(other.claimed, '7', message('e'), '8', message('f'), '9', message('g'));
  await world.redis.zadd(other.consumers, 0, 'gone');
  const args = {
    consumerId: 'gone', maxDeliveries: 5, queue, deadLimit: 10, runsAloneFrom: 3, chunk: 2, quarantined: '',
    quarantinedId: '', failure: '', resultTtlMs: 60_000, channel: other.channel, deadTtlMs: 60_000, task: 't', event: '{}',
  };
  assert.deepEqual(await requeueDeadConsumer(world.redis, other, args), { requeued: 2, left: 1, deadLettered: [] });
  assert.deepEqual(await requeueDeadConsumer(world.redis, other, args), { requeued: 1, left: 0, deadLettered: [] });
  const bumped = (id: string) => `{"deliveries":2,"v":1,"id":"${id}","task":"t","args":[]}`;
  assert.deepEqual((await world.redis.lrange(k.ready, 0, -1)).reverse(), [bumped('e'), bumped('f'), bumped('g')]);
  assert.equal(await world.redis.exists(other.claimed), 0);
});

test('the reconcile after a reconnect gives back claimed messages the worker does not hold, and keeps the rest', async () => {
  const queue = randomUUID();
  const k = await claimThree(queue, 1);
  // The worker holds a and c; b's claim reply was lost.
  const held = heldIndex([{ raw: message('a'), queue, claimNumber: 1 }, { raw: message('c'), queue, claimNumber: 3 }]);
  const lines: string[] = [];
  await requeueOrphans(world.redis, queue, k, held, (line) => lines.push(line));
  assert.deepEqual(await world.redis.lrange(k.ready, 0, -1), [message('b')]);
  assert.deepEqual(await world.redis.hgetall(k.claimed), { 1: message('a'), 3: message('c') });
  assert.match(lines.join('\n'), /1 message\(s\) in this consumer's lists were not being run; requeued/);
});
