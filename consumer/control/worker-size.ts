/**
 * The worker's size: handlers in flight (concurrency) and, for the threads and process
 * pools, the pool's threads or children, which move by the same number. pool_grow,
 * pool_shrink, autoscale and the autoscaler all change it here, never below 1.
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

/** Sets concurrency, and moves the pool by the same number. */
export function setWorkerSize(worker: SizedWorker, concurrency: number): WorkerSize {
  const before = worker.concurrency();
  const after = Math.max(1, Math.floor(concurrency));
  worker.setConcurrency(after);
  const { pool } = worker;
  if (resizable(pool) && after !== before) pool.resize(Math.max(1, pool.size + after - before));
  return { concurrency: worker.concurrency(), ...(resizable(pool) ? { poolSize: pool.size } : {}) };
}
