/**
 * Resharding under load (issue 12, item 6): a reliable worker (a real process) drains a
 * queue while the queue's hash slot moves to another master, twice. Nothing is lost, nothing
 * runs twice, and the same process goes on consuming. Clients meanwhile get ASK and TRYAGAIN
 * (ioredis follows and retries them); the cross-slot hook fails the file if any step touched
 * two slots.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createApp } from 'hardq';
import { hashSlot } from '../../shared/hash-slot.ts';
import { startCluster, type TestCluster } from '../helpers/redis-cluster.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { spawnConsumer, killAllConsumers } from '../../scripts/chaos-processes.ts';
import { chaosKeys } from '../../scripts/chaos-app.ts';

let cluster: TestCluster;
before(async () => (cluster = await startCluster()));
after(async () => {
  await killAllConsumers();
  await cluster.stop();
});

test('a queue whose slot moves twice while a reliable worker drains it: none lost, none run twice, the worker goes on', async () => {
  const queue = randomUUID();
  const app = createApp({ redis: cluster.url, defaultQueue: queue, log: () => {} });
  const redis = await app.connection();
  const keys = chaosKeys(queue);
  const slot = hashSlot(app.keys.ready(queue));
  const consumer = spawnConsumer({ entry: 'worker', redis: cluster.url, args: ['--worker', JSON.stringify({ queues: [queue], concurrency: 8 })], timeLimitMs: 120_000 });
  try {
    const total = 3000;
    const sent = await app.sendMany('record', Array.from({ length: total }, () => [2]));
    const ids = new Set(sent.map((result) => result.id));
    const masters = await cluster.masterPorts();
    // The slot's owner, as the app's Cluster client learned it at connect time; then we know.
    let current = Number((redis as unknown as { slots: string[][] }).slots[slot]![0]!.split(':')[1]);
    for (const [round, threshold] of [[1, 500], [2, 1500]] as const) {
      await waitFor(async () => (await redis.scard(keys.done)) >= threshold, { timeoutMs: 60_000, what: `${threshold} tasks done before move ${round}` });
      const to = masters.find((port) => port !== current)!;
      await cluster.moveSlot(slot, to);
      current = to;
    }
    await waitFor(async () => (await redis.scard(keys.done)) === total, { timeoutMs: 90_000, what: `all ${total} tasks done` });
    const runs = await redis.smembers(keys.runs);
    const perId = new Map<string, number>();
    for (const run of runs) perId.set(run.split(' ')[0]!, (perId.get(run.split(' ')[0]!) ?? 0) + 1);
    assert.equal([...ids].filter((id) => !perId.has(id)).length, 0, 'lost');
    assert.equal([...perId.values()].filter((count) => count > 1).length, 0, 'run twice');
    assert.equal(consumer.child.exitCode, null, 'the same worker process, still running');
    const [after] = await app.sendMany('record', [[0]]);
    await after!.get({ timeoutMs: 20_000 });
  } finally {
    await app.close();
  }
});
