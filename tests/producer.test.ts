/**
 * `hardq call` as the workshop runs it (npm run producer): it prints one id per message sent, and with
 * --wait each result, exiting 1 when any failed. The worker runs in this test's process.
 * And producer/pending-sends.ts: while Redis is unreachable, sends past maxPendingSends fail
 * at once instead of piling up in ioredis's offline queue.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { SendBufferFullError } from 'hardq';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';
import { waitFor } from './helpers/wait-for.ts';
import { harness, type Harness } from './fixtures/harness.ts';
import { killCliChildren, runCli } from './fixtures/cli.ts';

let server: RedisServer;
before(async () => (server = await startRedis()));
after(async () => {
  await killCliChildren();
  await server.stop();
});

const producer = (h: Harness, args: string[]) =>
  runCli('producer', ['--app', 'tests/fixtures/app.ts', '--redis', server.url, '--queue', h.queue, ...args]);

/** The fixture app's tasks, registered on this process's app so its worker can run them. */
function withTasks(h: Harness): Harness {
  h.app.task('add', (a: number, b: number) => a + b);
  h.app.task('fail', (why: string) => {
    throw new RangeError(why);
  });
  return h;
}

// Each test has its own queue and processes, so they run side by side: CLI start-up dominates.
describe('the producer CLI', { concurrency: true }, () => {
  test('--count sends that many messages and prints one id per line, even for a task the app lacks with --force', async () => {
    const h = harness(server.url);
    try {
      const run = await producer(h, ['not_in_the_app', '--force', '--args', '[2, 3]', '--kwargs', '{"note":"hi"}', '--count', '3']);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stderr, '');
      const ids = run.stdout.trim().split('\n');
      assert.equal(ids.length, 3);
      for (const id of ids) assert.match(id, /^[0-9a-f-]{36}$/);
      const messages = (await h.raw.lrange(h.app.keys.ready(h.queue), 0, -1)).reverse().map((raw) => JSON.parse(raw));
      assert.deepEqual(messages.map((m) => m.id), ids, 'sent in the order printed');
      for (const message of messages) {
        assert.deepEqual([message.v, message.task, message.args, message.kwargs], [1, 'not_in_the_app', [2, 3], { note: 'hi' }]);
      }
    } finally {
      await h.close();
    }
  });

  test('--wait prints each id with its result and exits 0', async () => {
    const h = withTasks(harness(server.url));
    try {
      h.start();
      const run = await producer(h, ['add', '--args', '[40, 2]', '--wait']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^[0-9a-f-]{36}  SUCCESS  42\n$/);
    } finally {
      await h.close();
    }
  });

  test('--wait on a failing task prints FAILURE with the remote error and exits 1', async () => {
    const h = withTasks(harness(server.url));
    try {
      h.start();
      const run = await producer(h, ['fail', '--args', '["out of ink"]', '--wait']);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stdout, /^[0-9a-f-]{36}  FAILURE  task [0-9a-f-]{36} failed: RangeError: out of ink\n$/);
    } finally {
      await h.close();
    }
  });

  test('--wait with no consumer ends at --timeout-ms and exits 1', async () => {
    const h = harness(server.url);
    try {
      const run = await producer(h, ['add', '--args', '[1, 1]', '--wait', '--timeout-ms', '200']);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stdout, /^[0-9a-f-]{36}  RESULT_TIMEOUT  task .* has no result after 200 ms/);
    } finally {
      await h.close();
    }
  });
});

test('while Redis is unreachable, the send past maxPendingSends fails at once with SendBufferFullError', async () => {
  // Its own server: this test stops it, and the CLI tests above share the file's.
  const doomed = await startRedis();
  const h = harness(doomed.url, { maxPendingSends: 5 });
  const add = h.app.task('add', (a: number, b: number) => a + b);
  const waiting: Promise<unknown>[] = [];
  let redis: Redis | undefined;
  try {
    await add.delay(1, 1); // opens the connection while Redis is up
    redis = await h.app.connection();
    h.raw.disconnect(); // unused here, and it would log each failed reconnect
    await doomed.stop();
    await waitFor(() => redis!.status !== 'ready', { what: 'the app connection to notice Redis is gone' });
    let settled = 0;
    for (let i = 0; i < 5; i++) waiting.push(add.delay(i, i).finally(() => settled++));
    const sixth = await add.delay(6, 6).then(() => assert.fail('the sixth send resolved'), (error: unknown) => error);
    assert.ok(sixth instanceof SendBufferFullError, String(sixth));
    assert.equal(sixth.code, 'SEND_BUFFER_FULL');
    assert.equal(sixth.pendingSends, 5);
    assert.match(sixth.message, /Redis is unreachable and 5 sends are already waiting for it \(maxPendingSends is 5\); nothing was sent: retry once Redis is back/);
    assert.equal(settled, 0, 'the five within the bound still wait for Redis');
    await assert.rejects(h.app.sendMany('add', [[1, 2]]), SendBufferFullError, 'sendMany counts against the same bound');
  } finally {
    // disconnect() between two reconnect attempts leaves ioredis's queued commands waiting
    // for ever; a retry strategy that gives up ends the connection at the next attempt and
    // fails them, so the five (and app.close()'s QUIT) settle.
    if (redis) redis.options.retryStrategy = () => null;
    await Promise.allSettled(waiting);
    await h.close();
    await doomed.stop();
  }
});
