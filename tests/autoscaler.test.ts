/**
 * Autoscale against a real worker process (scripts/chaos-worker.ts with
 * tests/fixtures/pool-app.ts), observed in the registry: a deep queue grows the worker to
 * MAX, idleness brings it back to MIN (each waited for with a generous deadline, the times
 * printed, never asserted), and the `autoscale MAX MIN` command moves the bounds and the
 * size at once. No message is lost on the way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { controlWorkers, listWorkers, type App } from 'hardq';
import { waitFor } from './helpers/wait-for.ts';
import { workerProcesses } from './helpers/worker-process.ts';
import { runCli } from './fixtures/cli.ts';

const appModule = fileURLToPath(new URL('./fixtures/pool-app.ts', import.meta.url));
const { world, useApp, start } = workerProcesses(appModule);
let app: App;

function startWorker(worker: Record<string, unknown>) {
  app = useApp();
  return start(worker, 90_000);
}

const record = async (id: string) => (await listWorkers(app, { workerId: id }))[0];

test('a deep queue grows the worker to MAX; idleness brings it back to MIN', async (t) => {
  const cooldownMs = 1000;
  const { child, id, queue } = await startWorker({ autoscale: { max: 8, min: 2, cooldownMs } });
  try {
    const first = await record(id);
    assert.equal(first?.concurrency, 2, 'it starts at MIN');
    assert.deepEqual(first?.autoscale, { max: 8, min: 2 });
    const runs = `runs-${randomUUID()}`;
    const sentAt = Date.now();
    const naps = await app.sendMany('nap', Array.from({ length: 200 }, () => [runs, 100]), { queue });
    await waitFor(async () => (await record(id))?.concurrency === 8, { timeoutMs: 30_000, what: 'the worker to grow to MAX' });
    const grewMs = Date.now() - sentAt;
    await Promise.all(naps.map((nap) => nap.get({ timeoutMs: 60_000 })));
    const idleAt = Date.now();
    await waitFor(async () => (await record(id))?.concurrency === 2, { timeoutMs: 30_000, what: 'the idle worker to shrink to MIN' });
    const shrankMs = Date.now() - idleAt;
    assert.equal(await world.redis.get(runs), '200', 'every message ran once');
    t.diagnostic(`autoscale 8,2 (cooldown ${cooldownMs} ms): grew to MAX ${grewMs} ms after the send; back to MIN ${shrankMs} ms after the last result`);
  } finally {
    assert.deepEqual(await child.terminate(), { code: 0, signal: null });
  }
});

test('the autoscale command turns autoscale on, brings the size within the bounds at once, and the threads pool follows', async () => {
  // The threads pool starts at min(concurrency, cores) members; with autoscale it follows the concurrency.
  const { child, id } = await startWorker({ concurrency: 5, pool: 'threads', poolSize: 2, appModule });
  try {
    assert.equal((await record(id))?.autoscale, undefined);
    const reply = await controlWorkers(app, 'autoscale', { max: 4, min: 2 }, { workerId: id, timeoutMs: 5000 });
    assert.deepEqual(reply.replies[id], { worker: id, ok: true, data: { max: 4, min: 2, concurrency: 4, poolSize: 4 } });
    await waitFor(async () => {
      const now = await record(id);
      return now?.concurrency === 4 && now.poolSize === 4 && now.autoscale?.max === 4 && now.autoscale.min === 2;
    }, { what: 'the record to show the bounds and the size' });
    await assert.rejects(controlWorkers(app, 'autoscale', { max: 2, min: 5 }, { workerId: id, timeoutMs: 5000 }), /1 <= min <= max/);
    const stats = await runCli('hardq', ['inspect', 'stats', '-d', id, '--redis', world.server.url]);
    assert.match(stats.stdout, /concurrency 4 \(autoscale 4,2\), pool size 4/, stats.stderr);
  } finally {
    assert.deepEqual(await child.terminate(), { code: 0, signal: null });
  }
});

test('autoscale bounds are checked: MIN above MAX or below 1 is refused at once', () => {
  const app = useApp();
  assert.throws(() => app.worker({ autoscale: { max: 2, min: 3 } }), /1 <= min <= max <= 10000/);
  assert.throws(() => app.worker({ autoscale: { max: 2, min: 0 } }), /1 <= min <= max <= 10000/);
});
