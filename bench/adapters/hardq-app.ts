/**
 * The W5 app for `hardq worker -A` (bench/workloads/scaling.ts, shape `group`): the same
 * no-op task as hardq-worker.ts, results stored, on the queue that $HARDQ_BENCH_QUEUE names.
 * Redis comes from the command line (--redis).
 */
import { createApp } from 'hardq';

const app = createApp({ defaultQueue: process.env.HARDQ_BENCH_QUEUE ?? 'bench' });
app.task('noop', () => ({ ok: true }));

export default app;
