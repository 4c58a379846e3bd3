/**
 * One phase of `npm run chaos -- --cluster` (scripts/chaos-cluster.ts), also run short by
 * tests/long/cluster-failover.test.ts: jobs on one queue per master of a throwaway cluster,
 * consumer processes (the workshop CLI) on all of them, kill -9s of consumers every 0.5–1 s,
 * and once a third of the jobs are done one disruption on the first queue's slot: a reshard
 * (the slot moves to another master) or a failover (kill -9 of its master; its replica takes
 * over). The handlers record their runs in a separate plain Redis (chaos-app.ts,
 * HARDQ_CHAOS_TALLY_URL), which the failover cannot roll back.
 */
import type { Cluster, Redis } from 'ioredis';
import { createApp, type App } from 'hardq';
import type { ThrowawayCluster } from './throwaway-cluster.ts';
import { failOverSlot, slotOwnerPort, waitReplicated } from './cluster-failover.ts';
import { spawnConsumer, registeredId, type ConsumerProcess } from './chaos-processes.ts';
import { KillLog } from './chaos-kills.ts';
import { tally, type Tally } from './chaos-tally.ts';
import { chaosKeys } from './chaos-app.ts';

export type PhaseOptions = {
  cluster: ThrowawayCluster;
  /** The plain redis-server the handlers record their runs in. */
  tally: Redis;
  tallyUrl: string;
  disruption: 'reshard' | 'failover';
  /** Replicas each consumer WAITs for after its acks (`--wait-replicas`); undefined: no WAIT. */
  waitReplicas?: number;
  jobs: number;
  consumers: number;
  concurrency: number;
  /** Each job waits 0..jobMs ms. */
  jobMs: number;
  maxKills: number;
  deadlineMs: number;
  say: (line: string) => void;
};

export type PhaseResult = Tally & {
  disruption: PhaseOptions['disruption'];
  waitReplicas: number;
  kills: number;
  /** Consumers that exited without being killed (each was replaced). */
  crashes: number;
  /** Finished ids whose result record is missing at the end (an ack lost and never rewritten). */
  resultsMissing: number;
  /** Messages still in a ready list after the consumers stopped (given back, never run). */
  leftInLists: number;
  /** Reshard: ms the slot move took; failover: ms from the kill to the promotion being seen. */
  disruptionMs: number;
  elapsedMs: number;
  /** True when every job finished before the deadline. */
  drained: boolean;
};

/** No job finished for this long: the phase ends and reports what did not finish. */
const stallMs = 30_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The hash slot of a key, as the cluster computes it. */
async function slotOf(redis: Redis, key: string): Promise<number> {
  return Number(await redis.call('CLUSTER', 'KEYSLOT', key));
}

/** One fresh queue name per master (distinct owners), so the queues sit on different shards. */
async function queuePerMaster(app: App, prefix: string): Promise<string[]> {
  const redis = await app.connection();
  const slots = (redis as unknown as Cluster).slots;
  const masters = new Set(slots.map((nodes) => nodes?.[0])).size;
  const byNode = new Map<string, string>();
  for (let i = 0; byNode.size < masters; i++) {
    const queue = `${prefix}-${i}`;
    const node = slots[await slotOf(redis, app.keys.ready(queue))]?.[0];
    if (node !== undefined && !byNode.has(node)) byNode.set(node, queue);
  }
  return [...byNode.values()];
}

export async function runPhase(o: PhaseOptions): Promise<PhaseResult> {
  const startedAt = Date.now();
  const app = createApp({ redis: o.cluster.url, log: (line) => o.say(line) });
  const redis = await app.connection();
  const queues = await queuePerMaster(app, `chaos-${o.disruption}-${Date.now().toString(36)}`);
  const slot = await slotOf(redis, app.keys.ready(queues[0]!));
  // Replication runs before the first send, and every send is on a replica before the first
  // kill: the phase measures what the worker loses, not what an unWAITed producer can.
  if (o.disruption === 'failover') for (const queue of queues) await waitReplicated(redis, `chaos-probe:{${queue}}`);
  const sentIds: string[][] = queues.map(() => []);
  for (let from = 0; from < o.jobs; from += 1000) {
    const count = Math.min(1000, o.jobs - from);
    const queue = Math.floor(from / 1000) % queues.length;
    const sent = await app.sendMany('record', Array.from({ length: count }, () => [Math.floor(Math.random() * (o.jobMs + 1))]), { queue: queues[queue]! });
    sentIds[queue]!.push(...sent.map((result) => result.id));
  }
  if (o.disruption === 'failover') for (const queue of queues) await waitReplicated(redis, `chaos-probe:{${queue}}`);
  o.say(`sent ${o.jobs} jobs over ${queues.length} queues on ${queues.length} masters; ${o.consumers} consumers${o.waitReplicas ? `, --wait-replicas ${o.waitReplicas}` : ''}`);

  process.env.HARDQ_CHAOS_TALLY_URL = o.tallyUrl;
  const pool = new Set<ConsumerProcess>();
  let stopping = false;
  let crashes = 0;
  const start = () => {
    const consumer = spawnConsumer({
      redis: o.cluster.url, timeLimitMs: o.deadlineMs + 60_000,
      args: ['--mode', 'reliable', '--concurrency', String(o.concurrency), '--queues', queues.join(','), '--quiet',
        ...(o.waitReplicas ? ['--wait-replicas', String(o.waitReplicas)] : [])],
    });
    pool.add(consumer);
    void consumer.exited.then((exit) => {
      if (pool.delete(consumer) && !stopping) {
        crashes++;
        o.say(`consumer ${consumer.pid} exited by itself (${exit.signal ?? `code ${exit.code}`}): ${consumer.output().trim().split('\n').slice(-3).join(' | ')}`);
        start();
      }
    });
  };
  for (let i = 0; i < o.consumers; i++) start();

  const logs = queues.map((queue) => new KillLog(redis, app.keys, queue));
  const doneCount = async () => (await Promise.all(queues.map((queue) => o.tally.scard(chaosKeys(queue).done)))).reduce((a, b) => a + b, 0);
  let disruptionMs = -1;
  let nextKillAt = Date.now() + 500 + Math.random() * 500;
  let nextSayAt = Date.now() + 2000;
  const deadline = startedAt + o.deadlineMs;
  let drained = false;
  let [lastDone, lastProgressAt] = [0, Date.now()];
  while (Date.now() < deadline) {
    await sleep(100);
    for (const log of logs) await log.poll();
    const done = await doneCount();
    if (done !== lastDone) [lastDone, lastProgressAt] = [done, Date.now()];
    if (done >= o.jobs && logs.every((log) => log.pending === 0)) {
      drained = true;
      break;
    }
    // Nothing finished for this long after the disruption: what is left will not finish.
    if (disruptionMs >= 0 && Date.now() - lastProgressAt > stallMs) {
      o.say(`no job finished for ${stallMs / 1000} s; stopping with ${done}/${o.jobs} done`);
      for (const consumer of pool) o.say(`consumer ${consumer.pid} said: ${consumer.output().trim().split('\n').slice(-5).join(' | ')}`);
      break;
    }
    if (Date.now() >= nextSayAt) {
      nextSayAt = Date.now() + 2000;
      o.say(`done ${done}/${o.jobs}  consumers ${pool.size}  kills ${logs[0]!.kills}`);
    }
    if (disruptionMs < 0 && done >= o.jobs / 3) {
      const disruptedAt = Date.now();
      if (o.disruption === 'reshard') {
        const from = await slotOwnerPort(o.cluster, slot);
        const to = (await o.cluster.masterPorts()).find((port) => port !== from)!;
        o.say(`moving slot ${slot} (queue ${queues[0]}) from ${from} to ${to}`);
        await o.cluster.moveSlot(slot, to);
        disruptionMs = Date.now() - disruptedAt;
      } else {
        o.say(`kill -9 of the master of slot ${slot} (queue ${queues[0]})`);
        const { killedPort, newPort, promotedAfterMs } = await failOverSlot(o.cluster, slot);
        disruptionMs = promotedAfterMs;
        o.say(`the replica on ${newPort} took over from ${killedPort} after ${promotedAfterMs} ms`);
      }
    }
    if (Date.now() >= nextKillAt && logs[0]!.kills < o.maxKills) {
      const members = await redis.zrange(app.keys.consumers(queues[0]!), '0', '-1');
      const ready = [...pool].filter((consumer) => members.some((id) => id.includes(`-${consumer.pid}-`)));
      if (ready.length >= Math.min(2, o.consumers)) {
        const victim = ready[Math.floor(Math.random() * ready.length)]!;
        pool.delete(victim);
        await victim.kill9();
        const killedAt = Date.now();
        for (const [i, log] of logs.entries()) await log.killed(await registeredId(redis, app.keys.consumers(queues[i]!), victim.pid), killedAt);
        start();
      }
      nextKillAt = Date.now() + 500 + Math.random() * 500;
    }
  }

  stopping = true;
  // A graceful stop, bounded: a consumer that cannot reach Redis would wait out its timeouts.
  await Promise.all([...pool].map(async (consumer) => {
    const guard = setTimeout(() => void consumer.kill9(), 20_000);
    await consumer.terminate();
    clearTimeout(guard);
  }));
  const tallies = await Promise.all(queues.map((queue, i) => tally(redis, app.keys, queue, sentIds[i]!, o.tally)));
  let resultsMissing = 0;
  let leftInLists = 0;
  for (const [i, queue] of queues.entries()) {
    const done = new Set(await o.tally.smembers(chaosKeys(queue).done));
    const ids = sentIds[i]!.filter((id) => done.has(id));
    for (let from = 0; from < ids.length; from += 1000) {
      const records = await redis.mget(ids.slice(from, from + 1000).map((id) => app.keys.result(queue, id)));
      resultsMissing += records.filter((record) => record === null).length;
    }
    leftInLists += await redis.llen(app.keys.ready(queue));
  }
  await app.close();
  const sum = (pick: (t: Tally) => number) => tallies.reduce((total, t) => total + pick(t), 0);
  return {
    disruption: o.disruption, waitReplicas: o.waitReplicas ?? 0,
    sent: sum((t) => t.sent), completed: sum((t) => t.completed), lost: sum((t) => t.lost), deadLettered: sum((t) => t.deadLettered),
    duplicated: sum((t) => t.duplicated), mostRuns: Math.max(...tallies.map((t) => t.mostRuns)),
    mostDeadDeliveries: Math.max(...tallies.map((t) => t.mostDeadDeliveries)), lostSample: tallies.flatMap((t) => t.lostSample).slice(0, 5),
    kills: logs[0]!.kills, crashes, resultsMissing, leftInLists, disruptionMs, elapsedMs: Date.now() - startedAt, drained,
  };
}
