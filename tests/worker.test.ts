/**
 * consumer/worker.ts: handlers really run side by side up to `concurrency`, and close()
 * stops fetching, lets in-flight handlers finish and writes their results; past
 * shutdownTimeoutMs it puts unfinished messages back. Both modes.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';
import { waitFor } from './helpers/wait-for.ts';
import { gate, harness } from './fixtures/harness.ts';

let server: RedisServer;
before(async () => (server = await startRedis()));
after(async () => server.stop());

for (const mode of ['simple', 'reliable'] as const) {
  test(`${mode}: handlers overlap, up to concurrency and never beyond`, async () => {
    const h = harness(server.url);
    const hold = gate();
    let running = 0;
    let peak = 0;
    const overlap = h.app.task('overlap', async (n: number) => {
      running++;
      peak = Math.max(peak, running);
      await hold.opened;
      running--;
      return n;
    });
    try {
      const results = await overlap.applyMany(Array.from({ length: 10 }, (_, n) => [n]));
      h.start({ mode, concurrency: 4 });
      // Only handlers that run at the same time can all be waiting on the gate at once.
      await waitFor(() => running === 4, { what: 'four handlers in flight at once' });
      hold.open();
      const values = await Promise.all(results.map((result) => result.get({ timeoutMs: 10_000 })));
      assert.deepEqual(values, Array.from({ length: 10 }, (_, n) => n));
      assert.equal(peak, 4, 'never more than concurrency handlers at once');
    } finally {
      hold.open();
      await h.close();
    }
  });

  test(`${mode}: close() lets in-flight handlers finish, writes their results, and takes no more`, async () => {
    const h = harness(server.url);
    const hold = gate();
    let started = 0;
    const slow = h.app.task('slow', async (n: number) => {
      started++;
      await hold.opened;
      return n * 10;
    });
    try {
      const results = await slow.applyMany([[1], [2], [3], [4], [5]]);
      const worker = h.start({ mode, concurrency: 3, shutdownTimeoutMs: 10_000 });
      await waitFor(() => started === 3, { what: 'three handlers to start' });
      const closing = worker.close();
      // close() must not end while handlers run: it cannot before the gate opens, however
      // slow the machine, so this race only ever fails on a worker that stops too early.
      const first = await Promise.race([closing.then(() => 'closed'), delay(300).then(() => 'waiting')]);
      assert.equal(first, 'waiting', 'close() waits for in-flight handlers');
      hold.open();
      await closing;
      assert.deepEqual(await Promise.all(results.slice(0, 3).map((r) => r.state())), ['SUCCESS', 'SUCCESS', 'SUCCESS']);
      assert.deepEqual(await Promise.all(results.slice(0, 3).map((r) => r.get({ timeoutMs: 1000 }))), [10, 20, 30]);
      assert.equal(started, 3, 'nothing was fetched after close()');
      // The two it never took are still waiting, next to run first.
      const waiting = (await h.raw.lrange(h.app.keys.ready(h.queue), 0, -1)).map((raw) => JSON.parse(raw).id);
      assert.deepEqual(waiting, [results[4]!.id, results[3]!.id]);
      if (mode === 'reliable') {
        assert.equal(await h.raw.exists(h.app.keys.processing(h.queue, worker.consumerId), h.app.keys.claimed(h.queue, worker.consumerId)), 0, 'processing list and claimed hash empty');
        assert.equal(await h.raw.exists(h.app.keys.heartbeat(h.queue, worker.consumerId)), 0, 'heartbeat gone');
        assert.equal(await h.raw.zscore(h.app.keys.consumers(h.queue), worker.consumerId), null, 'unregistered');
      }
    } finally {
      hold.open();
      await h.close();
    }
  });

  test(`${mode}: past shutdownTimeoutMs, an unfinished message goes back to its queue and runs later`, async () => {
    const h = harness(server.url);
    const hold = gate();
    let started = 0;
    const stuck = h.app.task('stuck', async () => {
      started++;
      await hold.opened;
      return 'done at last';
    });
    try {
      const result = await stuck.delay();
      const sent = await h.raw.lindex(h.app.keys.ready(h.queue), 0);
      const first = h.start({ mode, shutdownTimeoutMs: 200 });
      await waitFor(() => started === 1, { what: 'the handler to start' });
      await first.close();
      assert.deepEqual(await h.raw.lrange(h.app.keys.ready(h.queue), 0, -1), [sent], 'the message is back, unchanged');
      assert.equal(await result.state(), 'PENDING');
      assert.ok(h.logs.some((line) => /shutdown: 1 unfinished message/.test(line)), h.logs.join('\n'));
      hold.open();
      h.start({ mode });
      assert.equal(await result.get({ timeoutMs: 10_000 }), 'done at last');
      assert.equal(started, 2);
    } finally {
      hold.open();
      await h.close();
    }
  });
}
