/**
 * Defects 9 to 12 of the hardening issue: revokes leave the claim's hot path within
 * revokedRecentMs yet are still honoured from every worker's copy; dead-letter lists expire;
 * the completer's batches are bounded; promotion and "early message" checks use Redis's
 * clock; a consumer id cannot be shared by two live workers; a thrown object with a `code`
 * is dead-lettered as the protocol says; a failed shutdown requeue is reported, not ignored.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ConsumerIdInUseError } from 'hardq';
import { revokedRecentMs } from '../shared/revoked.ts';
import { deadLetterTtlMs } from '../shared/dead-letter.ts';
import { Completer, maxBatchBytes, maxBatchCount } from '../consumer/completer.ts';
import type { Completion } from '../consumer/fetch.ts';
import { privateRedis } from './helpers/private-redis.ts';
import { waitFor } from './helpers/wait-for.ts';
import { gate, harness } from './fixtures/harness.ts';

const world = privateRedis();

test('defect 9: a revoke leaves the claim\'s fast path within revokedRecentMs, and the worker still skips it later', async () => {
  const h = harness(world.server.url);
  let runs = 0;
  const add = h.app.task('add', (a: number, b: number) => (runs++, a + b));
  try {
    const result = await add.delay(1, 2);
    await result.revoke();
    const recent = h.app.keys.revokedRecent(h.queue);
    const ttl = await world.redis.pttl(recent);
    assert.ok(ttl > 0 && ttl <= revokedRecentMs, `the recent set expires within the window (${ttl} ms)`);
    // As if the window had passed: only the long set and the workers' copies remember it.
    await world.redis.del(recent);
    const other = await add.delay(2, 3);
    h.start();
    assert.equal(await other.get({ timeoutMs: 10_000 }), 5);
    assert.equal(await result.state(), 'REVOKED');
    assert.equal(runs, 1, 'the revoked task never ran');
  } finally {
    await h.close();
  }
});

test('defect 10: a dead-letter list expires deadLetterTtlMs after its newest entry', async () => {
  const h = harness(world.server.url);
  try {
    await world.redis.lpush(h.app.keys.ready(h.queue), 'not json');
    h.start();
    await waitFor(async () => (await world.redis.llen(h.app.keys.dead(h.queue))) === 1, { what: 'the dead letter' });
    const ttl = await world.redis.pttl(h.app.keys.dead(h.queue));
    assert.ok(ttl > deadLetterTtlMs - 60_000 && ttl <= deadLetterTtlMs, `TTL ${ttl} ms`);
  } finally {
    await h.close();
  }
});

test('defect 10: the completer writes at most maxBatchCount messages and about maxBatchBytes per call', async () => {
  const sizes: { count: number; bytes: number }[] = [];
  const completer = new Completer({
    write: async (_queue, batch) => void sizes.push({ count: batch.length, bytes: batch.reduce((sum, c) => sum + c.claimed.raw.length, 0) }),
    onWritten: () => {},
    log: () => {},
  });
  const completion = (bytes: number): Completion => ({ claimed: { raw: 'x'.repeat(bytes), queue: 'q' } });
  for (let i = 0; i < 1200; i++) completer.add(completion(10));
  for (let i = 0; i < 10; i++) completer.add(completion(1024 * 1024));
  await completer.drained();
  assert.equal(sizes.reduce((sum, s) => sum + s.count, 0), 1210);
  assert.ok(sizes.every((s) => s.count <= maxBatchCount), JSON.stringify(sizes));
  assert.ok(sizes.every((s) => s.bytes <= maxBatchBytes), JSON.stringify(sizes));
});

test('defect 11: a worker whose clock is a minute slow still promotes and runs what is due by Redis\'s clock', async () => {
  const h = harness(world.server.url);
  h.app.task('add', (a: number, b: number) => a + b);
  const realNow = Date.now;
  try {
    const [seconds, micros] = await world.redis.time();
    const redisNow = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const [due, early] = [randomUUID(), randomUUID()];
    // One due in the scheduled set, one on the ready list whose eta has just passed.
    await world.redis.zadd(h.app.keys.scheduled(h.queue), redisNow - 1, JSON.stringify({ v: 1, id: due, task: 'add', args: [1, 1], eta: redisNow - 1 }));
    await world.redis.lpush(h.app.keys.ready(h.queue), JSON.stringify({ v: 1, id: early, task: 'add', args: [2, 2], eta: redisNow - 1 }));
    Date.now = () => realNow() - 60_000;
    h.start();
    for (const id of [due, early]) {
      await waitFor(async () => (await world.redis.get(h.app.keys.result(h.queue, id)))?.includes('SUCCESS'), { what: `${id} to run` });
    }
  } finally {
    Date.now = realNow;
    await h.close();
  }
});

test('defect 12: a second live worker with the same consumerId does not start, and the first goes on', async () => {
  const h = harness(world.server.url);
  const add = h.app.task('add', (a: number, b: number) => a + b);
  try {
    const first = h.start({ consumerId: 'twin' });
    await waitFor(async () => (await world.redis.exists(h.app.keys.heartbeat(h.queue, 'twin'))) === 1, { what: 'the first to register' });
    await assert.rejects(h.app.worker({ queues: [h.queue], consumerId: 'twin' }).run(), ConsumerIdInUseError);
    assert.equal(await (await add.delay(20, 22)).get({ timeoutMs: 10_000 }), 42);
    assert.equal(first.counts.SUCCESS, 1);
  } finally {
    await h.close();
  }
});

test('defect 12: a thrown object with a code is dead-lettered as non-error-thrown, as PROTOCOL.md says', async () => {
  const h = harness(world.server.url);
  const coded = h.app.task('coded', () => {
    throw { code: 'E_PLAIN', message: 'a plain object' };
  });
  try {
    const result = await coded.delay();
    h.start();
    await waitFor(async () => (await result.state()) === 'FAILURE', { what: 'FAILURE' });
    const [entry] = await world.redis.lrange(h.app.keys.dead(h.queue), 0, -1);
    assert.equal((JSON.parse(entry!) as { reason: string }).reason, 'non-error-thrown');
  } finally {
    await h.close();
  }
});

test('defect 12: in simple mode a shutdown requeue that fails is reported, naming what was lost', async () => {
  const h = harness(world.server.url);
  const hold = gate();
  let started = false;
  const stuck = h.app.task('stuck', async () => {
    started = true;
    await hold.opened;
  });
  try {
    await stuck.delay();
    const worker = h.start({ mode: 'simple', shutdownTimeoutMs: 50 });
    await waitFor(() => started, { what: 'the handler to start' });
    await world.redis.set(h.app.keys.ready(h.queue), 'not a list');
    await worker.close();
    assert.ok(h.logs.some((line) => /could not put 1 unfinished message\(s\) back \(WRONGTYPE.*lost \(simple mode\)/.test(line)), h.logs.join('\n'));
  } finally {
    hold.open();
    await world.redis.del(h.app.keys.ready(h.queue));
    await h.close();
  }
});
