import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createApp } from 'hardq';
import { routeTask } from '../producer/route.ts';
import { startRedis } from './helpers/redis-server.ts';
import { waitFor } from './helpers/wait-for.ts';

test('routing precedence: call queue, then routes, then the task queue, then the default', () => {
  const routes = { 'email.send': 'mail', 'email.*': 'mail-bulk', 'img.?': { queue: 'images' } };
  const base = { routes, defaultQueue: 'default' };
  assert.equal(routeTask('email.send', { ...base, callQueue: 'urgent', taskQueue: 'own' }), 'urgent');
  assert.equal(routeTask('email.send', { ...base, taskQueue: 'own' }), 'mail', 'an exact route beats a glob');
  assert.equal(routeTask('email.digest', { ...base, taskQueue: 'own' }), 'mail-bulk');
  assert.equal(routeTask('img.x', base), 'images');
  assert.equal(routeTask('img.xy', { ...base, taskQueue: 'own' }), 'own', '? matches one character');
  assert.equal(routeTask('other', base), 'default');
  assert.equal(routeTask('emailXsend', base), 'default', 'a dot in a route is literal');
});

test('a function route may decline, falling through to the task queue', () => {
  const routes = (name: string) => (name.startsWith('report') ? 'reports' : undefined);
  assert.equal(routeTask('report.daily', { routes, defaultQueue: 'd' }), 'reports');
  assert.equal(routeTask('other', { routes, taskQueue: 't', defaultQueue: 'd' }), 't');
});

test('app routes reach the queue, and round-robin alternates between two full queues', async () => {
  const server = await startRedis();
  const [a, b] = [randomUUID(), randomUUID()];
  const app = createApp({ redis: server.url, taskRoutes: { 'to.*': a } });
  const order: string[] = [];
  const task = app.task('to.somewhere', (tag: string) => void order.push(tag), { queue: b });
  try {
    const routed = await task.delay('routed');
    assert.equal(routed.queue, a, 'the route beats the task queue');
    assert.equal((await task.applyAsync(['call'], { queue: b })).queue, b, 'the call beats the route');
    await task.applyMany([['a1'], ['a2'], ['a3']]);
    await app.sendMany('to.somewhere', [['b1'], ['b2'], ['b3']], { queue: b });
    const worker = app.worker({ queues: [a, b], queueOrder: 'round-robin', concurrency: 1, claimBatchMax: 1 });
    const running = worker.run();
    const redis = await app.connection();
    await waitFor(() => order.length === 8, { what: 'all eight tasks' });
    await worker.close();
    await running;
    assert.equal(await redis.llen(app.keys.ready(a)) + (await redis.llen(app.keys.ready(b))), 0);
    // Alternating queues: never three in a row from one queue.
    const queueOf = (tag: string) => (tag.startsWith('a') || tag === 'routed' ? 'a' : 'b');
    for (let i = 2; i < order.length; i++) {
      assert.ok(!(queueOf(order[i]!) === queueOf(order[i - 1]!) && queueOf(order[i]!) === queueOf(order[i - 2]!)), `order ${order.join(',')}`);
    }
  } finally {
    await app.close();
    await server.stop();
  }
});
