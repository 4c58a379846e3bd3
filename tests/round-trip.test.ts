import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createApp } from 'hardq';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';

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
