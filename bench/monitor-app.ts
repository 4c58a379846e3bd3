/** The app of the monitor's cost bench (bench/monitor-cost.ts): one task that does nothing, so the queue's own cost shows. */
import { createApp } from 'hardq';

const app = createApp({ log: () => {} });
app.task('noop', () => null);
export default app;
