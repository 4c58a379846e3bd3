/**
 * A short `npm run chaos -- --cluster` (scripts/chaos-cluster-phase.ts): consumer processes
 * on one queue per master, killed with kill -9 every 0.5–1 s, plus one disruption of the first
 * queue's slot. With a reshard nothing may be lost; with a master failover (replicas on) the
 * sends are on a replica before the first kill, so nothing may be lost either, and the
 * duplicates (kills' reruns, heartbeats expired during the failover) are printed.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster } from '../helpers/redis-cluster.ts';
import { startTallyServer } from '../helpers/tally-server.ts';
import { runPhase } from '../../scripts/chaos-cluster-phase.ts';

let tally: Awaited<ReturnType<typeof startTallyServer>>;
before(async () => (tally = await startTallyServer()));
after(async () => tally.stop());

for (const disruption of ['reshard', 'failover'] as const) {
  test(`consumer kills plus a ${disruption} of a busy queue: every job finishes, none lost`, async () => {
    const cluster = await startCluster(disruption === 'failover' ? { replicasPerMaster: 1, nodeTimeoutMs: 1000 } : {});
    try {
      const result = await runPhase({
        cluster, tally: tally.redis, tallyUrl: tally.url, disruption,
        jobs: 4000, consumers: 3, concurrency: 10, jobMs: 20, maxKills: 4, deadlineMs: 180_000, say: () => {},
      });
      console.log(`${disruption} with kills: sent ${result.sent}, kills ${result.kills}, lost ${result.lost}, duplicated ${result.duplicated}, `
        + `results missing ${result.resultsMissing}, ${result.disruptionMs} ms, ${result.elapsedMs} ms in all`);
      assert.ok(result.drained, `every job finished (${result.completed}/${result.sent}; lost ids: ${result.lostSample.join(' ')})`);
      assert.equal(result.lost, 0, 'lost');
      assert.ok(result.kills >= 1, 'consumers were killed');
    } finally {
      await cluster.stop();
    }
  });
}
