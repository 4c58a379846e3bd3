/**
 * A real local Redis Cluster for a test file (scripts/throwaway-cluster.ts): 3 masters on
 * free ports (and replicas when a test needs a failover), stopped by pid after the file.
 * It runs every test under the cross-slot hook (shared/cross-slot-guard.ts): each
 * connection hardq opens, in this process and in the workers it spawns, writes any
 * CROSSSLOT-kind error to a file, and stopping the cluster fails when that file is not empty.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { parseClusterUrl, isClusterUrl } from '../../shared/cluster-url.ts';
import { startThrowawayCluster, type ClusterOptions, type ThrowawayCluster } from '../../scripts/throwaway-cluster.ts';

export type TestCluster = ThrowawayCluster & {
  /** The cross-slot lines written so far (empty when every step kept to one slot). */
  crossSlotErrors(): string[];
};

/** Starts a cluster and turns the cross-slot hook on for this process and its children. */
export async function startCluster(options: ClusterOptions = {}): Promise<TestCluster> {
  const reportDir = mkdtempSync(join(tmpdir(), 'hardq-crossslot-'));
  const report = join(reportDir, 'crossslot.log');
  writeFileSync(report, '');
  process.env.HARDQ_CROSSSLOT_REPORT = report;
  const cluster = await startThrowawayCluster(options);
  const crossSlotErrors = () => readFileSync(report, 'utf8').split('\n').filter(Boolean);
  return {
    ...cluster,
    crossSlotErrors,
    async stop(keepDirs?: boolean) {
      await cluster.stop(keepDirs);
      const errors = crossSlotErrors();
      rmSync(reportDir, { recursive: true, force: true });
      delete process.env.HARDQ_CROSSSLOT_REPORT;
      if (errors.length > 0) throw new Error(`a step touched more than one hash slot:\n${errors.join('\n')}`);
    },
  };
}

/**
 * A plain client for a test's own reads and writes: a Redis for a redis:// URL, a Cluster
 * for a redis-cluster:// one (typed as Redis: the commands tests use are the same).
 */
export function connectRaw(url: string): Redis {
  if (!isClusterUrl(url)) return new Redis(url);
  const { nodes } = parseClusterUrl(url);
  return new Cluster(nodes, { shardedSubscribers: true }) as unknown as Redis;
}
