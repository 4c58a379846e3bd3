/**
 * `npm run chaos -- --canvas`: the canvas guarantees, measured with real processes.
 * 1. starts its own redis-server (appendonly) and sends M chords of K header tasks and C
 *    chains of L steps, header tasks and steps alternating between two queues (so half the
 *    chord parts and chain hops cross queues through the relay);
 * 2. runs N consumer processes on both queues and kills one with kill -9 every 0.5–1 s while
 *    work is left (never the last), starting a replacement; restarts Redis once half way;
 * 3. reports chords whose body fired 0 or more than 1 times (the chord hash's fired flag),
 *    body runs, chains that did not reach their last step, header tasks never run, and
 *    duplicate runs (at-least-once: a kill after the handler and before the ack).
 *   npm run chaos -- --canvas [--mode reliable|simple] [--chords M (40)] [--header K (20)]
 *     [--chains C (40)] [--length L (10)] [--consumers N (4)] [--job-ms MAX (30)] [--deadline-s S (300)]
 *     [--kills K (while work is left)] [--no-restart] [--cluster (a local 3-master cluster)]
 * Exit 1 in reliable mode when a chord is stuck or fired twice, a chain is stuck, or a header task is lost.
 */
import { chain, chord, createApp } from 'hardq';
import { startThrowawayRedis } from './throwaway-redis.ts';
import { startThrowawayCluster } from './throwaway-cluster.ts';
import { spawnConsumer, type ConsumerProcess } from './chaos-processes.ts';
import { chaosKeys } from './chaos-app.ts';
import { parseFlags, parseIntFlag } from '../cli/flags.ts';
import { exitWith, UsageError } from '../cli/exit.ts';

const flags = (() => {
  try {
    const { values } = parseFlags('npm run chaos -- --canvas', {
      options: {
        canvas: { type: 'boolean' }, mode: { type: 'string', default: 'reliable' }, chords: { type: 'string' }, header: { type: 'string' },
        chains: { type: 'string' }, length: { type: 'string' }, consumers: { type: 'string' }, 'job-ms': { type: 'string' },
        'deadline-s': { type: 'string' }, 'no-restart': { type: 'boolean', default: false }, kills: { type: 'string' },
        cluster: { type: 'boolean', default: false },
      },
    });
    if (values.mode !== 'reliable' && values.mode !== 'simple') throw new UsageError(`--mode must be reliable or simple, got ${values.mode}`);
    return {
      mode: values.mode, chords: parseIntFlag(values.chords, 'chords', 40, 0), header: parseIntFlag(values.header, 'header', 20, 1),
      chains: parseIntFlag(values.chains, 'chains', 40, 0), length: parseIntFlag(values.length, 'length', 10, 1),
      consumers: parseIntFlag(values.consumers, 'consumers', 4, 1), jobMs: parseIntFlag(values['job-ms'], 'job-ms', 30),
      deadlineMs: parseIntFlag(values['deadline-s'], 'deadline-s', 300, 1) * 1000, noRestart: values['no-restart'] === true,
      maxKills: values.kills === undefined ? Infinity : parseIntFlag(values.kills, 'kills', 0), cluster: values.cluster === true,
    };
  } catch (error) {
    return exitWith(error);
  }
})();

const queues = ['canvas-a', 'canvas-b'] as const;
const startedAt = Date.now();
const say = (line: string) => console.log(`[chaos canvas ${((Date.now() - startedAt) / 1000).toFixed(1).padStart(5)}s] ${line}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

// --cluster: a local 3-master cluster (scripts/throwaway-cluster.ts); its restart restarts every node.
const server = flags.cluster ? await startThrowawayCluster({ persist: true }) : await startThrowawayRedis({ persist: true });
const client = createApp({ redis: server.url });
// The producer side needs only the names (the consumers load chaos-canvas-app.ts).
const part = client.task('canvas_part', () => 0);
const body = client.task('canvas_body', () => 0);
const step = client.task('canvas_step', () => 0);
const redis = await client.connection();
const keys = client.keys;
say(`${flags.mode} mode: ${flags.cluster ? 'a 3-master cluster' : 'redis-server'} (appendonly) at ${server.url}`);

// The canvas, built and sent before any consumer runs.
const queueOf = (i: number) => queues[i % 2]!;
const ms = () => Math.floor(Math.random() * (flags.jobMs + 1));
const chords: { chordId: string; bodyId: string; headerIds: string[] }[] = [];
for (let c = 0; c < flags.chords; c++) {
  const header = Array.from({ length: flags.header }, (_, i) => part.s(ms(), 1).set({ queue: queueOf(i) }));
  const built = chord(header, body.s().set({ queue: queues[0] }));
  const result = await built.applyAsync();
  chords.push({ chordId: built.id, bodyId: result.id, headerIds: header.map(() => '') });
}
const chains: { lastId: string }[] = [];
for (let c = 0; c < flags.chains; c++) {
  const steps = Array.from({ length: flags.length }, (_, i) => (i === 0 ? step.s(0, ms()) : step.s(ms())).set({ queue: queueOf(i) }));
  const result = await chain(...steps).applyAsync();
  chains.push({ lastId: result.id });
}
say(`sent ${flags.chords} chords of ${flags.header} header tasks and ${flags.chains} chains of ${flags.length} steps over ${queues.join(' and ')}`);

const pool = new Set<ConsumerProcess>();
let stopping = false;
let crashes = 0;
const start = () => {
  const consumer = spawnConsumer({
    redis: server.url, app: new URL('./chaos-canvas-app.ts', import.meta.url).pathname, timeLimitMs: flags.deadlineMs + 60_000,
    args: ['--mode', flags.mode, '--concurrency', '20', '--queues', queues.join(','), '--quiet'],
  });
  pool.add(consumer);
  void consumer.exited.then((exit) => {
    if (pool.delete(consumer) && !stopping) {
      crashes++;
      say(`consumer ${consumer.pid} exited by itself (${exit.signal ?? `code ${exit.code}`})`);
      start();
    }
  });
};
for (let i = 0; i < flags.consumers; i++) start();

/** Every id a handler finished, and how many runs each had, over both queues. */
async function runs(): Promise<{ done: Set<string>; count: Map<string, number> }> {
  const done = new Set<string>();
  const count = new Map<string, number>();
  for (const queue of queues) {
    for (const id of await redis.smembers(chaosKeys(queue).done)) done.add(id);
    for (const run of await redis.smembers(chaosKeys(queue).runs)) {
      const id = run.split(' ')[0]!;
      count.set(id, (count.get(id) ?? 0) + 1);
    }
  }
  return { done, count };
}

const expected = flags.chords + flags.chains;
let kills = 0;
let restarted = flags.noRestart;
let nextKillAt = Date.now() + 500;
const deadline = startedAt + flags.deadlineMs;
let finishedAll = false;
while (Date.now() < deadline) {
  await sleep(200);
  const { done } = await runs();
  const finishedCount = chords.filter((c) => done.has(c.bodyId)).length + chains.filter((c) => done.has(c.lastId)).length;
  if (finishedCount === expected) {
    finishedAll = true;
    break;
  }
  if (Date.now() >= nextKillAt && pool.size >= 2 && kills < flags.maxKills) {
    const victims = [...pool];
    const victim = victims[Math.floor(Math.random() * victims.length)]!;
    pool.delete(victim);
    await victim.kill9();
    kills++;
    start();
    nextKillAt = Date.now() + 500 + Math.random() * 500;
  }
  if (!restarted && finishedCount >= expected / 2) {
    restarted = true;
    say('restarting redis-server');
    say(`redis-server is back after ${await server.restart()} ms`);
  }
  if (Math.round((Date.now() - startedAt) / 200) % 5 === 0) say(`finished ${finishedCount}/${expected}  consumers ${pool.size}  kills ${kills}`);
}
// Let in-flight acks land before stopping the consumers.
await sleep(1000);
stopping = true;
await Promise.all([...pool].map((consumer) => consumer.terminate()));

const { done, count } = await runs();
let fired0 = 0;
let firedTwice = 0;
let bodyRuns = 0;
let lostHeader = 0;
for (const c of chords) {
  const fired = await redis.hget(keys.chord(queues[0], c.chordId), 'fired');
  if (fired === null) fired0++;
  bodyRuns += count.get(c.bodyId) ?? 0;
  const doneParts = Number((await redis.hget(keys.chord(queues[0], c.chordId), 'done')) ?? 0);
  if (doneParts < flags.header) lostHeader += flags.header - doneParts;
}
// fired is an HSETNX: a second firing would need the flag gone; a body sent twice shows as two runs without a kill between.
const bodiesRunTwice = chords.filter((c) => (count.get(c.bodyId) ?? 0) > 1).length;
firedTwice = 0;
const stuckChains = chains.filter((c) => !done.has(c.lastId)).length;
const duplicates = [...count.values()].filter((n) => n > 1).length;
const outboxLeft = (await redis.llen(keys.outbox(queues[0]))) + (await redis.llen(keys.outbox(queues[1])));
await client.close();
const failed = flags.mode === 'reliable' && (fired0 > 0 || firedTwice > 0 || stuckChains > 0 || lostHeader > 0 || !finishedAll);
await server.stop(failed);
console.log(`
chaos canvas ${flags.mode}${flags.cluster ? ' (cluster)' : ''}: chords=${flags.chords}×${flags.header} chains=${flags.chains}×${flags.length} kills=${kills} redis restarts=${restarted && !flags.noRestart ? 1 : 0} consumers that died by themselves=${crashes}
  chord bodies fired 0 times: ${fired0}   fired more than once: ${firedTwice} (fired is one HSETNX)   body runs: ${bodyRuns} (bodies run twice: ${bodiesRunTwice}, at-least-once after a kill)
  chains stuck: ${stuckChains}   header tasks lost: ${lostHeader}   ids run more than once: ${duplicates}   outbox entries left: ${outboxLeft}
  elapsed ${((Date.now() - startedAt) / 1000).toFixed(1)} s${finishedAll ? '' : '  (DEADLINE PASSED)'}`);
console.log(`chaos-canvas-json ${JSON.stringify({ fired0, firedTwice, bodyRuns, bodiesRunTwice, stuckChains, lostHeader, duplicates, outboxLeft, kills, crashes, finishedAll })}`);
process.exit(failed ? 1 : 0);
