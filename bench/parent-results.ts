/**
 * The cost of checking a signed canvas step's parent results (issue 14, item 3;
 * consumer/parent-results.ts), end to end on a throwaway redis-server with signing on:
 * - a chain of `hops` steps whose steps take their parent's result (`.s`: each step's
 *   parentResults is checked, one MGET) against the same chain of immutable steps (`.si`:
 *   nothing to check);
 * - a chord of `size` header tasks whose body takes the header results (`.s`: the body's
 *   check reads every header result) against an immutable body (`.si`; Lua also skips
 *   gathering the results, so that difference includes the splice).
 * Rounds alternate so that machine noise falls on both; the median of 3 is printed.
 * Run: `npx tsx --conditions=source bench/parent-results.ts [hops] [size]` (defaults 1,000 and 10,000).
 */
import { randomUUID } from 'node:crypto';
import { chain, chord, createApp, type AppConfig } from 'hardq';
import { startThrowawayRedis } from '../scripts/throwaway-redis.ts';

const hops = Number(process.argv[2] ?? 1_000);
const size = Number(process.argv[3] ?? 10_000);
const signing: AppConfig['signing'] = { keys: { k1: 'a bench key of at least 16 bytes' }, current: 'k1' };
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Wall ms from sending to the last result, with one in-process worker (reliable, concurrency 50). */
async function run(url: string, shape: 'chain' | 'chord', checked: boolean): Promise<number> {
  const queue = `bench-${randomUUID()}`;
  const app = createApp({ redis: url, defaultQueue: queue, signing, log: () => {} });
  const step = app.task('bench.step', (...args: unknown[]) => args.length);
  const worker = app.worker({ concurrency: 50 });
  const running = worker.run();
  const started = performance.now();
  const canvas = shape === 'chain'
    ? chain(...Array.from({ length: hops }, () => (checked ? step.s() : step.si())))
    : chord(Array.from({ length: size }, () => step.si()), checked ? step.s() : step.si());
  await (await canvas.delay()).get({ timeoutMs: 600_000 });
  const ms = performance.now() - started;
  await app.close();
  await running;
  return ms;
}

const server = await startThrowawayRedis();
const times: Record<string, number[]> = {};
try {
  for (let round = 0; round < 3; round++) {
    for (const shape of ['chain', 'chord'] as const) {
      for (const checked of [false, true]) (times[`${shape} ${checked}`] ??= []).push(await run(server.url, shape, checked));
    }
  }
} finally {
  await server.stop();
}
const ms = (shape: string, checked: boolean) => median(times[`${shape} ${checked}`]!);
console.log(`parent-results bench: signing on, chain of ${hops}, chord of ${size}, median of 3 rounds`);
console.log('| canvas | immutable (.si) ms | checked (.s) ms | added |');
console.log('|---|---|---|---|');
console.log(`| chain of ${hops} | ${ms('chain', false).toFixed(0)} | ${ms('chain', true).toFixed(0)} | ${(((ms('chain', true) - ms('chain', false)) * 1000) / hops).toFixed(0)} µs per step |`);
console.log(`| chord of ${size} | ${ms('chord', false).toFixed(0)} | ${ms('chord', true).toFixed(0)} | ${(ms('chord', true) - ms('chord', false)).toFixed(0)} ms per body |`);
