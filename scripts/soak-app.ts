/**
 * The soak's app and its job mix: one task per kind of ending a job can have, so that the
 * worker's 'task' events, counted by task name, say what became of every job sent.
 * Kinds that never reach a handler (an unknown name, a malformed LPUSH) are sent by name
 * or raw; `revoked` is sent with a countdown and revoked at once, so it never runs.
 */
import { createApp, type App, type TaskContext } from 'hardq';

export type Kind = 'result' | 'ignoreResult' | 'retryOnce' | 'revoked' | 'fail' | 'unknownTask' | 'nonErrorThrown' | 'malformed';

/** Jobs of each kind in every 100 sent; the sum is 100. Dead letters are 3 %. */
export const mix: Record<Kind, number> = {
  result: 47, ignoreResult: 30, retryOnce: 10, revoked: 5, fail: 5, unknownTask: 1, nonErrorThrown: 1, malformed: 1,
};

/** The task name each kind is sent as (`malformed` has none: it is not a message). */
export const taskNames: Record<Exclude<Kind, 'malformed'>, string> = {
  result: 'soak.result',
  ignoreResult: 'soak.ignore_result',
  retryOnce: 'soak.retry_once',
  revoked: 'soak.revoked',
  fail: 'soak.fail',
  // Registered by no consumer, so it is dead-lettered as unknown-task.
  unknownTask: 'soak.not_registered',
  nonErrorThrown: 'soak.throw_string',
};

const kindByTask = new Map(Object.entries(taskNames).map(([kind, name]) => [name, kind as Kind]));

/** The kind a worker event belongs to: by task name; no name means a message that could not be read. */
export function kindOfTask(task: string | undefined): Kind | undefined {
  return task === undefined ? 'malformed' : kindByTask.get(task);
}

// Job i gets kind slots[i % 100]: the kinds interleave, so every batch carries the whole mix.
const slots: Kind[] = [];
for (let i = 0; slots.length < 100; i++) {
  for (const [kind, share] of Object.entries(mix) as [Kind, number][]) if (i < share) slots.push(kind);
}

export function kindOfJob(index: number): Kind {
  return slots[index % 100]!;
}

/** How many of `jobs` jobs are of each kind. */
export function countKinds(jobs: number): Record<Kind, number> {
  const counts = Object.fromEntries(Object.keys(mix).map((kind) => [kind, 0])) as Record<Kind, number>;
  const whole = Math.floor(jobs / 100);
  for (const kind of Object.keys(mix) as Kind[]) counts[kind] = whole * mix[kind];
  for (let i = whole * 100; i < jobs; i++) counts[kindOfJob(i)]++;
  return counts;
}

/** A retried job waits this long in the scheduled set before its second run, in ms. */
export const retryCountdownMs = 10;

export function createSoakApp(options: { redis: string; queue: string; resultTtlMs: number; log: (line: string) => void }): App {
  const app = createApp({ redis: options.redis, defaultQueue: options.queue, resultTtlMs: options.resultTtlMs, log: options.log });
  app.task(taskNames.result, (i: number) => ({ doubled: i * 2 }));
  app.task(taskNames.ignoreResult, (i: number) => i, { ignoreResult: true });
  app.task(taskNames.retryOnce, (ctx: TaskContext, i: number) => {
    if (ctx.retries === 0) ctx.retry({ countdownMs: retryCountdownMs, error: new Error('first run retries') });
    return i;
  }, { bind: true });
  // Revoked before it is due: reaching this handler is a finding, and the tally reports it.
  app.task(taskNames.revoked, (i: number) => i);
  app.task(taskNames.fail, (i: number) => {
    throw new Error(`job ${i} fails`);
  });
  app.task(taskNames.nonErrorThrown, (i: number) => {
    // Deliberately not an Error: this kind exists to be dead-lettered as non-error-thrown.
    throw `job ${i} throws a string`;
  });
  return app;
}
