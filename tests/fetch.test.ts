/**
 * consumer/fetch.ts and its two strategies: the order messages run in. FIFO within a
 * queue, and several queues in priority order, in both simple and reliable mode.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';
import { waitFor } from './helpers/wait-for.ts';
import { harness } from './fixtures/harness.ts';

let server: RedisServer;
before(async () => (server = await startRedis()));
after(async () => server.stop());

for (const mode of ['simple', 'reliable'] as const) {
  test(`${mode}: one queue runs in the order it was sent (FIFO)`, async () => {
    const h = harness(server.url);
    const ran: number[] = [];
    const record = h.app.task('record', (n: number) => {
      ran.push(n);
      return n;
    });
    try {
      // Separate LPUSHes, then one LPUSH of many: both keep the order.
      for (let n = 0; n < 5; n++) await record.delay(n);
      const many = await record.applyMany(Array.from({ length: 45 }, (_, i) => [i + 5]));
      h.start({ mode, concurrency: 1 });
      await many.at(-1)!.get({ timeoutMs: 10_000 });
      assert.deepEqual(ran, Array.from({ length: 50 }, (_, i) => i));
    } finally {
      await h.close();
    }
  });

  test(`${mode}: several queues are consumed in priority order`, async () => {
    const h = harness(server.url);
    const [high, low] = [`${h.queue}-high`, `${h.queue}-low`];
    const ran: string[] = [];
    const work = h.app.task('work', async (label: string) => {
      ran.push(label);
      // The first low task sends two high ones: they must jump ahead of the waiting lows.
      if (label === 'low-0') await h.app.sendMany('work', [['late-high-0'], ['late-high-1']], { queue: high });
      return label;
    });
    try {
      await work.applyMany([['low-0'], ['low-1'], ['low-2']], { queue: low });
      await work.applyMany([['high-0'], ['high-1']], { queue: high });
      h.start({ mode, concurrency: 1, queues: [high, low] });
      await waitFor(() => ran.length === 7, { what: 'seven tasks to run' });
      assert.deepEqual(ran, ['high-0', 'high-1', 'low-0', 'late-high-0', 'late-high-1', 'low-1', 'low-2']);
    } finally {
      await h.close();
    }
  });

  test(`${mode}: a message on a lower-priority queue runs while the higher one stays empty`, async () => {
    const h = harness(server.url);
    const [high, low] = [`${h.queue}-high`, `${h.queue}-low`];
    const echo = h.app.task('echo', (text: string) => text);
    try {
      const worker = h.start({ mode, queues: [high, low] });
      // Wait until the worker is idle in a blocking pop, then send to the second queue only.
      await waitFor(async () => /cmd=(blmove|blmpop)/.test(String(await h.raw.client('LIST'))), { what: 'the worker to block' });
      const result = await echo.applyAsync(['from low'], { queue: low });
      assert.equal(await result.get({ timeoutMs: 10_000 }), 'from low');
      assert.equal(result.queue, low);
      assert.equal(worker.counts.SUCCESS, 1);
    } finally {
      await h.close();
    }
  });
}
