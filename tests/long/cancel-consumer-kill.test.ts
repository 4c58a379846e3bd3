/**
 * cancel_consumer, then kill -9 before the cancel has drained: the worker still holds five
 * running messages from the cancelled queue, and stays registered there until they are
 * acked, so a live consumer's reaper gives them back and every one of them succeeds.
 * Real worker processes (scripts/chaos-worker.ts with tests/fixtures/pool-app.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { controlWorkers, listWorkers } from 'hardq';
import { waitFor } from '../helpers/wait-for.ts';
import { workerProcesses } from '../helpers/worker-process.ts';

const { world, useApp, start } = workerProcesses(fileURLToPath(new URL('../fixtures/pool-app.ts', import.meta.url)));

test('a worker killed with -9 while a cancel drains loses nothing it held from the cancelled queue', { timeout: 120_000 }, async () => {
  const app = useApp();
  const first = await start({ concurrency: 10 });
  const other = randomUUID();
  const added = await controlWorkers(app, 'add_consumer', { queue: other }, { workerId: first.id, timeoutMs: 5000 });
  assert.equal(added.replies[first.id]?.ok, true);
  const runs = `runs-${randomUUID()}`;
  const naps = await app.sendMany('nap', Array.from({ length: 5 }, () => [runs, 3000]), { queue: other });
  await waitFor(async () => (await listWorkers(app, { workerId: first.id }))[0]?.active.length === 5, { what: 'the five naps to run' });
  const cancelled = await controlWorkers(app, 'cancel_consumer', { queue: other }, { workerId: first.id, timeoutMs: 5000 });
  const reply = cancelled.replies[first.id];
  assert.equal(reply?.ok === true ? reply.data.holding : reply, 5);
  assert.notEqual(await world.redis.zscore(app.keys.consumers(other), first.id), null, 'still registered while it holds them');
  await first.child.kill9();

  const second = await start({ queues: [other] });
  for (const nap of naps) await nap.get({ timeoutMs: 60_000 });
  assert.ok(Number(await world.redis.get(runs)) >= 5);
  await waitFor(async () => (await world.redis.zscore(app.keys.consumers(other), first.id)) === null, { what: 'the dead consumer to be reaped' });
  assert.equal(await world.redis.exists(app.keys.processing(other, first.id), app.keys.claimed(other, first.id)), 0);
  assert.deepEqual(await second.child.terminate(), { code: 0, signal: null });
});
