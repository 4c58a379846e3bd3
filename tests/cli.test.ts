/**
 * cli/: how the `hardq` command starts and fails. An unreachable Redis and bad usage each
 * print exactly one line on stderr, no stack trace, and exit 2; one-shot commands fail at
 * once, a worker waits for a late Redis; --help works everywhere; the banner tells the truth.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort, startRedis, type RedisServer } from './helpers/redis-server.ts';
import { waitFor } from './helpers/wait-for.ts';
import { killCliChildren, runCli, startCli, type CliExit } from './fixtures/cli.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
let server: RedisServer;
before(async () => (server = await startRedis()));
after(async () => {
  await killCliChildren();
  await server.stop();
});

function assertOneLine(run: CliExit, code: number, pattern: RegExp): void {
  const lines = run.stderr.split('\n').filter((line) => line.length > 0);
  assert.equal(lines.length, 1, `exactly one stderr line, got:\n${run.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(run.stderr, /\n\s+at |Error:/, 'no stack trace, no error class name');
  assert.equal(run.code, code, `exit code (stderr: ${run.stderr})`);
}

const noWait = { env: { HARDQ_CONNECT_TIMEOUT_MS: '0' } };

/** `node --import tsx scripts/<name>.ts ...args`, to its end. */
function runScript(name: string, args: string[]): Promise<CliExit> {
  return new Promise((resolve) => {
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const child = spawn(process.execPath, ['--import', 'tsx', `scripts/${name}.ts`, ...args], { cwd: root, env, timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

// Each test has its own queue and processes, so they run side by side: CLI start-up dominates.
describe('the hardq command', { concurrency: true }, () => {
  test('unreachable Redis: worker (no wait), call and result print the one line and exit 2', async () => {
    const port = await freePort(); // nothing listens there: connections are refused
    const redis = `redis://127.0.0.1:${port}`;
    const line = new RegExp(`^cannot reach Redis at 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\); start one with: redis-server --port ${port}$`);
    const [worker, call, result] = await Promise.all([
      runCli('consumer', ['--redis', redis], noWait),
      runCli('producer', ['add', '--args', '[1,2]', '--redis', redis]),
      runCli('hardq', ['result', 'some-id', '--redis', redis]),
    ]);
    for (const run of [worker, call, result]) assertOneLine(run, 2, line);
    assert.equal(call.stdout, '', 'call printed no id: nothing was sent');
  });

  test('rediss:// against a plain server says so, instead of "start one"', async () => {
    const run = await runCli('hardq', ['result', 'some-id', '--redis', server.url.replace('redis:', 'rediss:')]);
    assertOneLine(run, 2, /^cannot reach Redis at 127\.0\.0\.1:\d+ \(.+\); rediss:\/\/ needs a server that speaks TLS on that port/);
  });

  test('a worker started before its Redis waits for it with one line, then starts', async () => {
    const port = await freePort();
    const cli = startCli('consumer', ['--redis', `redis://127.0.0.1:${port}`, '--connect-timeout-ms', '30000', '--quiet']);
    const late = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    try {
      await waitFor(() => /ready; ctrl-c to stop/.test(cli.output().stderr), { timeoutMs: 30_000, what: 'the banner' });
      cli.child.kill('SIGTERM');
      const exit = await cli.exited;
      assert.equal(exit.code, 0, exit.stderr);
      // The wait line appears only when the first try came before redis-server listened.
      assert.ok(exit.stderr.split('\n').filter((line) => /is not answering/.test(line)).length <= 1, exit.stderr);
    } finally {
      late.kill('SIGTERM');
    }
  });

  test('the wait line, then the error line, when Redis never comes', async () => {
    const port = await freePort();
    const run = await runCli('consumer', ['--redis', `redis://127.0.0.1:${port}`, '--connect-timeout-ms', '300']);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 2, run.stderr);
    assert.match(lines[0]!, new RegExp(`^\\[hardq\\] Redis at redis://127\\.0\\.0\\.1:${port} is not answering \\(ECONNREFUSED\\); waiting up to 0\\.3 s for it$`));
    assert.match(lines[1]!, /^cannot reach Redis at /);
    assert.equal(run.code, 2);
  });

  test('bad usage: one line, exit 2, before any connection', async () => {
    const port = await freePort();
    const redis = ['--redis', `redis://127.0.0.1:${port}`];
    const cases: [Parameters<typeof runCli>[0], string[], RegExp][] = [
      ['producer', [...redis], /give exactly one task name/],
      ['producer', ['add', '--args', 'not json', ...redis], /--args is not JSON/],
      ['producer', ['add', '--args', '[1e400]', ...redis], /--args: args\[0\] is too large for a JSON number/],
      ['producer', ['add', '--count', '0', ...redis], /--count must be a whole number of at least 1, got 0/],
      ['producer', ['add', '--args'], /^--args needs a value \(see hardq call --help\)$/],
      ['producer', ['ad', ...redis], /registers no task "ad"; did you mean add\? \(registered: add, send_registration_email, resize_image, flaky; --force/],
      ['consumer', ['--mode', 'fast', ...redis], /--mode must be reliable or simple/],
      ['consumer', ['--concurency', '3', ...redis], /^unknown flag --concurency; did you mean --concurrency\? \(see hardq worker --help\)$/],
      ['consumer', ['--redis', '127.0.0.1:6390'], /^--redis "127\.0\.0\.1:6390" is not a redis:\/\/ or rediss:\/\/ URL; give one such as redis:\/\//],
      ['consumer', ['--redis', 'http://127.0.0.1:6379'], /is not a redis:\/\/ or rediss:\/\/ URL/],
      ['consumer', ['--redis', 'redis://127.0.0.1:6379/zero'], /has "\/zero" where the db number goes/],
      ['hardq', ['wroker'], /^unknown command wroker; did you mean worker\? \(see hardq --help\)$/],
      ['hardq', ['worker', ...redis], /^give the app module with -A <module>/],
      ['hardq', ['worker', '-A', 'tests/fixtures/no-such-app.ts', ...redis], /^cannot load the app module tests\/fixtures\/no-such-app\.ts \(/],
      ['hardq', ['call', 'add', '--countdown-ms', '5', '--eta', '2030-01-01T00:00:00Z', ...redis], /give --countdown-ms or --eta, not both/],
    ];
    const runs = await Promise.all(cases.map(([script, args]) => runCli(script, args, noWait)));
    for (const [i, run] of runs.entries()) assertOneLine(run, 2, cases[i]![2]);
  });

  test('--help prints the usage on stdout and exits 0, for every command, the demo and chaos', async () => {
    const runs = await Promise.all([
      runCli('hardq', ['--help']), runCli('consumer', ['--help']), runCli('producer', ['--help']), runCli('hardq', ['result', '--help']),
      runScript('demo', ['--help']), runScript('chaos', ['--help']),
    ]);
    const starts = [/^usage: hardq <command>/, /^usage: hardq worker -A/, /^usage: hardq call <task>/, /^usage: hardq result <id>/, /^usage: npm run demo/, /^usage: npm run chaos/];
    for (const [i, run] of runs.entries()) {
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, starts[i]!);
      assert.equal(run.stderr, '');
    }
    assert.doesNotMatch(runs[4]!.stdout, /started a throwaway/, 'the demo did nothing but print its help');
    const version = await runCli('hardq', ['--version']);
    assert.match(version.stdout, /^\d+\.\d+\.\d+/);
    const chaos = await runScript('chaos', ['--jobs']);
    assertOneLine(chaos, 2, /^--jobs needs a value \(see npm run chaos -- --help\)$/);
  });

  test('the banner names the app, the Redis without its password, queues, mode, pool, pid and tasks; call and result work', async () => {
    const queue = `cli-${Date.now()}`;
    const redis = server.url.replace('redis://', 'redis://:s3cret@');
    const cli = startCli('consumer', ['--redis', redis, '-Q', queue, '-c', '3', '--mode', 'simple']);
    try {
      await waitFor(() => /ready; ctrl-c to stop/.test(cli.output().stderr), { timeoutMs: 30_000, what: 'the banner' });
      const banner = cli.output().stderr;
      assert.doesNotMatch(banner, /s3cret/);
      assert.match(banner, /app: +scripts\/demo-app\.ts/);
      assert.match(banner, /redis: +redis:\/\/:\*\*\*@127\.0\.0\.1:\d+/);
      assert.match(banner, new RegExp(`queues: +${queue}\\n`));
      assert.match(banner, /mode: +simple/);
      assert.match(banner, /pool: +async, concurrency 3/);
      assert.match(banner, new RegExp(`pid: +${cli.child.pid}  \\(kill -9 ${cli.child.pid} `));
      assert.match(banner, /\[tasks\]\n {2}\. add\n {2}\. flaky\n {2}\. resize_image\n {2}\. send_registration_email {2}\(rate limit 20\/s\)/);
      const call = await runCli('producer', ['add', '--args', '[2, 3]', '--queue', queue, '--wait', '--redis', server.url]);
      assert.equal(call.code, 0, call.stderr);
      const [id, state, value] = call.stdout.trim().split('  ');
      assert.deepEqual([state, value], ['SUCCESS', '5']);
      const result = await runCli('hardq', ['result', id!, '--queue', queue, '--redis', server.url]);
      assert.equal(result.stdout, `${id}  SUCCESS  5\n`);
      const pending = await runCli('hardq', ['result', id!, '--redis', server.url]);
      assert.match(pending.stdout, /PENDING .*this looked in "default"/);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });
});
