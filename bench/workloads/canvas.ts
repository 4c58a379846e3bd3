/**
 * W7 canvas: what the chord bookkeeping and the chain hops cost, on one throwaway Redis
 * with one reliable worker per queue (in this process, concurrency 50 each):
 *  - 10,000 plain tasks against a chord of 10,000 header tasks plus its body: wall time,
 *    Redis CPU and commands (INFO commandstats counts the ones inside Lua) per task;
 *  - a chain of 1,000 steps on one queue, and one alternating between two queues (each hop
 *    through the outbox and the relay): time per hop; the difference is the relay's latency.
 *   npx tsx bench/w7.ts [--n 10000] [--hops 1000]
 */
import type { Redis } from 'ioredis';
import { chain, chord, createApp, type App, type AsyncResult } from 'hardq';
import { startThrowawayRedis } from '../../scripts/throwaway-redis.ts';
import { delta, snapshot, type Delta } from '../redis-stats.ts';

export type Measured = { label: string; tasks: number; wallMs: number; redis: Delta };
export type CanvasReport = { plain: Measured; chord: Measured; chainOne: Measured; chainTwo: Measured };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until nothing is ready or held on the queues (two calls per queue per 20 ms: a few hundred a run). */
async function drained(redis: Redis, app: App, queues: string[], consumerId: string): Promise<void> {
  for (;;) {
    const lengths = await Promise.all(queues.flatMap((queue) => [
      redis.llen(app.keys.ready(queue)), redis.exists(app.keys.processing(queue, consumerId), app.keys.claimed(queue, consumerId)),
    ]));
    if (lengths.every((length) => length === 0)) return;
    await sleep(20);
  }
}

async function measure(admin: Redis, label: string, tasks: number, run: () => Promise<void>): Promise<Measured> {
  const before = await snapshot(admin);
  const startedAt = performance.now();
  await run();
  const wallMs = performance.now() - startedAt;
  return { label, tasks, wallMs, redis: delta(before, await snapshot(admin)) };
}

export async function canvasWorkload(options: { n: number; hops: number }): Promise<CanvasReport> {
  const server = await startThrowawayRedis();
  const [a, b] = ['w7-a', 'w7-b'];
  const app = createApp({ redis: server.url, defaultQueue: a, log: () => {} });
  const noop = app.task('noop', () => 1);
  const total = app.task('total', (values: number[]) => values.length);
  const hop = app.task('hop', (previous: number) => previous + 1);
  const consumerId = 'w7';
  // One worker per queue, each blocked on its own list, as a deployment with a worker per queue runs.
  const running = [app.worker({ queues: [a], consumerId, concurrency: 50 }).run(), app.worker({ queues: [b], consumerId: `${consumerId}-b`, concurrency: 50 }).run()];
  const admin = await app.connection();
  try {
    await (await noop.delay()).get({ timeoutMs: 30_000 });
    const plain = await measure(admin, `${options.n} plain tasks`, options.n, async () => {
      for (let from = 0; from < options.n; from += 1000) await noop.applyMany(Array.from({ length: Math.min(1000, options.n - from) }, () => []));
      await drained(admin, app, [a], consumerId);
    });
    const chordRun = await measure(admin, `a chord of ${options.n} header tasks + body`, options.n + 1, async () => {
      const header = Array.from({ length: options.n }, () => noop.s());
      const result = await chord(header, total.s()).applyAsync();
      if ((await result.get({ timeoutMs: 600_000 })) !== options.n) throw new Error('the chord body got the wrong number of results');
    });
    const chainOf = (queues: string[]) => chain(hop.s(0).set({ queue: queues[0] }), ...Array.from({ length: options.hops - 1 }, (_, i) => hop.s().set({ queue: queues[(i + 1) % queues.length] })));
    const chainOne = await measure(admin, `a chain of ${options.hops} steps on one queue`, options.hops, async () => {
      await ((await chainOf([a]).applyAsync()) as AsyncResult).get({ timeoutMs: 600_000 });
    });
    const chainTwo = await measure(admin, `a chain of ${options.hops} steps alternating two queues (relay)`, options.hops, async () => {
      await ((await chainOf([a, b]).applyAsync()) as AsyncResult).get({ timeoutMs: 600_000 });
    });
    return { plain, chord: chordRun, chainOne, chainTwo };
  } finally {
    await app.close();
    await Promise.all(running);
    await server.stop();
  }
}
