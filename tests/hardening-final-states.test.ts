/**
 * Defects 6, 7, 8 and 12 (a bad message overwriting a final result) of the hardening
 * issue: complete-batch.lua writes nothing for a message it no longer holds, so a resent
 * ack cannot fork a retry; no late write replaces SUCCESS, FAILURE or REVOKED; a task
 * revoked while it ran does not retry; the reaper's poison-pill FAILURE respects a result
 * that is already final.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Retry, TaskRevokedError } from 'hardq';
import { Keys } from '../shared/keys.ts';
import { completeBatch, completionTally, defineScripts } from '../shared/scripts.ts';
import { encodeResult } from '../shared/result-record.ts';
import { Reaper } from '../consumer/reaper.ts';
import { privateRedis } from './helpers/private-redis.ts';
import { startReplyDroppingProxy } from './helpers/reply-dropping-proxy.ts';
import { waitFor } from './helpers/wait-for.ts';
import { gate, harness } from './fixtures/harness.ts';

const world = privateRedis({ scripts: true });

const keys = new Keys();
const lists = (queue: string) => ({
  processing: keys.processing(queue, 'c1'), quarantine: keys.quarantine(queue, 'c1'), claimed: keys.claimed(queue, 'c1'), dead: keys.dead(queue),
  scheduled: keys.scheduled(queue), revoked: keys.revoked(queue), channel: keys.resultChannel(queue),
});
const options = { resultTtlMs: 60_000, deadLimit: 100, deadTtlMs: 60_000, simple: false, tally: completionTally(keys, 'tally') };
const state = async (key: string) => (JSON.parse((await world.redis.get(key)) ?? '{}') as { state?: string }).state;

test('defect 6: an ack resent after a lost reply does not schedule its retry a second time', async () => {
  const queue = randomUUID();
  const proxy = await startReplyDroppingProxy(world.server.port);
  const viaProxy = new Redis(proxy.url);
  defineScripts(viaProxy);
  try {
    const k = lists(queue);
    const raw = '{"v":1,"id":"r1","task":"t","args":[]}';
    const retry = '{"v":1,"id":"r1","task":"t","args":[],"retries":1}';
    await world.redis.lpush(k.processing, raw);
    // The moment the first run's reply is swallowed, another consumer promotes and runs the
    // retry (taken off the scheduled set) before ioredis reconnects and resends the ack.
    const dropped = proxy.dropNextReplyTo((command) => command.includes(k.processing))
      .then(() => world.redis.zrem(k.scheduled, retry));
    const held = await completeBatch(viaProxy, k, [{ raw, id: 'r1', schedule: { atMs: Date.now(), raw: retry } }], options);
    assert.equal(await dropped, 1, 'the retry was scheduled by the first run');
    assert.equal(held, 0, 'the resent call found the message gone');
    assert.equal(await world.redis.zcard(k.scheduled), 0, 'and scheduled nothing again');
  } finally {
    viaProxy.disconnect();
    await proxy.stop();
  }
});

test('defect 6: a message no longer held writes no result, retry or dead letter; a held one never replaces a final state', async () => {
  const queue = randomUUID();
  const k = lists(queue);
  const resultKey = keys.result(queue, 'x');
  // Not held (a reaper took it back): nothing at all.
  const ghost = await completeBatch(world.redis, k, [{
    raw: 'gone', id: 'x', resultKey, result: encodeResult({ state: 'SUCCESS', value: 1, doneAt: 1 }),
    dead: '{"reason":"invalid"}', schedule: { atMs: 1, raw: 'retry' },
  }], options);
  assert.equal(ghost, 0);
  assert.equal(await world.redis.exists(resultKey, k.dead, k.scheduled), 0);
  // Held, but REVOKED is already there: acknowledged, and the REVOKED record stays.
  await world.redis.set(resultKey, encodeResult({ state: 'REVOKED', reason: 'revoked', doneAt: 1 }));
  await world.redis.lpush(k.processing, 'm');
  assert.equal(await completeBatch(world.redis, k, [{ raw: 'm', id: 'x', resultKey, result: encodeResult({ state: 'SUCCESS', value: 1, doneAt: 2 }) }], options), 1);
  assert.equal(await state(resultKey), 'REVOKED');
  assert.equal(await world.redis.llen(k.processing), 0);
  // SUCCESS is not replaced by a late RETRY either.
  await world.redis.set(resultKey, encodeResult({ state: 'SUCCESS', value: 1, doneAt: 1 }));
  await world.redis.lpush(k.processing, 'm');
  await completeBatch(world.redis, k, [{ raw: 'm', id: 'x', resultKey, result: encodeResult({ state: 'RETRY', error: { name: 'E', message: 'm' }, retries: 1, eta: 5 }), announce: false }], options);
  assert.equal(await state(resultKey), 'SUCCESS');
});

test('defect 7: a task revoked while it runs and then retries ends REVOKED, with no retry scheduled', async () => {
  const h = harness(world.server.url);
  const hold = gate();
  let started = false;
  const flaky = h.app.task('flaky', async () => {
    started = true;
    await hold.opened;
    throw new Retry({ countdownMs: 10 });
  });
  try {
    const result = await flaky.delay();
    const worker = h.start();
    let finished = false;
    worker.on('task', () => (finished = true));
    await waitFor(() => started, { what: 'the handler to start' });
    await result.revoke();
    hold.open();
    // The run ended in a retry, and its ack is written once the claimed hash is empty.
    await waitFor(async () => finished && (await world.redis.exists(h.app.keys.processing(h.queue, worker.consumerId), h.app.keys.claimed(h.queue, worker.consumerId))) === 0, { what: 'the run to be acknowledged' });
    assert.equal(await state(h.app.keys.result(h.queue, result.id)), 'REVOKED', 'the retry did not replace REVOKED');
    assert.equal(await world.redis.exists(h.app.keys.scheduled(h.queue)), 0, 'no retry was scheduled');
    await assert.rejects(result.get({ timeoutMs: 5000 }), TaskRevokedError);
  } finally {
    hold.open();
    await h.close();
  }
});

test('defect 8: a poison pill dead-lettered by the reaper gets FAILURE, unless its result is already final', async () => {
  const queue = randomUUID();
  const reaper = new Reaper({ redis: world.redis, keys, queues: [queue], consumerId: 'reaper', intervalMs: 1000, maxDeliveries: 5, resultTtlMs: 60_000, log: () => {} });
  // Two dead consumers, each running one message alone for its fifth delivery: a slow task
  // that did finish (SUCCESS is there) and one that never did.
  const pill = (id: string) => `{"deliveries":5,"v":1,"id":"${id}","task":"t","args":[]}`;
  await world.redis.lpush(keys.quarantine(queue, 'a'), pill('finished'));
  await world.redis.lpush(keys.quarantine(queue, 'b'), pill('crashed'));
  await world.redis.zadd(keys.consumers(queue), 0, 'a', 0, 'b');
  await world.redis.set(keys.result(queue, 'finished'), encodeResult({ state: 'SUCCESS', value: 42, doneAt: 1 }));
  await reaper.reapOnce();
  assert.equal(await world.redis.llen(keys.dead(queue)), 2, 'both dead-lettered as redelivered');
  assert.equal(await state(keys.result(queue, 'finished')), 'SUCCESS', 'a final result is kept');
  assert.equal(await state(keys.result(queue, 'crashed')), 'FAILURE');
  assert.ok((await world.redis.pttl(keys.result(queue, 'crashed'))) > 0, 'with the result TTL');
});

test('defect 12: a bad message with a readable id does not overwrite that id\'s final result', async () => {
  const h = harness(world.server.url);
  h.app.task('add', (a: number, b: number) => a + b);
  try {
    const id = randomUUID();
    await world.redis.set(h.app.keys.result(h.queue, id), encodeResult({ state: 'SUCCESS', value: 3, doneAt: 1 }));
    await world.redis.lpush(h.app.keys.ready(h.queue), JSON.stringify({ v: 1, id, task: 'no_such_task', args: [] }), JSON.stringify({ v: 1, id, task: 'add', args: 'x' }));
    h.start();
    await waitFor(async () => (await world.redis.llen(h.app.keys.dead(h.queue))) === 2, { what: 'both dead-lettered' });
    assert.equal(await state(h.app.keys.result(h.queue, id)), 'SUCCESS');
  } finally {
    await h.close();
  }
});
