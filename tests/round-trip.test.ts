/**
 * The whole path in both modes: delay / applyAsync / applyMany → worker → get, bound
 * handlers, and a result read from its stored id by another app.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createApp, type TaskContext } from 'hardq';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';
import { harness } from './fixtures/harness.ts';

let server: RedisServer;
before(async () => (server = await startRedis()));
after(async () => server.stop());

for (const mode of ['simple', 'reliable'] as const) {
  test(`${mode}: delay → worker → get returns the handler's value`, async () => {
    const queue = randomUUID();
    const app = createApp({ redis: server.url, defaultQueue: queue });
    const add = app.task('add', (a: number, b: number) => a + b);
    const worker = app.worker({ mode });
    const running = worker.run();
    try {
      const result = await add.delay(2, 3);
      assert.equal(result.queue, queue);
      assert.equal(await result.get({ timeoutMs: 10_000 }), 5);
      assert.equal(await result.state(), 'SUCCESS');
    } finally {
      await app.close();
      await running;
    }
  });
}

for (const mode of ['simple', 'reliable'] as const) {
  test(`${mode}: applyMany sends many in one call; each result holds its own value`, async () => {
    const h = harness(server.url);
    const square = h.app.task('square', (n: number) => n * n);
    try {
      h.start({ mode });
      const results = await square.applyMany([[1], [2], [3], [4]]);
      assert.equal(new Set(results.map((r) => r.id)).size, 4);
      assert.deepEqual(await Promise.all(results.map((r) => r.get({ timeoutMs: 10_000 }))), [1, 4, 9, 16]);
      const byName = await h.app.sendMany('square', [[5], [6]]);
      assert.deepEqual(await Promise.all(byName.map((r) => r.get({ timeoutMs: 10_000 }))), [25, 36]);
    } finally {
      await h.close();
    }
  });

  test(`${mode}: a bound handler gets its context first: id, queue, retries, kwargs, signal`, async () => {
    const h = harness(server.url);
    const greet = h.app.task('greet', (ctx: TaskContext, name: string) => ({
      text: `${ctx.kwargs.greeting ?? 'hello'}, ${name}`, id: ctx.id, queue: ctx.queue, retries: ctx.retries,
      signal: ctx.signal instanceof AbortSignal && !ctx.signal.aborted,
    }), { bind: true });
    try {
      h.start({ mode });
      const result = await greet.applyAsync(['ada'], { kwargs: { greeting: 'good morning' } });
      assert.deepEqual(await result.get({ timeoutMs: 10_000 }), { text: 'good morning, ada', id: result.id, queue: h.queue, retries: 0, signal: true });
      const plain = await greet.delay('grace');
      assert.equal((await plain.get({ timeoutMs: 10_000 })).text, 'hello, grace', 'kwargs default to {}');
    } finally {
      await h.close();
    }
  });
}

test('another app (another process) reads a result from its stored id and queue', async () => {
  const consumer = harness(server.url);
  consumer.app.task('add', (a: number, b: number) => a + b);
  const producer = createApp({ redis: server.url });
  try {
    consumer.start();
    const sent = await producer.sendTask('add', [40, 2], { queue: consumer.queue });
    const { id, queue } = JSON.parse(JSON.stringify(sent)) as { id: string; queue: string };
    assert.equal(queue, consumer.queue);
    assert.equal(await producer.asyncResult<number>(id, { queue }).get({ timeoutMs: 10_000 }), 42);
    assert.equal(await consumer.app.asyncResult(id).state(), 'SUCCESS', 'the queue defaults to the default queue');
    assert.equal(await producer.asyncResult(id).state(), 'PENDING', 'the result lives under its own queue');
  } finally {
    await producer.close();
    await consumer.close();
  }
});
