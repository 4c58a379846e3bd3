/**
 * What counters cost inside complete-batch.lua, alone: the script's own time (INFO
 * commandstats, evalsha usec) per message, counters off against on, over calls of 50
 * results in simple mode (every row held, nothing else in the way). Rounds alternate; a
 * drain (bench/events.ts) carries the same cost plus its I/O and moves more from run to run.
 *
 *   npx tsx --conditions=source bench/counters-script.ts [rounds] [calls]
 */
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { Keys } from '../shared/keys.ts';
import { completeBatch, completionTally, defineScripts, type CompletionRow } from '../shared/scripts.ts';
import { startThrowawayRedis } from '../scripts/throwaway-redis.ts';
const server = await startThrowawayRedis();
const redis = new Redis(server.url);
defineScripts(redis);
const keys = new Keys();
const queue = 'q';
async function round(counters: boolean, calls: number): Promise<number> {
  await redis.config('RESETSTAT');
  for (let c = 0; c < calls; c++) {
    const rows: CompletionRow[] = [];
    for (let i = 0; i < 50; i++) {
      const id = randomUUID();
      rows.push({ raw: `{"id":"${id}","task":"noop","args":[${i}]}`, id, resultKey: keys.result(queue, id), result: '{"state":"SUCCESS","value":1,"doneAt":1}',
        count: counters ? { state: 'SUCCESS', task: 'noop', runtimeMs: 0 } : undefined });
    }
    // Simple mode: every row counts as held, no lists needed.
    await completeBatch(redis, { processing: keys.processing(queue, 'c'), quarantine: keys.quarantine(queue, 'c'), claimed: keys.claimed(queue, 'c'), dead: keys.dead(queue),
      scheduled: keys.scheduled(queue), revoked: keys.revoked(queue), channel: keys.resultChannel(queue) }, rows,
      { resultTtlMs: 60_000, deadLimit: 100, deadTtlMs: 60_000, simple: true, tally: completionTally(keys, queue, { events: false, worker: 'c' }) });
  }
  const stats = await redis.info('commandstats');
  const line = stats.split('\n').find((l) => l.startsWith('cmdstat_evalsha:'))!;
  const usec = Number(/usec=(\d+)/.exec(line)![1]);
  await redis.flushall();
  return usec / (calls * 50);
}
const rounds = Number(process.argv[2] ?? 5);
const calls = Number(process.argv[3] ?? 400);
const added: number[] = [];
for (let r = 0; r < rounds; r++) {
  const off = await round(false, calls);
  const on = await round(true, calls);
  added.push(on - off);
  console.log(`script µs/msg: counters off ${off.toFixed(3)}, on ${on.toFixed(3)}, ${(on - off).toFixed(3)} for counters`);
}
const sorted = [...added].sort((a, b) => a - b);
console.log(`counters: median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(3)} µs of script time per message (${rounds} rounds of ${calls} calls of 50)`);
redis.disconnect(); await server.stop();
