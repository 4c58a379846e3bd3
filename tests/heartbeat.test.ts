/**
 * consumer/heartbeat.ts against a real redis-server: the first beat registers the consumer
 * or refuses an id in use, a Redis error fails start(), the thread keeps beating through a
 * blocked event loop and stops after stallTimeoutMs, and stop() leaves nothing running.
 * Blocking runs in tests/fixtures/heartbeat-child.ts, a real process, stopped by pid.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { Heartbeat } from '../consumer/heartbeat.ts';
import { connectRedis } from '../shared/connection.ts';
import { ConsumerIdInUseError } from '../shared/errors.ts';
import { Keys } from '../shared/keys.ts';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';
import { waitFor } from './helpers/wait-for.ts';

const childFile = fileURLToPath(new URL('./fixtures/heartbeat-child.ts', import.meta.url));
const keys = new Keys();
let server: RedisServer;
let redis: Redis;
const children = new Set<ChildProcess>();

before(async () => {
  server = await startRedis();
  redis = await connectRedis(server.url);
});
after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await redis?.quit();
  await server?.stop();
});

/** A Heartbeat (TTL 300 ms) for one fresh queue and consumer id, unless given. */
function heartbeat(options: { queue?: string; consumerId?: string } = {}) {
  const { queue = randomUUID(), consumerId = randomUUID() } = options;
  const beating = new Heartbeat({
    redis, keys, queues: [queue], consumerId, ttlMs: 300, keepMs: 5000, stallTimeoutMs: 60_000,
    redisUrl: server.url, connectTimeoutMs: 5000, log: () => {},
  });
  return { beating, queue, consumerId };
}

/** Whether the heartbeat thread of `consumerId` has a connection open. */
async function threadConnected(consumerId: string): Promise<boolean> {
  return ((await redis.client('LIST')) as string).includes(`name=hardq-heartbeat-${consumerId} `);
}

/** Spawns the fixture; `output` gathers its stdout and stderr, `exited` resolves with its exit code. */
function spawnChild(options: { queue: string; consumerId: string; ttlMs: number; stallTimeoutMs: number; blockMs: number; waitFor?: string }) {
  const child = spawn(process.execPath, ['--import', 'tsx', childFile, JSON.stringify({ url: server.url, ...options })], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const result = { output: '', exitCode: undefined as number | null | undefined };
  child.stdout!.on('data', (chunk: Buffer) => (result.output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (result.output += chunk.toString()));
  child.once('exit', (code) => {
    result.exitCode = code;
    children.delete(child);
  });
  return result;
}

test('the first beat registers the consumer, and the thread renews it', async () => {
  const { beating, queue, consumerId } = heartbeat();
  await beating.start();
  try {
    const first = await redis.get(keys.heartbeat(queue, consumerId));
    assert.ok(first !== null, 'the heartbeat key exists once start() resolves');
    assert.deepEqual(Object.keys(JSON.parse(first)).sort(), ['host', 'lastFetchAt', 'pid', 'progressAt', 'startedAt', 'token']);
    assert.equal(JSON.parse(first).token, beating.token);
    const keepUntilMs = Number(await redis.zscore(keys.consumers(queue), consumerId));
    assert.ok(keepUntilMs > Date.now(), `the consumer set keeps the id until a future time (score ${keepUntilMs})`);
    // progressAt moves every 100 ms, so a new value is a beat from the thread.
    await waitFor(async () => (await redis.get(keys.heartbeat(queue, consumerId))) !== first, { timeoutMs: 5000, what: 'a renewed heartbeat value' });
  } finally {
    await beating.stop();
  }
});

test('start() rejects with ConsumerIdInUseError while another Heartbeat holds the id', async () => {
  const { beating: holder, queue, consumerId } = heartbeat();
  await holder.start();
  try {
    await assert.rejects(heartbeat({ queue, consumerId }).beating.start(), (error: unknown) => {
      assert.ok(error instanceof ConsumerIdInUseError);
      assert.equal(error.code, 'CONSUMER_ID_IN_USE');
      assert.match(error.message, new RegExp(`consumer id ${consumerId} on queue "${queue}"`));
      return true;
    });
    assert.ok(await threadConnected(consumerId), 'the holder still beats');
  } finally {
    await holder.stop();
  }
  assert.ok(!(await threadConnected(consumerId)), 'neither Heartbeat left a thread connected');
});

test('start() rejects when Redis refuses the write (maxmemory, noeviction)', async () => {
  const filler = `filler-${randomUUID()}`;
  await redis.set(filler, 'x'.repeat(1_000_000));
  await redis.config('SET', 'maxmemory-policy', 'noeviction');
  await redis.config('SET', 'maxmemory', '1');
  try {
    const { beating, consumerId } = heartbeat();
    await assert.rejects(beating.start(), /OOM/);
    assert.ok(!(await threadConnected(consumerId)), 'the failed start() left no thread connected');
  } finally {
    await redis.config('SET', 'maxmemory', '0');
    await redis.del(filler);
  }
});

test('the thread keeps beating while the event loop is blocked for 2 s (TTL 300 ms)', async () => {
  const queue = randomUUID();
  const consumerId = randomUUID();
  const child = spawnChild({ queue, consumerId, ttlMs: 300, stallTimeoutMs: 60_000, blockMs: 2000 });
  await waitFor(() => child.output.includes('blocking'), { what: 'the child to block its event loop' });
  let polls = 0;
  while (!child.output.includes('unblocked')) {
    assert.equal(await redis.exists(keys.heartbeat(queue, consumerId)), 1, `the heartbeat key vanished after ${polls} polls while the loop was blocked`);
    polls++;
    assert.ok(polls < 1000, 'the child never reported the end of its block');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.ok(polls >= 20, `the key was polled through the block (${polls} polls)`);
  await waitFor(() => child.exitCode !== undefined, { what: 'the child to exit' });
  assert.equal(child.exitCode, 0, child.output);
});

test('after stallTimeoutMs without progress the thread stops beating, and says why', async () => {
  const queue = randomUUID();
  const consumerId = randomUUID();
  const child = spawnChild({ queue, consumerId, ttlMs: 300, stallTimeoutMs: 600, blockMs: 3000, waitFor: 'had expired' });
  await waitFor(() => child.output.includes('blocking'), { what: 'the child to block its event loop' });
  await waitFor(async () => (await redis.exists(keys.heartbeat(queue, consumerId))) === 0, { timeoutMs: 10_000, what: 'the heartbeat to expire' });
  assert.ok(!child.output.includes('unblocked'), 'the key expired before the block ended');
  await waitFor(() => child.exitCode !== undefined, { what: 'the child to exit' });
  assert.equal(child.exitCode, 0, child.output);
  assert.match(child.output, /the event loop has made no progress for \d+ ms \(stallTimeoutMs 600\); stopped beating so that other consumers take back its messages/);
  assert.match(child.output, /the heartbeat on queue "[^"]+" had expired; a reaper may have requeued/);
});

test('stop() ends the thread and its connection, and the key then expires', async () => {
  const { beating, queue, consumerId } = heartbeat();
  await beating.start();
  assert.ok(await threadConnected(consumerId), 'the thread has its own connection');
  await beating.stop();
  assert.ok(!(await threadConnected(consumerId)), 'the thread closed its connection');
  await waitFor(async () => (await redis.exists(keys.heartbeat(queue, consumerId))) === 0, { timeoutMs: 5000, what: 'the heartbeat to expire' });
  // A process whose only work was the heartbeat exits by itself once stop() resolves.
  const child = spawnChild({ queue: randomUUID(), consumerId: randomUUID(), ttlMs: 300, stallTimeoutMs: 60_000, blockMs: 0 });
  await waitFor(() => child.exitCode !== undefined, { what: 'the child to exit by itself after stop()' });
  assert.equal(child.exitCode, 0, child.output);
  assert.match(child.output, /stopped/);
});
