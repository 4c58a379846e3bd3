/**
 * hardq's worker for W2, W3 and W5: a no-op task (`noop`) or a latency probe, run by
 * `app.worker()` with the settings the harness names (mode, concurrency, claimBatchMax,
 * ignoreResult). Completions are counted from the worker's 'task' events.
 */
import { createApp } from 'hardq';
import type { Payload } from '../payload.ts';
import { emit, fail, readSpec, sleep } from './child-io.ts';
import { workerReport } from './worker-report.ts';

const spec = readSpec();
// First, so that its start-up phase "loaded" is taken right after the imports.
const report = workerReport(spec, settle);
const settings = spec.settings ?? {};
const ignoreResult = settings.ignoreResult === true;
const mode = settings.mode === 'simple' ? 'simple' : 'reliable';
const app = createApp({ redis: spec.redisUrl, defaultQueue: spec.queue });

// A 'task' event fires before its batch is written; the n-th result is written once its key
// exists (results) or once this consumer holds nothing (reliable, no results).
// Batches are written one after another, in order, so every earlier one is written too.
async function settle(lastId: string | undefined): Promise<void> {
  const redis = await app.connection();
  for (;;) {
    if (!ignoreResult && lastId !== undefined) {
      if ((await redis.exists(app.keys.result(spec.queue, lastId))) === 1) return;
    } else if (mode === 'reliable') {
      if ((await redis.exists(app.keys.processing(spec.queue, worker.consumerId), app.keys.claimed(spec.queue, worker.consumerId))) === 0) return;
    } else {
      return;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

app.task('noop', (payload: Payload) => {
  if (spec.role === 'latency') report.started(payload.ts);
  return { ok: true };
}, { ignoreResult });

const worker = app.worker({
  mode,
  concurrency: typeof settings.concurrency === 'number' ? settings.concurrency : undefined,
  claimBatchMax: typeof settings.claimBatchMax === 'number' ? settings.claimBatchMax : undefined,
  // W6 (bench/workloads/w6-hardq.ts): every queue of the spread, round-robin, so no shard waits for another.
  queues: Array.isArray(settings.queues) ? (settings.queues as string[]) : undefined,
  queueOrder: settings.queueOrder === 'round-robin' ? 'round-robin' : undefined,
  // bench/events.ts compares the events levels and counters off.
  events: settings.events === 'final' || settings.events === 'all' ? settings.events : undefined,
  counters: settings.counters === false ? false : undefined,
});
worker.on('task', (event) => {
  if (event.state !== 'SUCCESS') emit('error', { message: `task ${event.state}: ${event.error}` });
  report.completed(event.id);
});

try {
  // Opened first, so that settle() costs no connection at the end of the drain.
  await app.connection();
  emit('connected');
  worker.run().catch(fail);
  // Reliable mode has a fetch strategy once the worker's connections are up; simple mode
  // shows nothing, so it gets a fixed moment to connect. The harness waits longer anyway.
  if (mode === 'reliable') while (worker.lastFetchAt === undefined) await sleep(5);
  else await sleep(100);
  report.ready();
} catch (error) {
  fail(error);
}

