/**
 * The command line (node:util parseArgs) and the three profiles it picks from:
 * full (the numbers in docs/BENCHMARKS.md and docs/SCALING.md, ~20–30 min), --quick (~1 min, for development)
 * and --smoke (N = 500, one run: CI's check that the harness still works).
 */
import { parseArgs } from 'node:util';
import type { ScalingShape } from './workloads/scaling.ts';

export const workloadNames = ['w1w2', 'single', 'w3', 'w5', 'w6', 'big', 'startup'] as const;
export type WorkloadName = (typeof workloadNames)[number];

export type Profile = {
  name: 'full' | 'quick' | 'smoke';
  /** Jobs per W1+W2 run. */
  n: number;
  runs: number;
  /** The N = 100,000 throughput runs (hardq, BullMQ, Bee-Queue, raw). */
  bigN: number;
  /** Jobs per W1 single-enqueue run. */
  singleN: number;
  /** W3 runs more often than the rest (`runs`): one run's p99 moves by 3× on a shared VM. */
  latency: { ratePerS: number; durationMs: number; idleMs: number; runs: number };
  /** Spawn → first job, compiled and under tsx: short, so it runs more often too. */
  startup: { runs: number };
  /** W5: the process counts, and how the processes start (bench/workloads/scaling.ts). */
  scaling: { processes: number[]; n: number; shapes: ScalingShape[] };
  workloads: Set<WorkloadName>;
  /** Systems left out unless --only names them: smoke runs one of each adapter, to fit CI. */
  skip: string[];
};

const profiles: Record<Profile['name'], Omit<Profile, 'workloads'> & { workloads: WorkloadName[] }> = {
  full: {
    name: 'full', n: 20_000, runs: 3, bigN: 100_000, singleN: 20_000,
    latency: { ratePerS: 200, durationMs: 10_000, idleMs: 1000, runs: 5 },
    startup: { runs: 7 },
    scaling: { processes: [1, 2, 4, 8], n: 50_000, shapes: ['separate', 'group'] },
    workloads: ['w1w2', 'single', 'w3', 'w5', 'w6', 'big', 'startup'], skip: [],
  },
  quick: {
    name: 'quick', n: 5000, runs: 1, bigN: 0, singleN: 1000,
    latency: { ratePerS: 200, durationMs: 1500, idleMs: 300, runs: 1 },
    startup: { runs: 1 },
    scaling: { processes: [1, 2, 4], n: 10_000, shapes: ['separate', 'group'] },
    workloads: ['w1w2', 'single', 'w3', 'w5'], skip: ['hardq-simple-best', 'celery-prefork'],
  },
  smoke: {
    name: 'smoke', n: 500, runs: 1, bigN: 0, singleN: 100,
    latency: { ratePerS: 200, durationMs: 300, idleMs: 100, runs: 1 },
    startup: { runs: 1 },
    scaling: { processes: [2], n: 500, shapes: ['separate', 'group'] },
    workloads: ['w1w2', 'single', 'w3', 'w5', 'w6'],
    skip: ['hardq-reliable-best', 'hardq-simple-best', 'hardq-reliable-noresult', 'celery-prefork'],
  },
};

export type Flags = { profile: Profile; only: string[] | undefined; out: string };

export const usage = `usage: npm run bench -- [--quick | --smoke] [--only hardq,bullmq,...] [--workloads ${workloadNames.join(',')}] [--runs N] [--n N] [--out DIR]
  (no flag)    the full run behind docs/BENCHMARKS.md and docs/SCALING.md, about 20-30 minutes
  --quick      about a minute: N=5,000, one run, short W3, W5 up to 4 processes, one Celery pool
  --smoke      CI: N=500, one run; frameworks that are not installed are skipped
  --only       systems by id or family (hardq, hardq-simple, bullmq, bee, celery, raw, ...)
  --workloads  which to run: w1w2 (W1 bulk, W2, W4), single (W1 single), w3, w5, w6 (6 queues on
               one Redis and on 1-3 master clusters, bench/w6-steps.ts), big (N=100k),
               startup (spawn -> first job, compiled JS under plain node; builds first)
  --runs N     runs per cell (the median is reported); the full run does 3, and 5 for W3, 7 for startup
  --n N        jobs per W1+W2 run
  --out DIR    where results go (default bench/results)`;

export function parseFlags(argv: string[]): Flags {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      smoke: { type: 'boolean', default: false },
      only: { type: 'string' },
      workloads: { type: 'string' },
      runs: { type: 'string' },
      n: { type: 'string' },
      out: { type: 'string', default: 'bench/results' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  if (values.quick && values.smoke) throw new Error('give --quick or --smoke, not both');
  const base = profiles[values.smoke ? 'smoke' : values.quick ? 'quick' : 'full'];
  const positive = (text: string | undefined, name: string): number | undefined => {
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got ${text}`);
    return value;
  };
  const workloads = values.workloads?.split(',').map((w) => w.trim()) ?? base.workloads;
  for (const name of workloads) {
    if (!(workloadNames as readonly string[]).includes(name)) throw new Error(`unknown workload "${name}"; known: ${workloadNames.join(', ')}`);
  }
  const profile: Profile = {
    ...base,
    n: positive(values.n, 'n') ?? base.n,
    runs: positive(values.runs, 'runs') ?? base.runs,
    latency: { ...base.latency, runs: positive(values.runs, 'runs') ?? base.latency.runs },
    startup: { runs: positive(values.runs, 'runs') ?? base.startup.runs },
    workloads: new Set(workloads as WorkloadName[]),
  };
  if (profile.bigN === 0) profile.workloads.delete('big');
  const only = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
  if (only !== undefined) profile.skip = [];
  return { profile, only, out: values.out! };
}
