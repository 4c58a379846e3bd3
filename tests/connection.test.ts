/**
 * shared/connection.ts and its callers: before the first connection the library retries
 * quietly for connectTimeoutMs, then rejects with RedisUnavailableError and its one line;
 * that failure is never cached, so the same app works once Redis is up. After the first
 * connection, an outage is logged once however many connections lose it: one line when it
 * starts, one when the last connection is back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createApp, RedisUnavailableError, ResultTimeoutError } from 'hardq';
import { connectRedis } from '../shared/connection.ts';
import { freePort, startRedis } from './helpers/redis-server.ts';
import { waitFor } from './helpers/wait-for.ts';

test('an unreachable Redis rejects with RedisUnavailableError after the bound, quietly', async () => {
  const port = await freePort();
  const logs: string[] = [];
  const app = createApp({ redis: `redis://127.0.0.1:${port}`, connectTimeoutMs: 300, log: (line) => logs.push(line) });
  const add = app.task('add', (a: number, b: number) => a + b);
  try {
    const error = await add.delay(1, 2).then(() => assert.fail('sent without Redis'), (e: unknown) => e);
    assert.ok(error instanceof RedisUnavailableError, String(error));
    assert.equal(error.code, 'REDIS_UNAVAILABLE');
    assert.equal(error.port, port);
    assert.equal(error.message, `cannot reach Redis at 127.0.0.1:${port} (ECONNREFUSED); start one with: redis-server --port ${port}`);
    assert.deepEqual(logs, [], 'no log line per failed attempt before the first connection');
    await assert.rejects(app.asyncResult('some-id').get({ timeoutMs: 100 }), RedisUnavailableError);
    await assert.rejects(app.worker().run(), RedisUnavailableError);
  } finally {
    // Closing an app whose worker never connected is quiet: run() already reported the failure.
    await app.close();
  }
});

test('once Redis is up, the same app sends and waits again: failures are not cached', async () => {
  const port = await freePort();
  const app = createApp({ redis: `redis://127.0.0.1:${port}`, connectTimeoutMs: 300, log: () => {} });
  const add = app.task('add', (a: number, b: number) => a + b);
  await assert.rejects(add.delay(1, 2), RedisUnavailableError);
  await assert.rejects(app.asyncResult('some-id').get({ timeoutMs: 100 }), RedisUnavailableError);
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const limit = setTimeout(() => server.kill('SIGKILL'), 30_000);
  try {
    await waitFor(() => app.connection().then(() => true, () => false), { what: 'the late redis-server' });
    const result = await add.delay(1, 2);
    await assert.rejects(result.get({ timeoutMs: 100 }), ResultTimeoutError, 'get() waits now, instead of failing on a cached subscription');
    const worker = app.worker({ queues: [result.queue] });
    const running = worker.run();
    assert.equal(await result.get({ timeoutMs: 10_000 }), 3);
    await app.close();
    await running;
  } finally {
    await app.close();
    clearTimeout(limit);
    await new Promise<void>((resolve) => {
      if (server.exitCode !== null) return resolve();
      server.once('exit', () => resolve());
      server.kill('SIGTERM');
    });
  }
});

test('a Redis restart under three connections logs one numbered line when it starts and one when it ends', async () => {
  const server = await startRedis();
  const logs: string[] = [];
  const log = (line: string) => logs.push(line);
  const connections = await Promise.all(['a', 'b', 'c'].map((name) => connectRedis(server.url, { log, name })));
  try {
    await server.restart();
    await waitFor(async () => (await Promise.all(connections.map((redis) => redis.ping().then(() => true, () => false)))).every(Boolean), { what: 'all three back' });
    await waitFor(() => logs.some((line) => line.includes('is back')), { what: 'the back line' });
    assert.equal(logs.length, 2, logs.join('\n'));
    assert.match(logs[0]!, new RegExp(`^\\[hardq\\] lost Redis at 127\\.0\\.0\\.1:${server.port} \\(.+\\); reconnecting, commands wait \\(outage (\\d+)\\)$`));
    assert.match(logs[1]!, new RegExp(`^\\[hardq\\] Redis at 127\\.0\\.0\\.1:${server.port} is back after [\\d.]+ s \\(outage \\d+, \\d+ reconnect attempt\\(s\\)\\)$`));
  } finally {
    for (const redis of connections) redis.disconnect();
    await server.stop();
  }
});
