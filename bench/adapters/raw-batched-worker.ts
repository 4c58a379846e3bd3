/**
 * The batched reliable drain: the physical limit for hardq's design (issue 6). Plain
 * ioredis, `loops` (4) loops in one process, each on its own connection and processing list:
 * 1. one Lua call LMOVEs up to `batch` (100) messages ready → processing;
 * 2. each is JSON.parsed;
 * 3. one Lua call per batch LREMs each message and SETs its result with a TTL.
 * When the ready list is empty, a loop blocks in BLMOVE for one message, then batches again.
 * With `ack: 'number'` it makes issue 17's change to hardq's ack: the claim HSETs each
 * message under a number in a processing hash, and the ack HDELs the numbers, so messages
 * never travel back. Both rows stay in the tables, so the ratio to the limit stays fair.
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
// The same two steps, by number: KEYS[1] ready, KEYS[2] processing hash; ARGV[1] max, ARGV[2] first number.
const claimByNumberLua = `local out = {}
for i = 1, tonumber(ARGV[1]) do
  local m = redis.call('RPOP', KEYS[1])
  if not m then break end
  out[i] = m
  redis.call('HSET', KEYS[2], tonumber(ARGV[2]) + i - 1, m)
end
return out`;
// KEYS[1] processing hash, KEYS[2..] result keys; ARGV[1] TTL s, ARGV[2..] the numbers.
const ackByNumberLua = `for i = 2, #ARGV do
  redis.call('HDEL', KEYS[1], ARGV[i])
  redis.call('SET', KEYS[i], '{"ok":true}', 'EX', ARGV[1])
end
return #ARGV - 1`;

const spec = readSpec();
const report = workerReport(spec);
const loops = Number(spec.settings?.loops ?? 4);
const batch = Number(spec.settings?.batch ?? 100);
const byNumber = spec.settings?.ack === 'number';
let taken = 0;

type Scripted = Redis & {
  rawClaim(ready: string, processing: string, max: number): Promise<string[]>;
  rawAck(numberOfKeys: number, ...args: (string | number)[]): Promise<number>;
  rawClaimByNumber(ready: string, processing: string, max: number, first: number): Promise<string[]>;
  rawAckByNumber(numberOfKeys: number, ...args: (string | number)[]): Promise<number>;
};

async function loop(index: number): Promise<void> {
  const redis = new Redis(spec.redisUrl) as Scripted;
  redis.defineCommand('rawClaim', { numberOfKeys: 2, lua: claimLua });
  redis.defineCommand('rawAck', { lua: ackLua });
  redis.defineCommand('rawClaimByNumber', { numberOfKeys: 2, lua: claimByNumberLua });
  redis.defineCommand('rawAckByNumber', { lua: ackByNumberLua });
  if (byNumber) return loopByNumber(redis, `${spec.queue}:claimed:${index}`);
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

/** The by-number loop: drains only (the W2 limit), so it never blocks; an empty queue is polled. */
async function loopByNumber(redis: Scripted, claimed: string): Promise<void> {
  let next = 1;
  while (taken < spec.n) {
    const first = next;
    next += batch;
    const raws = await redis.rawClaimByNumber(spec.queue, claimed, batch, first);
    if (raws.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      continue;
    }
    taken += raws.length;
    const keys: string[] = [claimed];
    for (const raw of raws) keys.push(`raw:result:${(JSON.parse(raw) as Payload).i}`);
    await redis.rawAckByNumber(keys.length, ...keys, 3600, ...raws.map((_, i) => first + i));
    for (let i = 0; i < raws.length; i++) report.completed();
  }
}

Promise.all(Array.from({ length: loops }, (_, index) => loop(index))).catch(fail);
setTimeout(() => report.ready(), 200);
