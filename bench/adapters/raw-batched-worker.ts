/**
 * The batched reliable drain: the physical limit for hardq's design (issue 6). Plain
 * ioredis, `loops` (4) loops in one process, each on its own connection and processing list:
 * 1. one Lua call LMOVEs up to `batch` (100) messages ready → processing;
 * 2. each is JSON.parsed;
 * 3. one Lua call per batch LREMs each message and SETs its result with a TTL.
 * When the ready list is empty, a loop blocks in BLMOVE for one message, then batches again.
 */
import { Redis } from 'ioredis';
import type { Payload } from '../payload.ts';
import { fail, readSpec } from './child-io.ts';
import { workerReport } from './worker-report.ts';

const claimLua = `local out = {}
for i = 1, tonumber(ARGV[1]) do
  local m = redis.call('LMOVE', KEYS[1], KEYS[2], 'RIGHT', 'LEFT')
  if not m then break end
  out[i] = m
end
return out`;
// KEYS[1] processing, KEYS[2..] result keys; ARGV[1] TTL s, ARGV[2..] the messages.
const ackLua = `for i = 2, #ARGV do
  redis.call('LREM', KEYS[1], -1, ARGV[i])
  redis.call('SET', KEYS[i], '{"ok":true}', 'EX', ARGV[1])
end
return #ARGV - 1`;

const spec = readSpec();
const report = workerReport(spec);
const loops = Number(spec.settings?.loops ?? 4);
const batch = Number(spec.settings?.batch ?? 100);
let taken = 0;

type Scripted = Redis & {
  rawClaim(ready: string, processing: string, max: number): Promise<string[]>;
  rawAck(numberOfKeys: number, ...args: (string | number)[]): Promise<number>;
};

async function loop(index: number): Promise<void> {
  const redis = new Redis(spec.redisUrl) as Scripted;
  redis.defineCommand('rawClaim', { numberOfKeys: 2, lua: claimLua });
  redis.defineCommand('rawAck', { lua: ackLua });
  const processing = `${spec.queue}:processing:${index}`;
  while (spec.role !== 'drain' || taken < spec.n) {
    let raws = await redis.rawClaim(spec.queue, processing, batch);
    if (raws.length === 0) {
      const one = await redis.blmove(spec.queue, processing, 'RIGHT', 'LEFT', 1);
      if (one === null) continue;
      raws = [one];
    }
    taken += raws.length;
    const keys: string[] = [processing];
    for (const raw of raws) {
      const payload = JSON.parse(raw) as Payload;
      if (spec.role === 'latency') report.started(payload.ts);
      keys.push(`raw:result:${payload.i}`);
    }
    await redis.rawAck(keys.length, ...keys, 3600, ...raws);
    for (let i = 0; i < raws.length; i++) report.completed();
  }
}

Promise.all(Array.from({ length: loops }, (_, index) => loop(index))).catch(fail);
setTimeout(() => report.ready(), 200);
