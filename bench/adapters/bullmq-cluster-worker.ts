/**
 * BullMQ's worker process for W6: one `Worker` per queue (a BullMQ Worker consumes one
 * queue), each with concurrency 50 as in W2, no-op handler, completed jobs kept (the
 * default). The harness counts completions itself, so this only says when it is ready.
 */
import { Worker } from 'bullmq';
import { emit, fail, onCommand, readSpec } from './child-io.ts';
import { bullmqOptions, clusterSettings } from './bullmq-cluster-connection.ts';

const spec = readSpec();
const settings = clusterSettings(spec);
const concurrency = typeof spec.settings?.concurrency === 'number' ? spec.settings.concurrency : 50;
const workers = settings.queues.map((name) => new Worker(name, async () => ({ ok: true }), { ...bullmqOptions(settings, name), concurrency }));
for (const worker of workers) worker.on('error', (error) => fail(error));
onCommand(() => {}); // exits when the harness closes stdin
Promise.all(workers.map((worker) => worker.waitUntilReady())).then(() => emit('ready'), fail);
