/**
 * The beat's Lua steps alone against a real redis-server: enqueue-slot.lua sends a slot
 * once, the lease scripts only touch their own token, add-schedule.lua versions names,
 * record-slot.lua only moves forward.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Keys } from '../shared/keys.ts';
import { addScheduleEntry, enqueueSlot, recordSlot, releaseLease, renewLease } from '../shared/scripts.ts';
import { privateRedis } from './helpers/private-redis.ts';

const world = privateRedis({ scripts: true });
const fresh = () => new Keys(`t${randomUUID().slice(0, 8)}`);

test('enqueue-slot.lua: the first call marks and pushes; any later call, however stale, pushes nothing', async () => {
  const { redis } = world;
  const keys = fresh();
  const queue = randomUUID();
  const slot = { marker: keys.beatSlot(queue, 'tick:v1:1000'), ready: keys.ready(queue) };
  assert.equal(await enqueueSlot(redis, slot, '{"first":1}', 60_000), true);
  assert.equal(await enqueueSlot(redis, slot, '{"second":1}', 60_000), false);
  assert.deepEqual(await redis.lrange(keys.ready(queue), 0, -1), ['{"first":1}']);
  const ttl = await redis.pttl(slot.marker);
  assert.ok(ttl > 59_000 && ttl <= 60_000, `marker TTL ${ttl}`);
  assert.match(String(await redis.get(slot.marker)), /^\d{13}$/, 'the marker holds when it was sent');
});

test('renew-lease.lua and release-lease.lua act only for the token that holds the lease', async () => {
  const { redis } = world;
  const key = fresh().beatLeader();
  assert.equal(await renewLease(redis, key, 'a', 5000), false, 'no lease: nothing to renew');
  await redis.set(key, 'a', 'PX', 1000);
  assert.equal(await renewLease(redis, key, 'b', 5000), false);
  assert.equal(await releaseLease(redis, key, 'b'), false);
  assert.ok((await redis.pttl(key)) <= 1000, 'b changed nothing');
  assert.equal(await renewLease(redis, key, 'a', 5000), true);
  assert.ok((await redis.pttl(key)) > 1000, 'a extended it');
  assert.equal(await releaseLease(redis, key, 'a'), true);
  assert.equal(await redis.exists(key), 0);
});

test('add-schedule.lua: a new name gets a new version; the same definition changes nothing; removed and added again, a newer version', async () => {
  const { redis } = world;
  const keys = fresh();
  const where = { schedules: keys.beatSchedules(), state: keys.beatState(), version: keys.beatVersion() };
  assert.deepEqual(await addScheduleEntry(redis, where, 'a', '{"v":1}'), { version: 1, outcome: 'added' });
  assert.deepEqual(await addScheduleEntry(redis, where, 'b', '{"v":1}'), { version: 2, outcome: 'added' });
  assert.deepEqual(await addScheduleEntry(redis, where, 'a', '{"v":1}'), { version: 1, outcome: 'unchanged' });
  assert.deepEqual(await addScheduleEntry(redis, where, 'a', '{"v":2}'), { version: 1, outcome: 'changed' });
  const state = JSON.parse(String(await redis.hget(keys.beatState(), 'a'))) as { createdAtMs: number; handledThroughMs: number };
  assert.equal(state.handledThroughMs, state.createdAtMs, 'its first slot comes after it was added');
  await redis.hdel(keys.beatSchedules(), 'a');
  await redis.hdel(keys.beatState(), 'a');
  assert.deepEqual(await addScheduleEntry(redis, where, 'a', '{"v":2}'), { version: 3, outcome: 'added' });
});

test('record-slot.lua: state only moves forward, and never for another version', async () => {
  const { redis } = world;
  const keys = fresh();
  await addScheduleEntry(redis, { schedules: keys.beatSchedules(), state: keys.beatState(), version: keys.beatVersion() }, 'a', '{}');
  const read = async () => JSON.parse(String(await redis.hget(keys.beatState(), 'a'))) as Record<string, unknown>;
  const createdAtMs = (await read()).createdAtMs as number;
  const sent = { id: `a:v1:${createdAtMs + 1000}`, slotMs: createdAtMs + 1000 };
  assert.equal(await recordSlot(redis, keys.beatState(), { name: 'a', version: 1, handledThroughMs: createdAtMs + 1000, sent }), true);
  assert.equal(await recordSlot(redis, keys.beatState(), { name: 'a', version: 1, handledThroughMs: createdAtMs + 500 }), false, 'not backwards');
  assert.equal(await recordSlot(redis, keys.beatState(), { name: 'a', version: 2, handledThroughMs: createdAtMs + 5000 }), false, 'not another version');
  assert.equal(await recordSlot(redis, keys.beatState(), { name: 'gone', version: 1, handledThroughMs: createdAtMs + 5000 }), false, 'not a removed name');
  assert.equal(await recordSlot(redis, keys.beatState(), { name: 'a', version: 1, handledThroughMs: createdAtMs + 2000 }), true, 'skipped slots');
  const state = await read();
  assert.equal(state.handledThroughMs, createdAtMs + 2000);
  assert.equal(state.lastId, sent.id, 'a skip keeps the last sent slot');
  assert.equal(state.lastSlotMs, sent.slotMs);
  assert.equal(await redis.hexists(keys.beatSchedules(), 'gone') + await redis.hexists(keys.beatState(), 'gone'), 0);
});
