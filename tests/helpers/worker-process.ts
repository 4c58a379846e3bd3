/**
 * Real worker processes for the control tests: a file's private redis-server, an app on it,
 * and `start(options)`, which runs scripts/chaos-worker.ts with the app module (usually
 * tests/fixtures/pool-app.ts) on a fresh queue with a fresh id, and waits until its registry
 * record is there. Every process is killed by pid and the app closed after the file.
 */
import { after } from 'node:test';
import { randomUUID } from 'node:crypto';
import { createApp, listWorkers, type App } from 'hardq';
import { killAllConsumers, spawnConsumer, type ConsumerProcess } from '../../scripts/chaos-processes.ts';
import { privateRedis } from './private-redis.ts';
import { waitFor } from './wait-for.ts';

export type WorkerProcess = { child: ConsumerProcess; id: string; queue: string };

export function workerProcesses(appModule: string) {
  const world = privateRedis();
  let app: App | undefined;
  after(async () => {
    await killAllConsumers();
    await app?.close();
  });
  /** The test's app, made on first use (the private server starts in a hook of its own). */
  const useApp = (): App => {
    // pool-app.ts's tasks that count runs read REDIS_URL, in the worker and in its pool members.
    process.env.REDIS_URL = world.server.url;
    return (app ??= createApp({ redis: world.server.url }));
  };
  const start = async (worker: Record<string, unknown>, timeLimitMs = 60_000): Promise<WorkerProcess> => {
    const queue = randomUUID();
    const id = `w-${randomUUID()}`;
    const child = spawnConsumer({
      entry: 'worker', app: appModule, redis: world.server.url, timeLimitMs,
      args: ['--worker', JSON.stringify({ queues: [queue], consumerId: id, ...worker })],
    });
    await waitFor(async () => (await listWorkers(useApp(), { workerId: id })).length === 1, { timeoutMs: 20_000, what: `worker ${id} to register` });
    return { child, id, queue };
  };
  return { world, useApp, start };
}
