/**
 * `npm run chaos -- --cluster`: the chaos run on local 3-master clusters with a replica per
 * master (scripts/throwaway-cluster.ts), one queue on each master, reliable consumers (the
 * workshop CLI) on all three, each phase in scripts/chaos-cluster-phase.ts:
 * 1. kill -9s of consumers plus a reshard of a busy queue's slot: lost must be 0;
 * 2. kill -9s plus a kill -9 of a busy queue's master (its replica takes over), without and
 *    with --wait-replicas 1, each on a fresh cluster: lost and duplicated are measured.
 * Prints a table and one chaos-cluster-json line per phase. Exit 1 when phase 1 lost a job
 * or did not finish.
 *   npm run chaos -- --cluster [--jobs N (12000)] [--consumers K (3)] [--concurrency N (20)]
 *     [--job-ms MAX (20)] [--kills K (while work is left)] [--runs R (1 failover run per setting)] [--deadline-s S (300)]
 */
import { Redis } from 'ioredis';
import { startThrowawayRedis } from './throwaway-redis.ts';
import { startThrowawayCluster } from './throwaway-cluster.ts';
import { runPhase, type PhaseOptions, type PhaseResult } from './chaos-cluster-phase.ts';
import { parseFlags, parseIntFlag } from '../cli/flags.ts';
import { exitWith } from '../cli/exit.ts';

const flags = (() => {
  try {
    const { values } = parseFlags('npm run chaos -- --cluster', {
      options: {
        cluster: { type: 'boolean' }, jobs: { type: 'string' }, consumers: { type: 'string' }, concurrency: { type: 'string' },
        'job-ms': { type: 'string' }, kills: { type: 'string' }, runs: { type: 'string' }, 'deadline-s': { type: 'string' },
      },
    });
    return {
      jobs: parseIntFlag(values.jobs, 'jobs', 12_000, 1), consumers: parseIntFlag(values.consumers, 'consumers', 3, 1),
      concurrency: parseIntFlag(values.concurrency, 'concurrency', 20, 1), jobMs: parseIntFlag(values['job-ms'], 'job-ms', 20),
      maxKills: values.kills === undefined ? Infinity : parseIntFlag(values.kills, 'kills', 0), runs: parseIntFlag(values.runs, 'runs', 1, 1),
      deadlineMs: parseIntFlag(values['deadline-s'], 'deadline-s', 300, 1) * 1000,
    };
  } catch (error) {
    return exitWith(error);
  }
})();

const startedAt = Date.now();
const say = (line: string) => console.log(`[chaos cluster ${((Date.now() - startedAt) / 1000).toFixed(1).padStart(5)}s] ${line}`);
// A signal ends the run through process.exit, so the exit handlers kill every node and consumer by pid.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

const tallyServer = await startThrowawayRedis();
const tallyRedis = new Redis(tallyServer.url);
const results: PhaseResult[] = [];

/** One phase on a fresh cluster (a failover leaves a master without a replica). */
async function phase(disruption: PhaseOptions['disruption'], waitReplicas: number | undefined): Promise<PhaseResult> {
  const cluster = await startThrowawayCluster({ replicasPerMaster: 1, nodeTimeoutMs: 1000 });
  say(`${disruption}${waitReplicas ? ', --wait-replicas 1' : ''}: a 3-master cluster with a replica each at ${cluster.url}`);
  try {
    const result = await runPhase({ cluster, tally: tallyRedis, tallyUrl: tallyServer.url, disruption, waitReplicas, ...flags, say });
    console.log(`chaos-cluster-json ${JSON.stringify(result)}`);
    results.push(result);
    return result;
  } finally {
    await cluster.stop();
  }
}

const reshard = await phase('reshard', undefined);
for (let run = 0; run < flags.runs; run++) {
  await phase('failover', undefined);
  await phase('failover', 1);
}
tallyRedis.disconnect();
await tallyServer.stop();

const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
console.log(`
chaos --cluster: ${flags.jobs} jobs per phase over 3 queues on 3 masters, ${flags.consumers} consumers (concurrency ${flags.concurrency}), jobs of 0..${flags.jobMs} ms
${row(['phase', 'waitReplicas', 'kills', 'sent', 'lost', 'duplicated', 'results missing', 'left in lists', 'move / promotion ms', 'finished', 'elapsed s'])}
${row(Array(11).fill('---'))}
${results.map((r) => row([r.disruption, r.waitReplicas || '-', r.kills, r.sent, r.lost, r.duplicated, r.resultsMissing, r.leftInLists, r.disruptionMs,
    r.drained ? 'yes' : 'NO', (r.elapsedMs / 1000).toFixed(1)])).join('\n')}
lost: sent ids whose handler never ran to the end. duplicated: ids that ran to the end more than once (at-least-once).
results missing: ids that ran to the end but have no result record at the end (an ack lost in the failover and not written again).`);
const failed = reshard.lost > 0 || !reshard.drained;
if (failed) console.log('phase 1 (consumer kills and a reshard) lost jobs or did not finish: that is a bug');
process.exit(failed ? 1 : 0);
