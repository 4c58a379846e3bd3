/**
 * Lesson 1's offload demo (scripts/workshop/): the web app's three routes and their bad
 * input, then `scripts/workshop/offload.ts` as `npm run workshop:offload` runs it, in its
 * one-command form and in the two-terminal form (a worker started apart, `--no-worker`).
 * The table must show the gap as a ratio (the email takes about a second, so the blocking
 * p50 is far above the offloaded one on any machine), and every email sent.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';
import { runOffload, tableRow } from './helpers/offload-run.ts';

let redis: RedisServer;

before(async () => {
  redis = await startRedis();
  process.env.REDIS_URL = redis.url;
});
after(async () => {
  await redis.stop();
});

function assertGap(output: string, requests: number): void {
  const [blockingP50, offloadedP50] = tableRow(output, 'p50');
  assert.ok(blockingP50 >= 5 * offloadedP50, `blocking p50 ${blockingP50} ms is at least 5x offloaded p50 ${offloadedP50} ms`);
  assert.match(output, new RegExp(`^answered\\s+${requests} of ${requests}\\s+${requests} of ${requests}$`, 'm'));
  assert.match(output, new RegExp(`^emails sent\\s+${requests} \\(inline.*\\s${requests} of ${requests} \\(by the worker\\)$`, 'm'));
  const [blockingRate, offloadedRate] = tableRow(output, 'requests/s');
  assert.ok(offloadedRate > blockingRate, `offloaded ${offloadedRate}/s above blocking ${blockingRate}/s`);
}

test('the web app answers 202 with a task id, reports its state, and refuses bad input with 400', async () => {
  const { startOffloadServer } = await import('../scripts/workshop/offload-server.ts');
  const { default: app } = await import('../scripts/workshop/offload-app.ts');
  const server = await startOffloadServer();
  try {
    const sent = await fetch(`${server.url}/register`, { method: 'POST', body: '{"email":"ada@example.com"}' });
    assert.equal(sent.status, 202);
    const { taskId, registered } = await sent.json() as { taskId: string; registered: string };
    assert.equal(registered, 'ada@example.com');
    // No worker runs here: the message waits on the emails queue and the state says so.
    assert.deepEqual(await (await fetch(`${server.url}/tasks/${taskId}`)).json(), { taskId, state: 'PENDING' });
    const connection = await app.connection();
    assert.equal(await connection.llen(app.keys.ready('emails')), 1);
    for (const [path, init, status] of [
      ['/register', { method: 'POST', body: 'not json' }, 400],
      ['/register-blocking', { method: 'POST', body: '{"email": 42}' }, 400],
      ['/tasks/no%20such', {}, 400],
      ['/nowhere', {}, 404],
    ] as const) {
      const response = await fetch(`${server.url}${path}`, init);
      assert.equal(response.status, status, path);
      assert.match(((await response.json()) as { error: string }).error, /\w/);
    }
    await connection.del(app.keys.ready('emails'));
  } finally {
    await server.close();
    await app.close();
  }
});

test('npm run workshop:offload: one command prints the gap and the worker sends every email', async () => {
  const { code, output } = await runOffload([], redis.url);
  assert.equal(code, 0, output);
  assertGap(output, 100);
});

test('the two-terminal form: a worker started apart sends the emails of --no-worker', async () => {
  const { startOffloadWorker } = await import('../scripts/workshop/offload-worker.ts');
  const worker = await startOffloadWorker(redis.url, 100, { log: () => {} });
  try {
    const { code, output } = await runOffload(['--no-worker', '--requests', '40'], redis.url);
    assert.equal(code, 0, output);
    assertGap(output, 40);
    assert.doesNotMatch(output, /\[worker\]/);
  } finally {
    await worker.stop();
  }
});
