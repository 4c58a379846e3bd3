/**
 * Bee-Queue's producer for W1 and W3, with the producer-only settings its README gives
 * (isWorker, getEvents and storeJobs off): `saveAll` per chunk, `createJob().save()` per job.
 */
import BeeQueue from 'bee-queue';
import { fail, readSpec } from './child-io.ts';
import { runProducer } from './producer-loop.ts';

const spec = readSpec();
const { hostname, port } = new URL(spec.redisUrl);
const queue = new BeeQueue(spec.queue, {
  redis: { host: hostname, port: Number(port) }, isWorker: false, getEvents: false, storeJobs: false,
});

runProducer(spec, {
  connect: () => queue.ready().then(() => undefined),
  bulk: async (payloads) => {
    const errors = await queue.saveAll(payloads.map((payload) => queue.createJob(payload)));
    if (errors.size > 0) throw [...errors.values()][0];
  },
  single: (payload) => queue.createJob(payload).save(),
  close: () => queue.close(),
}).catch(fail);
