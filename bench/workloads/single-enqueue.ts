/**
 * W1 single: one enqueue call at a time, each awaited, as a web request would send one
 * task. Timing starts once the producer is connected.
 */
import type { BenchContext } from '../context.ts';
import { limitFor } from '../context.ts';
import { resetServer } from '../redis-stats.ts';
import { producerCommand, type System } from '../systems.ts';

export type SingleSample = { system: string; n: number; run: number; jobsPerS: number; producerCpuUs: number };

export async function singleEnqueue(ctx: BenchContext, system: System, n: number, run: number): Promise<SingleSample> {
  await resetServer(ctx.admin);
  const limitS = limitFor(n, 200);
  const producer = ctx.spawn(`${system.id} single producer`, producerCommand(system, { redisUrl: ctx.url, queue: system.queue, n, role: 'single' }), limitS);
  try {
    const done = await producer.waitFor('done', limitS * 1000);
    return { system: system.id, n, run, jobsPerS: n / (Number(done.elapsedMs) / 1000), producerCpuUs: Number(done.cpuUs) };
  } finally {
    await producer.stop();
  }
}
