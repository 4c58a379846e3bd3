import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createApp, Retry, TaskFailedError, type TaskContext } from 'hardq';
import { backoffBoundMs, retryDelayMs, wantsRetry } from '../consumer/retry.ts';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';
import { waitFor } from './helpers/wait-for.ts';

let server: RedisServer;
before(async () => (server = await startRedis()));
after(async () => server.stop());

class FlakyNetwork extends Error {
  override name = 'FlakyNetwork';
}

for (const mode of ['reliable', 'simple'] as const) {
  test(`${mode}: autoretryFor retries until success, and each retry waits at least its delay`, async () => {
    const queue = randomUUID();
    const app = createApp({ redis: server.url, defaultQueue: queue });
    const runs: number[] = [];
    const task = app.task('fails-twice', (n: number) => {
      runs.push(Date.now());
      if (runs.length <= 2) throw new FlakyNetwork(`attempt ${runs.length}`);
      return n * 2;
    }, { autoretryFor: [FlakyNetwork], defaultRetryDelayMs: 300 });
    const worker = app.worker({ mode, promoteIntervalMs: 20 });
    const running = worker.run();
    try {
      const result = await task.delay(21);
      await waitFor(async () => (await result.state()) === 'RETRY', { what: 'RETRY state after the first failure' });
      assert.equal(await result.get({ timeoutMs: 10_000 }), 42);
      assert.equal(runs.length, 3);
      for (let i = 1; i < runs.length; i++) assert.ok(runs[i]! - runs[i - 1]! >= 300, `retry ${i} ran ${runs[i]! - runs[i - 1]!} ms after the run before`);
    } finally {
      await app.close();
      await running;
    }
  });

  test(`${mode}: exhausted retries end in FAILURE with the last error and a max-retries dead letter`, async () => {
    const queue = randomUUID();
    const app = createApp({ redis: server.url, defaultQueue: queue });
    let runs = 0;
    const task = app.task('always-fails', (ctx: TaskContext) => {
      runs++;
      ctx.retry({ countdownMs: 10, error: new Error(`run ${runs} (retries so far ${ctx.retries})`) });
    }, { bind: true, maxRetries: 2 });
    const worker = app.worker({ mode, promoteIntervalMs: 20 });
    const running = worker.run();
    try {
      const result = await task.delay();
      const error = await result.get({ timeoutMs: 10_000 }).catch((e: unknown) => e);
      assert.ok(error instanceof TaskFailedError);
      assert.equal(error.remote.message, 'run 3 (retries so far 2)');
      assert.equal(runs, 3, 'maxRetries 2 means 3 runs');
      const redis = await app.connection();
      const dead = (await redis.lrange(app.keys.dead(queue), 0, -1)).map((entry) => JSON.parse(entry));
      assert.equal(dead.length, 1);
      assert.equal(dead[0].reason, 'max-retries');
      assert.equal(JSON.parse(dead[0].raw).id, result.id);
    } finally {
      await app.close();
      await running;
    }
  });
}

test('a plain throw is not retried and is not dead-lettered', async () => {
  const queue = randomUUID();
  const app = createApp({ redis: server.url, defaultQueue: queue });
  let runs = 0;
  const task = app.task('plain-throw', () => {
    runs++;
    throw new FlakyNetwork('not listed in autoretryFor');
  }, { defaultRetryDelayMs: 0 });
  const running = app.worker().run();
  try {
    const error = await (await task.delay()).get({ timeoutMs: 10_000 }).catch((e: unknown) => e);
    assert.ok(error instanceof TaskFailedError);
    assert.equal(error.remote.name, 'FlakyNetwork');
    assert.equal(runs, 1);
    assert.equal(await (await app.connection()).llen(app.keys.dead(queue)), 0);
  } finally {
    await app.close();
    await running;
  }
});

test('backoff delays stay within [0, min(cap, base·2^n)], and equal the bound without jitter', () => {
  const options = { retryBackoff: 100, retryBackoffMaxMs: 1500 };
  for (let n = 0; n < 8; n++) {
    const bound = Math.min(1500, 100 * 2 ** n);
    assert.equal(backoffBoundMs(options, n), bound);
    for (let sample = 0; sample < 200; sample++) {
      const delay = retryDelayMs(options, n, new Error('x'));
      assert.ok(delay >= 0 && delay <= bound, `retry ${n}: ${delay} outside [0, ${bound}]`);
    }
    assert.equal(retryDelayMs({ ...options, retryJitter: false }, n, new Error('x')), bound);
    // The extremes of the random draw reach both ends of the range.
    assert.equal(retryDelayMs(options, n, new Error('x'), () => 0), 0);
    assert.equal(retryDelayMs(options, n, new Error('x'), () => 0.999999), bound);
  }
  assert.equal(backoffBoundMs({ retryBackoff: true }, 3), 8000, 'true means a 1 s base');
  assert.equal(retryDelayMs({}, 0, new Error('x')), 180_000, "Celery's default retry delay");
  assert.equal(retryDelayMs({ retryBackoff: 100 }, 5, new Retry({ countdownMs: 7 })), 7, 'an explicit countdown wins');
});

test('wantsRetry matches Retry, classes and names, and nothing else', () => {
  assert.equal(wantsRetry(new Retry(), {}), true);
  assert.equal(wantsRetry(new FlakyNetwork('x'), { autoretryFor: [FlakyNetwork] }), true);
  assert.equal(wantsRetry(new FlakyNetwork('x'), { autoretryFor: ['FlakyNetwork'] }), true);
  assert.equal(wantsRetry(new TypeError('x'), { autoretryFor: ['FlakyNetwork'] }), false);
  assert.equal(wantsRetry('a string', { autoretryFor: ['FlakyNetwork'] }), false);
});
