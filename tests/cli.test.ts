/**
 * scripts/cli.ts: how both workshop CLIs fail. An unreachable Redis and bad usage each
 * print exactly one line on stderr, no stack trace, and exit 2; --help exits 0.
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from './helpers/redis-server.ts';
import { killCliChildren, runCli, type CliExit } from './fixtures/cli.ts';

after(killCliChildren);

function assertOneLine(run: CliExit, code: number, pattern: RegExp): void {
  const lines = run.stderr.split('\n').filter((line) => line.length > 0);
  assert.equal(lines.length, 1, `exactly one stderr line, got:\n${run.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(run.stderr, /\n\s+at |Error:/, 'no stack trace, no error class name');
  assert.equal(run.code, code, `exit code (stderr: ${run.stderr})`);
}

// Each test has its own queue and processes, so they run side by side: CLI start-up dominates.
describe('the CLIs', { concurrency: true }, () => {
  test('unreachable Redis: each CLI prints the one line and exits 2', async () => {
    const port = await freePort(); // nothing listens there: connections are refused
    const redis = `redis://127.0.0.1:${port}`;
    const line = new RegExp(`^cannot reach Redis at 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\); start one with: redis-server --port ${port}$`);
    const [consumer, producer] = await Promise.all([
      runCli('consumer', ['--redis', redis]),
      runCli('producer', ['add', '--args', '[1,2]', '--redis', redis]),
    ]);
    assertOneLine(consumer, 2, line);
    assertOneLine(producer, 2, line);
    assert.equal(producer.stdout, '', 'the producer printed no id: nothing was sent');
  });

  test('bad usage: one line, exit 2, before any connection', async () => {
    const port = await freePort();
    const redis = ['--redis', `redis://127.0.0.1:${port}`];
    const runs = await Promise.all([
      runCli('producer', [...redis]),
      runCli('producer', ['add', '--args', 'not json', ...redis]),
      runCli('consumer', ['--mode', 'fast', ...redis]),
      runCli('consumer', ['--no-such-flag', ...redis]),
    ]);
    const patterns = [/give exactly one task name/, /--args is not JSON/, /--mode must be reliable or simple/, /no-such-flag/];
    for (const [i, run] of runs.entries()) assertOneLine(run, 2, patterns[i]!);
    // A usage error answers at once: none of them waited out the connection bound.
    assert.ok(runs.every((run) => !/cannot reach Redis/.test(run.stderr)));
  });

  test('--help prints the usage on stdout and exits 0', async () => {
    const [producer, consumer] = await Promise.all([runCli('producer', ['--help']), runCli('consumer', ['--help'])]);
    for (const run of [producer, consumer]) {
      assert.equal(run.code, 0);
      assert.match(run.stdout, /^usage: npm run (producer|consumer) --/);
      assert.match(run.stdout, /--redis <url>/);
    }
  });
});
