/**
 * What counters cost Redis's scripts: an in-process worker drains N no-op tasks twice per
 * round, counters off and on, and INFO commandstats gives the time spent in EVALSHA over
 * each drain (claim-batch.lua and complete-batch.lua; only complete-batch counts) per task.
 * The difference is the counters' script time alone, without the drain's I/O and the VM's
 * run-to-run spread that bench/events.ts carries. Rounds alternate which setting goes first.
 *
 *   npx tsx --conditions=source bench/counters-script.ts [rounds] [N]
 */
import { createApp } from 'hardq';
import { startThrowawayRedis } from '../scripts/throwaway-redis.ts';

const rounds = Number(process.argv[2] ?? 5);
const total = Number(process.argv[3] ?? 20_000);
const server = await startThrowawayRedis();

/** EVALSHA's time per task (µs) over one drain of `total` tasks. */
async function drain(counters: boolean): Promise<number> {
  const app = createApp({ redis: server.url, defaultQueue: 'counters-script' });
  const noop = app.task('noop', (n: number) => n);
  const redis = await app.connection();
  await redis.flushall();
  for (let sent = 0; sent < total; sent += 1000) await noop.applyMany(Array.from({ length: Math.min(1000, total - sent) }, (_, i) => [sent + i]));
  let done = 0;
  let finished!: () => void;
  const allDone = new Promise<void>((resolve) => (finished = resolve));
  const worker = app.worker({ mode: 'reliable', counters });
  worker.on('task', () => {
    if (++done === total) finished();
  });
  await redis.config('RESETSTAT');
  const running = worker.run();
  await allDone;
  const stats = await redis.info('commandstats');
  await worker.close();
  await running;
  await app.close();
  const usec = Number(/^cmdstat_evalsha:calls=\d+,usec=(\d+)/m.exec(stats)?.[1] ?? Number.NaN);
  return usec / total;
}

const added: number[] = [];
try {
  for (let round = 0; round < rounds; round++) {
    const [first, second] = round % 2 === 0 ? [false, true] : [true, false];
    const a = await drain(first);
    const b = await drain(second);
    const [off, on] = first ? [b, a] : [a, b];
    added.push(on - off);
    console.log(`scripts µs/task: counters off ${off.toFixed(3)}, on ${on.toFixed(3)}, ${(on - off).toFixed(3)} for counters`);
  }
} finally {
  await server.stop();
}
const sorted = [...added].sort((x, y) => x - y);
console.log(`counters: median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(3)} µs of script time per task (${rounds} rounds, ${total} tasks each)`);
