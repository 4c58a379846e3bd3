/**
 * W7's comparison runs (docs/BENCHMARKS.md, "W7"): Celery's chord of N header tasks and
 * chain of H steps on Redis (broker and result backend; `-P threads -c 50`), and BullMQ's
 * flow of one parent with N children (workers with concurrency 50), each on a fresh
 * throwaway redis-server, with the same Redis CPU and command counts as bench/w7.ts.
 *   npx tsx bench/w7-others.ts [--n 10000] [--hops 1000] [--only bullmq|celery-chord|celery-chain]
 */
import { spawn, spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { FlowProducer, Worker } from 'bullmq';
import { startThrowawayRedis } from '../scripts/throwaway-redis.ts';
import { delta, snapshot, type Delta } from './redis-stats.ts';

const { values } = parseArgs({ options: { n: { type: 'string', default: '10000' }, hops: { type: 'string', default: '1000' }, only: { type: 'string' } } });
const n = Number(values.n);
const hops = Number(values.hops);
const adapters = new URL('./adapters/', import.meta.url).pathname;
const python = '/usr/bin/python3';

type Row = { label: string; tasks: number; wallMs: number; redis: Delta };
const rows = {
  /** Printed as each run ends, so a run that fails later loses nothing. */
  push(r: Row): void {
    console.log(`| ${r.label} | ${(r.wallMs / 1000).toFixed(2)} s | ${(r.wallMs / r.tasks).toFixed(3)} ms | ${(r.redis.cpuUs / r.tasks).toFixed(1)} µs | ${(r.redis.totalCalls / r.tasks).toFixed(2)} |`);
  },
};

async function celery(kind: 'chord' | 'chain', count: number): Promise<void> {
  if (spawnSync(python, ['-c', 'import celery, redis'], { stdio: 'ignore' }).status !== 0) {
    console.log('Celery skipped: apt-get install -y python3-celery python3-redis');
    return;
  }
  const server = await startThrowawayRedis();
  const admin = new Redis(server.url);
  const env = { ...process.env, BENCH_REDIS_URL: server.url, PYTHONPATH: adapters };
  const worker = spawn(python, ['-m', 'celery', '-A', 'celery_canvas', 'worker', '-l', 'WARNING', '-P', 'threads', '-c', '50', '--without-gossip', '--without-mingle', '--without-heartbeat'], { env, cwd: adapters, stdio: 'ignore' });
  try {
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const before = await snapshot(admin);
    const startedAt = performance.now();
    const run = spawnSync(python, [`${adapters}celery_canvas.py`, kind, String(count)], { env, cwd: adapters, encoding: 'utf8', timeout: 900_000 });
    if (run.status !== 0) throw new Error(`celery ${kind} failed: ${run.stderr}`);
    // The producer's own clock, from the send to the result: Python's start-up is left out.
    const wallMs = (JSON.parse(run.stdout.trim().split('\n').pop()!) as { elapsedMs: number }).elapsedMs ?? performance.now() - startedAt;
    rows.push({ label: `Celery ${kind} of ${count}`, tasks: count + (kind === 'chord' ? 1 : 0), wallMs, redis: delta(before, await snapshot(admin)) });
  } finally {
    worker.kill('SIGKILL');
    admin.disconnect();
    await server.stop();
  }
}

async function bullmqFlow(count: number): Promise<void> {
  const server = await startThrowawayRedis();
  const { hostname, port } = new URL(server.url);
  const connection = { host: hostname, port: Number(port) };
  const admin = new Redis(server.url);
  const children = new Worker('w7-children', async () => 1, { connection, concurrency: 50 });
  let resolveParent!: () => void;
  const parentDone = new Promise<void>((resolve) => (resolveParent = resolve));
  const parent = new Worker('w7-parent', async (job) => Object.keys(await job.getChildrenValues()).length, { connection, concurrency: 1 });
  parent.on('completed', () => resolveParent());
  const flows = new FlowProducer({ connection });
  try {
    await Promise.all([children.waitUntilReady(), parent.waitUntilReady()]);
    const before = await snapshot(admin);
    const startedAt = performance.now();
    await flows.add({ name: 'parent', queueName: 'w7-parent', children: Array.from({ length: count }, () => ({ name: 'child', queueName: 'w7-children', data: {} })) });
    await parentDone;
    rows.push({ label: `BullMQ flow, 1 parent + ${count} children`, tasks: count + 1, wallMs: performance.now() - startedAt, redis: delta(before, await snapshot(admin)) });
  } finally {
    await Promise.all([children.close(), parent.close(), flows.close()]);
    admin.disconnect();
    await server.stop();
  }
}

console.log('| run | wall | per task | Redis CPU per task | commands per task |');
console.log('|---|---|---|---|---|');
if (values.only === undefined || values.only === 'bullmq') await bullmqFlow(n);
if (values.only === undefined || values.only === 'celery-chord') await celery('chord', n);
if (values.only === undefined || values.only === 'celery-chain') await celery('chain', hops);
