/**
 * `hardq worker` as the workshop runs it (npm run consumer), a real child process: one line
 * per task, SIGTERM finishes in-flight work and exits 0, a second signal more than
 * sameSignalMs later exits at once.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';
import { waitFor } from './helpers/wait-for.ts';
import { harness } from './fixtures/harness.ts';
import { killCliChildren, startCli } from './fixtures/cli.ts';
import { sameSignalMs } from '../cli/stop-signals.ts';

let server: RedisServer;
before(async () => (server = await startRedis()));
after(async () => {
  await killCliChildren();
  await server.stop();
});

const consumerArgs = (queue: string, mode: string) =>
  ['--app', 'tests/fixtures/app.ts', '--redis', server.url, '--queues', queue, '--mode', mode, '--concurrency', '1'];

// Each test has its own queue and processes, so they run side by side: CLI start-up dominates.
describe('the consumer CLI', { concurrency: true }, () => {
  for (const mode of ['simple', 'reliable'] as const) {
    test(`${mode}: SIGTERM lets the task in flight finish, leaves the rest queued, and exits 0`, async () => {
      const h = harness(server.url); // a producer-only app: the handlers live in the consumer process
      const gateList = `gate-${randomUUID()}`;
      const cli = startCli('consumer', consumerArgs(h.queue, mode));
      try {
        const held = await h.app.sendTask('hold', [gateList]);
        const queued = await h.app.sendTask('add', [1, 2]);
        // trackStarted comes from the consumer's registry (tests/fixtures/app.ts), not the message.
        await waitFor(async () => (await held.state()) === 'STARTED', { timeoutMs: 40_000, what: 'the consumer to start the held task' });
        cli.child.kill('SIGTERM');
        await waitFor(() => cli.output().stderr.includes('SIGTERM: finishing in-flight tasks'), { what: 'the consumer to begin stopping' });
        // It cannot exit before the gate opens unless it abandons the task: only a bug ends this race early.
        assert.equal(await Promise.race([cli.exited.then(() => 'exited'), delay(300).then(() => 'waiting')]), 'waiting');
        await h.raw.lpush(gateList, 'open');
        const exit = await cli.exited;
        assert.equal(exit.code, 0, exit.stderr);
        assert.equal(await held.get({ timeoutMs: 1000 }), 'released');
        assert.equal(await queued.state(), 'PENDING', 'nothing new was taken after the signal');
        assert.equal(await h.raw.llen(h.app.keys.ready(h.queue)), 1);
        assert.match(exit.stdout, new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{3}  ${held.id}  hold  SUCCESS  \\d+ ms$`, 'm'), 'one line per task');
        assert.match(exit.stderr, /worker stopped after [\d.]+ s, [\d.]+ s after the signal: 1 succeeded, 0 failed/);
      } finally {
        cli.child.kill('SIGKILL');
        await h.close();
      }
    });
  }

  test('a second signal exits at once, without waiting for the task in flight', async () => {
    const h = harness(server.url);
    const cli = startCli('consumer', consumerArgs(h.queue, 'reliable'));
    try {
      const held = await h.app.sendTask('hold', [`gate-${randomUUID()}`]); // a gate nobody opens
      await waitFor(async () => (await held.state()) === 'STARTED', { timeoutMs: 40_000, what: 'the held task to start' });
      cli.child.kill('SIGINT');
      await waitFor(() => cli.output().stderr.includes('SIGINT: finishing'), { what: 'the first signal to be handled' });
      await delay(sameSignalMs + 100); // a second signal sooner is the same Ctrl-C (tests/signals.test.ts)
      cli.child.kill('SIGINT');
      const exit = await cli.exited;
      assert.equal(exit.signal, null, 'it exited by itself, not by the test time limit');
      assert.equal(exit.code, 130);
      assert.match(exit.stderr, /SIGINT again: quitting at once, leaving 1 message\(s\) unfinished; they stay in \S+:claimed:\S+ \(or the processing lists beside them\) and a running worker's reaper puts them back/);
      assert.equal(await held.state(), 'STARTED', 'the abandoned task never finished');
    } finally {
      cli.child.kill('SIGKILL');
      await h.close();
    }
  });

  test('each finished task gets one line: SUCCESS, FAILURE with the error, DEAD with the reason', async () => {
    const h = harness(server.url);
    const cli = startCli('consumer', consumerArgs(h.queue, 'reliable'));
    try {
      const results = [await h.app.sendTask('add', [2, 3]), await h.app.sendTask('fail', ['no paper']), await h.app.sendTask('nope', [])];
      await Promise.allSettled(results.map((result) => result.get({ timeoutMs: 40_000 })));
      await waitFor(() => cli.output().stdout.split('\n').length > 3, { what: 'three task lines' });
      const lines = cli.output().stdout.trim().split('\n');
      assert.match(lines[0]!, new RegExp(`  ${results[0]!.id}  add  SUCCESS  \\d+ ms$`));
      assert.match(lines[1]!, new RegExp(`  ${results[1]!.id}  fail  FAILURE  \\d+ ms  RangeError: no paper$`));
      assert.match(lines[2]!, new RegExp(`  ${results[2]!.id}  nope  DEAD  \\d+ ms  unknown-task: `));
      cli.child.kill('SIGTERM');
      const exit = await cli.exited;
      assert.equal(exit.code, 0);
      assert.match(exit.stderr, /1 succeeded, 1 failed, .*1 dead-lettered/);
    } finally {
      cli.child.kill('SIGKILL');
      await h.close();
    }
  });
});
