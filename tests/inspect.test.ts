/**
 * admin/inspect.ts against the worker registry (consumer/control/registry.ts): two workers,
 * one in each mode, are seen with what they run, their counts, tasks, queues and settings,
 * with no request to either; a stopped worker leaves at once; a killed one shows offline,
 * then disappears within the record's TTL. Scheduled and revoked come from the queues.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  createApp, knownQueues, inspectActive, inspectActiveQueues, inspectConf, inspectRegistered, inspectRevoked, inspectScheduled, inspectStats, listWorkers,
} from 'hardq';
import { registryTtlMs } from '../shared/worker-record.ts';
import { spawnConsumer, killAllConsumers } from '../scripts/chaos-processes.ts';
import { privateRedis } from './helpers/private-redis.ts';
import { waitFor } from './helpers/wait-for.ts';
import { gate, harness } from './fixtures/harness.ts';

const world = privateRedis();

test('inspect sees two workers, one in each mode, with what they run, their counts, tasks, queues and settings', async () => {
  const h = harness(world.server.url);
  const hold = gate();
  const held = h.app.task('hold', async (n: number) => {
    await hold.opened;
    return n;
  });
  const other = randomUUID();
  try {
    const reliable = h.start({ consumerId: `r-${randomUUID()}`, concurrency: 2 });
    const simple = h.app.worker({ queues: [other], mode: 'simple', consumerId: `s-${randomUUID()}` });
    const running = simple.run();
    const [first, second] = [await held.applyAsync([1]), await held.applyAsync([2], { queue: other })];
    const active = await waitFor(async () => {
      const seen = await inspectActive(h.app);
      return seen[reliable.consumerId]?.length === 1 && seen[simple.consumerId]?.length === 1 ? seen : undefined;
    }, { what: 'both tasks active in the registry' });
    assert.equal(active[reliable.consumerId]![0]!.id, first.id);
    assert.equal(active[simple.consumerId]![0]!.id, second.id);
    assert.equal(active[simple.consumerId]![0]!.args, '[[2],{}]');
    assert.deepEqual((await inspectActiveQueues(h.app))[simple.consumerId], [other]);
    assert.deepEqual((await inspectRegistered(h.app))[reliable.consumerId]!.map((t) => t.name), ['hold']);
    assert.equal((await inspectConf(h.app))[reliable.consumerId]!.heartbeatTtlMs, 1000);
    hold.open();
    await Promise.all([first.get({ timeoutMs: 10_000 }), second.get({ timeoutMs: 10_000 })]);
    const stats = await waitFor(async () => {
      const seen = await inspectStats(h.app);
      return seen[simple.consumerId]?.counts.SUCCESS === 1 && seen[reliable.consumerId]?.counts.SUCCESS === 1 ? seen : undefined;
    }, { what: 'the counts to reach the registry' });
    assert.equal(stats[simple.consumerId]!.mode, 'simple');
    assert.equal(stats[reliable.consumerId]!.mode, 'reliable');
    assert.equal(stats[reliable.consumerId]!.online, true);
    await simple.close();
    await running;
    assert.deepEqual((await listWorkers(h.app)).map((w) => w.id), [reliable.consumerId], 'a stopped worker leaves at once');
  } finally {
    hold.open();
    await h.close();
  }
});

test('a killed worker shows offline, then disappears within the record TTL', async () => {
  const queue = randomUUID();
  const app = createApp({ redis: world.server.url, defaultQueue: queue });
  try {
    const child = spawnConsumer({ entry: 'worker', redis: world.server.url, args: ['--worker', JSON.stringify({ queues: [queue] })], timeLimitMs: 60_000 });
    const [worker] = await waitFor(async () => {
      const workers = (await listWorkers(app)).filter((w) => w.pid === child.pid);
      return workers.length === 1 ? workers : undefined;
    }, { timeoutMs: 20_000, what: 'the worker to register' });
    assert.equal(worker!.online, true);
    await child.kill9();
    await waitFor(async () => (await listWorkers(app)).find((w) => w.id === worker!.id)?.online === false, { what: 'offline' });
    await waitFor(async () => (await listWorkers(app)).every((w) => w.id !== worker!.id), { timeoutMs: registryTtlMs + 5000, what: 'gone' });
    assert.equal(await world.redis.zscore(app.keys.workers(), worker!.id), null, 'its id was pruned');
  } finally {
    await killAllConsumers();
    await app.close();
  }
});

test('inspect scheduled and revoked read the queues', async () => {
  const h = harness(world.server.url);
  const add = h.app.task('add', (a: number, b: number) => a + b);
  try {
    const later = await add.applyAsync([1, 2], { countdownMs: 60_000 });
    await later.revoke();
    const scheduled = await inspectScheduled(h.app, [h.queue]);
    assert.equal(scheduled[h.queue]![0]!.id, later.id);
    assert.ok(scheduled[h.queue]![0]!.etaMs > Date.now() + 50_000);
    assert.deepEqual(await inspectRevoked(h.app, [h.queue]), { [h.queue]: [later.id] });
    // With no worker running, the queues a producer sent to are known all the same.
    assert.ok((await knownQueues(h.app)).includes(h.queue), 'the known-queues set names the queue');
  } finally {
    await h.close();
  }
});
