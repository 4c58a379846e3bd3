/**
 * Start-up: spawn → first job, with one job already queued, for a worker started the way a
 * user starts it: compiled JavaScript under plain `node` (bench/compiled.ts), or the
 * TypeScript source under tsx (how W2's start-up column is measured). The phases come from
 * the worker's reports on the shared host clock: its process start (performance.timeOrigin),
 * its adapter's imports loaded, `ready` (connected, and for hardq reliable, fetching), and
 * its first job done.
 */
import type { BenchContext } from '../context.ts';
import { nowMs } from '../payload.ts';
import { resetServer } from '../redis-stats.ts';
import { producerCommand, workerCommand, type Runtime, type System } from '../systems.ts';

export type StartupSample = {
  system: string;
  runtime: Runtime;
  run: number;
  /** Spawn → the first job's completion, as the worker reports it. */
  firstMs: number;
  /** Spawn → each phase, ms. */
  phases: { processStart: number; loaded: number; ready: number };
};

const limitS = 60;

export async function startup(ctx: BenchContext, system: System, runtime: Runtime, run: number): Promise<StartupSample> {
  await resetServer(ctx.admin);
  const spec = { redisUrl: ctx.url, queue: system.queue, n: 1 };
  const producer = ctx.spawn(`${system.id} start-up producer`, producerCommand(system, { ...spec, role: 'bulk', chunk: 1 }, 'compiled'), limitS);
  await producer.waitFor('done', limitS * 1000);
  await producer.exited(10_000);

  const spawnedAt = nowMs();
  const worker = ctx.spawn(`${system.id} start-up worker (${runtime})`, workerCommand(system, { ...spec, role: 'drain' }, undefined, runtime), limitS);
  try {
    const first = await worker.waitFor('first', limitS * 1000);
    const ready = await worker.waitFor('ready', limitS * 1000);
    const since = (t: unknown) => Number(t) - spawnedAt;
    return {
      system: system.id, runtime, run, firstMs: since(first.t),
      phases: { processStart: since(ready.processStartAt), loaded: since(ready.loadedAt), ready: since(ready.t) },
    };
  } finally {
    await worker.stop();
  }
}
