/**
 * The app module the chaos run and the process tests load in their consumers (`--app`).
 * Each handler records what it did in Redis, in keys of its own outside hardq's
 * (chaosKeys), so that the parent process can count lost and duplicated runs afterwards.
 * It leaves `redis` unset: the consumer's --redis decides, as with the demo app.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createApp, type TaskContext } from 'hardq';

const app = createApp();

/**
 * Where the bookkeeping goes: the app's own Redis, or, with HARDQ_CHAOS_TALLY_URL, a separate
 * plain redis-server. A failover test needs the latter: writes on the failing master can
 * vanish with it, and the tally must not vanish with what it measures.
 */
const tallyUrl = process.env.HARDQ_CHAOS_TALLY_URL;
let tallyRedis: Redis | undefined;
async function bookkeeping(): Promise<Redis> {
  if (tallyUrl === undefined) return app.connection();
  return (tallyRedis ??= new Redis(tallyUrl, { maxRetriesPerRequest: null }));
}

/**
 * The bookkeeping keys of one queue: not hardq's, so not in shared/keys.ts. They share the
 * queue's hash tag, so the MULTI below stays in one slot on a cluster.
 */
export function chaosKeys(queue: string) {
  return {
    /** set of task ids whose handler ran to the end at least once */
    done: `chaos:{${queue}}:done`,
    /**
     * set of `<id> <run token>`, one member per run that reached the end. Not a counter:
     * ioredis resends a command whose reply a Redis restart swallowed, and a resent
     * HINCRBY would count one run twice, where a resent SADD of the same token cannot.
     */
    runs: `chaos:{${queue}}:runs`,
    /** hash id → how many times its handler started (a resend may overcount it; tests only ask "started?") */
    starts: `chaos:{${queue}}:starts`,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function started(ctx: TaskContext): Promise<number> {
  const redis = await bookkeeping();
  return redis.hincrby(chaosKeys(ctx.queue).starts, ctx.id, 1);
}

/** One MULTI, so that `done` and `runs` never disagree. */
async function finished(ctx: TaskContext): Promise<{ pid: number }> {
  const redis = await bookkeeping();
  const keys = chaosKeys(ctx.queue);
  await redis.multi().sadd(keys.done, ctx.id).sadd(keys.runs, `${ctx.id} ${randomUUID()}`).exec();
  return { pid: process.pid };
}

/** The chaos job: wait `ms` (I/O-like), then record the id. */
app.task('record', async (ctx: TaskContext, ms: number) => {
  await started(ctx);
  await sleep(ms);
  return finished(ctx);
}, { bind: true });

/** Hangs for `ms` on its first start only, so that a kill -9 finds it mid-handler and the rerun is quick. */
app.task('slow_first', async (ctx: TaskContext, ms: number) => {
  if ((await started(ctx)) === 1) await sleep(ms);
  return finished(ctx);
}, { bind: true });

/** Blocks the event loop for `ms` on its first start only: the heartbeat cannot beat meanwhile. */
app.task('spin_first', async (ctx: TaskContext, ms: number) => {
  if ((await started(ctx)) === 1) {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      // Deliberately busy: this is the CPU-bound handler docs/RELIABILITY.md warns about.
    }
  }
  return finished(ctx);
}, { bind: true });

/** A poison pill: every consumer that runs it dies at once, as an OOM kill would. */
app.task('poison', async (ctx: TaskContext) => {
  await started(ctx);
  process.kill(process.pid, 'SIGKILL');
}, { bind: true });

export default app;
