/**
 * The shape of one benchmark run as written to bench/results/<timestamp>.json (every raw
 * sample), and the facts about the machine and the versions that go with it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import type { Profile } from './flags.ts';
import type { DrainSample } from './workloads/enqueue-drain.ts';
import type { SingleSample } from './workloads/single-enqueue.ts';
import type { LatencySample } from './workloads/latency.ts';
import type { ScalingSample } from './workloads/scaling.ts';
import type { W6Sample } from './workloads/w6-hardq.ts';
import type { StartupSample } from './workloads/startup.ts';
import { python } from './systems.ts';

export type Meta = {
  startedAt: string;
  finishedAt?: string;
  durationS?: number;
  command: string;
  profile: Omit<Profile, 'workloads'> & { workloads: string[] };
  machine: { cpu: string; vcpus: number; memGiB: number; os: string };
  /** 1-minute load average at the start and the end: other work on a shared VM shows here. */
  loadAverage: { start: number; end?: number };
  versions: Record<string, string>;
  systems: { id: string; label: string }[];
};

export type Results = {
  meta: Meta;
  notices: string[];
  errors: { step: string; message: string }[];
  drain: DrainSample[];
  big: DrainSample[];
  single: SingleSample[];
  latency: LatencySample[];
  scaling: ScalingSample[];
  /** W6: hardq and BullMQ over 6 queues on one Redis and on clusters (bench/w6-steps.ts; absent in older files). */
  w6?: W6Sample[];
  startup: StartupSample[];
};

const packageVersion = (name: string): string => {
  try {
    const require = createRequire(import.meta.url);
    const path = require.resolve(`${name}/package.json`);
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
};

export async function describeRun(redis: Redis, profile: Profile, argv: string[], systems: { id: string; label: string }[]): Promise<Meta> {
  const info = String(await redis.info('server'));
  const celery = spawnSync(python, ['-c', 'import celery, kombu, redis, sys; print(celery.__version__, kombu.__version__, redis.__version__, sys.version.split()[0])'], {
    encoding: 'utf8', timeout: 20_000,
  });
  const [celeryVersion, kombu, redisPy, pythonVersion] = celery.status === 0 ? celery.stdout.trim().split(' ') : [];
  let os = 'unknown';
  try {
    os = /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? os;
  } catch {
    // not Linux-like; leave unknown
  }
  const hardq = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return {
    startedAt: new Date().toISOString(),
    command: ['npm run bench', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' '),
    profile: { ...profile, workloads: [...profile.workloads] },
    machine: { cpu: cpus()[0]?.model ?? 'unknown', vcpus: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30), os },
    loadAverage: { start: loadavg()[0]! },
    versions: {
      hardq: hardq.version, node: process.version, redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
      ioredis: packageVersion('ioredis'), bullmq: packageVersion('bullmq'), 'bee-queue': packageVersion('bee-queue'),
      celery: celeryVersion ?? 'not installed', kombu: kombu ?? '-', 'redis-py': redisPy ?? '-', python: pythonVersion ?? '-',
    },
    systems,
  };
}
