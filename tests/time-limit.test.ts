import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createApp, TaskFailedError, type TaskContext } from 'hardq';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';

let server: RedisServer;
before(async () => (server = await startRedis()));
after(async () => server.stop());

test('async pool: the soft limit fires the signal, and a handler that honours it fails with SoftTimeLimitExceeded', async () => {
  const queue = randomUUID();
  const app = createApp({ redis: server.url, defaultQueue: queue, log: () => {} });
  let sawAbort = false;
  const task = app.task('patient', (ctx: TaskContext) => new Promise((_, reject) => {
    ctx.signal.addEventListener('abort', () => {
      sawAbort = true;
      reject(ctx.signal.reason);
    });
  }), { bind: true, softTimeLimitMs: 100 });
  const running = app.worker().run();
  try {
    const error = await (await task.delay()).get({ timeoutMs: 10_000 }).catch((e: unknown) => e);
    assert.ok(error instanceof TaskFailedError);
    assert.equal(error.remote.name, 'SoftTimeLimitExceeded');
    assert.equal(sawAbort, true);
  } finally {
    await app.close();
    await running;
  }
});

test('async pool: the soft limit can trigger a retry through autoretryFor', async () => {
  const queue = randomUUID();
  const app = createApp({ redis: server.url, defaultQueue: queue, log: () => {} });
  const task = app.task('slow-then-fast', (ctx: TaskContext) => {
    if (ctx.retries > 0) return 'second run was quick';
    return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
  }, { bind: true, softTimeLimitMs: 50, autoretryFor: ['SoftTimeLimitExceeded'], defaultRetryDelayMs: 10 });
  const running = app.worker({ promoteIntervalMs: 20 }).run();
  try {
    assert.equal(await (await task.delay()).get({ timeoutMs: 10_000 }), 'second run was quick');
  } finally {
    await app.close();
    await running;
  }
});

test('async pool: the hard limit fails the task with TimeLimitExceeded and the worker goes on', async () => {
  const queue = randomUUID();
  const lines: string[] = [];
  const app = createApp({ redis: server.url, defaultQueue: queue, log: (line) => lines.push(line) });
  const stuck = app.task('stuck', () => new Promise(() => {}), { timeLimitMs: 100 });
  const quick = app.task('quick', () => 'fine');
  const running = app.worker().run();
  try {
    const error = await (await stuck.delay()).get({ timeoutMs: 10_000 }).catch((e: unknown) => e);
    assert.ok(error instanceof TaskFailedError);
    assert.equal(error.remote.name, 'TimeLimitExceeded');
    assert.ok(lines.some((line) => line.includes('cannot be stopped')), 'the abandonment is logged');
    assert.equal(await (await quick.delay()).get({ timeoutMs: 10_000 }), 'fine');
  } finally {
    await app.close();
    await running;
  }
});
