/**
 * BullMQ's producer for W6: one Queue per name, each paused before it is filled (so no
 * worker starts early: the harness resumes them all at once), `addBulk` per chunk, chunk k
 * to queue k mod K.
 */
import { Queue } from 'bullmq';
import { fail, readSpec } from './child-io.ts';
import { bullmqOptions, clusterSettings } from './bullmq-cluster-connection.ts';
import { runProducer } from './producer-loop.ts';

const spec = readSpec();
const settings = clusterSettings(spec);
const queues = settings.queues.map((name) => new Queue(name, bullmqOptions(settings, name)));
let chunks = 0;

runProducer(spec, {
  connect: async () => {
    await Promise.all(queues.map((queue) => queue.waitUntilReady()));
    await Promise.all(queues.map((queue) => queue.pause()));
  },
  bulk: (payloads) => queues[chunks++ % queues.length]!.addBulk(payloads.map((data) => ({ name: 'noop', data }))),
  single: () => Promise.reject(new Error('W6 sends in bulk only')),
  close: () => Promise.all(queues.map((queue) => queue.close())).then(() => undefined),
}).catch(fail);
