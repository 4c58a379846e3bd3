/**
 * add_consumer and cancel_consumer against real worker processes (scripts/chaos-worker.ts
 * with tests/fixtures/pool-app.ts), observed in Redis and in the registry: an added queue is
 * registered (consumer set, heartbeat) and consumed; a cancelled one stops being fetched at
 * once, every message held from it is finished and acked (none lost, none left in the
 * processing list), and only then does the worker leave the queue's consumer set.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { controlWorkers, listWorkers, type App } from 'hardq';
import { waitFor } from './helpers/wait-for.ts';
import { workerProcesses } from './helpers/worker-process.ts';

const { world, useApp, start } = workerProcesses(fileURLToPath(new URL('./fixtures/pool-app.ts', import.meta.url)));
let app: App;

function startWorker(worker: Record<string, unknown>) {
  app = useApp();
  return start(worker);
}

const control = (id: string, command: 'add_consumer' | 'cancel_consumer', queue: string) =>
  controlWorkers(app, command, { queue }, { workerId: id, timeoutMs: 5000 });
const recordQueues = async (id: string) => (await listWorkers(app, { workerId: id }))[0]?.queues;
const registered = async (queue: string, id: string) => (await world.redis.zscore(app.keys.consumers(queue), id)) !== null;

test('reliable: add_consumer registers on the queue and consumes it; cancel_consumer finishes what it holds, then leaves', async () => {
  const { child, id, queue } = await startWorker({ mode: 'reliable', concurrency: 10 });
  try {
    const other = randomUUID();
    const early = await app.sendTask('add', [1, 2], { queue: other });
    const added = await control(id, 'add_consumer', other);
    assert.deepEqual(added.replies[id], { worker: id, ok: true, data: { queue: other, added: true, queues: [queue, other] } });
    assert.equal(await registered(other, id), true, 'in the consumer set before any claim');
    assert.equal(await early.get({ timeoutMs: 20_000 }), 3, 'a message that waited on the new queue runs');
    await waitFor(async () => (await recordQueues(id))?.join() === [queue, other].join(), { what: 'the record to list both queues' });

    // Five naps held at once, then cancel while they run.
    const runs = `runs-${randomUUID()}`;
    const naps = await Promise.all(Array.from({ length: 5 }, () => app.sendTask('nap', [runs, 2500], { queue: other })));
    await waitFor(async () => (await listWorkers(app, { workerId: id }))[0]?.active.length === 5, { what: 'the five naps to run' });
    const cancelled = await control(id, 'cancel_consumer', other);
    assert.deepEqual(cancelled.replies[id], { worker: id, ok: true, data: { queue: other, cancelled: true, queues: [queue], holding: 5 } });
    const late = await app.sendTask('add', [5, 5], { queue: other });
    assert.equal(await registered(other, id), true, 'still registered while it holds messages there');

    for (const nap of naps) await nap.get({ timeoutMs: 20_000 });
    await waitFor(async () => !(await registered(other, id)), { timeoutMs: 10_000, what: 'the worker to leave the queue once its naps are acked' });
    assert.equal(await world.redis.get(runs), '5', 'each held nap ran once');
    assert.equal(await world.redis.exists(app.keys.processing(other, id), app.keys.claimed(other, id), app.keys.quarantine(other, id), app.keys.heartbeat(other, id)), 0);
    assert.equal(await late.state(), 'PENDING', 'nothing is fetched from a cancelled queue');
    assert.equal(await world.redis.llen(app.keys.ready(other)), 1);
    await waitFor(async () => (await recordQueues(id))?.join() === queue, { what: 'the record to list one queue again' });

    const again = await control(id, 'cancel_consumer', other);
    assert.deepEqual(again.replies[id], { worker: id, ok: true, data: { queue: other, cancelled: false, queues: [queue], holding: 0 } });
    const last = await control(id, 'cancel_consumer', queue);
    assert.equal(last.replies[id]?.ok, false);
    assert.match((last.replies[id] as { error: string }).error, /only queue/);
    const bad = await control(id, 'add_consumer', 'has space');
    assert.equal(bad.replies[id]?.ok, false, 'a bad queue name gets an error reply');
  } finally {
    assert.deepEqual(await child.terminate(), { code: 0, signal: null });
  }
});

test('simple mode, round-robin: add_consumer and cancel_consumer change where it fetches', async () => {
  const { child, id, queue } = await startWorker({ mode: 'simple', queueOrder: 'round-robin' });
  try {
    const other = randomUUID();
    await control(id, 'add_consumer', other);
    assert.equal(await (await app.sendTask('add', [2, 2], { queue: other })).get({ timeoutMs: 20_000 }), 4);
    assert.equal(await (await app.sendTask('add', [3, 3], { queue })).get({ timeoutMs: 20_000 }), 6);
    const cancelled = await control(id, 'cancel_consumer', queue);
    assert.deepEqual(cancelled.replies[id], { worker: id, ok: true, data: { queue, cancelled: true, queues: [other], holding: 0 } });
    await waitFor(async () => (await recordQueues(id))?.join() === other, { what: 'the record to list only the added queue' });
    assert.equal(await (await app.sendTask('add', [4, 4], { queue: other })).get({ timeoutMs: 20_000 }), 8);
    // Fetched from `other` after the cancel (the answer above), so the cancelled queue is not
    // read any more: a message there waits.
    const left = await app.sendTask('add', [1, 1], { queue });
    assert.equal(await (await app.sendTask('add', [0, 1], { queue: other })).get({ timeoutMs: 20_000 }), 1);
    assert.equal(await left.state(), 'PENDING');
  } finally {
    assert.deepEqual(await child.terminate(), { code: 0, signal: null });
  }
});
