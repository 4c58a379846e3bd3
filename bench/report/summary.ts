/**
 * From raw samples to the figures the tables and charts show: per system, the median and
 * min–max over runs of every measure, the W4 costs per job, and the W5 curve.
 */
import type { Results } from '../results.ts';
import { percentile, sortedCopy, spread, type Spread } from '../stats.ts';
import type { DrainSample } from '../workloads/enqueue-drain.ts';
import type { Runtime } from '../systems.ts';
import type { ScalingShape } from '../workloads/scaling.ts';

export type SystemSummary = {
  id: string;
  label: string;
  w1?: Spread;
  w1Single?: Spread;
  w2Spawn?: Spread;
  w2FirstLast?: Spread;
  startupMs?: Spread;
  w3?: { p50: Spread; p99: Spread; max: Spread; sortedMs: number[]; ratePerS: number; cpuPressurePct: Spread };
  w4?: CostSummary;
  /** The N = 100,000 runs; the CPU figures per job there are the steady state, with the start-up's compiling spread thin. */
  big?: { n: number; w1: Spread; w2Spawn: Spread; w2FirstLast: Spread; workerCpuUsPerJob: Spread; redisCpuUsDrain: Spread };
  /** Spawn → first job and its phases (ms), per runtime. */
  startup?: { runtime: Runtime; firstMs: Spread; processStart: Spread; loaded: Spread; ready: Spread }[];
};

export type CostSummary = {
  callsEnqueue: number;
  callsDrain: number;
  evalPerJob: number;
  /** The five most-called commands, per job, enqueue and drain together. */
  top: [string, number][];
  redisCpuUsEnqueue: number;
  redisCpuUsDrain: number;
  /** Redis CPU over the W2 wall time (spawn → n-th completion), percent of one core. */
  redisSharePct: number;
  workerCpuUsPerJob: number;
  producerCpuUsPerJob: number;
  netInPerJob: number;
  netOutPerJob: number;
  memoryPerJob: number;
};

export type ScalingSummary = { shape: ScalingShape; processes: number; jobsPerS: Spread; redisCpuPct: Spread; clientCpuPct: Spread; redisCpuUsPerJob: Spread; clientCpuUsPerJob: Spread };

export type Summary = { systems: SystemSummary[]; scaling: ScalingSummary[] };

const medianOf = (values: number[]) => spread(values).median;

function costs(samples: DrainSample[]): CostSummary {
  const perJob = (pick: (s: DrainSample) => number) => medianOf(samples.map((s) => pick(s) / s.n));
  const totals = new Map<string, number>();
  let jobs = 0;
  for (const sample of samples) {
    jobs += sample.n;
    for (const delta of [sample.redis.enqueue, sample.redis.drain]) {
      for (const [command, calls] of Object.entries(delta.calls)) totals.set(command, (totals.get(command) ?? 0) + calls);
    }
  }
  const top = [...totals].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([command, calls]): [string, number] => [command, calls / jobs]);
  const evalCalls = ['eval', 'evalsha', 'fcall'].reduce((sum, command) => sum + (totals.get(command) ?? 0), 0);
  return {
    callsEnqueue: perJob((s) => s.redis.enqueue.totalCalls),
    callsDrain: perJob((s) => s.redis.drain.totalCalls),
    evalPerJob: evalCalls / jobs,
    top,
    redisCpuUsEnqueue: perJob((s) => s.redis.enqueue.cpuUs),
    redisCpuUsDrain: perJob((s) => s.redis.drain.cpuUs),
    redisSharePct: medianOf(samples.map((s) => (100 * s.redis.drain.cpuUs) / (s.drain.wallMs * 1000))),
    workerCpuUsPerJob: medianOf(samples.map((s) => s.drain.workerCpuUs / (s.n - 1))),
    producerCpuUsPerJob: perJob((s) => s.enqueue.producerCpuUs),
    netInPerJob: perJob((s) => s.redis.enqueue.netInBytes + s.redis.drain.netInBytes),
    netOutPerJob: perJob((s) => s.redis.enqueue.netOutBytes + s.redis.drain.netOutBytes),
    memoryPerJob: medianOf(samples.map((s) => s.redis.memoryPerJobBytes)),
  };
}

export function summarize(results: Results): Summary {
  const systems = results.meta.systems.map(({ id, label }): SystemSummary => {
    const summary: SystemSummary = { id, label };
    const drains = results.drain.filter((s) => s.system === id);
    if (drains.length > 0) {
      summary.w1 = spread(drains.map((s) => s.enqueue.jobsPerS));
      summary.w2Spawn = spread(drains.map((s) => s.drain.fromSpawnJobsPerS));
      summary.w2FirstLast = spread(drains.map((s) => s.drain.firstToLastJobsPerS));
      summary.startupMs = spread(drains.map((s) => s.drain.startupMs));
      summary.w4 = costs(drains);
    }
    const singles = results.single.filter((s) => s.system === id);
    if (singles.length > 0) summary.w1Single = spread(singles.map((s) => s.jobsPerS));
    const latencies = results.latency.filter((s) => s.system === id && s.samplesMs.length > 0);
    if (latencies.length > 0) {
      const runs = latencies.map((s) => sortedCopy(s.samplesMs));
      summary.w3 = {
        p50: spread(runs.map((r) => percentile(r, 50))),
        p99: spread(runs.map((r) => percentile(r, 99))),
        max: spread(runs.map((r) => r[r.length - 1]!)),
        sortedMs: sortedCopy(latencies.flatMap((s) => s.samplesMs)),
        ratePerS: medianOf(latencies.map((s) => s.ratePerS)),
        cpuPressurePct: spread(latencies.map((s) => s.cpuPressurePct ?? NaN)),
      };
    }
    const starts = results.startup.filter((s) => s.system === id);
    const runtimes = [...new Set(starts.map((s) => s.runtime))];
    if (runtimes.length > 0) {
      summary.startup = runtimes.map((runtime) => {
        const runs = starts.filter((s) => s.runtime === runtime);
        return {
          runtime, firstMs: spread(runs.map((s) => s.firstMs)), processStart: spread(runs.map((s) => s.phases.processStart)),
          loaded: spread(runs.map((s) => s.phases.loaded)), ready: spread(runs.map((s) => s.phases.ready)),
        };
      });
    }
    const bigs = results.big.filter((s) => s.system === id);
    if (bigs.length > 0) {
      summary.big = {
        n: bigs[0]!.n,
        w1: spread(bigs.map((s) => s.enqueue.jobsPerS)),
        w2Spawn: spread(bigs.map((s) => s.drain.fromSpawnJobsPerS)),
        w2FirstLast: spread(bigs.map((s) => s.drain.firstToLastJobsPerS)),
        workerCpuUsPerJob: spread(bigs.map((s) => s.drain.workerCpuUs / (s.n - 1))),
        redisCpuUsDrain: spread(bigs.map((s) => s.redis.drain.cpuUs / s.n)),
      };
    }
    return summary;
  });
  // Samples from before the shapes (reference files) were all separate processes.
  const shapeOf = (s: { shape?: ScalingShape }): ScalingShape => s.shape ?? 'separate';
  const counts = [...new Set(results.scaling.map((s) => s.processes))].sort((a, b) => a - b);
  const shapes = (['separate', 'group'] as const).filter((shape) => results.scaling.some((s) => shapeOf(s) === shape));
  const scaling = shapes.flatMap((shape) => counts.flatMap((processes): ScalingSummary[] => {
    const runs = results.scaling.filter((s) => s.processes === processes && shapeOf(s) === shape);
    if (runs.length === 0) return [];
    return [{
      shape,
      processes,
      jobsPerS: spread(runs.map((s) => s.jobsPerS)),
      redisCpuPct: spread(runs.map((s) => s.redisCpuPct)),
      clientCpuPct: spread(runs.map((s) => s.clientCpuPct)),
      redisCpuUsPerJob: spread(runs.map((s) => s.redisCpuUsPerJob)),
      clientCpuUsPerJob: spread(runs.map((s) => s.clientCpuUsPerJob)),
    }];
  }));
  return { systems, scaling };
}
