/**
 * The app module of `npm run chaos -- --canvas` (scripts/chaos-canvas.ts), loaded by every
 * consumer with --app. Each handler records its finished runs in the chaos bookkeeping keys
 * of its queue (chaosKeys: not hardq's keys), so the parent can count lost and duplicated
 * header tasks, chain steps and chord bodies afterwards.
 */
import { randomUUID } from 'node:crypto';
import { createApp, type TaskContext } from 'hardq';
import { chaosKeys } from './chaos-app.ts';

const app = createApp();
export default app;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One MULTI, so that `done` and `runs` never disagree (as in chaos-app.ts). */
async function finished(ctx: TaskContext): Promise<void> {
  const redis = await app.connection();
  const keys = chaosKeys(ctx.queue);
  await redis.multi().sadd(keys.done, ctx.id).sadd(keys.runs, `${ctx.id} ${randomUUID()}`).exec();
}

/** A chord header task: waits `ms`, then returns `value`. */
app.task('canvas_part', async (ctx: TaskContext, ms: number, value: number) => {
  await sleep(ms);
  await finished(ctx);
  return value;
}, { bind: true });

/** A chord body: the sum of its header's values. */
app.task('canvas_body', async (ctx: TaskContext, values: number[]) => {
  await finished(ctx);
  return values.reduce((a, b) => a + b, 0);
}, { bind: true });

/** A chain step: the previous step's value plus one (the first step gets 0 from its args). */
app.task('canvas_step', async (ctx: TaskContext, previous: number, ms: number) => {
  await sleep(ms);
  await finished(ctx);
  return previous + 1;
}, { bind: true });
