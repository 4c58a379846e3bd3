/**
 * The lines `hardq worker` prints once it is connected, as Celery's banner does: what runs,
 * against which Redis, on which queues, and the pid to kill for a crash experiment.
 */
import { describeSigning, type App, type Worker } from 'hardq';
import { redactUrl } from './redis-url.ts';

export function workerBanner(options: {
  app: App; worker: Worker; module: string; mode: string; pool: string; concurrency: number; queueOrder: string; version: string;
  autoscale?: { max: number; min: number }; group?: string;
}): string {
  const { app, worker, mode } = options;
  const tasks = app.registry.names().sort().map((name) => {
    const { queue, rateLimit } = app.registry.get(name)!.options as { queue?: string; rateLimit?: string };
    const notes = [queue ? `queue ${queue}` : '', rateLimit ? `rate limit ${rateLimit}` : ''].filter(Boolean);
    return `  . ${name}${notes.length ? `  (${notes.join(', ')})` : ''}`;
  });
  const crash = mode === 'reliable'
    ? 'a crash loses nothing: held messages wait in Redis, under this consumer\'s keys, for the reaper'
    : 'a crash loses the messages in flight';
  return [
    `hardq ${options.version} worker ${worker.consumerId}`,
    `  app:          ${options.module}`,
    `  redis:        ${redactUrl(app.config.redis)}`,
    ...(app.config.signing === undefined ? [] : [`  signing:      ${describeSigning(app.config.signing)}`]),
    `  queues:       ${worker.queues.join(', ')}${worker.queues.length > 1 ? ` (${options.queueOrder})` : ''}`,
    `  mode:         ${mode} (${crash})`,
    `  pool:         ${options.pool}, concurrency ${options.concurrency}${options.autoscale ? ` (autoscale ${options.autoscale.max},${options.autoscale.min})` : ''}`,
    ...(options.group === undefined ? [] : [`  group:        ${options.group} (hardq worker --processes)`]),
    `  pid:          ${process.pid}  (kill -9 ${process.pid} crashes this worker)`,
    `[tasks]`,
    ...(tasks.length ? tasks : ['  (none: the app registers no task, so every message is dead-lettered)']),
    `ready; ctrl-c to stop`,
  ].join('\n');
}
