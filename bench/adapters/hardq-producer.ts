/**
 * hardq's producer for W1 and W3: `sendMany` per chunk for bulk, an awaited `applyAsync`
 * per job for single and paced sends. Each returns AsyncResult handles, as a user's call would.
 */
import { createApp } from 'hardq';
import type { Payload } from '../payload.ts';
import { fail, readSpec } from './child-io.ts';
import { runProducer } from './producer-loop.ts';

const spec = readSpec();
const app = createApp({ redis: spec.redisUrl, defaultQueue: spec.queue });
const noop = app.task('noop', (_payload: Payload) => ({ ok: true }));

runProducer(spec, {
  connect: async () => void (await app.connection()),
  bulk: (payloads) => noop.applyMany(payloads.map((payload) => [payload])),
  single: (payload) => noop.applyAsync([payload]),
  close: () => app.close(),
}).catch(fail);
