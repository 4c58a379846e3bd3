/**
 * producer/async-result.ts and result-waiter.ts against the results consumers write: the
 * value and its TTL, FAILURE carrying the remote error, get()'s timeout, ignoreResult,
 * trackStarted, and one SUBSCRIBE per queue rather than per task.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidOptionError, ResultIgnoredError, ResultTimeoutError, TaskFailedError, type TaskEvent } from 'hardq';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';
import { waitFor } from './helpers/wait-for.ts';
import { gate, harness } from './fixtures/harness.ts';

let server: RedisServer;
before(async () => (server = await startRedis()));
after(async () => server.stop());

class QuotaExceeded extends Error {
  override name = 'QuotaExceeded';
}

for (const mode of ['simple', 'reliable'] as const) {
  test(`${mode}: SUCCESS stores the value as the protocol says, with the result TTL`, async () => {
    const h = harness(server.url, { resultTtlMs: 60_000 });
    const shape = h.app.task('shape', (n: number) => ({ n, list: [1, 'two', null], nested: { ok: true } }));
    const nothing = h.app.task('nothing', () => {});
    try {
      h.start({ mode });
      const result = await shape.delay(7);
      assert.deepEqual(await result.get({ timeoutMs: 10_000 }), { n: 7, list: [1, 'two', null], nested: { ok: true } });
      assert.equal(await result.state(), 'SUCCESS');
      const key = h.app.keys.result(h.queue, result.id);
      const record = JSON.parse((await h.raw.get(key))!);
      assert.deepEqual(Object.keys(record).sort(), ['doneAt', 'state', 'value']);
      assert.equal(typeof record.doneAt, 'number');
      const ttl = await h.raw.pttl(key);
      assert.ok(ttl > 0 && ttl <= 60_000, `PTTL ${ttl} is within resultTtlMs`);
      // A handler that returns nothing succeeds with null, as Celery stores None.
      assert.equal(await (await nothing.delay()).get({ timeoutMs: 10_000 }), null);
    } finally {
      await h.close();
    }
  });

  test(`${mode}: FAILURE carries the remote error's name, message and stack`, async () => {
    const h = harness(server.url, { resultTtlMs: 60_000 });
    const quota = h.app.task('quota', (user: string) => {
      throw new QuotaExceeded(`user ${user} is over quota`);
    });
    try {
      h.start({ mode });
      const result = await quota.delay('ada');
      const error = await result.get({ timeoutMs: 10_000 }).then(() => assert.fail('get() resolved'), (e: unknown) => e);
      assert.ok(error instanceof TaskFailedError, String(error));
      assert.equal(error.code, 'TASK_FAILED');
      assert.equal(error.taskId, result.id);
      assert.match(error.message, /QuotaExceeded: user ada is over quota/);
      assert.equal(error.remote.name, 'QuotaExceeded');
      assert.equal(error.remote.message, 'user ada is over quota');
      assert.match(error.remote.stack ?? '', /async-result\.test\.ts/, 'the stack points at the handler');
      assert.equal(await result.state(), 'FAILURE');
      const ttl = await h.raw.pttl(h.app.keys.result(h.queue, result.id));
      assert.ok(ttl > 0 && ttl <= 60_000, `a failure expires too (PTTL ${ttl})`);
    } finally {
      await h.close();
    }
  });

  test(`${mode}: trackStarted records STARTED while the handler runs; without it the state stays PENDING`, async () => {
    const h = harness(server.url);
    const hold = gate();
    const running = new Set<string>();
    const handler = async (label: string) => {
      running.add(label);
      await hold.opened;
      return label;
    };
    const tracked = h.app.task('tracked', handler, { trackStarted: true });
    const untracked = h.app.task('untracked', handler);
    try {
      h.start({ mode, concurrency: 2 });
      const [a, b] = [await tracked.delay('a'), await untracked.delay('b')];
      await waitFor(() => running.size === 2, { what: 'both handlers to start' });
      assert.equal(await a.state(), 'STARTED');
      assert.equal(await b.state(), 'PENDING');
      hold.open();
      assert.deepEqual([await a.get({ timeoutMs: 10_000 }), await b.get({ timeoutMs: 10_000 })], ['a', 'b']);
      assert.equal(await a.state(), 'SUCCESS');
    } finally {
      hold.open();
      await h.close();
    }
  });

  test(`${mode}: ignoreResult stores nothing`, async () => {
    const h = harness(server.url);
    const fire = h.app.task('fire', (n: number) => n, { ignoreResult: true });
    try {
      const worker = h.start({ mode });
      const done = new Promise<TaskEvent>((resolve) => worker.on('task', resolve));
      const result = await fire.delay(1);
      const event = await done;
      assert.deepEqual([event.id, event.task, event.state], [result.id, 'fire', 'SUCCESS']);
      assert.equal(await h.raw.exists(h.app.keys.result(h.queue, result.id)), 0);
    } finally {
      await h.close();
    }
  });
}

test('get() on an ignoreResult task rejects at once, even with no timeout', { timeout: 5000 }, async () => {
  const h = harness(server.url);
  const fire = h.app.task('fire', () => 1, { ignoreResult: true });
  try {
    const result = await fire.delay();
    await assert.rejects(result.get({ timeoutMs: Infinity }), (error: unknown) =>
      error instanceof ResultIgnoredError && error.code === 'RESULT_IGNORED' && /ignoreResult/.test(error.message));
  } finally {
    await h.close();
  }
});

test('get() with no consumer ends with ResultTimeoutError; the state is PENDING', async () => {
  const h = harness(server.url);
  const add = h.app.task('add', (a: number, b: number) => a + b);
  try {
    const result = await add.delay(1, 2);
    await assert.rejects(result.get({ timeoutMs: 300 }), (error: unknown) =>
      error instanceof ResultTimeoutError && error.code === 'RESULT_TIMEOUT' && error.message.includes(result.id));
    assert.equal(await result.state(), 'PENDING');
    assert.equal(await h.app.asyncResult('no-such-id').state(), 'PENDING');
    await assert.rejects(result.get({ timeoutMs: -1 }), InvalidOptionError);
  } finally {
    await h.close();
  }
});

test('get() with timeoutMs Infinity waits for a consumer that starts later', async () => {
  const h = harness(server.url);
  const add = h.app.task('add', (a: number, b: number) => a + b);
  try {
    const result = await add.delay(20, 22);
    const value = result.get({ timeoutMs: Infinity });
    await waitFor(async () => (await h.raw.pubsub('SHARDNUMSUB', h.app.keys.resultChannel(h.queue)))[1] === 1, { what: 'the waiter to subscribe' });
    h.start();
    assert.equal(await value, 42);
  } finally {
    await h.close();
  }
});

test('many waiting get() calls cost one subscription per queue, not one per task', async () => {
  const h = harness(server.url);
  const add = h.app.task('add', (a: number, b: number) => a + b);
  try {
    const results = await add.applyMany(Array.from({ length: 20 }, (_, i) => [i, 1]));
    const values = Promise.all(results.map((result) => result.get({ timeoutMs: 10_000 })));
    await waitFor(async () => (await h.raw.pubsub('SHARDNUMSUB', h.app.keys.resultChannel(h.queue)))[1] === 1, { what: 'the waiter to subscribe' });
    assert.deepEqual(await h.raw.pubsub('SHARDCHANNELS', '*'), [h.app.keys.resultChannel(h.queue)]);
    h.start();
    assert.deepEqual(await values, Array.from({ length: 20 }, (_, i) => i + 1));
  } finally {
    await h.close();
  }
});
