/**
 * W5, the single-broker limit: hardq reliable drain with 1, 2, 4, 8 consumer processes, in
 * one of two shapes: `separate`, that many `app.worker()` processes the harness starts
 * (bench/adapters/hardq-worker.ts), or `group`, one `hardq worker --processes N` whose parent
 * starts them (the shape a user runs; its children are counted in its process group).
 * 1. A producer fills a staging queue; the consumers start on an empty queue and block.
 * 2. Once all are ready, one RENAME moves the staging list onto the consumed ready list,
 *    which wakes the blocked consumers: every process starts from the same instant, and no
 *    process's start-up lands inside the window.
 * 3. The harness counts the ids the consumers PUBLISH per ack batch until all n are written,
 *    and reads Redis CPU (INFO) and the consumers' CPU (/proc) over that window.
 */
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { createApp, Keys, listWorkers } from 'hardq';
import type { BenchContext } from '../context.ts';
import { limitFor, sleep } from '../context.ts';
import { nowMs } from '../payload.ts';
import { resetServer, snapshot } from '../redis-stats.ts';
import { producerCommand, workerCommand, type System } from '../systems.ts';
import type { Command } from '../child-process.ts';
import { countAnnounced } from './announced.ts';

export type ScalingShape = 'separate' | 'group';

export type ScalingSample = {
  processes: number;
  shape: ScalingShape;
  run: number;
  n: number;
  jobsPerS: number;
  /** Percent of one core over the window. */
  redisCpuPct: number;
  clientCpuPct: number;
  redisCpuUsPerJob: number;
  clientCpuUsPerJob: number;
};

const cliMain = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));
const groupApp = fileURLToPath(new URL('../adapters/hardq-app.ts', import.meta.url));

/** `hardq worker --processes N` on the bench's queue, with the worker's defaults (as hardq-worker.ts). */
function groupCommand(redisUrl: string, queue: string, processes: number): Command {
  return {
    argv: [process.execPath, '--import', 'tsx', cliMain, 'worker', '-A', groupApp, '--redis', redisUrl, '-Q', queue, '--processes', String(processes), '--quiet'],
  };
}

/** Waits until `processes` workers on `queue` have registered (the caller then waits 500 ms more, so that each is blocked on the empty queue). */
async function groupReady(url: string, queue: string, processes: number, timeoutMs: number): Promise<void> {
  const app = createApp({ redis: url });
  try {
    const deadline = Date.now() + timeoutMs;
    while ((await listWorkers(app)).filter((w) => w.online && w.queues.includes(queue)).length < processes) {
      if (Date.now() > deadline) throw new Error(`W5: ${processes} worker processes did not register within ${timeoutMs} ms`);
      await sleep(100);
    }
  } finally {
    await app.close();
  }
}

export async function scaling(ctx: BenchContext, system: System, processes: number, n: number, run: number, shape: ScalingShape = 'separate'): Promise<ScalingSample> {
  const keys = new Keys();
  const staging = `${system.queue}-staging`;
  const limitS = limitFor(n);
  await resetServer(ctx.admin);
  const producer = ctx.spawn('hardq staging producer', producerCommand(system, { redisUrl: ctx.url, queue: staging, n, role: 'bulk', chunk: 1000 }), limitS);
  await producer.waitFor('done', limitS * 1000);
  await producer.exited(10_000);

  const spec = { redisUrl: ctx.url, queue: system.queue, n, role: 'serve' as const };
  const workers = shape === 'group'
    ? [ctx.spawn(`hardq worker --processes ${processes}`, groupCommand(ctx.url, system.queue, processes), limitS)]
    : Array.from({ length: processes }, (_, i) => ctx.spawn(`hardq consumer ${i + 1}/${processes}`, workerCommand(system, spec), limitS));
  const subscriber = new Redis(ctx.url);
  try {
    if (shape === 'group') await groupReady(ctx.url, system.queue, processes, 60_000);
    else await Promise.all(workers.map((worker) => worker.waitFor('ready', 60_000)));
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
      processes, shape, run, n,
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
