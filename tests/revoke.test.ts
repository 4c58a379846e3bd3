import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createApp, TaskRevokedError } from 'hardq';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';
import { waitFor } from './helpers/wait-for.ts';

let server: RedisServer;
before(async () => (server = await startRedis()));
after(async () => server.stop());

for (const mode of ['reliable', 'simple'] as const) {
  test(`${mode}: a revoked task that has not started is skipped; the others run`, async () => {
    const queue = randomUUID();
    const app = createApp({ redis: server.url, defaultQueue: queue });
    const ran: number[] = [];
    const task = app.task('maybe', (n: number) => void ran.push(n));
    const results = await task.applyMany([[1], [2], [3]]);
    const scheduled = await task.applyAsync([4], { countdownMs: 200 });
    assert.equal(await results[1]!.revoke(), true);
    assert.equal(await app.revoke(scheduled.id, { queue }), true);
    const running = app.worker({ mode, promoteIntervalMs: 20 }).run();
    try {
      await results[0]!.get({ timeoutMs: 10_000 });
      await results[2]!.get({ timeoutMs: 10_000 });
      const error = await results[1]!.get({ timeoutMs: 10_000 }).catch((e: unknown) => e);
      assert.ok(error instanceof TaskRevokedError);
      assert.equal(error.reason, 'revoked');
      const redis = await app.connection();
      await waitFor(async () => (await redis.zcard(app.keys.scheduled(queue))) === 0, { what: 'the scheduled message to come due' });
      // The scheduled one was dropped when it came due; give the worker its chance to (wrongly) run it.
      const probe = await task.delay(5);
      await probe.get({ timeoutMs: 10_000 });
      assert.deepEqual(ran.sort(), [1, 3, 5]);
      assert.ok((await redis.pttl(app.keys.revoked(queue))) > 0, 'the revoked set expires');
    } finally {
      await app.close();
      await running;
    }
  });
}

test('revoking a finished task keeps its result', async () => {
  const queue = randomUUID();
  const app = createApp({ redis: server.url, defaultQueue: queue });
  const task = app.task('done', () => 'kept');
  const running = app.worker().run();
  try {
    const result = await task.delay();
    assert.equal(await result.get({ timeoutMs: 10_000 }), 'kept');
    assert.equal(await result.revoke(), false);
    assert.equal(await result.get({ timeoutMs: 1000 }), 'kept');
  } finally {
    await app.close();
    await running;
  }
});
