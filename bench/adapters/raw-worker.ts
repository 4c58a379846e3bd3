/**
 * The raw drain ceilings that take one message per round trip, plain ioredis:
 * - `brpop`: one connection, BRPOP one at a time, no ack (what simple mode costs at least);
 * - `blmove`: `loops` connections (50), each BLMOVE ready → its processing list, then one
 *   pipeline of LREM + SET result EX 3600 (what a per-message reliable ack costs).
 */
import { Redis } from 'ioredis';
import type { Payload } from '../payload.ts';
import { fail, readSpec } from './child-io.ts';
import { workerReport } from './worker-report.ts';

const spec = readSpec();
const report = workerReport(spec);
const variant = spec.settings?.variant === 'blmove' ? 'blmove' : 'brpop';
const loops = variant === 'blmove' ? Number(spec.settings?.loops ?? 50) : 1;
let taken = 0;

async function loop(index: number): Promise<void> {
  const redis = new Redis(spec.redisUrl);
  const processing = `${spec.queue}:processing:${index}`;
  await redis.ping();
  // A drain stops taking once n are taken; latency and serve run until stopped.
  while (spec.role !== 'drain' || taken < spec.n) {
    const raw = variant === 'blmove'
      ? await redis.blmove(spec.queue, processing, 'RIGHT', 'LEFT', 1)
      : (await redis.brpop(spec.queue, 1))?.[1] ?? null;
    if (raw === null) continue;
    taken++;
    const payload = JSON.parse(raw) as Payload;
    if (spec.role === 'latency') report.started(payload.ts);
    if (variant === 'blmove') {
      await redis.pipeline().lrem(processing, 1, raw).set(`raw:result:${payload.i}`, '{"ok":true}', 'EX', 3600).exec();
    }
    report.completed();
  }
}

Promise.all(Array.from({ length: loops }, (_, index) => loop(index))).catch(fail);
// Each loop pings before it blocks; a short grace covers the first BRPOP/BLMOVE being sent.
setTimeout(() => report.ready(), 200);
