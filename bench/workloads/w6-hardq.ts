/**
 * W6, hardq's half: the same total load spread over K queues, drained by a fixed number of
 * reliable consumer processes that each consume all K (round-robin), on one broker topology.
 * 1. A producer fills the K queues under a staging prefix (`w6stage:{q}:ready`): the same
 *    hash tag as the real ready list, so the RENAME in step 3 stays in one slot.
 * 2. The consumers start on empty queues and block (one blocking connection per shard).
 * 3. One RENAME per queue, all sent at once, moves the filled lists in and wakes them.
 * 4. The harness counts the ids SPUBLISHed per ack batch on each queue's own shard, and
 *    reads each master's CPU (INFO) and the consumers' CPU (/proc) over that window.
 */
import { Redis } from 'ioredis';
import { Keys } from 'hardq';
import type { BenchContext } from '../context.ts';
import { limitFor, sleep } from '../context.ts';
import { nowMs } from '../payload.ts';
import { delta, resetServer, snapshot, type Snapshot } from '../redis-stats.ts';
import { producerCommand, workerCommand, type System } from '../systems.ts';
import { countAnnounced } from './announced.ts';
import type { Topology } from '../w6-topology.ts';

export type W6Master = {
  port: number;
  queues: string[];
  /** Jobs of the queues this master serves. */
  jobs: number;
  cpuUs: number;
  /** Percent of one core over the window. */
  cpuPct: number;
  /** Commands it ran over the window (INFO commandstats: inside Lua too; the harness's left out). */
  calls: Record<string, number>;
};

export type W6Sample = {
  system: string;
  masters: number;
  run: number;
  n: number;
  processes: number;
  jobsPerS: number;
  windowMs: number;
  nodes: W6Master[];
  /** The consumers' CPU (every thread of their process groups) over the window. */
  workerCpuUsPerJob: number;
  /** The producer's own CPU while filling the queues, per job. */
  producerCpuUsPerJob: number;
};

/** The names W6 spreads over (bench/flags.ts): two per master on 3 masters, three per master on 2. */
export const w6Queues = ['w6-q1', 'w6-q2', 'w6-q3', 'w6-q4', 'w6-q7', 'w6-q8'];

/**
 * The bulk size that gives every queue the same share: the largest divisor of n / K up to
 * 1,000, since the producers send chunk k to queue k mod K.
 */
export function w6Chunk(n: number): number {
  if (n % w6Queues.length !== 0) throw new Error(`W6 needs n divisible by ${w6Queues.length} queues, got ${n}`);
  const perQueue = n / w6Queues.length;
  for (let chunk = Math.min(1000, perQueue); chunk > 1; chunk--) if (perQueue % chunk === 0) return chunk;
  return 1;
}

/** Empties every node and zeroes its counters, so each system starts alike. */
export const resetNodes = (topology: Topology) => Promise.all(topology.nodes.map((node) => resetServer(node.redis)));

/** Per master: the queues it serves, their jobs, and its CPU between two snapshots. */
export function perMaster(topology: Topology, jobsOf: Map<string, number>, before: Snapshot[], after: Snapshot[], windowUs: number): W6Master[] {
  return topology.nodes.map((node, i) => {
    const queues = w6Queues.filter((queue) => topology.ownerOf(queue) === node.port);
    const { cpuUs, calls } = delta(before[i]!, after[i]!);
    return { port: node.port, queues, jobs: queues.reduce((sum, queue) => sum + (jobsOf.get(queue) ?? 0), 0), cpuUs, cpuPct: (100 * cpuUs) / windowUs, calls };
  });
}

export async function w6Hardq(ctx: BenchContext, topology: Topology, system: System, processes: number, n: number, chunk: number, run: number): Promise<W6Sample> {
  const keys = new Keys();
  const staging = new Keys('w6stage');
  const limitS = limitFor(n);
  const nodeOf = (queue: string) => topology.nodes.find((node) => node.port === topology.ownerOf(queue))!.redis;
  await resetNodes(topology);
  const fill = { redisUrl: topology.url, queue: w6Queues[0]!, n, role: 'bulk' as const, chunk, settings: { queues: w6Queues, prefix: staging.prefix } };
  const producer = ctx.spawn('hardq W6 producer', producerCommand(system, fill), limitS);
  const done = await producer.waitFor('done', limitS * 1000);
  await producer.exited(10_000);
  const jobsOf = new Map(await Promise.all(w6Queues.map(async (queue) => [queue, await nodeOf(queue).llen(staging.ready(queue))] as const)));

  const settings = { ...system.workerSettings, queues: w6Queues, queueOrder: 'round-robin' };
  const spec = { redisUrl: topology.url, queue: w6Queues[0]!, n, role: 'serve' as const };
  const workers = Array.from({ length: processes }, (_, i) => ctx.spawn(`hardq W6 consumer ${i + 1}/${processes}`, workerCommand({ ...system, workerSettings: settings }, spec), limitS));
  // One subscriber per node: SSUBSCRIBE is served by the node that owns the channel's slot.
  const subscribers = topology.nodes.map((node) => new Redis({ host: '127.0.0.1', port: node.port }));
  try {
    await Promise.all(workers.map((worker) => worker.waitFor('ready', 60_000)));
    await sleep(500);
    const announced = await countAnnounced(subscribers.map((subscriber, i) => [
      subscriber, w6Queues.filter((queue) => topology.ownerOf(queue) === topology.nodes[i]!.port).map((queue) => keys.resultChannel(queue)),
    ]), n);

    const before = await Promise.all(topology.nodes.map((node) => snapshot(node.redis)));
    const clientsBefore = workers.reduce((sum, worker) => sum + worker.cpuUs(), 0);
    const startedAt = nowMs();
    await Promise.all(w6Queues.map((queue) => nodeOf(queue).rename(staging.ready(queue), keys.ready(queue))));
    await announced.wait(limitS, 'W6');
    const after = await Promise.all(topology.nodes.map((node) => snapshot(node.redis)));
    const clientsUs = workers.reduce((sum, worker) => sum + worker.cpuUs(), 0) - clientsBefore;
    const windowUs = (announced.lastAt - startedAt) * 1000;
    return {
      system: system.id, masters: topology.masters, run, n, processes,
      jobsPerS: n / (windowUs / 1e6), windowMs: windowUs / 1000,
      nodes: perMaster(topology, jobsOf, before, after, windowUs),
      workerCpuUsPerJob: clientsUs / n,
      producerCpuUsPerJob: Number(done.cpuUs) / n,
    };
  } finally {
    for (const subscriber of subscribers) subscriber.disconnect();
    await Promise.all(workers.map((worker) => worker.stop()));
  }
}
