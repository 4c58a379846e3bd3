/**
 * Defects 3, 4 and 12 (the error path and shutdown both pushing a message back) of the
 * hardening issue. A Redis error before the handler starts makes the worker try that
 * message again with backoff, and after maxStartAttempts dead-letter it as start-failed:
 * never a hot loop, never a leaked quarantine slot. After the handler started, anything
 * that goes wrong ends in a result: the handler never runs twice for it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { maxStartAttempts } from '../consumer/worker.ts';
import { runsAloneFrom } from '../consumer/reaper.ts';
import { privateRedis } from './helpers/private-redis.ts';
import { waitFor } from './helpers/wait-for.ts';
import { harness } from './fixtures/harness.ts';

const world = privateRedis();

const message = (task: string, id: string, deliveries?: number) =>
  `{${deliveries === undefined ? '' : `"deliveries":${deliveries},`}"v":1,"id":"${id}","task":"${task}","args":[]}`;
const deadReasons = async (key: string) => (await world.redis.lrange(key, 0, -1)).map((entry) => (JSON.parse(entry) as { reason: string }).reason);

test('defect 3: a handler that throws a cyclic, null-prototype object runs once and ends in FAILURE', async () => {
  const h = harness(world.server.url);
  let runs = 0;
  const odd = h.app.task('odd', () => {
    runs++;
    const thrown = Object.create(null) as { self?: unknown };
    thrown.self = thrown;
    throw thrown;
  });
  try {
    const result = await odd.delay();
    h.start();
    await waitFor(async () => (await result.state()) === 'FAILURE', { what: 'FAILURE' });
    assert.deepEqual(await deadReasons(h.app.keys.dead(h.queue)), ['non-error-thrown']);
    assert.equal(runs, 1, 'the handler ran once');
  } finally {
    await h.close();
  }
});

test('defect 3: a Redis error before the handler (a wrong-type rate-limit key) backs off and dead-letters as start-failed', async () => {
  const h = harness(world.server.url);
  let runs = 0;
  const limited = h.app.task('limited', () => runs++, { rateLimit: '100/s' });
  try {
    await world.redis.lpush(h.app.keys.rateLimit('limited'), 'not a slot');
    const result = await limited.delay();
    h.start();
    await waitFor(async () => (await result.state()) === 'FAILURE', { what: 'FAILURE', timeoutMs: 15_000 });
    assert.deepEqual(await deadReasons(h.app.keys.dead(h.queue)), ['start-failed']);
    assert.equal(runs, 0, 'the handler never ran');
    const attempts = h.logs.filter((line) => line.includes('could not start a message')).length;
    assert.equal(attempts, maxStartAttempts, `one log line per attempt, not a hot loop: ${attempts}`);
    assert.equal(await world.redis.llen(h.app.keys.ready(h.queue)), 0);
  } finally {
    await world.redis.del(h.app.keys.rateLimit('limited'));
    await h.close();
  }
});

test('defect 4: a redelivered message that fails to start does not keep the quarantine slot from the next one', async () => {
  const h = harness(world.server.url);
  h.app.task('limited', () => 'never', { rateLimit: '100/s' });
  h.app.task('plain', () => 'ran');
  const alone = runsAloneFrom(5);
  try {
    await world.redis.lpush(h.app.keys.rateLimit('limited'), 'not a slot');
    const [first, second] = [randomUUID(), randomUUID()];
    // Both run alone from the quarantine list, one at a time; the first fails to start.
    await world.redis.lpush(h.app.keys.ready(h.queue), message('limited', first, alone), message('plain', second, alone));
    h.start();
    await waitFor(async () => (await world.redis.get(h.app.keys.result(h.queue, second)))?.includes('SUCCESS'), { what: 'the second redelivered message to run', timeoutMs: 15_000 });
    assert.deepEqual(await deadReasons(h.app.keys.dead(h.queue)), ['start-failed']);
  } finally {
    await world.redis.del(h.app.keys.rateLimit('limited'));
    await h.close();
  }
});

test('defect 12: a message waiting to try again when close() begins goes back to the queue exactly once', async () => {
  const h = harness(world.server.url);
  h.app.task('limited', () => 'never', { rateLimit: '100/s' });
  try {
    await world.redis.lpush(h.app.keys.rateLimit('limited'), 'not a slot');
    const raw = message('limited', randomUUID());
    await world.redis.lpush(h.app.keys.ready(h.queue), raw);
    const worker = h.start();
    await waitFor(() => h.logs.some((line) => line.includes('attempt 1 of')), { what: 'the first failed start' });
    await worker.close();
    assert.deepEqual(await world.redis.lrange(h.app.keys.ready(h.queue), 0, -1), [raw]);
    assert.equal(await world.redis.exists(h.app.keys.processing(h.queue, worker.consumerId), h.app.keys.claimed(h.queue, worker.consumerId)), 0);
  } finally {
    await world.redis.del(h.app.keys.rateLimit('limited'));
    await h.close();
  }
});
