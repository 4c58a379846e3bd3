/**
 * What each remote-control command does in a worker (the mailbox has checked its shape).
 * Celery's names and meanings, with hardq's differences:
 * - rate_limit is global: stored in keys.rateLimitOverrides, so every worker and every
 *   restart sees it until `rate_limit TASK none`; time_limit is this worker's, in memory;
 * - pool_grow / pool_shrink change the handlers in flight, and the threads or process pool's
 *   size by the same number;
 * - add_consumer / cancel_consumer change the queues at run time (queue-consumers.ts): a
 *   cancel answers at once, and unregisters once what the worker held from the queue is acked;
 * - autoscale MAX MIN turns autoscale on or moves its bounds (autoscaler.ts); pool_grow and
 *   pool_shrink then hold for one cooldown before the autoscaler may undo them;
 * - enable_events sets the events level to `final` (an `all` stays), disable_events to `off`;
 *   counters are written at every level (task-events.ts).
 */
import type { Redis } from 'ioredis';
import type { Keys } from '../../shared/keys.ts';
import type { TaskRegistry } from '../../shared/task-registry.ts';
import type { ControlArgs, ControlCommand } from '../../shared/control-command.ts';
import type { Pool } from '../pool.ts';
import type { RateLimiter } from '../rate-limiter.ts';
import type { TimeLimitOverrides } from '../execute.ts';
import type { Terminations } from './terminations.ts';
import type { EventsLevel } from '../../shared/events.ts';
import type { CommandHandler, CommandResult } from './mailbox.ts';
import type { QueueConsumers } from './queue-consumers.ts';
import type { Autoscaler } from './autoscaler.ts';
import { setWorkerSize } from './worker-size.ts';

/** What the commands may touch in a worker. */
export type ControlledWorker = {
  redis: Redis;
  keys: Keys;
  registry: TaskRegistry;
  pool: Pool;
  rateLimiter: RateLimiter;
  timeLimits: TimeLimitOverrides;
  terminations: Terminations;
  /** The worker's events level, read at every completion (task-events.ts). */
  events: { level: EventsLevel };
  consumers: QueueConsumers;
  autoscaler: Autoscaler;
  concurrency: () => number;
  setConcurrency: (concurrency: number) => void;
  /** Graceful stop, as SIGTERM. */
  close: () => Promise<void>;
};

export function controlHandler(worker: ControlledWorker): CommandHandler {
  const knownTask = (task: string) => {
    if (worker.registry.get(task) === undefined) throw new Error(`no task named "${task}" is registered on this worker`);
  };
  const resize = (by: number): CommandResult => {
    worker.autoscaler.noteManualChange();
    return { data: setWorkerSize(worker, worker.concurrency() + by) };
  };
  const handlers: { [N in keyof ControlArgs]: (args: ControlArgs[N]) => Promise<CommandResult> | CommandResult } = {
    ping: () => ({ data: { ok: 'pong' } }),
    // The reply goes first; close() then drains in-flight work as SIGTERM does.
    shutdown: () => ({ data: { ok: 'shutting down' }, after: () => void worker.close() }),
    pool_grow: ({ n }) => resize(n),
    pool_shrink: ({ n }) => resize(-n),
    autoscale: ({ max, min }) => ({ data: worker.autoscaler.setBounds({ max, min }) }),
    add_consumer: async ({ queue }) => ({ data: await worker.consumers.add(queue) }),
    cancel_consumer: async ({ queue }) => ({ data: await worker.consumers.cancel(queue) }),
    rate_limit: async ({ task, rate }) => {
      knownTask(task);
      const key = worker.keys.rateLimitOverrides();
      if (rate === 'none') await worker.redis.hdel(key, task);
      else await worker.redis.hset(key, task, rate);
      await worker.rateLimiter.refreshOverrides();
      const own = worker.registry.get(task)?.options.rateLimit;
      return { data: { task, rate: rate === 'none' ? own ?? null : rate === '0' ? null : rate, override: rate !== 'none' } };
    },
    time_limit: ({ task, softMs, hardMs }) => {
      knownTask(task);
      const override: { softTimeLimitMs?: number; timeLimitMs?: number } = {};
      if (softMs !== null) override.softTimeLimitMs = softMs;
      if (hardMs !== null) override.timeLimitMs = hardMs;
      if (softMs === null && hardMs === null) worker.timeLimits.delete(task);
      else worker.timeLimits.set(task, override);
      return { data: { task, softMs, hardMs } };
    },
    revoke: ({ id, terminate }) => {
      const running = terminate ? worker.terminations.terminate(id) : 0;
      return { data: { id, terminated: running > 0 } };
    },
    enable_events: () => {
      if (worker.events.level === 'off') worker.events.level = 'final';
      return { data: { events: worker.events.level } };
    },
    disable_events: () => {
      worker.events.level = 'off';
      return { data: { events: worker.events.level } };
    },
  };
  return async (command: ControlCommand) => (handlers[command.command] as (args: unknown) => Promise<CommandResult> | CommandResult)(command.args);
}
