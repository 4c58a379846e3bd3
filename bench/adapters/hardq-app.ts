/**
 * The W5 app for `hardq worker -A` (bench/workloads/scaling.ts, shape `group`): the same
 * no-op task as hardq-worker.ts, results stored. The queue (-Q) and Redis (--redis) come
 * from the command line.
 */
import { createApp } from 'hardq';

const app = createApp();
app.task('noop', () => ({ ok: true }));

export default app;
