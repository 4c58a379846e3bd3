/**
 * Beat on a local 3-master Redis Cluster, under the cross-slot hook (tests/helpers/redis-cluster.ts):
 * the schedules and the lease live on the `{control}` master, two target queues on the two
 * other masters. Two beats run at once; each due slot reaches its own queue exactly once,
 * one beat leads, a handover loses no slot, run-time add, list and remove work, and no step
 * touches two hash slots. Slots are read back by their ids (name:v<version>:<slot ms>).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { addSchedule, createApp, listSchedules, removeSchedule, runBeat, type App, type Beat } from 'hardq';
import { hashSlot } from '../shared/hash-slot.ts';
import { connectRaw, startCluster, type TestCluster } from './helpers/redis-cluster.ts';
import { killCliChildren, runCli, startCli } from './fixtures/cli.ts';
import { waitFor } from './helpers/wait-for.ts';

let cluster: TestCluster;
let raw: Redis;
before(async () => {
  cluster = await startCluster();
  raw = connectRaw(cluster.url);
});
after(async () => {
  await killCliChildren();
  await raw.quit();
  await cluster.stop();
});

const quiet = () => {};
const everyMs = 100;

/** The port of the master serving each hash slot, from CLUSTER SLOTS. */
async function slotOwners(): Promise<(slot: number) => number> {
  const ranges = await raw.cluster('SLOTS');
  return (slot) => ranges.find(([low, high]) => low <= slot && slot <= high)![2]![1];
}

/** How many TIME calls the master at `port` has served (INFO commandstats). */
async function timeCalls(port: number): Promise<number> {
  const node = connectRaw(`redis://127.0.0.1:${port}`);
  try {
    return Number(/cmdstat_time:calls=(\d+)/.exec(await node.info('commandstats'))?.[1] ?? 0);
  } finally {
    node.disconnect();
  }
}

/** A fresh queue name whose hash tag lands on the master at `port`. */
function queueOn(owner: (slot: number) => number, port: number): string {
  for (;;) {
    const queue = `q-${randomUUID().slice(0, 8)}`;
    if (owner(hashSlot(`{${queue}}`)) === port) return queue;
  }
}

/** The slot messages on a queue's ready list, oldest first. */
async function sentSlots(app: App, queue: string): Promise<{ id: string; name: string; slotMs: number; args: unknown[] }[]> {
  const raws = await raw.lrange(app.keys.ready(queue), 0, -1);
  return raws.reverse().map((text) => {
    const { id, args } = JSON.parse(text) as { id: string; args: unknown[] };
    const [name, , slot] = id.split(':') as [string, string, string];
    return { id, name, slotMs: Number(slot), args };
  });
}

/** Every slot time after `createdAtMs` up to the last one sent, each exactly once, only this schedule's. */
function assertEverySlotOnce(slots: { id: string; name: string; slotMs: number }[], name: string, createdAtMs: number): void {
  assert.ok(slots.every((slot) => slot.name === name), `only ${name}'s slots on its queue: ${slots.map((slot) => slot.id).join(' ')}`);
  const times = slots.map((slot) => slot.slotMs);
  assert.equal(new Set(times).size, times.length, `a slot of ${name} sent twice: ${times.join(' ')}`);
  const first = Math.floor(createdAtMs / everyMs) * everyMs + everyMs;
  assert.deepEqual(times, Array.from({ length: times.length }, (_, i) => first + i * everyMs), `${name}: a slot missing or out of order`);
}

test('two beats on a cluster: one leads, each slot reaches its own queue once, a handover loses none; add, list and remove work', async () => {
  const owner = await slotOwners();
  const prefix = `t${randomUUID().slice(0, 8)}`;
  const probe = createApp({ redis: cluster.url, prefix, log: quiet });
  const controlSlot = hashSlot(probe.keys.beatLeader());
  const queuePorts = (await cluster.masterPorts()).filter((port) => port !== owner(controlSlot));
  assert.equal(queuePorts.length, 2, 'three masters: control on one, a queue on each of the others');
  const [queueA, queueB] = queuePorts.map((port) => queueOn(owner, port)) as [string, string];

  // Where each key lives: the beat's own keys on the control slot, a marker with its queue's list.
  for (const key of [probe.keys.beatSchedules(), probe.keys.beatState(), probe.keys.beatVersion()]) assert.equal(hashSlot(key), controlSlot, key);
  for (const queue of [queueA, queueB]) assert.equal(hashSlot(probe.keys.beatSlot(queue, 'x:v1:0')), hashSlot(probe.keys.ready(queue)));
  await probe.close();

  const beatApp = () => {
    const app = createApp({ redis: cluster.url, prefix, defaultQueue: queueA, log: quiet });
    app.schedule('a', { task: 'tick', args: ['a'], queue: queueA }, { every: everyMs }, { catchUp: 'all' });
    return app;
  };
  const apps = [beatApp(), beatApp()] as const;
  const beats: Beat[] = [];
  let created: { [name: string]: number } = {};
  let handledThroughMs: number;
  try {
    try {
      for (const app of apps) beats.push(await runBeat(app, { tickMs: 50, leaseMs: 5000 }));
      assert.deepEqual(await addSchedule(apps[0], 'b', { task: 'tick', args: ['b'], queue: queueB }, { every: everyMs }, { catchUp: 'all' }), { version: 2, outcome: 'added' });
      created = Object.fromEntries((await listSchedules(apps[0])).schedules.map((entry) => [entry.definition.name, entry.state.createdAtMs]));
      await waitFor(async () => (await sentSlots(apps[0], queueA)).length >= 5 && (await sentSlots(apps[0], queueB)).length >= 5, { what: 'five slots on each queue' });

      // One leader: the lease names it, and the other has sent nothing.
      const leader = beats.find((beat) => beat.isLeader)!;
      const follower = beats.find((beat) => beat !== leader)!;
      assert.ok(leader !== undefined && !follower.isLeader, 'exactly one beat leads');
      const listed = await listSchedules(apps[1]);
      assert.equal(listed.leader, leader.lease.token);
      assert.deepEqual(listed.schedules.map((entry) => [entry.definition.name, entry.definition.origin, entry.timing]), [['a', 'app', 'every 100ms'], ['b', 'runtime', 'every 100ms']]);
      assert.equal(follower.counts.sent, 0, 'the follower sent nothing');

      // Handover: the leader stops and gives the lease back (the 5 s lease only guards against
      // a stalled machine); the other beat takes it at its next tick and goes on from there.
      await leader.close(10_000);
      await waitFor(() => follower.isLeader && follower.counts.sent >= 6, { what: 'the other beat to lead and send' });
      assert.equal((await listSchedules(apps[0])).leader, follower.lease.token);

      // Run-time removal, through the other app: nothing more of 'b' is sent.
      assert.equal(await removeSchedule(apps[1], 'b'), true);
      const ticks = follower.counts.ticks;
      await waitFor(() => follower.counts.ticks >= ticks + 2, { what: 'two whole ticks after the removal' });
      const afterRemoval = (await sentSlots(apps[0], queueB)).length;
      await waitFor(() => follower.counts.ticks >= ticks + 6, { what: 'four more ticks' });
      assert.equal((await sentSlots(apps[0], queueB)).length, afterRemoval, 'nothing of b sent once removed');
      assert.deepEqual((await listSchedules(apps[0])).schedules.map((entry) => entry.definition.name), ['a']);
    } finally {
      for (const beat of beats) await beat.close(10_000);
    }
    handledThroughMs = (await listSchedules(apps[0])).schedules[0]!.state.handledThroughMs;
  } finally {
    // Closed even when an assertion above failed: an open connection keeps the file from ending.
    for (const app of apps) await app.close();
  }
  const slotsA = await sentSlots(apps[0], queueA);
  const slotsB = await sentSlots(apps[0], queueB);

  assertEverySlotOnce(slotsA, 'a', created.a!);
  assert.ok(slotsA.at(-1)!.slotMs >= handledThroughMs, 'every slot of a up to its recorded progress was sent');
  assertEverySlotOnce(slotsB, 'b', created.b!);
  assert.ok(slotsA.every((slot) => slot.args[0] === 'a') && slotsB.every((slot) => slot.args[0] === 'b'));
  assert.equal(beats[0]!.counts.sent + beats[1]!.counts.sent, slotsA.length + slotsB.length, 'each slot counted by the beat that sent it');
  // Each slot's marker sits on its queue's master and still vouches for it.
  const markers = await Promise.all([...slotsA.map((slot) => [queueA, slot.id]), ...slotsB.map((slot) => [queueB, slot.id])]
    .map(([queue, id]) => raw.exists(apps[0].keys.beatSlot(queue!, id!))));
  assert.ok(markers.every((exists) => exists === 1), 'a marker per slot sent');
  assert.deepEqual(cluster.crossSlotErrors(), []);
});

test('two beats that both believe they lead (one paused past its lease until the other has sent) send no slot twice on a cluster', async () => {
  const owner = await slotOwners();
  const prefix = `t${randomUUID().slice(0, 8)}`;
  const apps = [0, 1].map(() => createApp({ redis: cluster.url, prefix, log: quiet }));
  const controlPort = owner(hashSlot(apps[0]!.keys.beatLeader()));
  const [queuePort, idlePort] = (await cluster.masterPorts()).filter((port) => port !== controlPort) as [number, number];
  const queue = queueOn(owner, queuePort);
  // The third master holds nothing of this test: no beat may read its clock (below).
  const idleTimeCalls = await timeCalls(idlePort);
  const beats: Beat[] = [];
  let createdAtMs = 0;
  try {
    await addSchedule(apps[0]!, 'tick', { task: 'tick', queue }, { every: everyMs }, { catchUp: 'all' });
    createdAtMs = (await listSchedules(apps[0]!)).schedules[0]!.state.createdAtMs;
    let paused = false;
    // Like a GC pause, but ended by a condition rather than a clock: A's lease runs out, B
    // leads and sends the slot A is about to send, then A wakes still believing it leads.
    const pauseOnce = async () => {
      if (paused) return;
      paused = true;
      await waitFor(() => beats[1] !== undefined && beats[1].counts.sent >= 3, { what: 'beat B to send while A is paused', timeoutMs: 20_000 });
    };
    beats.push(await runBeat(apps[0]!, { tickMs: 50, leaseMs: 300, beforeSend: pauseOnce }));
    await waitFor(() => paused, { what: 'beat A paused while leading' });
    beats.push(await runBeat(apps[1]!, { tickMs: 50, leaseMs: 300 }));
    await waitFor(() => beats[0]!.counts.alreadySent >= 1, { what: 'beat A to wake and try a slot B had sent' });
    await waitFor(() => beats[1]!.counts.sent >= 6, { what: 'B to lead on' });
  } finally {
    for (const beat of beats) await beat.close(10_000);
    for (const app of apps) await app.close();
  }
  const slots = await sentSlots(apps[0]!, queue);
  assertEverySlotOnce(slots, 'tick', createdAtMs);
  assert.equal(beats[0]!.counts.sent + beats[1]!.counts.sent, slots.length);
  // Every beat plans on the {control} master's clock: a bare TIME goes to any node, whose clock may differ.
  assert.equal(await timeCalls(idlePort), idleTimeCalls, 'a beat read the clock of a master that holds none of its keys');
  assert.deepEqual(cluster.crossSlotErrors(), []);
});

test('hardq beat processes on a cluster: -A sends the app schedule, add and list in other processes, SIGTERM gives the lease back', async () => {
  const owner = await slotOwners();
  const prefix = `t${randomUUID().slice(0, 8)}`;
  const probe = createApp({ redis: cluster.url, prefix, log: quiet });
  const { keys } = probe;
  await probe.close();
  const [portA, portB] = (await cluster.masterPorts()).filter((port) => port !== owner(hashSlot(keys.beatLeader()))) as [number, number];
  const [queueA, queueB] = [queueOn(owner, portA), queueOn(owner, portB)];
  const env = { BEAT_PREFIX: prefix, BEAT_QUEUE: queueA };
  const base = ['beat', '-A', 'tests/fixtures/beat-app.ts', '--redis', cluster.url];
  const added = await runCli('hardq', [...base, 'add', 'other', '--task', 'tick', '--queue', queueB, '--every', '1s'], { env });
  assert.equal(added.code, 0, added.stderr);
  const beat = startCli('hardq', [...base, '--lease-ms', '3000', '--tick-ms', '100'], { env });
  await waitFor(async () => (await raw.llen(keys.ready(queueA))) >= 1 && (await raw.llen(keys.ready(queueB))) >= 1, { what: 'a slot on each queue', timeoutMs: 20_000 });
  const listed = await runCli('hardq', [...base, 'list'], { env });
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, new RegExp(`^leader: \\S+:${beat.child.pid}:`, 'm'));
  assert.match(listed.stdout, new RegExp(`^other\\s+v1\\s+every 1s\\s+tick\\s+${queueB}\\s`, 'm'));
  beat.child.kill('SIGTERM');
  const exit = await beat.exited;
  assert.equal(exit.code, 0, exit.stderr);
  assert.equal(await raw.exists(keys.beatLeader()), 0, 'the lease was given back');
  for (const [queue, name] of [[queueA, 'tick'], [queueB, 'other']] as const) {
    const ids = (await raw.lrange(keys.ready(queue), 0, -1)).map((text) => (JSON.parse(text) as { id: string }).id);
    assert.ok(ids.every((id) => id.startsWith(`${name}:`)) && new Set(ids).size === ids.length, `${queue}: ${ids.join(' ')}`);
  }
  assert.deepEqual(cluster.crossSlotErrors(), []);
});
