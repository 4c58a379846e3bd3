/**
 * Bee-Queue's worker for W2 and W3: `process(50, handler)` with the defaults (job hashes
 * kept, events published); getEvents is off because a worker-only process has no use for
 * the subscription. Counts the local 'succeeded' events, fired once the result is written.
 */
import BeeQueue from 'bee-queue';
import type { Payload } from '../payload.ts';
import { fail, readSpec } from './child-io.ts';
import { workerReport } from './worker-report.ts';

const spec = readSpec();
const { hostname, port } = new URL(spec.redisUrl);
const report = workerReport(spec);
const concurrency = typeof spec.settings?.concurrency === 'number' ? spec.settings.concurrency : 50;

const queue = new BeeQueue<Payload>(spec.queue, { redis: { host: hostname, port: Number(port) }, getEvents: false });
queue.on('succeeded', (job) => report.completed(job.id));
queue.on('error', (error) => fail(error));
queue.process(concurrency, async (job) => {
  if (spec.role === 'latency') report.started(job.data.ts);
  return { ok: true };
});
queue.ready().then(() => report.ready(), fail);
