/**
 * A consumer entry for the process tests: `hardq worker` (cli/worker.ts) with
 * every worker option reachable, so that a test can shorten the heartbeat TTL and the
 * reaper interval instead of waiting out the defaults.
 *   node --import tsx scripts/chaos-worker.ts --app <module> --redis <url> --worker '<WorkerOptions JSON>'
 * SIGTERM: graceful stop (close()), exit 0. It prints nothing per task.
 */
import type { WorkerOptions } from 'hardq';
import { exitWith, UsageError } from '../cli/exit.ts';
import { parseFlags, parseJsonFlag } from '../cli/flags.ts';
import { loadApp } from '../cli/app-loader.ts';

async function main(): Promise<void> {
  const { values } = parseFlags('chaos-worker', {
    options: { app: { type: 'string' }, redis: { type: 'string' }, worker: { type: 'string' } },
  });
  if (values.app === undefined) throw new UsageError('--app is required');
  const options = (parseJsonFlag(values.worker, 'worker') ?? {}) as WorkerOptions;
  const { app } = await loadApp(values.app, values.redis);
  const worker = app.worker(options);
  process.on('SIGTERM', () => void worker.close());
  const running = worker.run();
  console.error(`consumer ${worker.consumerId}: ${options.mode ?? 'reliable'} mode on ${worker.queues.join(', ')}`);
  await running;
  await app.close();
}

main().then(() => process.exit(0), exitWith);
