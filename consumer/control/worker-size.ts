/**
 * The worker's size: handlers in flight (concurrency) and, for the threads and process
 * pools, the pool's threads or children. pool_grow and pool_shrink move the pool by the same
 * number as the concurrency (Celery's meaning); autoscale makes the pool follow the
 * concurrency, one member per handler, since a member runs one task at a time and a
 * concurrency above the pool's size would only queue in the pool. Never below 1.
 */
import type { Pool } from '../pool.ts';

export type SizedWorker = {
  pool: Pool;
  concurrency: () => number;
  /** Sets the handlers in flight; the loop takes more at once, or fewer as handlers finish. */
  setConcurrency: (concurrency: number) => void;
};

type Resizable = Pool & { readonly size: number; resize(size: number): void };
const resizable = (pool: Pool): pool is Resizable => 'resize' in pool;

export type WorkerSize = { concurrency: number; poolSize?: number };

/** The pool's size, for a pool that has one (threads, process). */
export function poolSize(pool: Pool): number | undefined {
  return resizable(pool) ? pool.size : undefined;
}

/** Sets concurrency, and moves the pool by the same number, or (`poolFollows`) to the same size. */
export function setWorkerSize(worker: SizedWorker, concurrency: number, poolFollows = false): WorkerSize {
  const before = worker.concurrency();
  const after = Math.max(1, Math.floor(concurrency));
  worker.setConcurrency(after);
  const { pool } = worker;
  const poolTarget = !resizable(pool) ? undefined : poolFollows ? after : Math.max(1, pool.size + after - before);
  if (resizable(pool) && poolTarget !== pool.size) pool.resize(poolTarget!);
  return { concurrency: worker.concurrency(), ...(resizable(pool) ? { poolSize: pool.size } : {}) };
}
