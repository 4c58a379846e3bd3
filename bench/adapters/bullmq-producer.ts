/**
 * BullMQ's producer for W1 and W3: `addBulk` per chunk, `add` per job. BullMQ opens its own
 * ioredis connection from { host, port }, as its docs show.
 */
import { Queue } from 'bullmq';
import { fail, readSpec } from './child-io.ts';
import { runProducer } from './producer-loop.ts';

const spec = readSpec();
const { hostname, port } = new URL(spec.redisUrl);
const queue = new Queue(spec.queue, { connection: { host: hostname, port: Number(port) } });

runProducer(spec, {
  connect: () => queue.waitUntilReady().then(() => undefined),
  bulk: (payloads) => queue.addBulk(payloads.map((data) => ({ name: 'noop', data }))),
  single: (payload) => queue.add('noop', payload),
  close: () => queue.close(),
}).catch(fail);
