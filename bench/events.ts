/**
 * The cost of events and counters (issue 11, item 5), every setting in the same run: W1+W2
 * (bench/workloads/enqueue-drain.ts: N tasks queued, then drained by `app.worker()` in a
 * child process, reliable mode, results stored) with
 *   counters off · counters only (the default) · events `final` (-E) · events `all`,
 * rounds interleaved so that a slow minute of a shared VM falls on every setting, each round
 * starting one setting later than the last. Reported
 * per setting (median of the rounds): drain throughput (first to last completion) and its
 * change against counters off and against the default (as ratios of the medians, and as the
 * median of each round's ratio to the same round's reference, "paired"), worker and Redis CPU per task, Redis calls per
 * task, stream entries (XADDs) and events per task, and per event: Redis CPU and the stream's
 * memory (MEMORY USAGE over the events the stream holds). A batch entry holds many events, so
 * events written = XADDs × the events per entry of the stream the drain left.
 * Run: `sh scripts/bootstrap.sh tsx bench/events.ts [N] [rounds]` (default 20,000 and 5; the
 * bootstrap sets NODE_OPTIONS=--conditions=source, so the worker child runs these sources).
 */
import { Redis } from 'ioredis';
import { eventsOfEntry, Keys } from 'hardq';
import { startThrowawayRedis } from '../scripts/throwaway-redis.ts';
import { childTracker, type BenchContext } from './context.ts';
import { enqueueDrain, type DrainSample } from './workloads/enqueue-drain.ts';
import { systems, type System } from './systems.ts';

const n = Number(process.argv[2] ?? 20_000);
const rounds = Number(process.argv[3] ?? 5);
const base = systems.find((system) => system.id === 'hardq-reliable')!;
const settings: { name: string; worker: Record<string, unknown> }[] = [
  { name: 'counters off', worker: { mode: 'reliable', counters: false } },
  { name: 'counters (default)', worker: { mode: 'reliable' } },
  { name: 'events final (-E)', worker: { mode: 'reliable', events: 'final' } },
  { name: 'events all', worker: { mode: 'reliable', events: 'all' } },
];
const rotated = <T>(list: T[], by: number): T[] => list.map((_, i) => list[(i + by) % list.length]!);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** `entries`: XADDs during the drain (commandstats); `events`: the events they held (the stream itself is capped). */
type Sample = { drain: DrainSample; entries: number; events: number; streamBytes: number };

/** The events and entries the stream holds now. */
async function streamContents(admin: Redis, stream: string): Promise<{ entries: number; events: number }> {
  let entries = 0;
  let events = 0;
  let after = '-';
  for (;;) {
    const page = (await admin.xrange(stream, after, '+', 'COUNT', 500)) as [string, string[]][];
    for (const [, fields] of page) events += eventsOfEntry(fields).length;
    entries += page.length;
    if (page.length < 500) return { entries, events };
    after = `(${page[page.length - 1]![0]}`;
  }
}

async function main(): Promise<void> {
  const server = await startThrowawayRedis();
  const admin = new Redis(server.url);
  const resultsDb = new Redis(`${server.url}/1`);
  const ctx: BenchContext = { url: server.url, admin, resultsDb, tmpDir: '/tmp', ...childTracker() };
  const samples = new Map<string, Sample[]>(settings.map((setting) => [setting.name, []]));
  const stream = new Keys().events(base.queue);
  try {
    for (let round = 1; round <= rounds; round++) {
      // Each round starts one setting later, so that no setting always runs first in a round
      // (right after the last round's heaviest drain) or always follows the same one.
      for (const setting of rotated(settings, round - 1)) {
        const system: System = { ...base, id: `hardq-${setting.name}`, workerSettings: setting.worker };
        const drain = await enqueueDrain(ctx, system, n, round);
        // The queue's stream as the drain left it (enqueueDrain resets the server before each run).
        const entries = drain.redis.drain.calls.xadd ?? 0;
        const held = await streamContents(admin, stream);
        const events = held.entries === 0 ? 0 : Math.round((entries * held.events) / held.entries);
        const streamBytes = held.events === 0 ? 0 : Number(await admin.call('MEMORY', 'USAGE', stream, 'SAMPLES', '0')) / held.events;
        samples.get(setting.name)!.push({ drain, entries, events, streamBytes });
        console.error(`bench events: round ${round}/${rounds} ${setting.name}: ${drain.drain.firstToLastJobsPerS.toFixed(0)} tasks/s, ${events} events in ${entries} entries`);
      }
    }
  } finally {
    await ctx.stopAll();
    admin.disconnect();
    resultsDb.disconnect();
    await server.stop();
  }
  const rate = (name: string) => median(samples.get(name)!.map((s) => s.drain.drain.firstToLastJobsPerS));
  const cpuPerTask = (name: string) => median(samples.get(name)!.map((s) => s.drain.redis.drain.cpuUs / n));
  const [off, plain] = [rate(settings[0]!.name), rate(settings[1]!.name)];
  console.log(`events bench: N = ${n}, ${rounds} interleaved rounds (median), hardq reliable, defaults otherwise, worker in a child process`);
  // Each round's ratio against the same round's counters off and default, then the median:
  // a slow minute of a shared VM then moves both sides of a ratio, not one of them.
  const paired = (name: string, against: string) => median(samples.get(name)!.map((s, round) => s.drain.drain.firstToLastJobsPerS / samples.get(against)![round]!.drain.drain.firstToLastJobsPerS - 1));
  console.log('| setting | drain tasks/s | vs counters off | vs default | paired vs off | paired vs default | worker CPU µs/task | Redis CPU µs/task | Redis calls/task | entries/task | events/task | Redis CPU µs/event | stream bytes/event |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const setting of settings) {
    const list = samples.get(setting.name)!;
    const events = median(list.map((s) => s.events));
    const extraCpu = cpuPerTask(setting.name) - cpuPerTask(settings[1]!.name);
    const perEvent = events === 0 ? '-' : ((extraCpu * n) / events).toFixed(2);
    const bytes = events === 0 ? '-' : median(list.map((s) => s.streamBytes)).toFixed(0);
    const pct = (value: number, against: number) => `${(((value - against) / against) * 100).toFixed(1)} %`;
    console.log(`| ${setting.name} | ${rate(setting.name).toFixed(0)} | ${pct(rate(setting.name), off)} | ${pct(rate(setting.name), plain)} | `
      + `${(paired(setting.name, settings[0]!.name) * 100).toFixed(1)} % | ${(paired(setting.name, settings[1]!.name) * 100).toFixed(1)} % | `
      + `${median(list.map((s) => s.drain.drain.workerCpuUs / n)).toFixed(1)} | ${cpuPerTask(setting.name).toFixed(2)} | ${median(list.map((s) => s.drain.redis.drain.totalCalls / n)).toFixed(2)} | ${median(list.map((s) => s.entries / n)).toFixed(3)} | ${(events / n).toFixed(2)} | ${perEvent} | ${bytes} |`);
  }
  console.log('paired: the median over rounds of the round\'s rate over the same round\'s counters off or default.');
  console.log('Redis CPU µs/event: the setting\'s Redis CPU per task above the default\'s, times N, over the events written.');
}

await main();
