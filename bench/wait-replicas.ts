/**
 * The cost of `waitReplicas` (consumer/replica-wait.ts): drain rate of `count` no-op tasks on
 * one queue of a throwaway 3-master cluster with a replica per master, one in-process
 * reliable worker (concurrency 50), without and with `waitReplicas: 1`. Rounds alternate so
 * that machine noise falls on both; each round is a fresh queue. Prints every round, the
 * median of each, and the WAITs sent per task (one per completion batch).
 * Run: `npx tsx --conditions=source bench/wait-replicas.ts [count] [rounds]` (defaults 20,000 and 3).
 */
import { randomUUID } from 'node:crypto';
import { createApp, inspectStats } from 'hardq';
import { startThrowawayCluster } from '../scripts/throwaway-cluster.ts';

const count = Number(process.argv[2] ?? 20_000);
const rounds = Number(process.argv[3] ?? 3);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Tasks/s from the worker's start to the last result, and the WAITs it sent. */
async function drain(url: string, waitReplicas: number | undefined): Promise<{ rate: number; waits: number; short: number }> {
  const queue = `bench-${randomUUID()}`;
  const app = createApp({ redis: url, defaultQueue: queue, log: () => {} });
  const task = app.task('bench.noop', () => 0);
  // A fresh replica syncs for a few seconds: start once a write on the queue's master reaches it.
  const redis = await app.connection();
  while (Number((await redis.pipeline().set(`bench-probe:{${queue}}`, '1').call('WAIT', 1, 200).exec())?.[1]?.[1]) < 1);
  await redis.del(`bench-probe:{${queue}}`);
  const results = [];
  for (let from = 0; from < count; from += 1000) results.push(...await task.applyMany(Array.from({ length: Math.min(1000, count - from) }, () => [])));
  const worker = app.worker({ concurrency: 50, waitReplicas });
  const started = performance.now();
  const running = worker.run();
  await results.at(-1)!.get({ timeoutMs: 300_000 });
  while (worker.counts.SUCCESS < count) await new Promise((resolve) => setTimeout(resolve, 5));
  const rate = count / ((performance.now() - started) / 1000);
  await new Promise((resolve) => setTimeout(resolve, 1100)); // one more registry write, with the last counts
  const stats = (await inspectStats(app, worker.consumerId))[worker.consumerId]?.replicaWaits;
  await worker.close();
  await running;
  await app.close();
  return { rate, waits: stats?.waits ?? 0, short: stats?.short ?? 0 };
}

const cluster = await startThrowawayCluster({ replicasPerMaster: 1 });
try {
  const rates: Record<'off' | 'on', number[]> = { off: [], on: [] };
  for (let round = 1; round <= rounds; round++) {
    for (const setting of round % 2 === 1 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
      const { rate, waits, short } = await drain(cluster.url, setting === 'on' ? 1 : undefined);
      rates[setting].push(rate);
      console.log(`round ${round} waitReplicas ${setting}: ${Math.round(rate)} tasks/s${setting === 'on' ? `, ${waits} WAITs (${(waits / count).toFixed(3)} per task), ${short} short` : ''}`);
    }
  }
  const [off, on] = [median(rates.off), median(rates.on)];
  console.log(`median of ${rounds}: off ${Math.round(off)} tasks/s, on ${Math.round(on)} tasks/s (${(((on - off) / off) * 100).toFixed(1)} %)`);
} finally {
  await cluster.stop();
}
