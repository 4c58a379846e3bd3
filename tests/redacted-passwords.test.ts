/**
 * A password in a Redis URL is never printed (issue 14, item 4): every output path of the
 * hardq command (each command's --help; each command's error against an unreachable Redis;
 * a malformed URL; a wrong password; the worker's banner and log lines, call, inspect conf
 * and stats, queues, dead, control, beat list against a real password-protected
 * redis-server) and of the Python producer, grepped for the known password.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { freePort, startRedis, type RedisServer } from './helpers/redis-server.ts';
import { killCliChildren, runCli, startCli, type CliExit } from './fixtures/cli.ts';
import { waitFor } from './helpers/wait-for.ts';

const password = `pw-${randomUUID().slice(0, 8)}-never-printed`;
let server: RedisServer;
before(async () => {
  server = await startRedis();
  const admin = new Redis(server.url);
  await admin.config('SET', 'requirepass', password);
  admin.disconnect();
});
after(async () => {
  await killCliChildren();
  // stop() shuts the server down through a client that knows no password.
  const admin = new Redis(`redis://:${password}@127.0.0.1:${server.port}`);
  await admin.config('SET', 'requirepass', '');
  admin.disconnect();
  await server.stop();
});

const commands = ['worker', 'call', 'result', 'beat', 'inspect', 'queues', 'purge', 'dead', 'acl', 'control', 'monitor'];
const app = ['-A', 'tests/fixtures/app.ts'];

/** Runs six at a time (each mostly waits for tsx to load); every run's whole output. */
async function runAll(runs: string[][], env?: NodeJS.ProcessEnv): Promise<[string[], CliExit][]> {
  const results: [string[], CliExit][] = [];
  for (let i = 0; i < runs.length; i += 6) {
    const batch = runs.slice(i, i + 6);
    results.push(...(await Promise.all(batch.map(async (args) => [args, await runCli('hardq', args, { timeoutMs: 30_000, env })] as [string[], CliExit]))));
  }
  return results;
}

function assertNoPassword(results: [string[], CliExit][]): void {
  for (const [args, { stdout, stderr }] of results) {
    assert.ok(stdout.length + stderr.length > 0, `hardq ${args.join(' ')} printed something`);
    assert.ok(!`${stdout}\n${stderr}`.includes(password), `hardq ${args.join(' ')} printed the password:\n${stdout}\n${stderr}`);
  }
}

test('--help of every command (with REDIS_URL set), and every command against an unreachable Redis, a malformed URL or a wrong password', async () => {
  const deadPort = await freePort();
  const unreachable = `redis://user:${password}@127.0.0.1:${deadPort}`;
  const flags = ['--redis', unreachable, '--connect-timeout-ms', '300'];
  // Help texts that name a default would show REDIS_URL: it holds the password here.
  assertNoPassword(await runAll([['--help'], ...commands.map((command) => [command, '--help']), ['queues'], ['inspect', 'conf']], { REDIS_URL: unreachable }));
  const results = await runAll([
    ['worker', ...app, ...flags], ['call', 'add', ...app, '--args', '[1, 2]', '--redis', unreachable], ['result', randomUUID(), '--redis', unreachable],
    ['beat', 'list', '--redis', unreachable], ['inspect', 'conf', '--redis', unreachable],
    ['queues', '--redis', unreachable], ['purge', '-Q', 'q', '--force', '--redis', unreachable], ['dead', 'list', '-Q', 'q', '--redis', unreachable],
    ['control', 'ping', '--redis', unreachable], ['acl', '--role', 'worker', '--queues', 'a', '--password', 'x', '--apply', '--redis', unreachable],
    ['queues', '--redis', `redis://:${password}@127.0.0.1:${server.port}/db/extra`], ['queues', '--redis', `redis:/:${password}@host`],
    ['queues', '--redis', `redis://:${password}x@127.0.0.1:${server.port}`],
    ['queues', '--redis', `redis-cluster://:${password}@127.0.0.1:${deadPort},127.0.0.1:${deadPort}`, '--connect-timeout-ms', '300'],
    ['queues', '--redis', `redis-cluster://u:${password}@bad host:1`],
  ]);
  assertNoPassword(results);
});

test('the worker banner and logs, call, inspect conf and stats, queues, dead, control, beat list and the dashboard on a password-protected Redis', async () => {
  const url = `redis://default:${password}@127.0.0.1:${server.port}`;
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
