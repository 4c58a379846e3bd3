/**
 * The workshop consumer: runs a worker for the app's tasks and prints one line per task.
 *   npm run consumer -- [--app <module>] [--redis URL] [--queues a,b] [--queue-order strict|round-robin] [--concurrency N]
 *                       [--mode reliable|simple] [--shutdown-timeout-ms N] [--pool async|threads|process]
 * SIGINT/SIGTERM: stop fetching, finish in-flight work, exit 0. A second signal exits at once.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { clock, exitWith, loadApp, parseIntFlag, UsageError } from './cli.ts';

const usage = `usage: npm run consumer -- [options]
  --app <module>             app module whose default export is the app (default: scripts/demo-app.ts)
  --redis <url>              Redis URL (default: $REDIS_URL, then redis://127.0.0.1:6379)
  --queues <a,b>             queues in priority order (default: the app's default queue)
  --queue-order <order>      strict: always the first non-empty queue; round-robin: rotate (default strict)
  --concurrency <n>          handlers in flight (default 50)
  --mode <reliable|simple>   reliable loses nothing on a crash; simple loses in-flight work (default reliable)
  --shutdown-timeout-ms <n>  how long a stop waits for in-flight handlers (default 10000)
  --pool <kind>              async, threads or process: where handlers run; threads and process
                             stop a task at its hard time limit (default async)
  --quiet                    no line per task, only the summary
  -h, --help                 this text`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      app: { type: 'string' },
      redis: { type: 'string' },
      queues: { type: 'string' },
      'queue-order': { type: 'string' },
      concurrency: { type: 'string' },
      mode: { type: 'string' },
      'shutdown-timeout-ms': { type: 'string' },
      pool: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const mode = values.mode ?? 'reliable';
  if (mode !== 'reliable' && mode !== 'simple') throw new UsageError(`--mode must be reliable or simple, got ${mode}`);
  const pool = values.pool ?? 'async';
  if (pool !== 'async' && pool !== 'threads' && pool !== 'process') throw new UsageError(`--pool must be async, threads or process, got ${pool}`);
  const app = await loadApp(values.app, values.redis);
  const worker = app.worker({
    queues: values.queues?.split(',').filter(Boolean),
    queueOrder: values['queue-order'] as 'strict' | 'round-robin' | undefined,
    concurrency: parseIntFlag(values.concurrency, 'concurrency', 50),
    shutdownTimeoutMs: parseIntFlag(values['shutdown-timeout-ms'], 'shutdown-timeout-ms', 10_000),
    mode,
    pool,
    // The threads and process pools import the app module again in each thread or child.
    appModule: values.app === undefined ? new URL('./demo-app.ts', import.meta.url) : resolve(values.app),
  });
  if (!values.quiet) {
    worker.on('task', (event) => {
      const tail = event.error ? `  ${event.error}` : '';
      console.log(`${clock()}  ${event.id ?? '-'}  ${event.task ?? '?'}  ${event.state}  ${event.ms} ms${tail}`);
    });
  }
  let signals = 0;
  const stop = (signal: string) => {
    if (++signals > 1) process.exit(1);
    console.error(`${signal}: finishing in-flight tasks (again to quit at once)`);
    void worker.close();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Reach Redis before the banner, so an unreachable one prints its one line and nothing else.
  await app.connection();
  const startedAt = Date.now();
  const running = worker.run();
  console.error(`consumer ${worker.consumerId}: ${mode} mode, ${pool} pool, on ${worker.queues.join(', ')}; ctrl-c to stop`);
  await running;
  const { SUCCESS, FAILURE, RETRY, REVOKED, DEAD } = worker.counts;
  console.error(`consumer stopped after ${((Date.now() - startedAt) / 1000).toFixed(1)} s: ${SUCCESS} succeeded, ${FAILURE} failed, ${RETRY} retries scheduled, ${REVOKED} revoked or expired, ${DEAD} dead-lettered`);
  await app.close();
}

main().then(() => process.exit(0), exitWith);
