/**
 * runSoak: N jobs of the soak mix (scripts/soak-app.ts) through reliable mode with the
 * library API, producers in bulk and in-process workers, on a fresh queue; then it waits for
 * the result TTL to pass and names every key left (keyCatalog). It reads used_memory and
 * DBSIZE every N/10 jobs done (100k at most), once all are done, and after expiry.
 * `npm run soak` (scripts/soak.ts) prints its lines; tests/soak.test.ts asserts on its report.
 */
import { randomUUID } from 'node:crypto';
import type { TaskEvent, Worker } from 'hardq';
import { createSoakApp } from './soak-app.ts';
import { SoakTally } from './soak-tally.ts';
import { sendBatch } from './soak-send.ts';
import { classifyKeys, figures, keyClassifier, megabytes, type Figures, type KeyKinds } from './soak-redis.ts';
import { settle, sleep } from './soak-wait.ts';

export type SoakOptions = {
  redisUrl: string;
  /** Jobs to send. */
  jobs: number;
  /** The app's resultTtlMs: how long results (and revokes) are kept, in ms. */
  resultTtlMs: number;
  /** In-process workers. @default 2 */
  workers?: number;
  /** Handlers in flight per worker. @default 200 */
  concurrency?: number;
  /** Jobs per producer batch (one sendMany per kind). @default 1000 */
  batchSize?: number;
  /** The producer waits while this many sent jobs are not finished. @default 20000 */
  maxOutstanding?: number;
  /**
   * Countdown of the jobs that get revoked, in ms: long enough to revoke them first, and
   * within the result TTL, for which a revoke is remembered. @default min(3000, resultTtlMs / 2)
   */
  revokeCountdownMs?: number;
  /** Give up when no job has finished for this long, in ms. @default 60000 */
  stallTimeoutMs?: number;
  /** How long past the result TTL to wait before the after-expiry look, in ms. @default 2000 */
  expiryMarginMs?: number;
  /**
   * The server is the soak's own (a throwaway one): turn off Redis 7's per-command latency
   * histograms, about 22 KB for each command name once used (0.9 MB for the ~40 names a
   * run uses). They are Redis's bookkeeping, not the queue's, and would hide what hardq leaves.
   * @default false
   */
  ownServer?: boolean;
  /** Where progress lines go. @default console.log */
  log?: (line: string) => void;
};

export type Checkpoint = Figures & { done: number; elapsedMs: number };

export type SoakReport = {
  ok: boolean;
  /** Every way the run failed, one sentence each. */
  problems: string[];
  queue: string;
  jobs: number;
  resultTtlMs: number;
  start: Figures;
  checkpoints: Checkpoint[];
  /** From the first send to the last job finished, ms. */
  drainMs: number;
  jobsPerSecond: number;
  outcomes: ReturnType<SoakTally['summary']>;
  deadLetters: number;
  /** Revoked jobs Redis dropped before they were due, without a worker event. */
  revokedWithoutEvent: number;
  /** `bytes`: MEMORY USAGE of the keys left; `unexplainedBytes`: used_memory growth since the start beyond them. */
  afterExpiry: Figures & KeyKinds & { waitedMs: number; unexplainedBytes: number };
  elapsedMs: number;
};

/**
 * How far used_memory may end above the start once the TTL has passed, beyond the keys left
 * (checked on a server of the soak's own): the Lua script cache (about 3 KB a script, ~10
 * scripts) and the reply buffer of the soak's own connection (up to ~20 KB), with room to
 * spare; measured: 5-7 KB after 5,000 jobs and after 1,000,000. Anything left per job
 * outside every key, even 20 bytes, exceeds it within the test's 5,000 jobs.
 */
export const unexplainedBytesBound = 64 * 1024;

/** Key kinds that hold jobs or their results: none may outlive the result TTL once all is done. */
const mustBeGone = ['ready', 'processing', 'claimed', 'quarantine', 'scheduled', 'result'];

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const { jobs, resultTtlMs, workers: workerCount = 2, concurrency = 200, batchSize = 1000, maxOutstanding = 20_000,
    revokeCountdownMs = Math.min(3000, Math.floor(resultTtlMs / 2)), stallTimeoutMs = 60_000, expiryMarginMs = 2000, log = console.log } = options;
  const startedAt = Date.now();
  const say = (line: string) => log(`[soak ${((Date.now() - startedAt) / 1000).toFixed(1).padStart(6)}s] ${line}`);
  const queue = `soak-${randomUUID().slice(0, 8)}`;
  const app = createSoakApp({ redis: options.redisUrl, queue, resultTtlMs, log: say });
  const problems: string[] = [];
  try {
    const redis = await app.connection();
    const keys = app.keys;
    // Redis before 7 has no such setting and no histograms to turn off.
    if (options.ownServer) await redis.config('SET', 'latency-tracking', 'no').catch(() => undefined);
    const start = await figures(redis);
    say(`queue ${queue}: ${jobs} jobs, ${workerCount} workers x ${concurrency}, result TTL ${resultTtlMs} ms; start: used_memory ${megabytes(start.usedMemory)}, keys ${start.keys}`);

    const tally = new SoakTally();
    const checkpoints: Checkpoint[] = [];
    const step = Math.max(1, Math.min(Math.ceil(jobs / 10), 100_000));
    let nextCheckpoint = step;
    let measuring = Promise.resolve();
    const checkpoint = (done: number) => {
      measuring = measuring.then(async () => {
        const at = { done, elapsedMs: Date.now() - startedAt, ...await figures(redis) };
        checkpoints.push(at);
        say(`done ${String(done).padStart(String(jobs).length)}/${jobs}  used_memory ${megabytes(at.usedMemory)}  keys ${at.keys}`);
      });
    };
    let lastFinishAt = Date.now();
    const stalled = () => Date.now() - lastFinishAt > stallTimeoutMs;
    const onTask = (event: TaskEvent) => {
      tally.record(event);
      lastFinishAt = Date.now();
      if (tally.finished >= nextCheckpoint && nextCheckpoint < jobs) {
        checkpoint(nextCheckpoint);
        nextCheckpoint += step;
      }
    };
    const workers: Worker[] = [];
    const running: Promise<void>[] = [];
    for (let i = 0; i < workerCount; i++) {
      const worker = app.worker({ queues: [queue], concurrency });
      worker.on('task', onTask);
      workers.push(worker);
      running.push(worker.run().catch((error: Error) => void problems.push(`worker ${i + 1} stopped: ${error.message}`)));
    }

    const sendingAt = Date.now();
    for (let from = 0; from < jobs && !stalled(); from += batchSize) {
      // Backpressure: a million jobs at once would measure the backlog, not the steady state.
      while (tally.outstanding() >= maxOutstanding && !stalled()) await sleep(5);
      await sendBatch(app, redis, tally, from, Math.min(jobs, from + batchSize), revokeCountdownMs);
    }
    say(`${Object.values(tally.sent).reduce((a, b) => a + b, 0)} sent in ${((Date.now() - sendingAt) / 1000).toFixed(1)} s; waiting for the last ones`);

    // Done: every kind has its events, and no message waits in the ready list or the scheduled set.
    const drained = async () => tally.complete()
      && (await redis.llen(keys.ready(queue))) === 0 && (await redis.zcard(keys.scheduled(queue))) === 0;
    while (!(await drained())) {
      if (stalled()) {
        problems.push(`stalled: no job finished for ${stallTimeoutMs / 1000} s with ${tally.outstanding()} outstanding`);
        break;
      }
      await sleep(100);
    }
    const drainMs = Date.now() - sendingAt;
    const finishedAt = Date.now();
    checkpoint(tally.finished + tally.vanished());
    await measuring;
    await Promise.all(workers.map((worker) => worker.close()));
    await Promise.all(running);
    const deadLetters = await redis.llen(keys.dead(queue));
    problems.push(...tally.problems(deadLetters));

    // Every result and revoke was written before finishedAt with a TTL of resultTtlMs.
    const expiresAt = finishedAt + resultTtlMs + expiryMarginMs;
    say(`workers closed; waiting ${((expiresAt - Date.now()) / 1000).toFixed(1)} s for the result TTL (+${expiryMarginMs} ms) to pass`);
    await sleep(expiresAt - Date.now());
    // Redis expires keys in the background (a bounded share of each 100 ms cycle): wait until DBSIZE stops falling.
    await settle(() => redis.dbsize(), { stableForMs: 1000, timeoutMs: 60_000 });
    // On a server of its own every key must be named; on someone's REDIS_URL, those of this run's queue.
    const kinds = await classifyKeys(redis, keyClassifier(keys, queue), options.ownServer ? '*' : `*{${queue}}*`);
    const after = await figures(redis);
    const unexplainedBytes = after.usedMemory - start.usedMemory - kinds.bytes;
    const afterExpiry = { ...after, ...kinds, waitedMs: Date.now() - finishedAt, unexplainedBytes };
    const kilobytes = (bytes: number) => `${bytes >= 0 ? '+' : ''}${(bytes / 1024).toFixed(1)} KB`;
    say(`after expiry: used_memory ${megabytes(after.usedMemory)} (start ${megabytes(start.usedMemory)}, ${kilobytes(after.usedMemory - start.usedMemory)}: `
      + `keys left ${kilobytes(kinds.bytes)}, the rest ${kilobytes(unexplainedBytes)})  keys ${after.keys}`);
    for (const [kind, count] of Object.entries(kinds.kinds)) say(`  left: ${kind} ${count}`);
    for (const key of kinds.unknown) say(`  left: UNKNOWN ${key}`);
    if (kinds.unknownCount > 0) problems.push(`${kinds.unknownCount} keys no keyCatalog pattern names, e.g. ${kinds.unknown.slice(0, 3).join(', ')}`);
    for (const kind of mustBeGone) if (kinds.kinds[kind]) problems.push(`${kinds.kinds[kind]} ${kind} keys outlived the result TTL`);
    if (options.ownServer && unexplainedBytes > unexplainedBytesBound) {
      problems.push(`used_memory ended ${unexplainedBytes} B above the start beyond the keys left (bound ${unexplainedBytesBound} B)`);
    }

    return {
      ok: problems.length === 0, problems, queue, jobs, resultTtlMs, start, checkpoints, drainMs,
      jobsPerSecond: Math.round(jobs / (drainMs / 1000)), outcomes: tally.summary(), deadLetters,
      revokedWithoutEvent: tally.vanished(), afterExpiry, elapsedMs: Date.now() - startedAt,
    };
  } finally {
    await app.close();
  }
}
