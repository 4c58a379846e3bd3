/**
 * W1 single, in one process (issue 17): an awaited `applyAsync` per job against an awaited
 * bare LPUSH of the same payload, in alternating rounds on one throwaway redis-server, so
 * that both see the same minutes of a shared machine. Prints jobs/s per round, the medians
 * and the ratio. Run it compiled, with a CPU profile, to see where the difference goes:
 *
 *   sh scripts/bootstrap.sh tsx bench/single-send.ts [N per round] [rounds]
 *   node node_modules/.cache/hardq-bench/bench/single-send.js 20000 7    # after a bench start-up run built it
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof node_modules/.cache/hardq-bench/bench/single-send.js 20000 3 hardq
 *
 * A last argument `hardq` or `lpush` runs only that side (a profile of one side alone).
 */
import { Redis } from 'ioredis';
import { createApp } from 'hardq';
import { startThrowawayRedis } from '../scripts/throwaway-redis.ts';
import { makePayload, nowMs, type Payload } from './payload.ts';
import { spread } from './stats.ts';

const [nArg, roundsArg, only] = process.argv.slice(2);
const n = Number(nArg ?? 20_000);
const rounds = Number(roundsArg ?? 7);
const server = await startThrowawayRedis();
const redis = new Redis(server.url);
const app = createApp({ redis: server.url, defaultQueue: 'bench' });
const noop = app.task('noop', (_payload: Payload) => ({ ok: true }));
await app.connection();

const sides: Record<string, (i: number) => Promise<unknown>> = {
  hardq: (i) => noop.applyAsync([makePayload(i)]),
  lpush: (i) => redis.lpush('raw:ready', JSON.stringify(makePayload(i))),
};
const rates: Record<string, number[]> = { hardq: [], lpush: [] };
/** This process's CPU per send, µs: steadier than the rate on a loaded machine. */
const cpuPerSend: Record<string, number[]> = { hardq: [], lpush: [] };
const cpuUs = () => {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
};
try {
  for (let round = 1; round <= rounds; round++) {
    for (const [name, sendOne] of Object.entries(sides)) {
      if (only !== undefined && only !== name) continue;
      await redis.flushall();
      const startedAt = nowMs();
      const cpuBefore = cpuUs();
      for (let i = 0; i < n; i++) await sendOne(i);
      const cpu = (cpuUs() - cpuBefore) / n;
      const rate = n / ((nowMs() - startedAt) / 1000);
      rates[name]!.push(rate);
      cpuPerSend[name]!.push(cpu);
      console.log(`round ${round} ${name.padEnd(5)} ${Math.round(rate)} jobs/s, ${cpu.toFixed(1)} µs CPU per send`);
    }
  }
  const median = (name: string) => spread(rates[name]!);
  for (const name of Object.keys(rates)) {
    const s = median(name);
    const cpu = spread(cpuPerSend[name]!);
    if (s.runs > 0) console.log(`${name}: median ${Math.round(s.median)} jobs/s (${Math.round(s.min)}–${Math.round(s.max)}), ${cpu.median.toFixed(1)} µs CPU per send (${cpu.min.toFixed(1)}–${cpu.max.toFixed(1)}), ${s.runs} rounds of ${n}`);
  }
  if (rates.hardq!.length > 0 && rates.lpush!.length > 0) {
    console.log(`hardq / bare LPUSH: ${(median('hardq').median / median('lpush').median).toFixed(3)}×`);
  }
} finally {
  await app.close();
  redis.disconnect();
  await server.stop();
}
