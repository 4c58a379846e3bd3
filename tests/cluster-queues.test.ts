/**
 * A worker that consumes queues owned by different nodes of a real 3-master cluster
 * (issue 12, items 3–4), in both modes: it blocks on every node at once (each master
 * shows its blocking client blocked), wakes for a task on any of them, keeps strict and
 * round-robin order across nodes, and close() leaves no pop blocked on any node. The cross-slot hook fails the file
 * if any step touched two slots.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis, type Cluster } from 'ioredis';
import { createApp, type App } from 'hardq';
import { hashSlot } from '../shared/hash-slot.ts';
import { startCluster, type TestCluster } from './helpers/redis-cluster.ts';
import { waitFor } from './helpers/wait-for.ts';

let cluster: TestCluster;
before(async () => (cluster = await startCluster()));
after(async () => cluster.stop());

/** One fresh queue name on each master, in the order of the masters' first slots. */
async function queuePerNode(app: App): Promise<string[]> {
  const slots = ((await app.connection()) as unknown as Cluster).slots;
  const byNode = new Map<string, string>();
  while (byNode.size < 3) {
    const queue = randomUUID();
    const node = slots[hashSlot(app.keys.ready(queue))]![0]!;
    if (!byNode.has(node)) byNode.set(node, queue);
  }
  return [...byNode.values()];
}

/** How many of this worker's connections each master shows blocked (CLIENT LIST flag b). */
async function blockedPerNode(workerId: string): Promise<number[]> {
  const ports = await cluster.masterPorts();
  return Promise.all(ports.map(async (port) => {
    const node = new Redis(port);
    try {
      const list = (await node.client('LIST')) as string;
      return list.split('\n').filter((line) => line.includes(`name=hardq-worker-${workerId}-blocking`) && /flags=\S*b/.test(line)).length;
    } finally {
      node.disconnect();
    }
  }));
}

/** CLIENT UNBLOCK calls each master has served so far (INFO commandstats). */
async function unblocksPerNode(): Promise<number[]> {
  const ports = await cluster.masterPorts();
  return Promise.all(ports.map(async (port) => {
    const node = new Redis(port);
    try {
      return Number(/cmdstat_client\|unblock:calls=(\d+)/.exec(await node.info('commandstats'))?.[1] ?? 0);
    } finally {
      node.disconnect();
    }
  }));
}

for (const mode of ['simple', 'reliable'] as const) {
  test(`${mode}: one worker on three nodes blocks on each of them, wakes for a task on any, and close() interrupts every pop`, async () => {
    const app = createApp({ redis: cluster.url, log: () => {} });
    const ran: string[] = [];
    const task = app.task('tag', (tag: string) => void ran.push(tag));
    const queues = await queuePerNode(app);
    const worker = app.worker({ queues, mode, concurrency: 4 });
    const running = worker.run();
    try {
      // Every master shows this worker's blocking client blocked in a pop (flag b).
      await waitFor(async () => (await blockedPerNode(worker.consumerId)).every((count) => count === 1), { what: 'a blocked pop on each of the three nodes' });
      for (const [i, queue] of [...queues].reverse().entries()) {
        await task.applyAsync([`t${i}`], { queue });
        await waitFor(() => ran.length === i + 1, { what: `the task on node ${3 - i} to run` });
      }
      await waitFor(async () => (await blockedPerNode(worker.consumerId)).every((count) => count === 1), { what: 'the pops blocked again' });
      const unblocksBefore = await unblocksPerNode();
      await worker.close();
      await running;
      const unblocks = (await unblocksPerNode()).map((count, i) => count - unblocksBefore[i]!);
      assert.ok(unblocks.every((count) => count >= 1), `close() sent CLIENT UNBLOCK to every node that held a pop: ${unblocks.join(', ')}`);
      assert.deepEqual(await blockedPerNode(worker.consumerId), [0, 0, 0], 'no pop is left blocked on any node');
    } finally {
      await app.close();
    }
  });

  for (const queueOrder of ['strict', 'round-robin'] as const) {
    test(`${mode}, ${queueOrder}: the order holds across queues on three nodes`, async () => {
      const app = createApp({ redis: cluster.url, log: () => {} });
      const order: number[] = [];
      const task = app.task('record', (index: number) => void order.push(index));
      const queues = await queuePerNode(app);
      try {
        for (const [index, queue] of queues.entries()) await task.applyMany([[index], [index], [index]], { queue });
        const worker = app.worker({ queues, mode, queueOrder, concurrency: 1, claimBatchMax: 1 });
        const running = worker.run();
        await waitFor(() => order.length === 9, { what: 'all nine tasks' });
        await worker.close();
        await running;
        if (queueOrder === 'strict') assert.deepEqual(order, [0, 0, 0, 1, 1, 1, 2, 2, 2]);
        else assert.deepEqual(order.slice(0, 3).sort(), [0, 1, 2], `each queue in turn: ${order.join(',')}`);
      } finally {
        await app.close();
      }
    });
  }
}

test('the worker reads Redis\'s clock on its queue\'s node: no TIME reaches a master that owns none of its queues', async () => {
  const app = createApp({ redis: cluster.url, log: () => {} });
  const [queue] = await queuePerNode(app);
  const slots = ((await app.connection()) as unknown as Cluster).slots;
  const owner = Number(slots[hashSlot(app.keys.ready(queue!))]![0]!.split(':')[1]);
  const others = (await cluster.masterPorts()).filter((port) => port !== owner);
  const timeCalls = () => Promise.all([owner, ...others].map(async (port) => {
    const node = new Redis(port);
    try {
      return Number(/cmdstat_time:calls=(\d+)/.exec(await node.info('commandstats'))?.[1] ?? 0);
    } finally {
      node.disconnect();
    }
  }));
  const before = await timeCalls();
  const worker = app.worker({ queues: [queue!], promoteIntervalMs: 20 });
  const running = worker.run();
  try {
    // Several scheduler ticks, each of which reads the clock.
    await waitFor(async () => (await timeCalls())[0]! - before[0]! >= 5, { what: 'five clock reads on the queue\'s own master' });
    const after = await timeCalls();
    assert.deepEqual(after.slice(1).map((calls, i) => calls - before[i + 1]!), [0, 0], 'no TIME on the other masters');
  } finally {
    await worker.close();
    await running;
    await app.close();
  }
});
