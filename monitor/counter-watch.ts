/**
 * The counters' part of the live feed (issue 11, item 5's per-minute counters and run-time
 * histograms, read through admin/counters.ts), refreshed every refreshMs rather than each
 * tick: tasks per minute by state for the last `minutes`, and run-time p50/p95 over about
 * the last minute. Finished minutes never change, so they are read once and kept; the cache
 * holds at most `minutes` points and a few histogram readings, whatever runs.
 */
import type { AppContext } from '../shared/app-config.ts';
import { minuteSeries, runtimeHistograms } from '../admin/counters.ts';
import { mergeHistograms, quantileMs, subtractHistogram, type Histogram } from './runtime-quantiles.ts';

export type MinuteCounts = { minuteMs: number; SUCCESS: number; FAILURE: number; RETRY: number; REVOKED: number; DEAD: number };

export type CounterView = {
  minutes: MinuteCounts[];
  /** Over the tasks that ended in the last `windowMs`; absent when none did. */
  runtime?: { p50Ms: number; p95Ms: number; count: number; windowMs: number };
};

const windowMs = 60_000;

export class CounterWatch {
  #app: AppContext;
  #refreshMs: number;
  #minutes: number;
  #done = new Map<number, MinuteCounts>();
  #readings: { atMs: number; histogram: Histogram }[] = [];
  #view: CounterView | undefined;
  #readAtMs = 0;
  #queuesKey = '';

  constructor(app: AppContext, options: { refreshMs?: number; minutes?: number } = {}) {
    this.#app = app;
    this.#refreshMs = options.refreshMs ?? 10_000;
    this.#minutes = options.minutes ?? 60;
  }

  async read(queues: string[]): Promise<CounterView | undefined> {
    const nowMs = Date.now();
    const queuesKey = queues.join('\n');
    if (queuesKey !== this.#queuesKey) {
      // Other queues: the kept minutes and readings summed other hashes.
      this.#done.clear();
      this.#readings = [];
      this.#queuesKey = queuesKey;
    } else if (this.#view !== undefined && nowMs - this.#readAtMs < this.#refreshMs) {
      return this.#view;
    }
    this.#readAtMs = nowMs;
    const currentMinuteMs = Math.floor(nowMs / 60_000) * 60_000;
    const firstMs = currentMinuteMs - (this.#minutes - 1) * 60_000;
    for (const minuteMs of this.#done.keys()) if (minuteMs < firstMs) this.#done.delete(minuteMs);
    // The minutes not kept yet: the current one, the one before it (late writes), and gaps.
    const missingFromMs = [...Array(this.#minutes).keys()].map((i) => firstMs + i * 60_000).find((minuteMs) => !this.#done.has(minuteMs) || minuteMs >= currentMinuteMs - 60_000) ?? currentMinuteMs;
    const fresh = await minuteSeries(this.#app, { queues, fromMs: missingFromMs, toMs: nowMs });
    for (const point of fresh) {
      const counts: MinuteCounts = { minuteMs: point.minuteMs, SUCCESS: 0, FAILURE: 0, RETRY: 0, REVOKED: 0, DEAD: 0, ...point.counts };
      this.#done.set(point.minuteMs, counts);
    }
    const merged = mergeHistograms(await runtimeHistograms(this.#app, { queues }));
    this.#view = { minutes: [...this.#done.values()].sort((a, b) => a.minuteMs - b.minuteMs), runtime: merged && this.#recentRuntime(merged, nowMs) };
    return this.#view;
  }

  /** Quantiles over the histogram's growth since the reading nearest windowMs ago. */
  #recentRuntime(histogram: Histogram, nowMs: number): CounterView['runtime'] {
    this.#readings.push({ atMs: nowMs, histogram });
    while (this.#readings.length > 2 && this.#readings[1]!.atMs <= nowMs - windowMs) this.#readings.shift();
    const base = this.#readings.length > 1 ? this.#readings[0]! : undefined;
    const recent = subtractHistogram(histogram, base?.histogram);
    const p50Ms = quantileMs(recent, 0.5);
    const p95Ms = quantileMs(recent, 0.95);
    if (p50Ms === undefined || p95Ms === undefined) return undefined;
    return { p50Ms, p95Ms, count: recent.count, windowMs: base === undefined ? Infinity : nowMs - base.atMs };
  }
}
