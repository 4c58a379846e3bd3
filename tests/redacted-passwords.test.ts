/**
 * A password in a Redis URL is never printed (issue 14, item 4), against a real
 * password-protected redis-server: the worker's banner and log lines, call, inspect conf and
 * stats, queues, dead, control, beat list, the dashboard (banner, pages, JSON API, /metrics),
 * malformed URLs, a wrong password, commands against an unreachable Redis, and the Python
 * producer. Every command's --help and every command unreachable: tests/long/redacted-passwords.test.ts.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { freePort } from './helpers/redis-server.ts';
import { startCli } from './fixtures/cli.ts';
import { waitFor } from './helpers/wait-for.ts';
import { assertNoPassword, password, passwordServer, runAll } from './helpers/password-check.ts';

let world: Awaited<ReturnType<typeof passwordServer>>;
before(async () => (world = await passwordServer()));
after(async () => world.stop());

const app = ['-A', 'tests/fixtures/app.ts'];

test('malformed URLs, a wrong password, and commands against an unreachable Redis', async () => {
  const unreachable = `redis://user:${password}@127.0.0.1:${await freePort()}`;
  assertNoPassword(await runAll([
    ['queues', '--redis', `redis://:${password}@127.0.0.1:${world.server.port}/db/extra`], ['queues', '--redis', `redis:/:${password}@host`],
    ['queues', '--redis', `redis://:${password}x@127.0.0.1:${world.server.port}`],
    ['worker', ...app, '--redis', unreachable, '--connect-timeout-ms', '300'], ['call', 'add', ...app, '--args', '[1, 2]', '--redis', unreachable],
    ['inspect', 'conf', '--redis', unreachable],
  ]));
});

test('the worker banner and logs, call, inspect conf and stats, queues, dead, control, beat list and the dashboard on a password-protected Redis', async () => {
  const { url } = world;
  const queue = randomUUID();
  const worker = startCli('hardq', ['worker', ...app, '--redis', url, '-Q', queue], { timeoutMs: 60_000 });
  const monitor = startCli('hardq', ['monitor', '--redis', url, '--port', String(await freePort()), '-Q', queue], { timeoutMs: 60_000 });
  try {
    await waitFor(() => /ready; ctrl-c to stop/.test(worker.output().stdout + worker.output().stderr), { what: 'the worker banner', timeoutMs: 20_000 });
    const base = await waitFor(() => /hardq monitor on (http:\/\/\S+)/.exec(monitor.output().stdout)?.[1], { what: 'the monitor banner', timeoutMs: 20_000 });
    for (const path of ['/', '/api/config', '/api/workers', '/api/queues', '/api/schedules', `/api/queue/${queue}/dead`, '/metrics']) {
      const body = await (await fetch(`${base}${path}`)).text();
      assert.ok(!body.includes(password), `the dashboard's ${path} shows the password`);
    }
    const results = await runAll([
      ['call', 'add', ...app, '--args', '[2, 3]', '--queue', queue, '--wait', '--redis', url], ['inspect', 'conf', '--redis', url], ['inspect', 'stats', '--redis', url],
      ['queues', '-Q', queue, '--redis', url], ['dead', 'list', '-Q', queue, '--redis', url], ['control', 'ping', '--redis', url], ['beat', 'list', '--redis', url],
    ]);
    assertNoPassword(results);
    assert.match(results[0]![1].stdout, /5/, `the call ran on the worker: ${results[0]![1].stderr}`);
  } finally {
    worker.child.kill('SIGTERM');
    monitor.child.kill('SIGTERM');
  }
  const stopped = await worker.exited;
  assertNoPassword([[['worker'], stopped], [['monitor'], await monitor.exited]]);
  assert.match(stopped.stdout + stopped.stderr, /\*\*\*/, 'the banner shows the URL with *** for the password');
});

test('the Python producer does not print the password when Redis is unreachable', async () => {
  const url = `redis://:${password}@127.0.0.1:${await freePort()}`;
  const output = await new Promise<string>((resolve) => {
    execFile('/usr/bin/python3', ['clients/python/hardq_producer.py', 'add', '[1, 2]'], { env: { ...process.env, REDIS_URL: url }, timeout: 20_000 },
      (_error, stdout, stderr) => resolve(stdout + stderr));
  });
  assert.match(output, /cannot reach Redis/);
  assert.ok(!output.includes(password), output);
});
