/**
 * Every system the benchmark runs, as the harness sees it: how to start its producer and
 * its worker (bench/adapters/), how to tell its completions, which workloads it joins,
 * and whether it is installed. A system that is not installed is skipped with one line.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ChildSpec } from './adapters/child-io.ts';
import type { Command } from './child-process.ts';
import { compiledAdapter } from './compiled.ts';

export type Family = 'hardq' | 'bullmq' | 'bee' | 'celery' | 'raw';

export type System = {
  id: string;
  label: string;
  family: Family;
  /** The queue name as the system's own API takes it. */
  queue: string;
  workerSettings?: Record<string, unknown>;
  /** `reports`: the worker child reports first/done; `dbsize`: the harness polls the result db. */
  completion: 'reports' | 'dbsize';
  /** Runs W1 single enqueue (one system per enqueue API is enough). */
  single: boolean;
  w3: boolean;
  /** Joins the start-up workload (compiled; hardq under tsx too). */
  startup?: boolean;
  /** Joins the N = 100,000 throughput runs. */
  big: boolean;
  /** Rough jobs/s for W1 and W2, only for the progress line's time-left estimate. */
  guessRates: { enqueue: number; drain: number };
  /** A worker in plain JavaScript (bench/adapters/*.mjs), run by `node` without tsx. */
  plainWorker?: string;
};

export const adaptersDir = fileURLToPath(new URL('./adapters/', import.meta.url));
export const python = '/usr/bin/python3';

const hardq = (id: string, label: string, settings: Record<string, unknown>, extra: Partial<System> = {}): System => ({
  id, label, family: 'hardq', queue: 'bench', workerSettings: settings, completion: 'reports',
  single: false, w3: false, big: false, guessRates: { enqueue: 100_000, drain: 40_000 }, ...extra,
});

/** The best settings found for a no-op handler (docs/BENCHMARKS.md says how they were chosen). */
export const hardqBest = { concurrency: 200, claimBatchMax: 200 };

export const systems: System[] = [
  hardq('hardq-reliable', 'hardq reliable (defaults)', { mode: 'reliable' }, { single: true, w3: true, big: true, startup: true }),
  hardq('hardq-reliable-best', 'hardq reliable (best settings)', { mode: 'reliable', ...hardqBest }, { big: true }),
  hardq('hardq-reliable-noresult', 'hardq reliable, ignoreResult', { mode: 'reliable', ignoreResult: true }),
  hardq('hardq-simple', 'hardq simple (defaults)', { mode: 'simple' }, { w3: true }),
  hardq('hardq-simple-best', 'hardq simple (best settings)', { mode: 'simple', ...hardqBest }),
  {
    id: 'bullmq', label: 'BullMQ (concurrency 50)', family: 'bullmq', queue: 'bench', completion: 'reports',
    single: true, w3: true, big: true, startup: true, guessRates: { enqueue: 35_000, drain: 20_000 },
  },
  {
    id: 'bee', label: 'Bee-Queue (process(50))', family: 'bee', queue: 'bench', completion: 'reports',
    single: true, w3: true, big: true, startup: true, guessRates: { enqueue: 100_000, drain: 25_000 },
  },
  {
    id: 'celery-threads', label: 'Celery -P threads -c 50', family: 'celery', queue: 'celery', completion: 'dbsize',
    workerSettings: { pool: 'threads', concurrency: 50 }, single: false, w3: true, big: false, guessRates: { enqueue: 2300, drain: 1000 },
  },
  {
    id: 'celery-prefork', label: 'Celery prefork -c 2', family: 'celery', queue: 'celery', completion: 'dbsize',
    workerSettings: { pool: 'prefork', concurrency: 2 }, single: false, w3: true, big: false, guessRates: { enqueue: 2300, drain: 1300 },
  },
  {
    id: 'raw-brpop', label: 'raw BRPOP, 1 conn, no ack', family: 'raw', queue: 'raw:ready', completion: 'reports',
    workerSettings: { variant: 'brpop' }, single: true, w3: true, big: false, startup: true, guessRates: { enqueue: 200_000, drain: 12_000 },
  },
  {
    id: 'raw-plain', label: 'plain-node BRPOP loop (no tsx)', family: 'raw', queue: 'raw:ready', completion: 'reports',
    single: false, w3: true, big: false, guessRates: { enqueue: 200_000, drain: 12_000 }, plainWorker: 'plain-brpop-worker.mjs',
  },
  {
    id: 'raw-blmove', label: 'raw BLMOVE + ack, 50 conns', family: 'raw', queue: 'raw:ready', completion: 'reports',
    workerSettings: { variant: 'blmove', loops: 50 }, single: false, w3: true, big: false, guessRates: { enqueue: 200_000, drain: 29_000 },
  },
  {
    id: 'raw-batched', label: 'raw batched drain (Lua ×100, 4 loops)', family: 'raw', queue: 'raw:ready', completion: 'reports',
    workerSettings: { loops: 4, batch: 100 }, single: false, w3: false, big: true, guessRates: { enqueue: 200_000, drain: 130_000 },
  },
  {
    // Issue 17's ack by number, made to the limit as well: hardq's ratio is taken against this row.
    id: 'raw-batched-number', label: 'raw batched drain, ack by number (Lua ×100, 4 loops)', family: 'raw', queue: 'raw:ready', completion: 'reports',
    workerSettings: { loops: 4, batch: 100, ack: 'number' }, single: false, w3: false, big: true, guessRates: { enqueue: 200_000, drain: 130_000 },
  },
];

/** Plain `node`: NODE_OPTIONS (the bootstrap's `--conditions=source`) is cleared, so nothing points at .ts files. */
export const plainNode = (file: string, spec: ChildSpec): Command => ({
  argv: [process.execPath, file, JSON.stringify(spec)], env: { NODE_OPTIONS: '' },
});

/**
 * How a Node adapter is started: `tsx` runs the TypeScript source (the default); `compiled`
 * runs the JavaScript bench/compiled.ts built, with plain `node`, as a user's build would.
 */
export type Runtime = 'tsx' | 'compiled';

const nodeAdapter = (file: string, spec: ChildSpec, runtime: Runtime): Command => (runtime === 'compiled'
  ? plainNode(compiledAdapter(file), spec)
  : { argv: [process.execPath, '--import', 'tsx', `${adaptersDir}${file}`, JSON.stringify(spec)] });

/** The producer command for W1 and W3. */
export function producerCommand(system: System, spec: ChildSpec, runtime: Runtime = 'tsx'): Command {
  if (system.family === 'celery') {
    return { argv: [python, `${adaptersDir}celery_producer.py`, JSON.stringify(spec)], env: { BENCH_REDIS_URL: spec.redisUrl } };
  }
  return nodeAdapter(`${system.family}-producer.ts`, spec, runtime);
}

/** The worker command for W2, W3 and W5; `latencyFile` is where Celery's probe writes. */
export function workerCommand(system: System, spec: ChildSpec, latencyFile = '/dev/null', runtime: Runtime = 'tsx'): Command {
  if (system.family === 'celery') {
    const { pool, concurrency } = system.workerSettings as { pool: string; concurrency: number };
    return {
      argv: [python, '-m', 'celery', '-A', 'celery_bench', 'worker', '-l', 'WARNING', '--without-gossip', '--without-mingle',
        '--without-heartbeat', '-P', pool, '-c', String(concurrency)],
      cwd: adaptersDir,
      env: { BENCH_REDIS_URL: spec.redisUrl, BENCH_LATENCY_FILE: latencyFile },
    };
  }
  if (system.plainWorker !== undefined) return plainNode(`${adaptersDir}${system.plainWorker}`, { ...spec, settings: system.workerSettings });
  const file = system.id.startsWith('raw-batched') ? 'raw-batched-worker.ts' : `${system.family}-worker.ts`;
  return nodeAdapter(file, { ...spec, settings: system.workerSettings }, runtime);
}

/** Why a system cannot run here, in one line, or undefined when it can. */
export function missing(system: System): string | undefined {
  if (system.family === 'bullmq' || system.family === 'bee') {
    const name = system.family === 'bullmq' ? 'bullmq' : 'bee-queue';
    try {
      createRequire(import.meta.url).resolve(name);
    } catch {
      return `${system.label} skipped: ${name} is not installed (npm ci installs the pinned devDependency)`;
    }
  }
  if (system.family === 'celery') {
    const probe = spawnSync(python, ['-c', 'import celery, redis'], { stdio: 'ignore', timeout: 20_000 });
    if (probe.status !== 0) return `${system.label} skipped: Celery is not installed (apt-get install -y python3-celery python3-redis)`;
  }
  return undefined;
}

/** The systems `--only` names, by id or by family (e.g. `hardq`, `celery`, `hardq-simple`). */
export function selectSystems(only: string[] | undefined): System[] {
  if (only === undefined) return systems;
  const chosen = systems.filter((s) => only.some((name) => s.id === name || s.family === name || s.id.startsWith(`${name}-`)));
  if (chosen.length === 0) throw new Error(`--only matched no system; known: ${systems.map((s) => s.id).join(', ')}`);
  return chosen;
}
