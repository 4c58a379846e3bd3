/**
 * W6's arithmetic (bench/report/w6-report.ts, bench/workloads/w6-hardq.ts), which
 * docs/SCALING.md's projection rests on: the even split of the load over the queues, each
 * master's CPU per job it served, and the projected rate, n over the busiest master's CPU.
 * The run itself is checked by `npm run bench -- --smoke` in CI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarizeW6 } from '../bench/report/w6-report.ts';
import { w6Chunk, w6Queues, type W6Master, type W6Sample } from '../bench/workloads/w6-hardq.ts';

const master = (queues: string[], jobs: number, cpuUs: number): W6Master => ({ port: 1, queues, jobs, cpuUs, cpuPct: 10, calls: { set: jobs, lrem: jobs } });
const sample = (run: number, nodes: W6Master[], jobsPerS = 20_000): W6Sample => ({
  system: 'hardq-reliable', masters: nodes.length, run, n: 60_000, processes: 2, jobsPerS, windowMs: 3000, nodes, workerCpuUsPerJob: 20, producerCpuUsPerJob: 4,
});

test('the chunk splits n evenly over the 6 queues, and n must divide', () => {
  assert.equal(w6Queues.length, 6);
  assert.equal(w6Chunk(120_000), 1000);
  assert.equal(w6Chunk(1200), 200);
  assert.equal((100_002 / 6) % w6Chunk(100_002), 0);
  assert.throws(() => w6Chunk(100_000), /divisible by 6/);
});

test('the projection is n over the busiest master, per-master cost is per job it served', () => {
  // Two masters, 30,000 jobs each; the second spent more CPU, so it caps the cluster.
  const runs = [
    sample(1, [master(['a'], 30_000, 300_000), master(['b'], 30_000, 360_000)]),
    sample(2, [master(['a'], 30_000, 330_000), master(['b'], 30_000, 390_000)], 22_000),
    sample(3, [master(['a'], 30_000, 315_000), master(['b'], 30_000, 375_000)], 18_000),
  ];
  const [row] = summarizeW6(runs);
  assert.equal(row!.masters, 2);
  assert.equal(row!.jobsPerS.median, 20_000);
  assert.deepEqual(row!.perMaster.map((m) => m.usPerServedJob.median), [10.5, 12.5]);
  assert.deepEqual(row!.perMaster.map((m) => m.callsPerServedJob.median), [2, 2]);
  assert.equal(row!.redisUsPerJob.median, (315_000 + 375_000) / 60_000);
  assert.equal(row!.projectedJobsPerS.median, 60_000 / 0.375);
});

test('hardq rows come before BullMQ, each by topology', () => {
  const one = (system: string, masters: number) => ({ ...sample(1, Array.from({ length: Math.max(1, masters) }, () => master(['a'], 60_000 / Math.max(1, masters), 100_000))), system, masters });
  const rows = summarizeW6([one('bullmq', 3), one('hardq-reliable', 3), one('bullmq', 0), one('hardq-reliable', 0)]);
  assert.deepEqual(rows.map((r) => `${r.system} ${r.masters}`), ['hardq-reliable 0', 'hardq-reliable 3', 'bullmq 0', 'bullmq 3']);
});
