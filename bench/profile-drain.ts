/**
 * Profile of one worker's drain, the tool behind "profile before guessing" (issue 17):
 * a throwaway Redis, N no-op tasks queued first, then one in-process worker drains them
 * while node:inspector's CPU profiler records only the drain. It prints the worker's CPU
 * per job, Redis's CPU per job and the profile's self time grouped by where it is spent.
 *
 *   sh scripts/bootstrap.sh tsx bench/profile-drain.ts [N] [reliable|simple] [--ignore-result] [--events final|all] [--no-counters] [--payload] [--heap] [--out file.cpuprofile]
 *
 * `--payload`: each task's argument is the benchmark's 100-byte payload (bench/payload.ts),
 * as in bench/events.ts, instead of a number.
 *
 * `--heap` samples allocations too (HeapProfiler) and prints where the drain allocates,
 * which is what its garbage collection pays for.
 *
 * Under tsx the module names are the source files; run from dist/ for the compiled view.
 */
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { createApp } from 'hardq';
import { startThrowawayRedis } from '../scripts/throwaway-redis.ts';
import { makePayload } from './payload.ts';
import { summarizeAllocations, summarizeProfile, type AllocationProfile, type CpuProfile } from './profile-summary.ts';

const args = process.argv.slice(2);
const total = Number(args.find((a) => /^\d+$/.test(a)) ?? 100_000);
const mode = args.includes('simple') ? 'simple' : 'reliable';
const ignoreResult = args.includes('--ignore-result');
const heap = args.includes('--heap');
const payload = args.includes('--payload');
/** `--no-counters`: the worker writes no counters (events must be off), to measure what they cost. */
const counters = !args.includes('--no-counters');
const eventsAt = args.indexOf('--events');
const events = eventsAt >= 0 ? (args[eventsAt + 1] as 'final' | 'all') : undefined;
const outAt = args.indexOf('--out');
const out = outAt >= 0 ? args[outAt + 1] : undefined;

const redisServer = await startThrowawayRedis();
const app = createApp({ redis: redisServer.url, defaultQueue: 'profile' });
const noop = app.task('noop', (_n: unknown) => ({ ok: true }), { ignoreResult });
const redis = await app.connection();

for (let sent = 0; sent < total; sent += 1000) {
  await noop.applyMany(Array.from({ length: Math.min(1000, total - sent) }, (_, i) => [payload ? makePayload(sent + i) : sent + i]));
}

/** Redis's CPU (ms) and the bytes it has read from clients, from INFO. */
async function redisFigures(): Promise<{ cpuMs: number; inBytes: number }> {
  const info = await redis.info();
  const pick = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return { cpuMs: (pick('used_cpu_sys') + pick('used_cpu_user')) * 1000, inBytes: pick('total_net_input_bytes') };
}

let done = 0;
let finished!: () => void;
const allDone = new Promise<void>((resolve) => (finished = resolve));
const worker = app.worker({ mode, counters, ...(events === undefined ? {} : { events }) });
worker.on('task', () => {
  if (++done === total) finished();
});

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 200 });
const redisBefore = await redisFigures();
const cpuBefore = process.cpuUsage();
const startedAt = performance.now();
await session.post('Profiler.start');
if (heap) await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
const running = worker.run();
await allDone;
const elapsedMs = performance.now() - startedAt;
const { profile } = await session.post('Profiler.stop');
const allocations = heap ? (await session.post('HeapProfiler.stopSampling')).profile : undefined;
const cpu = process.cpuUsage(cpuBefore);
const redisAfter = await redisFigures();
await worker.close();
await running;
await app.close();
await redisServer.stop();

const perJob = (us: number) => (us / total).toFixed(1);
console.log(`${mode}${ignoreResult ? ', ignoreResult' : ''}${events === undefined ? '' : `, events ${events}`}: ${total} jobs in ${elapsedMs.toFixed(0)} ms = ${Math.round(total / (elapsedMs / 1000))} jobs/s`);
console.log(`worker CPU ${perJob(cpu.user + cpu.system)} µs/job (user ${perJob(cpu.user)}, sys ${perJob(cpu.system)}); Redis CPU ${perJob((redisAfter.cpuMs - redisBefore.cpuMs) * 1000)} µs/job; sent to Redis ${perJob(redisAfter.inBytes - redisBefore.inBytes)} B/job`);
console.log(summarizeProfile(profile as CpuProfile));
if (allocations !== undefined) console.log(summarizeAllocations(allocations as AllocationProfile, total));
if (out !== undefined) writeFileSync(out, JSON.stringify(profile));
