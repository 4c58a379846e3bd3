/**
 * The raw enqueue ceiling, plain ioredis and none of hardq's code: the bare payload JSON,
 * LPUSHed one value per command, pipelined 1,000 commands per round trip (bulk), or one
 * awaited LPUSH per job (single, paced).
 */
import { Redis } from 'ioredis';
import { fail, readSpec } from './child-io.ts';
import { runProducer } from './producer-loop.ts';

const spec = readSpec();
const redis = new Redis(spec.redisUrl, { lazyConnect: true });

runProducer(spec, {
  connect: () => redis.connect(),
  bulk: async (payloads) => {
    const pipeline = redis.pipeline();
    for (const payload of payloads) pipeline.lpush(spec.queue, JSON.stringify(payload));
    await pipeline.exec();
  },
  single: (payload) => redis.lpush(spec.queue, JSON.stringify(payload)),
  close: () => redis.quit().then(() => undefined),
}).catch(fail);
