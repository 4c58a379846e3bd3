/**
 * The monitor's cost (issue 15): how much a running dashboard slows a drain, and whether its
 * memory stays flat as tasks run. On a throwaway redis-server, a `hardq worker -E` child (events on) drains
 * N pre-filled noop tasks, rounds alternating without and with a monitor (in this process)
 * that has one live-feed (SSE) client reading every tick. Then one monitor watches
 * --memory-tasks tasks drain in chunks, its heap and RSS sampled after each chunk.
 *   node --conditions=source --import tsx bench/monitor-cost.ts [--tasks 50000] [--rounds 2] [--memory-tasks 1000000]
 */
import { get } from 'node:http';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createApp, queueStats, startMonitor, type Monitor } from 'hardq';
import { startThrowawayRedis } from '../scripts/throwaway-redis.ts';
import { startBenchWorker } from './monitor-worker.ts';

const { values } = parseArgs({ options: { tasks: { type: 'string', default: '50000' }, rounds: { type: 'string', default: '2' }, 'memory-tasks': { type: 'string', default: '1000000' } } });
const tasks = Number(values.tasks);
const server = await startThrowawayRedis();
const raw = new Redis(server.url);
const app = createApp({ redis: server.url, log: () => {} });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function fill(queue: string, count: number): Promise<void> {
  for (let sent = 0; sent < count; sent += 5000) await app.sendMany('noop', Array.from({ length: Math.min(5000, count - sent) }, () => []), { queue });
}

/** Waits until the queue holds nothing ready or held; returns the ms from the first claim to then. */
async function drain(queue: string, filled: number): Promise<number> {
  let startedAt: number | undefined;
  for (;;) {
    const waiting = await raw.llen(app.keys.ready(queue));
    if (startedAt === undefined && waiting < filled) startedAt = performance.now();
    if (waiting === 0 && startedAt !== undefined) {
      const stats = await queueStats(app, queue);
      if (stats.ready + stats.processing + stats.quarantine === 0) return performance.now() - startedAt;
    }
    await sleep(10);
  }
}

/** One SSE client reading every tick, as an open page does. */
function sseClient(monitor: Monitor): { ticks: () => number; close: () => void } {
  let ticks = 0;
  const request = get(`${monitor.url}/api/live`, (response) => response.on('data', (chunk: Buffer) => (ticks += chunk.toString().split('event: tick').length - 1)));
  return { ticks: () => ticks, close: () => request.destroy() };
}

for (let round = 0; round < Number(values.rounds) * 2; round++) {
  const withMonitor = round % 2 === 1;
  const queue = `bench-${randomUUID()}`;
  await fill(queue, tasks);
  const monitor = withMonitor ? await startMonitor(app, { port: 0, queues: [queue] }) : undefined;
  const client = monitor === undefined ? undefined : sseClient(monitor);
  const cpuBefore = process.cpuUsage();
  const worker = startBenchWorker(server.url, queue);
  const ms = await drain(queue, tasks);
  const cpu = process.cpuUsage(cpuBefore);
  await worker.stop();
  client?.close();
  await monitor?.close();
  const line = `${withMonitor ? 'monitor + 1 SSE client' : 'no monitor            '}  ${tasks} tasks in ${(ms / 1000).toFixed(2)} s = ${Math.round(tasks / (ms / 1000))} tasks/s; this process's CPU ${((cpu.user + cpu.system) / 1000 / ms * 100).toFixed(1)} % of a core${client ? `, ${client.ticks()} ticks received` : ''}`;
  console.log(line);
}

const memoryTasks = Number(values['memory-tasks']);
if (memoryTasks > 0) {
  const queue = `bench-${randomUUID()}`;
  const monitor = await startMonitor(app, { port: 0, queues: [queue] });
  const client = sseClient(monitor);
  const worker = startBenchWorker(server.url, queue);
  const chunk = Math.min(100_000, memoryTasks);
  const mib = (bytes: number) => (bytes / 1048576).toFixed(1);
  for (let done = 0; done < memoryTasks; done += chunk) {
    await fill(queue, chunk);
    await drain(queue, chunk);
    globalThis.gc?.();
    const memory = process.memoryUsage();
    console.log(`after ${done + chunk} tasks: monitor process heap ${mib(memory.heapUsed)} MiB, RSS ${mib(memory.rss)} MiB, ${client.ticks()} ticks sent to the SSE client`);
  }
  await worker.stop();
  client.close();
  await monitor.close();
}
raw.disconnect();
await app.close();
await server.stop();
