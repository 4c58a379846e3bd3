import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createApp, InvalidOptionError } from 'hardq';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';
import { waitFor } from './helpers/wait-for.ts';

let server: RedisServer;
before(async () => (server = await startRedis()));
after(async () => server.stop());

const consumerCli = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
const rateApp = fileURLToPath(new URL('./fixtures/rate-app.ts', import.meta.url));

test('a 10/s rate limit holds across two consumer processes: no 1 s window has more than 11 starts', async () => {
  const queue = randomUUID();
  const app = createApp({ redis: server.url, defaultQueue: queue });
  const startsKey = `rate-test:${queue}:starts`;
  const jobs = 30;
  await app.sendMany('limited', Array.from({ length: jobs }, () => [startsKey]));
  const children: ChildProcess[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      children.push(spawn(process.execPath, ['--import', 'tsx', consumerCli, 'worker', '--app', rateApp, '--redis', server.url, '--queues', queue, '--concurrency', '10', '--quiet'], {
        stdio: 'ignore', timeout: 60_000,
      }));
    }
    const redis = await app.connection();
    await waitFor(async () => (await redis.llen(startsKey)) === jobs, { timeoutMs: 30_000, what: `${jobs} rate-limited starts` });
    const starts = (await redis.lrange(startsKey, 0, -1)).map(Number).sort((a, b) => a - b);
    let worst = 0;
    for (let i = 0; i < starts.length; i++) {
      let j = i;
      while (j < starts.length && starts[j]! - starts[i]! < 1000) j++;
      worst = Math.max(worst, j - i);
    }
    assert.ok(worst <= 11, `a 1 s window held ${worst} starts`);
    // And the limit did not starve the queue: the 30 starts span about 3 s, not far more.
    assert.ok(starts.at(-1)! - starts[0]! >= 2000, 'starts were spread over at least 2 s');
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((child) => (child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : null)));
    await app.close();
  }
});

test('a rate limit that does not parse is refused when the task is declared', () => {
  const app = createApp({ redis: server.url });
  assert.throws(() => app.task('bad', () => 1, { rateLimit: '10 per second' }), InvalidOptionError);
  assert.throws(() => app.task('zero', () => 1, { rateLimit: '0/s' }), InvalidOptionError);
});
