/**
 * The examples of docs/CANVAS.md, run for real: `npx tsx scripts/canvas-examples.ts` starts
 * a throwaway redis-server and a worker on two queues, runs each primitive and prints what
 * it returned (the output shown in docs/CANVAS.md).
 */
import { chain, chord, createApp, group, TaskFailedError, type AsyncResult } from 'hardq';
import { startThrowawayRedis } from './throwaway-redis.ts';

const server = await startThrowawayRedis();
const app = createApp({ redis: server.url, defaultQueue: 'math', log: () => {} });
const add = app.task('add', (a: number, b: number) => a + b);
const mul = app.task('mul', (a: number, b: number) => a * b, { queue: 'heavy' });
const tsum = app.task('tsum', (values: number[]) => values.reduce((a, b) => a + b, 0));
const fail = app.task('fail', () => {
  throw new Error('no luck');
});
const report = app.task('report', (failure: { task: string; error: { message: string } }) => `${failure.task} failed: ${failure.error.message}`);
const running = app.worker({ queues: ['math', 'heavy'] }).run();
const show = (label: string, value: unknown) => console.log(`${label.padEnd(44)} → ${JSON.stringify(value)}`);
const get = { timeoutMs: 10_000 };
try {
  show('add.s(2, 2).delay()', await (await add.s(2, 2).delay()).get(get));
  show('chain(add.s(2, 2), mul.s(8), add.s(1))', await ((await chain(add.s(2, 2), mul.s(8), add.s(1)).applyAsync()) as AsyncResult).get(get));
  show('chain(add.s(2, 2), add.si(10, 10))', await ((await chain(add.s(2, 2), add.si(10, 10)).applyAsync()) as AsyncResult).get(get));
  show('group(add.s(1, 1), mul.s(3, 3)).applyAsync()', await (await group(add.s(1, 1), mul.s(3, 3)).applyAsync()).get(get));
  const c = await chord([add.s(1, 1), mul.s(2, 5), add.s(3, 3)], tsum.s()).applyAsync();
  show('chord([add.s(1,1), mul.s(2,5), add.s(3,3)], tsum.s())', await c.get(get));
  show('  its progress (app.chordProgress)', await app.chordProgress((c.parent as { id: string }).id, { queue: c.queue }));
  show('chain(group(add.s(1,1), add.s(2,2)), tsum.s())', await ((await chain(group(add.s(1, 1), add.s(2, 2)), tsum.s()).applyAsync()) as AsyncResult).get(get));
  show('double.map([1, 2, 3])', await (await app.task('double', (n: number) => 2 * n).map([1, 2, 3]).delay()).get(get).catch((e: Error) => e.message));
  show('add.starmap([[1, 2], [3, 4]])', await (await add.starmap([[1, 2], [3, 4]]).delay()).get(get));
  show('add.chunks([[1,1],[2,2],[3,3]], 2)', await (await add.chunks([[1, 1], [2, 2], [3, 3]], 2).applyAsync()).get(get));
  show('add.s(1, 1).link(mul.s(10))', await (await add.s(1, 1).link(mul.s(10)).delay()).get(get));
  const failed = await chord([add.s(1, 1), fail.s()], tsum.s().linkError(report.s())).applyAsync();
  show('chord([add.s(1, 1), fail.s()], tsum.s())', await failed.get(get).catch((e: TaskFailedError) => `${e.remote.name}: ${e.remote.message.replace(/\([0-9a-f-]{36}\)/, '(…)')}`));
  show('  the same with allowFailures', await (await chord([add.s(1, 1), fail.s()], app.task('count', (v: unknown[]) => v.length).s(), { allowFailures: true }).applyAsync()).get(get));
} finally {
  await app.close();
  await running;
  await server.stop();
}
