/**
 * Counter layout (docs/PROTOCOL.md, "Counters"): written by the Lua step that writes each
 * state, under the queue's own tag, in three hashes: lifetime totals (keys.counters),
 * handler run-time histograms (keys.runtimes) and one hash per minute (keys.countersMinute).
 * Task names that a worker has not registered are counted as `unknown`, so a stream of
 * junk names cannot grow the hashes without bound.
 */

/** Bucket upper bounds in ms: Prometheus's default buckets (0.005 s … 10 s), then +Inf. complete-batch/counters.lua holds the same list. */
export const runtimeBucketsMs = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000] as const;

/** Per-minute hashes live this long after their last write. */
export const minuteCountersTtlMs = 3 * 24 * 60 * 60 * 1000;

/** The label that stands for a task name a worker has not registered. */
export const unknownTask = 'unknown';

/** The `<minute>` of keys.countersMinute: epoch minutes. */
export function minuteOf(epochMs: number): number {
  return Math.floor(epochMs / 60_000);
}

/** Splits a counter field `<kind>:<task>` at its first colon (task names may hold colons). */
export function splitField(field: string): [kind: string, task: string] {
  const colon = field.indexOf(':');
  return colon < 0 ? [field, ''] : [field.slice(0, colon), field.slice(colon + 1)];
}
