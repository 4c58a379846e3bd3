/**
 * W6 in the run's plan: for each run, one step per broker topology (one Redis, then
 * clusters of 1, 2 and 3 masters). A step starts its brokers, runs hardq reliable and then
 * BullMQ (each when chosen) on them, and stops every node by pid, so both systems meet the
 * same servers in the same minute. The sizes per profile live here, next to the workload.
 */
import type { BenchContext } from './context.ts';
import type { Profile } from './flags.ts';
import type { PlannedStep } from './progress.ts';
import type { Results } from './results.ts';
import type { System } from './systems.ts';
import { startTopology, topologyLabel } from './w6-topology.ts';
import { w6Bullmq } from './workloads/w6-bullmq.ts';
import { w6Chunk, w6Hardq, w6Queues } from './workloads/w6-hardq.ts';

/**
 * Two consumer processes whatever the topology: on 2 cores that is where W5 peaked, and
 * keeping the client side fixed leaves the brokers as the only thing that changes.
 */
export const w6Sizes: Record<Profile['name'], { n: number; processes: number; topologies: number[] }> = {
  full: { n: 120_000, processes: 2, topologies: [0, 1, 2, 3] },
  quick: { n: 24_000, processes: 2, topologies: [0, 1, 2, 3] },
  // CI: only the 3-master cluster, about 15 s with BullMQ.
  smoke: { n: 1200, processes: 2, topologies: [3] },
};

export function w6Steps(ctx: BenchContext, profile: Profile, chosen: System[], results: Results, run: number): PlannedStep[] {
  const hardq = chosen.find((s) => s.id === 'hardq-reliable');
  const bullmq = chosen.find((s) => s.id === 'bullmq');
  if (hardq === undefined && bullmq === undefined) return [];
  const { n, processes, topologies } = w6Sizes[profile.name];
  const chunk = w6Chunk(n);
  const samples = (results.w6 ??= []);
  return topologies.map((masters) => ({
    label: `${[hardq?.id, bullmq?.id].filter(Boolean).join(' + ')} · W6 ${topologyLabel(masters)} · run ${run}/${profile.runs}`,
    guessS: 3 + (hardq ? 4 + n / 30_000 : 0) + (bullmq ? 4 + n / 6000 : 0),
    run: async () => {
      const topology = await startTopology(masters, w6Queues);
      try {
        if (hardq) samples.push(await w6Hardq(ctx, topology, hardq, processes, n, chunk, run));
        if (bullmq) samples.push(await w6Bullmq(ctx, topology, processes, n, chunk, run));
      } finally {
        await ctx.stopAll();
        await topology.stop();
      }
    },
  }));
}
