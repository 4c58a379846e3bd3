/**
 * What every workload receives: the throwaway server's URL, the harness's own connections
 * (db 0 for INFO and resets, db 1 for polling Celery's results), and `spawn`, which tracks
 * each child so that the harness can stop all of them, by pid, if it is interrupted.
 */
import type { Redis } from 'ioredis';
import { Child, type Command } from './child-process.ts';

export type BenchContext = {
  url: string;
  admin: Redis;
  resultsDb: Redis;
  /** A private directory for files children write (Celery's latency probe). */
  tmpDir: string;
  spawn(name: string, command: Command, limitS: number): Child;
  /** Stops every child still running. */
  stopAll(): Promise<void>;
};

export function childTracker(): Pick<BenchContext, 'spawn' | 'stopAll'> {
  const live = new Set<Child>();
  return {
    spawn(name, command, limitS) {
      const child = new Child(name, command, limitS);
      live.add(child);
      child.exited(limitS * 1000 + 10_000).finally(() => live.delete(child)).catch(() => {});
      return child;
    },
    async stopAll() {
      await Promise.all([...live].map((child) => child.stop(500)));
    },
  };
}

/** A child's time limit: generous for the slowest system (Celery, ~1k jobs/s), never endless. */
export const limitFor = (jobs: number, perSecond = 500) => 30 + jobs / perSecond;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
