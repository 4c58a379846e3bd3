/**
 * Defect 2 of the hardening issue: "graceful shutdown strands what the worker does not know
 * it holds". A claim whose reply a reconnect swallowed leaves a message in the consumer's
 * processing list that the worker does not track: close() must give it back (unregister.lua),
 * and the reconcile that finds it must be retried until it has really run.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { privateRedis } from './helpers/private-redis.ts';
import { waitFor } from './helpers/wait-for.ts';
import { harness } from './fixtures/harness.ts';

const world = privateRedis();

const orphan = (id: string) => JSON.stringify({ v: 1, id, task: 'add', args: [2, 3] });

test('defect 2: close() gives back a message in the processing list that the worker did not know it held', async () => {
  const h = harness(world.server.url);
  h.app.task('add', (a: number, b: number) => a + b);
  try {
    const worker = h.start({ blockTimeoutMs: 2000 });
    const { keys } = h.app;
    await waitFor(async () => (await world.redis.zscore(keys.consumers(h.queue), worker.consumerId)) !== null, { what: 'the worker to register' });
    // What a BLMOVE whose reply was lost leaves behind: ours in Redis, unknown in memory.
    const raw = orphan(randomUUID());
    await world.redis.lpush(keys.processing(h.queue, worker.consumerId), raw);
    await worker.close();
    assert.deepEqual(await world.redis.lrange(keys.ready(h.queue), 0, -1), [raw], 'back on the ready list, once');
    assert.equal(await world.redis.exists(keys.processing(h.queue, worker.consumerId), keys.heartbeat(h.queue, worker.consumerId)), 0);
    assert.equal(await world.redis.zscore(keys.consumers(h.queue), worker.consumerId), null, 'unregistered in the same step');
  } finally {
    await h.close();
  }
});

test('defect 2: a reconcile that fails is tried again, not forgotten', async () => {
  const h = harness(world.server.url);
  h.app.task('add', (a: number, b: number) => a + b);
  try {
    const worker = h.start({ blockTimeoutMs: 100 });
    const { keys } = h.app;
    await waitFor(async () => (await world.redis.zscore(keys.consumers(h.queue), worker.consumerId)) !== null, { what: 'the worker to register' });
    // The reconcile reads both lists in one MULTI; make that fail, as it does under an outage.
    await world.redis.acl('SETUSER', 'default', '-multi');
    const id = randomUUID();
    await world.redis.lpush(keys.processing(h.queue, worker.consumerId), orphan(id));
    // A reconnect of the worker's command connection asks for a reconcile.
    const clients = (await world.redis.client('LIST')) as string;
    const line = clients.split('\n').find((client) => client.includes(` name=hardq-worker-${worker.consumerId} `))!;
    await world.redis.client('KILL', 'ID', /id=(\d+)/.exec(line)![1]!);
    await waitFor(() => h.logs.some((log) => /fetch failed.*(MULTI|NOPERM)/.test(log)), { what: 'the reconcile to fail' });
    await world.redis.acl('SETUSER', 'default', '+multi');
    await waitFor(async () => (await world.redis.get(keys.result(h.queue, id)))?.includes('SUCCESS'), { what: 'the orphan to be reconciled and run' });
  } finally {
    await world.redis.acl('SETUSER', 'default', '+multi');
    await h.close();
  }
});
