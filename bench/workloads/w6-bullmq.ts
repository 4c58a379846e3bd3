/**
 * W6, BullMQ's half, on the same broker in the same step as hardq's: K queues, each with
 * its own hash tag (`prefix: '{name}'`), filled while paused, drained by the same number
 * of worker processes (one BullMQ Worker per queue in each), all queues resumed at once.
 * BullMQ has no per-batch announcement to count, so the harness polls each queue's
 * completed count every 20 ms (about 300 ZCARDs a second, a fraction of a percent of the
 * calls a drain makes); the window ends at the poll that sees the n-th.
 */
import type { Queue } from 'bullmq';
import { Cluster } from 'ioredis';
import type { BenchContext } from '../context.ts';
import { limitFor, sleep } from '../context.ts';
import type { Command } from '../child-process.ts';
import type { ChildSpec } from '../adapters/child-io.ts';
import { nowMs } from '../payload.ts';
import { snapshot } from '../redis-stats.ts';
import { adaptersDir } from '../systems.ts';
import type { Topology } from '../w6-topology.ts';
import { perMaster, resetNodes, w6Queues, type W6Sample } from './w6-hardq.ts';

const adapter = (file: string, spec: ChildSpec): Command => ({ argv: [process.execPath, '--import', 'tsx', `${adaptersDir}${file}`, JSON.stringify(spec)] });

export async function w6Bullmq(ctx: BenchContext, topology: Topology, processes: number, n: number, chunk: number, run: number): Promise<W6Sample> {
  const { Queue } = await import('bullmq');
  const limitS = limitFor(n, 200);
  const settings = { queues: w6Queues, seeds: topology.seeds, cluster: topology.masters > 0 };
  await resetNodes(topology);
  const producer = ctx.spawn('BullMQ W6 producer', adapter('bullmq-cluster-producer.ts', { redisUrl: topology.url, queue: w6Queues[0]!, n, role: 'bulk', chunk, settings }), limitS);
  const done = await producer.waitFor('done', limitS * 1000);
  await producer.exited(10_000);
  const jobsOf = new Map(w6Queues.map((queue) => [queue, n / w6Queues.length]));

  const spec: ChildSpec = { redisUrl: topology.url, queue: w6Queues[0]!, n, role: 'serve', settings };
  const workers = Array.from({ length: processes }, (_, i) => ctx.spawn(`BullMQ W6 worker ${i + 1}/${processes}`, adapter('bullmq-cluster-worker.ts', spec), limitS));
  // BullMQ closes only the connections it made itself: the Cluster clients are ours to close.
  const clusters: Cluster[] = [];
  const connection = () => {
    if (topology.masters === 0) return { host: topology.seeds[0]!.host, port: topology.seeds[0]!.port };
    clusters.push(new Cluster(topology.seeds));
    return clusters.at(-1)!;
  };
  const queues: Queue[] = w6Queues.map((name) => new Queue(name, { connection: connection(), prefix: `{${name}}` }));
  try {
    await Promise.all([...workers.map((worker) => worker.waitFor('ready', 60_000)), ...queues.map((queue) => queue.waitUntilReady())]);
    await sleep(500);
    const before = await Promise.all(topology.nodes.map((node) => snapshot(node.redis)));
    const clientsBefore = workers.reduce((sum, worker) => sum + worker.cpuUs(), 0);
    const startedAt = nowMs();
    await Promise.all(queues.map((queue) => queue.resume()));
    let lastAt = startedAt;
    for (let completed = 0; completed < n;) {
      if (nowMs() - startedAt > limitS * 1000) throw new Error(`W6 BullMQ: only ${completed} of ${n} completed within ${limitS} s`);
      await sleep(20);
      completed = (await Promise.all(queues.map((queue) => queue.getCompletedCount()))).reduce((a, b) => a + b, 0);
      lastAt = nowMs();
    }
    const after = await Promise.all(topology.nodes.map((node) => snapshot(node.redis)));
    const clientsUs = workers.reduce((sum, worker) => sum + worker.cpuUs(), 0) - clientsBefore;
    const windowUs = (lastAt - startedAt) * 1000;
    return {
      system: 'bullmq', masters: topology.masters, run, n, processes,
      jobsPerS: n / (windowUs / 1e6), windowMs: windowUs / 1000,
      nodes: perMaster(topology, jobsOf, before, after, windowUs),
      workerCpuUsPerJob: clientsUs / n,
      producerCpuUsPerJob: Number(done.cpuUs) / n,
    };
  } finally {
    await Promise.all(queues.map((queue) => queue.close()));
    for (const cluster of clusters) cluster.disconnect();
    await Promise.all(workers.map((worker) => worker.stop()));
  }
}
