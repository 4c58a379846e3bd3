/**
 * `hardq worker`: runs a worker for the app's tasks and prints one line per task.
 * Banner first (pid, queues, tasks), a summary last. Signals: see stop-signals.ts.
 */
import { clock, UsageError } from './exit.ts';
import { parseFlags, parseIntFlag } from './flags.ts';
import { loadApp, tlsFlags, tlsUsage } from './app-loader.ts';
import { connectPatiently, connectTimeoutMs } from './connect.ts';
import { handleStopSignals } from './stop-signals.ts';
import { workerBanner } from './worker-banner.ts';
import { version } from './version.ts';
import { parseProcesses, runWorkerGroup } from './worker-group.ts';

export const usage = `usage: hardq worker -A <module> [options]
  -A, --app <module>          app module whose default export is the app (.js, .mjs; .ts with tsx)
  --redis <url>               redis:// or rediss:// URL; wins over the app's own setting
                              (default: $REDIS_URL, then the app's setting, then redis://127.0.0.1:6379)
${tlsUsage(30)}
  -Q, --queues <a,b>          queues in priority order (default: the app's default queue)
  --queue-order <order>       strict: always the first non-empty queue; round-robin: rotate (default strict)
  -c, --concurrency <n>       handlers in flight (default 50; with --autoscale, MIN)
  --autoscale <max,min>       grow and shrink concurrency (and the pool) between MIN and MAX with
                              the backlog; grows at once, shrinks after 30 s without a change
  --processes <n|auto>        run N worker processes (auto: one per core) under this one, as one
                              worker group; a child that dies is restarted, signals are passed on
  --group <id>                the worker group this worker reports (--processes sets it)
  --mode <reliable|simple>    reliable loses nothing on a crash; simple loses in-flight work (default reliable)
  --pool <async|threads|process>
                              where handlers run; threads and process stop a task at its hard
                              time limit (default async)
  --shutdown-timeout-ms <n>   how long a stop waits for in-flight handlers (default 10000)
  --connect-timeout-ms <n>    how long to wait for Redis at start (default $HARDQ_CONNECT_TIMEOUT_MS or 5000)
  -E, --events                write task and worker events (Celery's -E): final states and
                              worker heartbeats; hardq events shows them (counters are always on)
  --events-level <final|all>  final (as -E), or all: also task-received and task-started
  --wait-replicas <n>         after each batch of acks, WAIT for n replicas of the queue's node
                              (fewer acks lost to a failover; docs/RELIABILITY.md) (default off)
  --wait-replicas-timeout-ms <ms>
                              the longest such WAIT (default 100)
  --quiet                     no line per task, only the banner and the summary
  -h, --help                  this text
Ctrl-C (SIGINT) or SIGTERM: stop taking tasks, finish those in flight, exit 0.
A second one more than 0.5 s later quits at once and says what it left behind.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags('hardq worker', {
    args: argv,
    options: {
      app: { type: 'string', short: 'A' },
      redis: { type: 'string' },
      ...tlsFlags,
      queues: { type: 'string', short: 'Q' },
      'queue-order': { type: 'string' },
      concurrency: { type: 'string', short: 'c' },
      autoscale: { type: 'string' },
      processes: { type: 'string' },
      group: { type: 'string' },
      mode: { type: 'string' },
      pool: { type: 'string' },
      'shutdown-timeout-ms': { type: 'string' },
      'connect-timeout-ms': { type: 'string' },
      events: { type: 'boolean', short: 'E', default: false },
      'events-level': { type: 'string' },
      'wait-replicas': { type: 'string' },
      'wait-replicas-timeout-ms': { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const mode = values.mode ?? 'reliable';
  if (mode !== 'reliable' && mode !== 'simple') throw new UsageError(`--mode must be reliable or simple, got ${mode}`);
  const pool = values.pool ?? 'async';
  if (pool !== 'async' && pool !== 'threads' && pool !== 'process') throw new UsageError(`--pool must be async, threads or process, got ${pool}`);
  const queueOrder = values['queue-order'] ?? 'strict';
  if (queueOrder !== 'strict' && queueOrder !== 'round-robin') throw new UsageError(`--queue-order must be strict or round-robin, got ${queueOrder}`);
  const eventsLevel = values['events-level'];
  if (eventsLevel !== undefined && eventsLevel !== 'final' && eventsLevel !== 'all') throw new UsageError(`--events-level must be final or all, got ${eventsLevel}`);
  const events = eventsLevel ?? (values.events ? 'final' : 'off');
  const autoscale = values.autoscale === undefined ? undefined : parseAutoscale(values.autoscale);
  const concurrency = parseIntFlag(values.concurrency, 'concurrency', autoscale?.min ?? 50, 1);
  const shutdownTimeoutMs = parseIntFlag(values['shutdown-timeout-ms'], 'shutdown-timeout-ms', 10_000);
  const waitReplicas = values['wait-replicas'] === undefined ? undefined
    : { replicas: parseIntFlag(values['wait-replicas'], 'wait-replicas', 1, 1), timeoutMs: parseIntFlag(values['wait-replicas-timeout-ms'], 'wait-replicas-timeout-ms', 100, 1) };
  const waitMs = connectTimeoutMs(values['connect-timeout-ms']);
  if (values.app === undefined) throw new UsageError('give the app module with -A <module> (see hardq worker --help)');
  if (values.processes !== undefined) {
    if (values.group !== undefined) throw new UsageError('--group is set by --processes for its children; give one of the two');
    return runWorkerGroup({ count: parseProcesses(values.processes), argv, log: (line) => console.error(line) });
  }
  // A child of --processes: it stops gracefully when its parent is gone (even by kill -9),
  // and the IPC channel alone does not keep it running.
  if (values.group !== undefined && process.channel !== undefined) {
    process.channel.unref();
    process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  }

  const { app, module, modulePath } = await loadApp(values.app, values.redis, values);
  const log = (line: string) => console.error(line);
  const worker = app.worker({
    queues: values.queues?.split(',').filter(Boolean), queueOrder, concurrency, shutdownTimeoutMs, mode, pool, autoscale, group: values.group, events, waitReplicas,
    // The threads and process pools import the app module again in each thread or child.
    appModule: modulePath,
  });
  if (!values.quiet) {
    worker.on('task', (event) => {
      const tail = event.error ? `  ${event.error}` : '';
      console.log(`${clock()}  ${event.id ?? '-'}  ${event.task ?? '?'}  ${event.state}  ${event.ms} ms${tail}`);
    });
  }
  let started = false;
  const signals = handleStopSignals({ app, worker, mode, shutdownTimeoutMs, started: () => started, log });
  // Reach Redis before the banner, so an unreachable one prints its line and nothing else.
  await connectPatiently(app, waitMs, log);
  const startedAt = Date.now();
  started = true;
  const running = worker.run();
  log(workerBanner({ app, worker, module: module!, mode, pool, concurrency, queueOrder, version: version(), autoscale, group: values.group }));
  await running;
  const { SUCCESS, FAILURE, RETRY, REVOKED, DEAD } = worker.counts;
  const after = signals.firstAt === undefined ? '' : `, ${((Date.now() - signals.firstAt) / 1000).toFixed(1)} s after the signal`;
  log(`worker stopped after ${((Date.now() - startedAt) / 1000).toFixed(1)} s${after}: ${SUCCESS} succeeded, ${FAILURE} failed, `
    + `${RETRY} retries scheduled, ${REVOKED} revoked or expired, ${DEAD} dead-lettered; ${signals.inFlightAtSignal} were in flight at the signal, `
    + 'each finished or put back (see above)');
  await app.close();
  return 0;
}

/** `--autoscale MAX,MIN`, Celery's order. */
function parseAutoscale(value: string): { max: number; min: number } {
  const match = /^(\d+),(\d+)$/.exec(value.trim());
  const [max, min] = match === null ? [NaN, NaN] : [Number(match[1]), Number(match[2])];
  if (!(min >= 1 && max >= min && max <= 10_000)) throw new UsageError(`--autoscale takes MAX,MIN with 1 <= MIN <= MAX <= 10000 (as Celery's --autoscale 10,3), got ${value}`);
  return { max, min };
}
