/**
 * BullMQ's worker for W2 and W3: `Worker` with concurrency 50 and the defaults otherwise
 * (completed jobs and their return values are kept). Counts its 'completed' events, which
 * fire after moveToFinished has written the result.
 */
import { Worker } from 'bullmq';
import type { Payload } from '../payload.ts';
import { fail, readSpec } from './child-io.ts';
import { workerReport } from './worker-report.ts';

const spec = readSpec();
const { hostname, port } = new URL(spec.redisUrl);
const report = workerReport(spec);
const concurrency = typeof spec.settings?.concurrency === 'number' ? spec.settings.concurrency : 50;

const worker = new Worker(spec.queue, async (job: { data: Payload }) => {
  if (spec.role === 'latency') report.started(job.data.ts);
  return { ok: true };
}, { connection: { host: hostname, port: Number(port) }, concurrency });
worker.on('completed', (job) => report.completed(job.id));
worker.on('error', (error) => fail(error));
worker.waitUntilReady().then(() => report.ready(), fail);
