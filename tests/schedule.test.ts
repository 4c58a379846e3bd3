import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createApp, InvalidOptionError, TaskRevokedError } from 'hardq';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';
import { waitFor } from './helpers/wait-for.ts';

let server: RedisServer;
before(async () => (server = await startRedis()));
after(async () => server.stop());

for (const mode of ['reliable', 'simple'] as const) {
  test(`${mode}: a 500 ms countdown never runs before 500 ms`, async () => {
    const queue = randomUUID();
    const app = createApp({ redis: server.url, defaultQueue: queue });
    let ranAt = 0;
    const task = app.task('later', () => (ranAt = Date.now()));
    const running = app.worker({ mode, promoteIntervalMs: 20 }).run();
    try {
      const sentAt = Date.now();
      const result = await task.applyAsync([], { countdownMs: 500 });
      const redis = await app.connection();
      assert.equal(await redis.zcard(app.keys.scheduled(queue)), 1, 'it waits in the scheduled set, not in a worker');
      await result.get({ timeoutMs: 10_000 });
      assert.ok(ranAt - sentAt >= 500, `ran after ${ranAt - sentAt} ms`);
    } finally {
      await app.close();
      await running;
    }
  });

  test(`${mode}: ETAs run in ETA order, whatever order they were sent in`, async () => {
    const queue = randomUUID();
    const app = createApp({ redis: server.url, defaultQueue: queue });
    const order: number[] = [];
    const task = app.task('record', (n: number) => void order.push(n));
    const now = Date.now();
    // Sent before any worker runs, so all are due by the time the worker looks.
    const results = await Promise.all([3, 1, 4, 2].map((n) => task.applyAsync([n], { eta: new Date(now + 100 * n) })));
    await waitFor(() => Date.now() > now + 500, { what: 'every ETA to pass' });
    const running = app.worker({ mode, concurrency: 1 }).run();
    try {
      await Promise.all(results.map((r) => r.get({ timeoutMs: 10_000 })));
      assert.deepEqual(order, [1, 2, 3, 4]);
    } finally {
      await app.close();
      await running;
    }
  });

  test(`${mode}: an expired message is not run and its result is REVOKED (expired)`, async () => {
    const queue = randomUUID();
    const app = createApp({ redis: server.url, defaultQueue: queue });
    let runs = 0;
    const task = app.task('stale', () => runs++);
    const expires = Date.now() + 50;
    const result = await task.applyAsync([], { expires });
    const fresh = await task.applyAsync([], { expires: Date.now() + 60_000 });
    await waitFor(() => Date.now() > expires + 5, { what: 'the first message to expire before any worker exists' });
    const running = app.worker({ mode }).run();
    try {
      const error = await result.get({ timeoutMs: 10_000 }).catch((e: unknown) => e);
      assert.ok(error instanceof TaskRevokedError);
      assert.equal(error.reason, 'expired');
      await fresh.get({ timeoutMs: 10_000 });
      assert.equal(runs, 1, 'only the unexpired message ran');
    } finally {
      await app.close();
      await running;
    }
  });
}

test('call options are checked before anything is sent', async () => {
  const app = createApp({ redis: server.url, defaultQueue: randomUUID() });
  const task = app.task('checked', () => 1);
  await assert.rejects(task.applyAsync([], { countdownMs: -1 }), InvalidOptionError);
  await assert.rejects(task.applyAsync([], { countdownMs: 10, eta: Date.now() }), InvalidOptionError);
  await assert.rejects(task.applyAsync([], { eta: Date.now() + 1000, expires: Date.now() }), InvalidOptionError);
  await assert.rejects(task.applyAsync([], { eta: new Date('nonsense') }), InvalidOptionError);
  await app.close();
});
