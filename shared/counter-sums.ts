/**
 * The counts of one complete-batch call, summed by the worker as if every message's state
 * were written, for complete-batch/counters.lua to add with a handful of HINCRBYs. The script
 * takes back out the few it did not write (a message no longer held, a result refused
 * because a final one was there, a revoked task's retry), so the hashes still count exactly
 * the states that step wrote.
 *
 * Why here and not in Lua: summing each message in the script, with Lua 5.1 building a
 * field name per message, cost Redis about 0.5 µs of script time per message, a fifth of
 * the whole ack's, on Redis's one thread that every worker shares. Summed here it costs
 * the worker a few map lookups per message. Field names: docs/PROTOCOL.md, "Events and
 * counters"; the buckets are shared/counters.ts's.
 */
import type { Buffer } from 'node:buffer';
import { packRows } from './packed-rows.ts';
import { runtimeBucketsMs } from './counters.ts';

/** Which hash a sum goes to: its index in complete-batch.lua's KEYS. */
const countersKey = 7;
const runtimesKey = 8;
const minuteKey = 9;

type TaskSums = { states: Map<string, number>; runMsSum: number; runs: number; buckets: number[] };

export class CounterSums {
  #byTask = new Map<string, TaskSums>();

  /** Counts one message's state, and its run time when its handler ran. */
  add(count: { state: string; task: string; runtimeMs?: number }): void {
    let sums = this.#byTask.get(count.task);
    if (sums === undefined) this.#byTask.set(count.task, (sums = { states: new Map(), runMsSum: 0, runs: 0, buckets: [] }));
    sums.states.set(count.state, (sums.states.get(count.state) ?? 0) + 1);
    if (count.runtimeMs === undefined) return;
    sums.runMsSum += count.runtimeMs;
    sums.runs++;
    const bucket = bucketOf(count.runtimeMs);
    sums.buckets[bucket] = (sums.buckets[bucket] ?? 0) + 1;
  }

  /**
   * The sums as packed triples (shared/packed-rows.ts): the KEYS index of the hash, the
   * field, the amount; '' when nothing was counted (counters off).
   */
  packed(): Buffer | '' {
    if (this.#byTask.size === 0) return '';
    const values: (string | number)[] = [];
    for (const [task, sums] of this.#byTask) {
      for (const [state, n] of sums.states) values.push(countersKey, `${state}:${task}`, n, minuteKey, `${state}:${task}`, n);
      if (sums.runs === 0) continue;
      values.push(runtimesKey, `sum:${task}`, sums.runMsSum, runtimesKey, `count:${task}`, sums.runs, minuteKey, `runtime:${task}`, sums.runMsSum);
      sums.buckets.forEach((n, bucket) => values.push(runtimesKey, `le${runtimeBucketsMs[bucket] ?? '+Inf'}:${task}`, n));
    }
    return packRows(values);
  }
}

/** The index in runtimeBucketsMs of the first bound at or above `ms`; its length for +Inf. */
function bucketOf(ms: number): number {
  for (let i = 0; i < runtimeBucketsMs.length; i++) if (ms <= runtimeBucketsMs[i]!) return i;
  return runtimeBucketsMs.length;
}
