/**
 * The async pool: handlers run in the worker's own event loop.
 * Soft time limit: the handler's AbortSignal fires with SoftTimeLimitExceeded; a handler
 * that honours it throws that, and the task may retry on it (autoretryFor).
 * Hard time limit: the task fails with TimeLimitExceeded at once, but JavaScript cannot stop
 * a running promise: the handler goes on in the background until it returns by itself.
 * That is why Celery needs processes for hard limits, and why hardq has the threads and
 * process pools.
 */
import { Retry, SoftTimeLimitExceeded, TimeLimitExceeded } from '../shared/errors.ts';
import type { TaskContext } from '../shared/task-registry.ts';
import type { Pool, PoolJob } from './pool.ts';

const noKwargs = Object.freeze({}) as { [key: string]: never };

/** The context a bound handler receives, with `retry()`. */
export function taskContext(job: PoolJob, signal: AbortSignal): TaskContext {
  const { message, queue } = job;
  return {
    id: message.id, queue, retries: message.retries ?? 0, kwargs: message.kwargs ?? noKwargs, signal,
    retry(options = {}) {
      throw new Retry({ countdownMs: options.countdownMs, error: options.error, queue: options.queue });
    },
  };
}

export class AsyncPool implements Pool {
  readonly kind = 'async' as const;
  #log: (line: string) => void;

  constructor(log: (line: string) => void) {
    this.#log = log;
  }

  run(job: PoolJob): Promise<unknown> {
    const { definition, message } = job;
    const { softTimeLimitMs, timeLimitMs } = definition.options;
    // The common case: no limits, no timers, no extra promises, and the task's signal is not
    // even read unless the handler is bound (consumer/running-task.ts makes it lazily).
    if (softTimeLimitMs === undefined && timeLimitMs === undefined) return this.#call(job);

    const controller = new AbortController();
    const onWorkerAbort = () => controller.abort(job.signal.reason);
    job.signal.addEventListener('abort', onWorkerAbort, { once: true });
    const soft = softTimeLimitMs === undefined ? undefined
      : setTimeout(() => controller.abort(new SoftTimeLimitExceeded(softTimeLimitMs)), softTimeLimitMs);
    let hard: NodeJS.Timeout | undefined;
    const running = this.#call(job, controller.signal);
    const limited = timeLimitMs === undefined ? running : Promise.race([
      running,
      new Promise<never>((_, reject) => {
        hard = setTimeout(() => {
          controller.abort(new TimeLimitExceeded(timeLimitMs, 'abandoned'));
          this.#log(`[hardq] task ${message.task} ${message.id} passed its hard time limit (${timeLimitMs} ms) in the async pool; it is marked failed, but its promise cannot be stopped and runs on (use --pool threads or process)`);
          reject(new TimeLimitExceeded(timeLimitMs, 'the async pool abandoned the handler, which may still be running; use the threads or process pool to stop it'));
        }, timeLimitMs);
      }),
    ]);
    return limited.finally(() => {
      clearTimeout(soft);
      clearTimeout(hard);
      job.signal.removeEventListener('abort', onWorkerAbort);
    });
  }

  async #call(job: PoolJob, signal?: AbortSignal): Promise<unknown> {
    const { definition, message } = job;
    if (definition.bind) {
      return (definition.handler as (ctx: TaskContext, ...args: unknown[]) => unknown)(taskContext(job, signal ?? job.signal), ...message.args);
    }
    return (definition.handler as (...args: unknown[]) => unknown)(...message.args);
  }

  async close(): Promise<void> {}
}
