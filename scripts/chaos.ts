/**
 * `npm run chaos`: the delivery guarantee, measured with real processes.
 * 1. starts its own redis-server with `--appendonly yes` (scripts/throwaway-redis.ts with persist);
 * 2. sends N `record` jobs (scripts/chaos-app.ts: each records its id when it finishes);
 * 3. runs K consumer processes (the workshop CLI) and, every 0.5–1 s while work is left,
 *    kills a random consuming one with kill -9 (never the last) and starts a replacement;
 * 4. once half the jobs are done, SHUTDOWNs Redis and starts it again on the same port;
 * 5. waits until the ready, processing and quarantine lists are empty, then prints the verdict.
 * Exits 1 if anything was lost in reliable mode, or if the deadline passed.
 *   npm run chaos -- [--mode reliable|simple] [--jobs N (20000)] [--consumers K (4)]
 *     [--kills K (while work is left)] [--no-restart] [--concurrency N (20)]
 *     [--job-ms MAX (100; each job waits 0..MAX ms)] [--deadline-s S (600)]
 *   npm run chaos -- --canvas [...]: chords and chains across two queues (scripts/chaos-canvas.ts)
 *   npm run chaos -- --cluster [...]: consumer kills with a reshard, then with a failover (scripts/chaos-cluster.ts)
 */
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { createApp } from 'hardq';
import { startThrowawayRedis } from './throwaway-redis.ts';
import { spawnConsumer, registeredId, type ConsumerProcess } from './chaos-processes.ts';
import { KillLog } from './chaos-kills.ts';
import { tally } from './chaos-tally.ts';
import { chaosKeys } from './chaos-app.ts';
import { exitWith, UsageError } from '../cli/exit.ts';
import { parseFlags, parseIntFlag } from '../cli/flags.ts';

// --canvas runs the canvas chaos run instead (chords and chains across two queues).
if (process.argv.includes('--canvas')) {
  await import('./chaos-canvas.ts');
  await new Promise(() => {});
}
// --cluster (without --canvas): reshard and failover phases on local clusters with replicas.
if (process.argv.includes('--cluster')) {
  await import('./chaos-cluster.ts');
  await new Promise(() => {});
}

const usage = `usage: npm run chaos -- [options]
  --mode <reliable|simple>  reliable (BLMOVE, processing lists, reaper) or simple (BRPOP) (default reliable)
  --jobs <n>                jobs to send (default 20000)
  --consumers <k>           consumer processes kept running (default 4)
  --kills <k>               stop killing after k kills (default: kill while work is left)
  --no-restart              do not restart redis-server half way
  --concurrency <n>         each consumer's concurrency (default 20)
  --job-ms <max>            each job waits 0..max ms (default 100)
  --deadline-s <s>          give up after s seconds (default 600)
  -h, --help                this text
  --canvas                  chords and chains across two queues instead (scripts/chaos-canvas.ts)
  --cluster                 on local clusters with replicas: kills with a reshard, then with a
                            master failover, without and with --wait-replicas (scripts/chaos-cluster.ts)
It starts its own redis-server (appendonly) and never touches $REDIS_URL.
Exit 0 when nothing was lost (reliable), 1 when something was or the deadline passed, 2 bad usage.`;

const { mode, jobs, consumerCount, maxKills, concurrency, jobMs, deadlineMs, noRestart } = (() => {
  try {
    const { values } = parseFlags('npm run chaos --', {
      options: {
        mode: { type: 'string', default: 'reliable' }, jobs: { type: 'string' }, consumers: { type: 'string' },
        kills: { type: 'string' }, 'no-restart': { type: 'boolean', default: false }, concurrency: { type: 'string' },
        'job-ms': { type: 'string' }, 'deadline-s': { type: 'string' }, help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      console.log(usage);
      process.exit(0);
    }
    const mode = values.mode;
    if (mode !== 'reliable' && mode !== 'simple') throw new UsageError(`--mode must be reliable or simple, got ${mode}`);
    return {
      mode,
      jobs: parseIntFlag(values.jobs, 'jobs', 20_000, 1),
      consumerCount: parseIntFlag(values.consumers, 'consumers', 4, 1),
      maxKills: values.kills === undefined ? Infinity : parseIntFlag(values.kills, 'kills', 0),
      concurrency: parseIntFlag(values.concurrency, 'concurrency', 20, 1),
      jobMs: parseIntFlag(values['job-ms'], 'job-ms', 100),
      deadlineMs: parseIntFlag(values['deadline-s'], 'deadline-s', 600, 1) * 1000,
      noRestart: values['no-restart'],
    };
  } catch (error) {
    return exitWith(error);
  }
})();

const queue = 'chaos';
const startedAt = Date.now();
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const say = (line: string) => console.log(`[chaos ${((Date.now() - startedAt) / 1000).toFixed(1).padStart(5)}s] ${line}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// A signal ends the run through process.exit, so the exit handlers kill the consumers and
// the redis-server by pid (Node's default action would skip them and leave orphans).
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
const server = await startThrowawayRedis({ persist: true });
const consumerLog = createWriteStream(join(server.dir, 'consumers.log'));
say(`${mode} mode: redis-server (appendonly) at ${server.url}, data in ${server.dir}`);
const app = createApp({ redis: server.url, defaultQueue: queue, log: (line) => say(line) });
const redis = await app.connection();
const keys = app.keys;

// 1 000 messages per LPUSH; each job waits up to --job-ms, so kills find work in flight.
const sentIds: string[] = [];
for (let from = 0; from < jobs; from += 1000) {
  const argsList = Array.from({ length: Math.min(1000, jobs - from) }, () => [Math.floor(Math.random() * jobMs)]);
  for (const result of await app.sendMany('record', argsList)) sentIds.push(result.id);
}
say(`sent ${jobs} jobs; starting ${consumerCount} consumers (concurrency ${concurrency}, ${mode} mode)`);

const pool = new Set<ConsumerProcess>();
let crashes = 0;
const start = () => {
  const consumer = spawnConsumer({
    redis: server.url, timeLimitMs: deadlineMs + 60_000,
    args: ['--mode', mode, '--concurrency', String(concurrency), '--queues', queue, '--quiet'],
    onOutput: (chunk) => consumerLog.write(chunk.replace(/^(?=.)/gm, `${((Date.now() - startedAt) / 1000).toFixed(2)} [${consumer.pid}] `)),
  });
  pool.add(consumer);
  void consumer.exited.then((exit) => {
    // An exit we did not cause is a finding: log it and keep K consumers running.
    if (pool.delete(consumer) && !stopping) {
      crashes++;
      say(`consumer ${consumer.pid} exited by itself (${exit.signal ?? `code ${exit.code}`}); see consumers.log`);
      start();
    }
  });
};
let stopping = false;
for (let i = 0; i < consumerCount; i++) start();

const kills = new KillLog(redis, keys, queue);
let restarts = 0;
let downMs = 0;
let nextKillAt = Date.now() + 500 + Math.random() * 500;
let nextProgressAt = Date.now() + 1000;
let lastDone = 0;
let stableSince = Date.now();
let drained = false;
const deadline = startedAt + deadlineMs;

/**
 * Kills a random consumer that is consuming: reliable consumers register before their
 * first claim, so a registered one may hold work; in simple mode, one whose blocking
 * connection is open (CLIENT LIST names it). It never kills the last one consuming: a
 * replacement takes 1–4 s to start on a loaded 2-core machine, and with no live consumer
 * there is no reaper, so the run would measure node's startup instead of hardq's recovery.
 * Returns false when it did not kill.
 */
async function killOne(): Promise<boolean> {
  const members = mode === 'reliable' ? await redis.zrange(keys.consumers(queue), '0', '-1')
    : [...(await redis.client('LIST') as string).matchAll(/ name=(\S+-blocking) /g)].map((match) => match[1]!);
  const ready = [...pool].filter((consumer) => members.some((id) => id.includes(`-${consumer.pid}-`)));
  if (ready.length < Math.min(2, consumerCount)) return false;
  const victim = ready[Math.floor(Math.random() * ready.length)]!;
  pool.delete(victim);
  await victim.kill9();
  const killedAt = Date.now();
  await kills.killed(await registeredId(redis, keys.consumers(queue), victim.pid), killedAt);
  start();
  return true;
}

/** One atomic look at every list a message can be in: nothing can move between the reads. */
async function listsEmpty(): Promise<boolean> {
  const replies = (await redis.multi().llen(keys.ready(queue)).keys(keys.processing(queue, '*'))
    .keys(keys.quarantine(queue, '*')).keys(keys.claimed(queue, '*')).exec()) ?? [];
  const [ready, processing, quarantined, claimed] = replies.map(([, value]) => value) as [number, string[], string[], string[]];
  return ready === 0 && processing.length === 0 && quarantined.length === 0 && claimed.length === 0;
}

while (Date.now() < deadline) {
  await sleep(50);
  await kills.poll();
  const [done, ready] = await Promise.all([redis.scard(chaosKeys(queue).done), redis.llen(keys.ready(queue))]);
  const now = Date.now();
  if (done !== lastDone) [lastDone, stableSince] = [done, now];
  if (now >= nextProgressAt) {
    nextProgressAt = now + 1000;
    const recovery = kills.recovery();
    say(`done ${done}/${jobs}  ready ${ready}  consumers ${pool.size}  kills ${kills.kills}  restarts ${restarts}`
      + (recovery ? `  longest recovery ${seconds(recovery.maxMs)}` : ''));
  }
  if (ready > 0 && kills.kills < maxKills && now >= nextKillAt && await killOne()) {
    nextKillAt = Date.now() + 500 + Math.random() * 500;
  }
  if (!noRestart && restarts === 0 && done >= jobs / 2) {
    say('restarting redis-server (SHUTDOWN, then a start on the same port and data directory)');
    downMs = await server.restart();
    restarts++;
    say(`redis-server is back after ${downMs} ms`);
  }
  if (ready > 0 || kills.pending > 0) continue;
  // Reliable: every message is in a list until acked, so empty lists mean the end.
  // Simple: in-flight messages are only in memory, so wait for the count to settle.
  drained = mode === 'reliable' ? await listsEmpty() : done === jobs || now - stableSince > 2000;
  if (drained) break;
}

const drainedAt = Date.now();
stopping = true;
await Promise.all([...pool].map((consumer) => consumer.terminate()));
const result = await tally(redis, keys, queue, sentIds);
const elapsedMs = Date.now() - startedAt;
const recovery = kills.recovery();
const lastKillToDoneMs = kills.lastKillAt === undefined || !drained || mode === 'simple' ? undefined : drainedAt - kills.lastKillAt;
const mostDeliveries = Math.max(kills.mostDeliveries, result.mostDeadDeliveries);
await app.close();
consumerLog.end();
const failed = !drained || (mode === 'reliable' && result.lost > 0);
await server.stop(failed);

console.log(`
chaos ${mode}: sent=${result.sent} completed=${result.completed} lost=${result.lost} duplicated=${result.duplicated}${drained ? '' : '  (DEADLINE PASSED before the lists drained)'}
  dead-lettered (counted in lost): ${result.deadLettered}    most runs of one id: ${result.mostRuns}    most deliveries of one message: ${mode === 'reliable' ? mostDeliveries : 1}
  kills=${kills.kills} (messages held by the killed consumers: ${mode === 'reliable' ? kills.held : 'unknown, in memory only'})    consumers that died by themselves: ${crashes}
  restarts=${restarts}${restarts ? ` (redis down ${downMs} ms)` : ''}    last kill → all done: ${lastKillToDoneMs === undefined ? '-' : seconds(lastKillToDoneMs)}
  recovery (kill -9 → its messages back on the ready list): ${recovery ? `longest ${seconds(recovery.maxMs)}, median ${seconds(recovery.medianMs)} over ${kills.recoveriesMs.length} kills` : mode === 'simple' ? 'never: simple mode has nothing to recover' : 'no kill held a registered consumer'}
  elapsed ${seconds(elapsedMs)}${failed ? `; logs kept in ${server.dir}` : ''}${result.lostSample.length ? `\n  lost ids, first few: ${result.lostSample.join(' ')}` : ''}`);
console.log(`chaos-json ${JSON.stringify({ mode, ...result, kills: kills.kills, held: kills.held, restarts, downMs, crashes, mostDeliveries, recovery, lastKillToDoneMs, elapsedMs, drained })}`);
process.exit(failed ? 1 : 0);
