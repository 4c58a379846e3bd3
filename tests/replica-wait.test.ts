/**
 * waitReplicas (consumer/replica-wait.ts): after each completion write the worker WAITs for
 * the queue's node's replicas. On a cluster with a replica per master, the WAITs go to the
 * masters that own the consumed queues and no other, and every one is met; on a single Redis
 * with no replica every WAIT falls short, the tasks still finish, and the shortfall is counted
 * in the worker's stats and logged once per interval, not per batch.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis, type Cluster } from 'ioredis';
import { createApp, inspectStats, type App } from 'hardq';
import { hashSlot } from '../shared/hash-slot.ts';
import { resolveWaitReplicas } from '../consumer/replica-wait.ts';
import { startCluster, type TestCluster } from './helpers/redis-cluster.ts';
import { startThrowawayRedis, type ThrowawayRedis } from '../scripts/throwaway-redis.ts';
import { waitReplicated } from '../scripts/cluster-failover.ts';
import { waitFor } from './helpers/wait-for.ts';

let cluster: TestCluster;
let single: ThrowawayRedis;
before(async () => ([cluster, single] = await Promise.all([startCluster({ replicasPerMaster: 1 }), startThrowawayRedis()])));
after(async () => Promise.all([cluster.stop(), single.stop()]));

/** WAIT calls each master has served (INFO commandstats), by port. */
async function waitsPerMaster(): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  for (const port of await cluster.masterPorts()) {
    const node = new Redis(port);
    counts.set(port, Number(/cmdstat_wait:calls=(\d+)/.exec(await node.info('commandstats'))?.[1] ?? 0));
    node.disconnect();
  }
  return counts;
}

/** Drains `count` tasks on each queue with waitReplicas on; resolves with the worker's stats. */
async function drain(app: App, queues: string[], count: number, waitReplicas: { replicas: number; timeoutMs: number }) {
  const task = app.task('noop', (n: number) => n);
  const results = [];
  for (const queue of queues) results.push(...await task.applyMany(Array.from({ length: count }, (_, i) => [i]), { queue }));
  const worker = app.worker({ queues, concurrency: 10, waitReplicas });
  const running = worker.run();
  try {
    for (const result of results) await result.get({ timeoutMs: 30_000 });
    // The record is written every second: wait for one that counts the last batch.
    let stats: { waits: number; short: number } | undefined;
    await waitFor(async () => {
      stats = (await inspectStats(app, worker.consumerId))[worker.consumerId]?.replicaWaits;
      return stats !== undefined && stats.waits > 0 && worker.inFlight === 0;
    }, { what: 'the worker record with its WAIT counts' });
    return stats!;
  } finally {
    await worker.close();
    await running;
  }
}

test('waitReplicas takes a count or a count and a timeout, and refuses 0 ms (WAIT would block forever)', () => {
  assert.deepEqual(resolveWaitReplicas(1), { replicas: 1, timeoutMs: 100 });
  assert.deepEqual(resolveWaitReplicas({ replicas: 2, timeoutMs: 50 }), { replicas: 2, timeoutMs: 50 });
  assert.equal(resolveWaitReplicas(undefined), undefined);
  assert.throws(() => resolveWaitReplicas({ replicas: 1, timeoutMs: 0 }), /forever/);
  assert.throws(() => resolveWaitReplicas(0), /replica count/);
});

test('on a cluster, each WAIT goes to the master of its queue and is met by its replica', async () => {
  const app = createApp({ redis: cluster.url, log: () => {} });
  try {
    const redis = await app.connection();
    const slots = (redis as unknown as Cluster).slots;
    const portOf = (queue: string) => Number(slots[hashSlot(app.keys.ready(queue))]![0]!.split(':')[1]);
    // Two queues on two different masters; the third master owns neither.
    const queues = [randomUUID()];
    while (queues.length < 2) {
      const queue = randomUUID();
      if (portOf(queue) !== portOf(queues[0]!)) queues.push(queue);
    }
    for (const queue of queues) await waitReplicated(redis, `scratch:{${queue}}:probe`);
    const before = await waitsPerMaster();
    // A generous timeout: a met WAIT returns as soon as the replica acknowledges.
    const stats = await drain(app, queues, 200, { replicas: 1, timeoutMs: 5000 });
    assert.equal(stats.short, 0, `every WAIT met (${stats.waits} sent)`);
    const after = await waitsPerMaster();
    for (const [port, calls] of after) {
      const sent = calls - (before.get(port) ?? 0);
      const owns = queues.some((queue) => portOf(queue) === port);
      if (owns) assert.ok(sent >= 1, `the master on ${port} owns a queue and got WAITs`);
      else assert.equal(sent, 0, `the master on ${port} owns no consumed queue and got no WAIT`);
    }
  } finally {
    await app.close();
  }
});

test('on a Redis with no replica every WAIT falls short: the tasks finish, the shortfall is counted and logged once per interval', async () => {
  const lines: string[] = [];
  const app = createApp({ redis: single.url, log: (line) => lines.push(line) });
  try {
    const stats = await drain(app, [randomUUID()], 100, { replicas: 1, timeoutMs: 5 });
    assert.equal(stats.short, stats.waits, 'every WAIT fell short');
    const logged = lines.filter((line) => line.includes('waitReplicas:'));
    assert.ok(logged.length >= 1, 'the shortfall is logged');
    assert.ok(stats.waits < 2 || logged.length < stats.waits, `logged ${logged.length} times for ${stats.waits} short WAITs, not once per batch`);
    assert.match(logged[0]!, /fewer than 1 replica\(s\) within 5 ms .*the acks stand/);
  } finally {
    await app.close();
  }
});
