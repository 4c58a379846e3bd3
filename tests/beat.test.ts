/**
 * Beats against a real redis-server: run-time add, change and remove; catch-up after every
 * beat was down ('latest', 'none', 'all', startingDeadlineMs); and two beats that both
 * believe they lead (a lease far shorter than a forced pause) still send no slot twice.
 * Slots are read back from the ready list by their ids (name:v<version>:<slot ms>).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { addSchedule, createApp, listSchedules, removeSchedule, runBeat, type App, type Beat, type BeatOptions, type CatchUp } from 'hardq';
import { privateRedis } from './helpers/private-redis.ts';
import { waitFor } from './helpers/wait-for.ts';

const world = privateRedis();
const quiet = () => {};

function freshApp(): { app: App; queue: string } {
  const queue = randomUUID();
  return { app: createApp({ redis: world.server.url, prefix: `t${randomUUID().slice(0, 8)}`, defaultQueue: queue, log: quiet }), queue };
}

/** The slot messages on the ready list: id → how many times, and their args. */
async function sentSlots(app: App, queue: string): Promise<{ id: string; name: string; version: number; slotMs: number; args: unknown[] }[]> {
  const raws = await world.redis.lrange(app.keys.ready(queue), 0, -1);
  return raws.reverse().map((raw) => {
    const message = JSON.parse(raw) as { id: string; args: unknown[] };
    const [name, version, slot] = message.id.split(':') as [string, string, string];
    return { id: message.id, name, version: Number(version.slice(1)), slotMs: Number(slot), args: message.args };
  });
}

async function redisNow(): Promise<number> {
  const [seconds, micros] = await world.redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

const assertUnique = (ids: string[]) => assert.equal(new Set(ids).size, ids.length, `a slot sent twice: ${ids.join(' ')}`);

test('run-time add, change and remove reach a running beat; added again, a schedule gets a new version', async () => {
  const { app, queue } = freshApp();
  const beat = await runBeat(app, { tickMs: 50, leaseMs: 1000 });
  try {
    assert.deepEqual(await addSchedule(app, 'ping', { task: 'ping', args: [1] }, { every: 100 }), { version: 1, outcome: 'added' });
    await waitFor(async () => (await sentSlots(app, queue)).length >= 3, { what: 'three slots of ping v1' });
    assert.equal((await addSchedule(app, 'ping', { task: 'ping', args: [2] }, { every: 100 })).outcome, 'changed');
    await waitFor(async () => (await sentSlots(app, queue)).some((slot) => slot.args[0] === 2), { what: 'a slot with the new args' });
    assert.ok((await sentSlots(app, queue)).every((slot) => slot.version === 1), 'a change keeps the version');

    const listed = await listSchedules(app);
    assert.equal(listed.leader, beat.lease.token);
    assert.equal(listed.schedules[0]?.definition.name, 'ping');
    assert.equal(listed.schedules[0]?.timing, 'every 100ms');
    assert.ok(listed.schedules[0]!.nextSlotMs! > listed.schedules[0]!.state.lastSlotMs!);

    assert.equal(await removeSchedule(app, 'ping'), true);
    const ticks = beat.counts.ticks;
    await waitFor(() => beat.counts.ticks >= ticks + 2, { what: 'two whole ticks after the removal' });
    const afterRemoval = (await sentSlots(app, queue)).length;
    await waitFor(() => beat.counts.ticks >= ticks + 6, { what: 'four more ticks' });
    assert.equal((await sentSlots(app, queue)).length, afterRemoval, 'nothing sent once removed');
    assert.deepEqual((await listSchedules(app)).schedules, []);

    assert.deepEqual(await addSchedule(app, 'ping', { task: 'ping', args: [3] }, { every: 100 }), { version: 2, outcome: 'added' });
    await waitFor(async () => (await sentSlots(app, queue)).some((slot) => slot.version === 2), { what: 'a slot of ping v2' });
    assertUnique((await sentSlots(app, queue)).map((slot) => slot.id));
  } finally {
    await beat.close();
    await app.close();
  }
});

/** A 100 ms schedule added while no beat runs; a beat starts ~1 s later and runs until it sent 5 on-time slots. */
async function afterDowntime(catchUp: CatchUp, startingDeadlineMs?: number) {
  const { app, queue } = freshApp();
  await addSchedule(app, 'tick', { task: 'tick' }, { every: 100 }, { catchUp, startingDeadlineMs });
  const createdAtMs = (await listSchedules(app)).schedules[0]!.state.createdAtMs;
  await waitFor(async () => (await redisNow()) > createdAtMs + 1000, { what: '1 s of Redis time with no beat' });
  const beat = await runBeat(app, { tickMs: 50, leaseMs: 1000 });
  try {
    await waitFor(async () => beat.leaderSinceMs > 0 && (await sentSlots(app, queue)).filter((slot) => slot.slotMs >= beat.leaderSinceMs).length >= 5,
      { what: 'five on-time slots' });
  } finally {
    await beat.close();
  }
  const slots = await sentSlots(app, queue);
  const handledThroughMs = (await listSchedules(app)).schedules[0]!.state.handledThroughMs;
  await app.close();
  assertUnique(slots.map((slot) => slot.id));
  const due = (from: number, to: number) => Array.from({ length: Math.floor(to / 100) - Math.floor(from / 100) }, (_, i) => (Math.floor(from / 100) + i + 1) * 100);
  const missed = due(createdAtMs, beat.leaderSinceMs - 1);
  const onTime = due(beat.leaderSinceMs - 1, handledThroughMs);
  return { slots: slots.map((slot) => slot.slotMs), missed, onTime, beat };
}

test("catch-up after every beat was down: 'all' sends each missed slot, 'latest' the newest, 'none' none; on-time slots always", async () => {
  const all = await afterDowntime('all');
  assert.ok(all.missed.length >= 8, `${all.missed.length} missed`);
  assert.deepEqual(all.slots, [...all.missed, ...all.onTime]);
  const latest = await afterDowntime('latest');
  assert.deepEqual(latest.slots, [latest.missed.at(-1), ...latest.onTime]);
  const none = await afterDowntime('none');
  assert.deepEqual(none.slots, none.onTime);
  assert.ok(none.beat.counts.skipped >= 1);
});

test('startingDeadlineMs: missed slots older than it are skipped, the rest of a catchUp all are sent', async () => {
  const { slots, missed, onTime, beat } = await afterDowntime('all', 400);
  const firstTickMs = beat.leaderSinceMs + 50; // leaderSinceMs is the first tick's time less one tick
  assert.deepEqual(slots, [...missed.filter((slot) => slot >= firstTickMs - 400), ...onTime]);
  assert.ok(missed.some((slot) => slot < firstTickMs - 400), 'some missed slot was past the deadline');
});

test('two beats that both believe they lead (lease 300 ms, one paused 1 s after its lease check) send no slot twice', async () => {
  const { app, queue } = freshApp();
  const other = createApp({ redis: world.server.url, prefix: app.keys.prefix, defaultQueue: queue, log: quiet });
  await addSchedule(app, 'tick', { task: 'tick' }, { every: 100 }, { catchUp: 'all' });
  const createdAtMs = (await listSchedules(app)).schedules[0]!.state.createdAtMs;
  await waitFor(async () => (await redisNow()) > createdAtMs + 500, { what: 'five slots due' });
  let paused = false;
  const pauseOnce: BeatOptions['beforeSend'] = async () => {
    if (paused) return;
    paused = true;
    // Like a GC pause: the lease runs out while this beat still believes it leads.
    await new Promise((resolve) => setTimeout(resolve, 1000));
  };
  const a = await runBeat(app, { tickMs: 50, leaseMs: 300, beforeSend: pauseOnce });
  await waitFor(() => paused, { what: 'beat A paused while leading' });
  const b: Beat = await runBeat(other, { tickMs: 50, leaseMs: 300 });
  try {
    await waitFor(() => a.counts.alreadySent >= 1, { what: 'beat A to wake and try a slot B had sent' });
    await waitFor(() => b.counts.sent >= 10, { what: 'B to lead on' });
    assert.equal(a.isLeader, false);
  } finally {
    await a.close();
    await b.close();
  }
  const slots = await sentSlots(app, queue);
  assertUnique(slots.map((slot) => slot.id));
  const times = slots.map((slot) => slot.slotMs).sort((x, y) => x - y);
  assert.ok(times.every((slot, i) => i === 0 || slot - times[i - 1]! === 100), `no slot missing: ${times.join(' ')}`);
  assert.equal(times[0], Math.floor(createdAtMs / 100) * 100 + 100, 'from the first slot after the schedule was added');
  assert.equal(a.counts.sent + b.counts.sent, slots.length);
  await app.close();
  await other.close();
});

test('app.schedule takes a signature (add.s(2, 2)) as well as the { task, args } form; a linked one is refused', async () => {
  const { app, queue } = freshApp();
  const add = app.task('add', (a: number, b: number) => a + b);
  app.schedule('sum', add.s(2, 2), { every: 100 });
  app.schedule('plain', { task: add, args: [1, 1] }, { every: 100 });
  assert.throws(() => app.schedule('linked', add.s(1, 1).link(add.s(1)), { every: 100 }), /takes no link/);
  assert.deepEqual(app.schedules.get('sum')?.args, [2, 2]);
  const beat = await runBeat(app, { tickMs: 50, leaseMs: 1000 });
  try {
    await waitFor(async () => {
      const names = (await sentSlots(app, queue)).map((slot) => slot.name);
      return names.includes('sum') && names.includes('plain');
    }, { what: 'a slot of each schedule' });
    const slots = await sentSlots(app, queue);
    assert.deepEqual(slots.find((slot) => slot.name === 'sum')?.args, [2, 2]);
    assert.deepEqual(slots.find((slot) => slot.name === 'plain')?.args, [1, 1]);
  } finally {
    await beat.close();
    await app.close();
  }
});
