/**
 * Where handlers run. The worker hands each task to a pool and gets its value or its error.
 * - `async` (async-pool.ts): in this event loop; cheapest; a hard time limit can only
 *   abandon the promise, and CPU-bound work blocks the heartbeat.
 * - `threads` / `process`: in worker_threads or child processes that load the app module,
 *   so a hard time limit really stops the work and CPU-bound work cannot starve the loop.
 */
import type { TaskDefinition } from '../shared/task-registry.ts';
import type { TaskMessage } from '../shared/message.ts';

export type PoolJob = {
  definition: TaskDefinition;
  message: TaskMessage;
  queue: string;
  /** Fires when the worker gives up on its in-flight work (shutdown timeout). */
  signal: AbortSignal;
};

export interface Pool {
  readonly kind: 'async' | 'threads' | 'process';
  /** Runs the handler under the task's soft and hard time limits; resolves to its return value. */
  run(job: PoolJob): Promise<unknown>;
  close(): Promise<void>;
}
