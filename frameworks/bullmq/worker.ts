/**
 * The consumer: one BullMQ Worker per queue. Retries, backoff, stalled-job recovery and the
 * rate limit are BullMQ's; this file only wires the handlers in.
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx frameworks/bullmq/worker.ts
 */
import { Worker } from 'bullmq';
import { connection, handlers } from './tasks.ts';

const run = (job: Parameters<(typeof handlers)[string]>[0]) => {
  const handler = handlers[job.name];
  if (!handler) throw new Error(`no task named "${job.name}"`);
  return handler(job);
};

const workers = [
  new Worker('workshop', run, { connection, concurrency: 10 }),
  // 20 jobs a second across every worker of the queue: BullMQ's limiter is global.
  new Worker('email', run, { connection, concurrency: 10, limiter: { max: 20, duration: 1000 } }),
];
for (const worker of workers) {
  worker.on('completed', (job, value) => console.log(`${job.name} ${job.id} → ${JSON.stringify(value)}`));
  worker.on('failed', (job, error) => console.log(`${job?.name} ${job?.id} failed (attempt ${job?.attemptsMade}): ${error.message}`));
}

process.once('SIGINT', async () => {
  await Promise.all(workers.map((worker) => worker.close()));
  process.exit(0);
});
