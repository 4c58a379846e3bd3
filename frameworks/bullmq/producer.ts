/**
 * The producer: adds one job and waits for its result through QueueEvents, BullMQ's way
 * of hearing about completions (an XREAD on the queue's events stream).
 *   REDIS_URL=... npx tsx frameworks/bullmq/producer.ts add '[2, 3]'
 */
import { Queue, QueueEvents } from 'bullmq';
import { connection, jobOptions, queueOf } from './tasks.ts';

const [task = 'add', args = '[2, 3]'] = process.argv.slice(2);
const queue = new Queue(queueOf(task), { connection });
const events = new QueueEvents(queueOf(task), { connection });
await events.waitUntilReady();

const job = await queue.add(task, JSON.parse(args), jobOptions[task]);
console.log(`sent ${task} as job ${job.id}`);
try {
  console.log('result:', await job.waitUntilFinished(events, 30_000));
} catch (error) {
  console.log('failed:', (error as Error).message);
  process.exitCode = 1;
}
await Promise.all([queue.close(), events.close()]);
