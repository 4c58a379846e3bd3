/**
 * Run-time quantiles from the counters' histograms (admin/counters.ts): cumulative buckets
 * per task, summed over tasks, differenced between two readings to cover only a recent
 * window, and read as Prometheus's histogram_quantile does (linear within a bucket).
 */
export type Histogram = { count: number; sumMs: number; buckets: { leMs: number; count: number }[] };

/** All tasks' histograms as one (their bucket bounds are the same list). */
export function mergeHistograms(histograms: Histogram[]): Histogram | undefined {
  const [first, ...rest] = histograms;
  if (first === undefined) return undefined;
  return rest.reduce<Histogram>((sum, h) => ({
    count: sum.count + h.count,
    sumMs: sum.sumMs + h.sumMs,
    buckets: sum.buckets.map((bucket, i) => ({ leMs: bucket.leMs, count: bucket.count + (h.buckets[i]?.count ?? 0) })),
  }), { count: first.count, sumMs: first.sumMs, buckets: first.buckets.map((bucket) => ({ ...bucket })) });
}

/** What was added between two readings of the same counters. */
export function subtractHistogram(after: Histogram, before: Histogram | undefined): Histogram {
  if (before === undefined) return after;
  return {
    count: Math.max(0, after.count - before.count),
    sumMs: Math.max(0, after.sumMs - before.sumMs),
    buckets: after.buckets.map((bucket, i) => ({ leMs: bucket.leMs, count: Math.max(0, bucket.count - (before.buckets[i]?.count ?? 0)) })),
  };
}

/**
 * The q-quantile in ms, or undefined for an empty histogram. Inside a bucket the values are
 * taken as spread evenly; in the +Inf bucket the answer is the last finite bound (a floor).
 */
export function quantileMs(histogram: Histogram, q: number): number | undefined {
  const total = histogram.buckets.at(-1)?.count ?? 0;
  if (total === 0) return undefined;
  const rank = q * total;
  let lowerMs = 0;
  let below = 0;
  for (const bucket of histogram.buckets) {
    if (bucket.count >= rank) {
      if (bucket.leMs === Infinity) return lowerMs;
      const inBucket = bucket.count - below;
      return inBucket === 0 ? bucket.leMs : lowerMs + ((bucket.leMs - lowerMs) * (rank - below)) / inBucket;
    }
    lowerMs = bucket.leMs;
    below = bucket.count;
  }
  return lowerMs;
}
