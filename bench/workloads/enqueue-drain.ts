/**
 * W1 bulk enqueue, then W2 drain of what W1 queued, with the INFO snapshots W4 is made of.
 * 1. Reset (FLUSHALL, SCRIPT FLUSH, CONFIG RESETSTAT) and snapshot: the empty baseline.
 * 2. A fresh producer connects, then times n bulk enqueues; 300 ms after it exits, snapshot
 *    (used_memory here, minus the baseline, is the memory per queued job).
 * 3. The worker is spawned with n jobs queued; it is timed from spawn and from its first
 *    to its n-th completion; snapshot at the n-th, then the worker is stopped.
 */
import type { BenchContext } from '../context.ts';
import { limitFor, sleep } from '../context.ts';
import type { Child } from '../child-process.ts';
import { nowMs } from '../payload.ts';
import { delta, resetServer, snapshot, type Delta } from '../redis-stats.ts';
import { producerCommand, workerCommand, type System } from '../systems.ts';

export type DrainSample = {
  system: string;
  n: number;
  run: number;
  enqueue: { jobsPerS: number; elapsedMs: number; producerCpuUs: number };
  drain: {
    fromSpawnJobsPerS: number;
    firstToLastJobsPerS: number;
    startupMs: number;
    /** Worker process group CPU between its first and n-th completion. */
    workerCpuUs: number;
    /** Worker CPU from spawn to the n-th completion, start-up included. */
    workerCpuTotalUs: number;
    wallMs: number;
  };
  redis: { enqueue: Delta; drain: Delta; memoryPerJobBytes: number };
};

export async function enqueueDrain(ctx: BenchContext, system: System, n: number, run: number): Promise<DrainSample> {
  const spec = { redisUrl: ctx.url, queue: system.queue, n };
  const limitS = limitFor(n);
  await resetServer(ctx.admin);
  const empty = await snapshot(ctx.admin);

  const producer = ctx.spawn(`${system.id} producer`, producerCommand(system, { ...spec, role: 'bulk', chunk: 1000 }), limitS);
  const sent = await producer.waitFor('done', limitS * 1000);
  await producer.exited(10_000);
  await sleep(300);
  const queued = await snapshot(ctx.admin);

  const spawnedAt = nowMs();
  const worker = ctx.spawn(`${system.id} worker`, workerCommand(system, { ...spec, role: 'drain' }), limitS);
  try {
    const { first, last, cpuAtFirst, cpuAtLast } = system.completion === 'reports'
      ? await fromReports(worker, limitS * 1000)
      : await fromResultCount(ctx, worker, n, limitS * 1000);
    const drained = await snapshot(ctx.admin);
    return {
      system: system.id, n, run,
      enqueue: { jobsPerS: n / (Number(sent.elapsedMs) / 1000), elapsedMs: Number(sent.elapsedMs), producerCpuUs: Number(sent.cpuUs) },
      drain: {
        fromSpawnJobsPerS: n / ((last - spawnedAt) / 1000),
        firstToLastJobsPerS: (n - 1) / ((last - first) / 1000),
        startupMs: first - spawnedAt,
        workerCpuUs: cpuAtLast - cpuAtFirst,
        workerCpuTotalUs: cpuAtLast,
        wallMs: last - spawnedAt,
      },
      redis: { enqueue: delta(empty, queued), drain: delta(queued, drained), memoryPerJobBytes: (queued.usedMemory - empty.usedMemory) / n },
    };
  } finally {
    await worker.stop();
  }
}

type Window = { first: number; last: number; cpuAtFirst: number; cpuAtLast: number };

async function fromReports(worker: Child, timeoutMs: number): Promise<Window> {
  const first = (await worker.waitFor('first', timeoutMs)).t;
  const cpuAtFirst = worker.cpuUs();
  const last = (await worker.waitFor('done', timeoutMs)).t;
  return { first, last, cpuAtFirst, cpuAtLast: worker.cpuUs() };
}

/** Celery: one result key per finished task in db 1, polled every 10 ms (±10 ms on the end). */
async function fromResultCount(ctx: BenchContext, worker: Child, n: number, timeoutMs: number): Promise<Window> {
  const deadline = Date.now() + timeoutMs;
  let first: number | undefined;
  let cpuAtFirst = 0;
  for (;;) {
    const count = await ctx.resultsDb.dbsize();
    const at = nowMs();
    if (first === undefined && count > 0) {
      first = at;
      cpuAtFirst = worker.cpuUs();
    }
    if (count >= n) return { first: first!, last: at, cpuAtFirst, cpuAtLast: worker.cpuUs() };
    if (Date.now() > deadline) throw new Error(`${worker.name}: ${count} of ${n} results after ${timeoutMs} ms`);
    if (worker.report('error')) throw new Error(`${worker.name}: ${String(worker.report('error')!.message)}`);
    await sleep(10);
  }
}
