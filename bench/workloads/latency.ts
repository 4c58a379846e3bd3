/**
 * W3 latency: an idle worker, then one job at a time at a fixed rate (200/s for 10 s in the
 * full run), each awaited by its producer. Latency is from the producer's timestamp, taken
 * right before the enqueue call, to the handler's first line, on the same host clock.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from '../context.ts';
import { sleep } from '../context.ts';
import type { Profile } from '../flags.ts';
import { resetServer } from '../redis-stats.ts';
import { markPressure, pressurePct } from '../cpu-pressure.ts';
import { producerCommand, workerCommand, type System } from '../systems.ts';

export type LatencySample = {
  system: string;
  run: number;
  sent: number;
  ratePerS: number;
  samplesMs: number[];
  /** CPU pressure over the paced sends (cpu-pressure.ts), percent; absent without PSI. */
  cpuPressurePct?: number;
};

export async function latency(ctx: BenchContext, system: System, settings: Profile['latency'], run: number): Promise<LatencySample> {
  await resetServer(ctx.admin);
  const spec = { redisUrl: ctx.url, queue: system.queue, n: 0 };
  const limitS = 60 + settings.durationMs / 1000;
  const file = join(ctx.tmpDir, `latency-${system.id}-${run}.txt`);
  rmSync(file, { force: true });
  const worker = ctx.spawn(`${system.id} latency worker`, workerCommand(system, { ...spec, role: 'latency' }, file), limitS);
  try {
    await worker.waitFor('ready', 30_000);
    // Idle long enough to be blocked in Redis, as a worker waiting for work would be.
    await sleep(settings.idleMs);
    const producer = ctx.spawn(`${system.id} paced producer`, producerCommand(system, { ...spec, role: 'paced', ...settings }), limitS);
    await producer.waitFor('connected', limitS * 1000);
    const before = markPressure();
    const done = await producer.waitFor('done', limitS * 1000);
    const cpuPressure = pressurePct(before, markPressure());
    const sent = Number(done.sent);
    await producer.stop();
    const samplesMs = system.family === 'celery' ? await fromFile(file, sent) : await fromWorker(worker, sent);
    return { system: system.id, run, sent, ratePerS: sent / (Number(done.elapsedMs) / 1000), samplesMs, cpuPressurePct: cpuPressure };
  } finally {
    await worker.stop();
  }
}

async function fromWorker(worker: import('../child-process.ts').Child, sent: number): Promise<number[]> {
  worker.send(`report ${sent}`);
  return (await worker.waitFor('samples', 15_000)).samples as number[];
}

/** Celery's probe appends one line per task; waits up to 10 s for the last lines. */
async function fromFile(file: string, sent: number): Promise<number[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    let lines: string[] = [];
    try {
      lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    } catch {
      // not written yet
    }
    if (lines.length >= sent || Date.now() > deadline) return lines.map(Number);
    await sleep(20);
  }
}
