/**
 * The app of docs/WORKSHOP.md's lessons 6 (canvas) and 8 (beat): the tasks a chord needs and
 * one periodic task. Lessons 3 to 5 use scripts/demo-app.ts (`npm run consumer`). `redis`
 * stays unset, so `--redis`, then $REDIS_URL, decides.
 */
import { createApp } from 'hardq';

const app = createApp();

/** A chord's header task. */
export const add = app.task('add', (a: number, b: number) => a + b);

/** A chord's body: gets the header's results, in the header's order. */
export const tsum = app.task('tsum', (values: number[]) => values.reduce((sum, value) => sum + value, 0));

/** Lesson 8's periodic task: every 2 s, whichever beat leads sends one add(1, 1). */
app.schedule('add-every-2s', add.s(1, 1), { every: '2s' });

export default app;
