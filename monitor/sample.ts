/**
 * One tick of the live feed: what Redis holds now (queue depths, workers online) and what
 * happened since the last tick (tasks finished by the workers' registry counts, and what
 * that cost Redis by INFO). The deltas need the previous tick's readings, kept per worker
 * id for the workers seen last tick only, so the state is as big as the fleet.
 */
import type { AppContext } from '../shared/app-config.ts';
import type { WorkerRecord } from '../shared/worker-record.ts';
import { listWorkers, type WorkerView } from '../admin/inspect.ts';
import { queueStats, type QueueStats } from '../admin/queues.ts';
import { costBetween, costPerJob, readRedisTotals, type RedisCost, type RedisTotals } from './redis-cost.ts';

export type QueueDepth = Pick<QueueStats, 'ready' | 'scheduled' | 'processing' | 'dead'> & { oldestAgeMs?: number };

export type Sample = {
  atMs: number;
  workersOnline: number;
  /** Tasks that ended (any outcome) per second since the last tick, by the workers' counts. */
  tasksPerSecond: number;
  /** FAILURE and DEAD per second since the last tick. */
  failuresPerSecond: number;
  queues: Record<string, QueueDepth>;
  /** Redis's work per second since the last tick (the monitor's own reads included). */
  redis: RedisCost & { memoryBytes: number };
  /** That work divided by the tasks that ended in the tick; absent when none did. */
  perJob?: RedisCost;
};

export type Snapshot = { sample: Sample; workers: WorkerView[]; queues: QueueStats[] };

type Counts = WorkerRecord['counts'];
const ended = (counts: Counts) => counts.SUCCESS + counts.FAILURE + counts.RETRY + counts.REVOKED + counts.DEAD;
const failed = (counts: Counts) => counts.FAILURE + counts.DEAD;

export class Sampler {
  #app: AppContext;
  #fixedQueues: string[] | undefined;
  #lastCounts = new Map<string, Counts>();
  #lastTotals: RedisTotals | undefined;
  #lastAtMs: number | undefined;

  /** `queues` fixes the queues shown; without it, the default queue and every queue a worker consumes. */
  constructor(app: AppContext, queues?: string[]) {
    this.#app = app;
    this.#fixedQueues = queues;
  }

  queuesOf(workers: WorkerView[]): string[] {
    return this.#fixedQueues ?? [...new Set([this.#app.config.defaultQueue, ...workers.flatMap((worker) => worker.queues)])].sort();
  }

  async take(): Promise<Snapshot> {
    const redis = await this.#app.connection();
    const [workers, totals] = await Promise.all([listWorkers(this.#app), readRedisTotals(redis)]);
    const queues = await Promise.all(this.queuesOf(workers).map((queue) => queueStats(this.#app, queue)));
    const atMs = Date.now();
    const seconds = this.#lastAtMs === undefined ? 0 : Math.max(0.001, (atMs - this.#lastAtMs) / 1000);
    let endedNow = 0;
    let failedNow = 0;
    const counts = new Map<string, Counts>();
    for (const worker of workers) {
      counts.set(worker.id, worker.counts);
      // A worker first seen this tick sets its baseline: its earlier work is not this tick's.
      const before = this.#lastCounts.get(worker.id);
      if (before === undefined) continue;
      endedNow += Math.max(0, ended(worker.counts) - ended(before));
      failedNow += Math.max(0, failed(worker.counts) - failed(before));
    }
    const cost = this.#lastTotals === undefined ? { calls: 0, cpuUs: 0, netBytes: 0 } : costBetween(this.#lastTotals, totals);
    this.#lastCounts = counts;
    this.#lastTotals = totals;
    this.#lastAtMs = atMs;
    const perSecond = (n: number) => (seconds === 0 ? 0 : n / seconds);
    const sample: Sample = {
      atMs,
      workersOnline: workers.filter((worker) => worker.online).length,
      tasksPerSecond: perSecond(endedNow),
      failuresPerSecond: perSecond(failedNow),
      queues: Object.fromEntries(queues.map((q) => [q.queue, { ready: q.ready, scheduled: q.scheduled, processing: q.processing + q.quarantine, dead: q.dead, oldestAgeMs: q.oldestAgeMs }])),
      redis: { calls: perSecond(cost.calls), cpuUs: perSecond(cost.cpuUs), netBytes: perSecond(cost.netBytes), memoryBytes: totals.memoryBytes },
      perJob: costPerJob(cost, endedNow),
    };
    return { sample, workers, queues };
  }
}
