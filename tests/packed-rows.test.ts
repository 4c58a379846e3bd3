/**
 * complete-batch.lua's messages travel packed in one argument (shared/packed-rows.ts): each
 * value as its UTF-8 byte length and bytes. Lengths are bytes, not characters, so text past
 * ASCII (accents, emoji, a lone JSON-escaped quote) must come out of Redis exactly as it
 * went in: a result, a dead-letter entry and a retry's message, written by one call.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Keys } from '../shared/keys.ts';
import { completeBatch, completionTally, type CompletionRow } from '../shared/scripts.ts';
import { packRows, unpackRows } from '../shared/packed-rows.ts';
import { privateRedis } from './helpers/private-redis.ts';

const world = privateRedis({ scripts: true });
const keys = new Keys();

test('packRows and unpackRows: byte lengths, empty values, numbers, text past ASCII', () => {
  const values = ['', 'a', 42, 'é✓😀', '"\\u2026"', 'x'.repeat(70_000), 0, ''];
  const packed = packRows(values);
  assert.equal(packed.length, values.length * 4 + 0 + 1 + 2 + 9 + 8 + 70_000 + 1 + 0);
  assert.deepEqual(unpackRows(packed, 4), [['', 'a', '42', 'é✓😀'], ['"\\u2026"', 'x'.repeat(70_000), '0', '']]);
  assert.equal(packRows([]).length, 0);
});

test('one complete-batch call writes text past ASCII exactly: result, dead letter, retry, and counts each state under its task', async () => {
  const queue = randomUUID();
  const processing = keys.processing(queue, 'c1');
  const ids = [randomUUID(), randomUUID(), randomUUID()];
  const raws = ids.map((id, i) => JSON.stringify({ v: 1, id, task: 'tâche', args: [`é✓😀 ${i}`] }));
  await world.redis.lpush(processing, ...raws);
  const result = JSON.stringify({ state: 'SUCCESS', value: 'réponse ✓ 😀 "quoted"', doneAt: 1 });
  const dead = JSON.stringify({ reason: 'max-retries', message: raws[1], error: 'échec ✗' });
  const retryRaw = JSON.stringify({ v: 1, id: ids[2], task: 'tâche', args: ['é✓😀 2'], retries: 1 });
  const rows: CompletionRow[] = [
    { raw: raws[0]!, id: ids[0], resultKey: keys.result(queue, ids[0]!), result, count: { state: 'SUCCESS', task: 'tâche', runtimeMs: 3 } },
    { raw: raws[1]!, id: ids[1], dead, count: { state: 'DEAD', task: 'tâche' } },
    { raw: raws[2]!, id: ids[2], announce: false, schedule: { atMs: 1_900_000_000_000, raw: retryRaw }, count: { state: 'RETRY', task: 'tâche', runtimeMs: 1 } },
  ];
  const lists = {
    processing, quarantine: keys.quarantine(queue, 'c1'), claimed: keys.claimed(queue, 'c1'), dead: keys.dead(queue),
    scheduled: keys.scheduled(queue), revoked: keys.revoked(queue), channel: keys.resultChannel(queue),
  };
  const tally = completionTally(keys, queue, { worker: 'c1' });
  assert.equal(await completeBatch(world.redis, lists, rows, { resultTtlMs: 60_000, deadLimit: 100, deadTtlMs: 60_000, simple: false, tally }), 3);
  assert.equal(await world.redis.llen(processing), 0, 'all three acknowledged by their text');
  assert.equal(await world.redis.get(keys.result(queue, ids[0]!)), result);
  assert.deepEqual(await world.redis.lrange(keys.dead(queue), 0, -1), [dead]);
  assert.deepEqual(await world.redis.zrange(keys.scheduled(queue), '0', '-1', 'WITHSCORES'), [retryRaw, '1900000000000']);
  assert.deepEqual(await world.redis.hgetall(tally.keys.counters), { 'SUCCESS:tâche': '1', 'DEAD:tâche': '1', 'RETRY:tâche': '1' });
  // Resent (its reply lost): nothing is held any more, so nothing is written twice.
  assert.equal(await completeBatch(world.redis, lists, rows, { resultTtlMs: 60_000, deadLimit: 100, deadTtlMs: 60_000, simple: false, tally }), 0);
  assert.equal(await world.redis.llen(keys.dead(queue)), 1);
});
