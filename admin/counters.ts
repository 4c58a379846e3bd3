/**
 * Counters, read and summed across queues (docs/PROTOCOL.md, "Counters"): lifetime totals by
 * queue, task and state (keys.counters), handler run-time histograms (keys.runtimes), and
 * per-minute series (keys.countersMinute). The Lua step that writes a state counts it, so
 * these match the result records exactly. Queues default to the known-queues set.
 * For the CLI, the monitor's charts and its /metrics.
 */
import type { AppContext } from '../shared/app-config.ts';
import { minuteOf, runtimeBucketsMs, splitField } from '../shared/counters.ts';
import type { CountedState } from '../shared/events.ts';
import { queuesOrKnown } from './known-queues.ts';

/** One lifetime total: how many messages of `task` on `queue` ended in `state`. */
export type CounterTotal = { queue: string; task: string; state: CountedState; count: number };

/** A task's run-time histogram over the queues read, Prometheus-style: cumulative buckets, the last with `leMs: Infinity`. */
export type RuntimeHistogram = { task: string; count: number; sumMs: number; buckets: { leMs: number; count: number }[] };

/** One minute of counts over the queues read. `minuteMs` is the minute's start, epoch ms. */
export type MinutePoint = {
  minuteMs: number;
  /** By state, over every task. */
  counts: Partial<Record<CountedState, number>>;
  /** By task, then state. */
  byTask: Record<string, Partial<Record<CountedState, number>>>;
  /** Handler run time spent in the minute, ms, over every task. */
  runtimeMs: number;
};

/** Lifetime totals per queue, task and state, each queue's hash read once. */
export async function counterTotals(app: AppContext, options: { queues?: string[] } = {}): Promise<CounterTotal[]> {
  const redis = await app.connection();
  const queues = await queuesOrKnown(app, options.queues);
  const hashes = await Promise.all(queues.map((queue) => redis.hgetall(app.keys.counters(queue))));
  const rows: CounterTotal[] = [];
  for (const [i, hash] of hashes.entries()) {
    for (const [field, value] of Object.entries(hash)) {
      const [state, task] = splitField(field);
      rows.push({ queue: queues[i]!, task, state: state as CountedState, count: Number(value) });
    }
  }
  return rows;
}

/** Sums totals by one of their labels: `sumBy(rows, 'state')` → `{ SUCCESS: 120, FAILURE: 3 }`. */
export function sumBy(rows: CounterTotal[], label: 'queue' | 'task' | 'state'): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const row of rows) sums[row[label]] = (sums[row[label]] ?? 0) + row.count;
  return sums;
}

/** Run-time histograms per task, summed across the queues. */
export async function runtimeHistograms(app: AppContext, options: { queues?: string[] } = {}): Promise<RuntimeHistogram[]> {
  const redis = await app.connection();
  const queues = await queuesOrKnown(app, options.queues);
  const hashes = await Promise.all(queues.map((queue) => redis.hgetall(app.keys.runtimes(queue))));
  const byTask = new Map<string, { count: number; sumMs: number; perBucket: Map<string, number> }>();
  for (const hash of hashes) {
    for (const [field, value] of Object.entries(hash)) {
      const [kind, task] = splitField(field);
      let entry = byTask.get(task);
      if (entry === undefined) byTask.set(task, (entry = { count: 0, sumMs: 0, perBucket: new Map() }));
      if (kind === 'count') entry.count += Number(value);
      else if (kind === 'sum') entry.sumMs += Number(value);
      else entry.perBucket.set(kind, (entry.perBucket.get(kind) ?? 0) + Number(value));
    }
  }
  return [...byTask].sort(([a], [b]) => a.localeCompare(b)).map(([task, entry]) => {
    let running = 0;
    const buckets = [...runtimeBucketsMs, Infinity].map((leMs) => {
      running += entry.perBucket.get(`le${leMs === Infinity ? '+Inf' : leMs}`) ?? 0;
      return { leMs, count: running };
    });
    return { task, count: entry.count, sumMs: entry.sumMs, buckets };
  });
}

/** The most minutes one series call reads: the 3 days the buckets live. */
export const maxSeriesMinutes = 3 * 24 * 60;

/**
 * Counts per minute from `fromMs` to `toMs` (both inclusive, by minute), summed across the
 * queues; every minute in the range is listed, empty ones with zero counts.
 */
export async function minuteSeries(app: AppContext, options: { queues?: string[]; fromMs: number; toMs?: number }): Promise<MinutePoint[]> {
  const redis = await app.connection();
  const queues = await queuesOrKnown(app, options.queues);
  const last = minuteOf(options.toMs ?? Date.now());
  const first = Math.max(minuteOf(options.fromMs), last - maxSeriesMinutes + 1);
  const minutes = Array.from({ length: Math.max(0, last - first + 1) }, (_, i) => first + i);
  // One HGETALL per queue and minute, issued together; each is a single-key command (cluster-safe).
  const hashes = await Promise.all(minutes.map((minute) => Promise.all(queues.map((queue) => redis.hgetall(app.keys.countersMinute(queue, minute))))));
  return minutes.map((minute, i) => {
    const point: MinutePoint = { minuteMs: minute * 60_000, counts: {}, byTask: {}, runtimeMs: 0 };
    for (const hash of hashes[i]!) {
      for (const [field, value] of Object.entries(hash)) {
        const [kind, task] = splitField(field);
        const n = Number(value);
        if (kind === 'runtime') {
          point.runtimeMs += n;
          continue;
        }
        const state = kind as CountedState;
        point.counts[state] = (point.counts[state] ?? 0) + n;
        const perTask = (point.byTask[task] ??= {});
        perTask[state] = (perTask[state] ?? 0) + n;
      }
    }
    return point;
  });
}
