/**
 * One tick of the live feed: what Redis holds now (queue depths, workers online) and what
 * happened lately (tasks ended, by the workers' registry counts, and what that cost Redis,
 * by INFO). The deltas need earlier readings: per worker id for the workers seen last tick
 * only, and a window of 10 ticks for the cost, so the state is as big as the fleet.
 */
import type { AppContext } from '../shared/app-config.ts';
import type { WorkerRecord } from '../shared/worker-record.ts';
import { listWorkers, type WorkerView } from '../admin/inspect.ts';
import { queueStats, type QueueStats } from '../admin/queues.ts';
import { listQueues } from '../admin/known-queues.ts';
import { CounterWatch, type CounterView } from './counter-watch.ts';
import { costBetween, costPerJob, readRedisTotals, type RedisCost, type RedisTotals } from './redis-cost.ts';

export type QueueDepth = Pick<QueueStats, 'ready' | 'scheduled' | 'processing' | 'dead'> & { oldestAgeMs?: number };

export type Sample = {
  atMs: number;
  workersOnline: number;
  /** Tasks that ended (any outcome) per second, from each worker's last two registry records. */
  tasksPerSecond: number;
  /** FAILURE and DEAD per second, likewise. */
  failuresPerSecond: number;
  queues: Record<string, QueueDepth>;
  /** Redis's work per second since the last tick (the monitor's own reads included). */
  redis: RedisCost & { memoryBytes: number };
  /** Redis's work over the last 10 ticks divided by the tasks that ended in them; absent when none did. */
  perJob?: RedisCost;
};

export type Snapshot = {
  sample: Sample;
  workers: WorkerView[];
  queues: QueueStats[];
  /** Per-minute counts and recent run-time quantiles; absent when the counters cannot be read. */
  counters?: CounterView;
  countersError?: string;
};

type Counts = WorkerRecord['counts'];
const ended = (counts: Counts) => counts.SUCCESS + counts.FAILURE + counts.RETRY + counts.REVOKED + counts.DEAD;
const failed = (counts: Counts) => counts.FAILURE + counts.DEAD;

/** A worker's last record as the sampler saw it, and its rates between its last two writes. */
type Seen = { counts: Counts; writtenAt: number; endedPerSecond: number; failedPerSecond: number };

/** How many ticks the cost per job is averaged over: a tick's few jobs would make a noisy ratio. */
const costWindowTicks = 10;

export class Sampler {
  #app: AppContext;
  #fixedQueues: string[] | undefined;
  #seen = new Map<string, Seen>();
  #lastTotals: RedisTotals | undefined;
  #window: { cost: RedisCost; ended: number }[] = [];
  #known: string[] = [];
  #counters: CounterWatch;

  /**
   * `queues` fixes the queues shown; without it, the default queue, the known queues and
   * every queue a worker consumes. The counters are read every `countersRefreshMs`.
   */
  constructor(app: AppContext, queues?: string[], countersRefreshMs = 10_000) {
    this.#app = app;
    this.#fixedQueues = queues;
    this.#counters = new CounterWatch(app, { refreshMs: countersRefreshMs });
  }

  /** The queues shown: fixed, or the default queue, every queue a worker consumes and the known-queues set (as of the last tick). */
  queuesOf(workers: WorkerView[]): string[] {
    return this.#fixedQueues ?? [...new Set([this.#app.config.defaultQueue, ...this.#known, ...workers.flatMap((worker) => worker.queues)])].sort();
  }

  /**
   * Rates per worker come from two of its own records (counts over writtenAt), so ticks
   * faster than the registry's interval do not alternate between zero and double.
   */
  #rates(workers: WorkerView[]): { endedNow: number; endedPerSecond: number; failedPerSecond: number } {
    const seen = new Map<string, Seen>();
    let endedNow = 0;
    for (const worker of workers) {
      const before = this.#seen.get(worker.id);
      // A worker first seen sets its baseline: its earlier work is not this tick's.
      let next: Seen = { counts: worker.counts, writtenAt: worker.writtenAt, endedPerSecond: 0, failedPerSecond: 0 };
      if (before !== undefined) {
        endedNow += Math.max(0, ended(worker.counts) - ended(before.counts));
        const seconds = (worker.writtenAt - before.writtenAt) / 1000;
        next = seconds <= 0 ? before : {
          ...next,
          endedPerSecond: Math.max(0, ended(worker.counts) - ended(before.counts)) / seconds,
          failedPerSecond: Math.max(0, failed(worker.counts) - failed(before.counts)) / seconds,
        };
      }
      // An offline worker ends nothing, whatever its last two records said.
      seen.set(worker.id, worker.online ? next : { ...next, endedPerSecond: 0, failedPerSecond: 0 });
    }
    this.#seen = seen;
    const sum = (pick: (s: Seen) => number) => [...seen.values()].reduce((total, s) => total + pick(s), 0);
    return { endedNow, endedPerSecond: sum((s) => s.endedPerSecond), failedPerSecond: sum((s) => s.failedPerSecond) };
  }

  /** Redis's work per job over the last few ticks. */
  #perJob(cost: RedisCost, endedNow: number): RedisCost | undefined {
    this.#window.push({ cost, ended: endedNow });
    if (this.#window.length > costWindowTicks) this.#window.shift();
    const total = (pick: (entry: { cost: RedisCost; ended: number }) => number) => this.#window.reduce((sum, entry) => sum + pick(entry), 0);
    return costPerJob({ calls: total((e) => e.cost.calls), cpuUs: total((e) => e.cost.cpuUs), netBytes: total((e) => e.cost.netBytes) }, total((e) => e.ended));
  }

  async take(): Promise<Snapshot> {
    const redis = await this.#app.connection();
    const [workers, totals, known] = await Promise.all([listWorkers(this.#app), readRedisTotals(redis), this.#fixedQueues ? [] : listQueues(this.#app)]);
    this.#known = known;
    const names = this.queuesOf(workers);
    const queues = await Promise.all(names.map((queue) => queueStats(this.#app, queue)));
    // The counters panels say why they are empty rather than failing the whole tick.
    const counters = await this.#counters.read(names).then((view) => ({ counters: view }), (error: Error) => ({ countersError: error.message }));
    const atMs = Date.now();
    const seconds = totals.atMs === undefined || this.#lastTotals?.atMs === undefined ? 0 : Math.max(0.001, (totals.atMs - this.#lastTotals.atMs) / 1000);
    const cost = this.#lastTotals === undefined ? { calls: 0, cpuUs: 0, netBytes: 0 } : costBetween(this.#lastTotals, totals);
    this.#lastTotals = totals;
    const rates = this.#rates(workers);
    const perSecond = (n: number) => (seconds === 0 ? 0 : n / seconds);
    const sample: Sample = {
      atMs,
      workersOnline: workers.filter((worker) => worker.online).length,
      tasksPerSecond: rates.endedPerSecond,
      failuresPerSecond: rates.failedPerSecond,
      queues: Object.fromEntries(queues.map((q) => [q.queue, { ready: q.ready, scheduled: q.scheduled, processing: q.processing + q.quarantine, dead: q.dead, oldestAgeMs: q.oldestAgeMs }])),
      redis: { calls: perSecond(cost.calls), cpuUs: perSecond(cost.cpuUs), netBytes: perSecond(cost.netBytes), memoryBytes: totals.memoryBytes },
      perJob: this.#perJob(cost, rates.endedNow),
    };
    return { sample, workers, queues, ...counters };
  }
}
