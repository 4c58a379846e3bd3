/**
 * hardq's producer for W1 and W3: `sendMany` per chunk for bulk, an awaited `applyAsync`
 * per job for single and paced sends. Each returns AsyncResult handles, as a user's call would.
 */
import { createApp } from 'hardq';
import type { Payload } from '../payload.ts';
import { fail, readSpec } from './child-io.ts';
import { runProducer } from './producer-loop.ts';

const spec = readSpec();
// W6 fills several queues under a staging prefix (bench/workloads/w6-hardq.ts): chunk k goes
// to queues[k mod K], so each queue gets an even share.
const queues = Array.isArray(spec.settings?.queues) ? (spec.settings.queues as string[]) : [spec.queue];
const prefix = typeof spec.settings?.prefix === 'string' ? spec.settings.prefix : undefined;
const app = createApp({ redis: spec.redisUrl, defaultQueue: spec.queue, prefix });
const noop = app.task('noop', (_payload: Payload) => ({ ok: true }));
let chunks = 0;

runProducer(spec, {
  connect: async () => void (await app.connection()),
  bulk: (payloads) => noop.applyMany(payloads.map((payload) => [payload]), { queue: queues[chunks++ % queues.length] }),
  single: (payload) => noop.applyAsync([payload]),
  close: () => app.close(),
}).catch(fail);
