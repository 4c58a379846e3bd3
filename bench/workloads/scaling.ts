/**
 * W5, the single-broker limit: hardq reliable drain with 1, 2, 4, 8 consumer processes.
 * 1. A producer fills a staging queue; the consumers start on an empty queue and block.
 * 2. Once all are ready, one RENAME moves the staging list onto the consumed ready list,
 *    which wakes the blocked consumers: every process starts from the same instant, and no
 *    process's start-up lands inside the window.
 * 3. The harness counts the ids the consumers PUBLISH per ack batch until all n are written,
 *    and reads Redis CPU (INFO) and the consumers' CPU (/proc) over that window.
 */
import { Redis } from 'ioredis';
import { Keys } from 'hardq';
import type { BenchContext } from '../context.ts';
import { limitFor, sleep } from '../context.ts';
import { nowMs } from '../payload.ts';
import { resetServer, snapshot } from '../redis-stats.ts';
import { producerCommand, workerCommand, type System } from '../systems.ts';
import { countAnnounced } from './announced.ts';

export type ScalingSample = {
  processes: number;
  run: number;
  n: number;
  jobsPerS: number;
  /** Percent of one core over the window. */
  redisCpuPct: number;
  clientCpuPct: number;
  redisCpuUsPerJob: number;
  clientCpuUsPerJob: number;
};

export async function scaling(ctx: BenchContext, system: System, processes: number, n: number, run: number): Promise<ScalingSample> {
  const keys = new Keys();
  const staging = `${system.queue}-staging`;
  const limitS = limitFor(n);
  await resetServer(ctx.admin);
  const producer = ctx.spawn('hardq staging producer', producerCommand(system, { redisUrl: ctx.url, queue: staging, n, role: 'bulk', chunk: 1000 }), limitS);
  await producer.waitFor('done', limitS * 1000);
  await producer.exited(10_000);

  const spec = { redisUrl: ctx.url, queue: system.queue, n, role: 'serve' as const };
  const workers = Array.from({ length: processes }, (_, i) => ctx.spawn(`hardq consumer ${i + 1}/${processes}`, workerCommand(system, spec), limitS));
  const subscriber = new Redis(ctx.url);
  try {
    await Promise.all(workers.map((worker) => worker.waitFor('ready', 60_000)));
    await sleep(500);
    // Result announcements are sharded pub/sub (SPUBLISH in complete-batch.lua).
    const announced = await countAnnounced([[subscriber, [keys.resultChannel(system.queue)]]], n);

    const redisBefore = await snapshot(ctx.admin);
    const clientsBefore = workers.reduce((sum, worker) => sum + worker.cpuUs(), 0);
    const startedAt = nowMs();
    await ctx.admin.rename(keys.ready(staging), keys.ready(system.queue));
    await announced.wait(limitS, 'W5');
    const redisAfter = await snapshot(ctx.admin);
    const clientsUs = workers.reduce((sum, worker) => sum + worker.cpuUs(), 0) - clientsBefore;
    const windowUs = (announced.lastAt - startedAt) * 1000;
    const redisUs = redisAfter.cpuUs - redisBefore.cpuUs;
    return {
      processes, run, n,
      jobsPerS: n / (windowUs / 1e6),
      redisCpuPct: (100 * redisUs) / windowUs,
      clientCpuPct: (100 * clientsUs) / windowUs,
      redisCpuUsPerJob: redisUs / n,
      clientCpuUsPerJob: clientsUs / n,
    };
  } finally {
    subscriber.disconnect();
    await Promise.all(workers.map((worker) => worker.stop()));
  }
}
