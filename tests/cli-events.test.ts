/**
 * `hardq worker -E`, `hardq events --json` and `hardq queues` (--scan) as real processes:
 * the events a worker process writes reach `hardq events` one JSON object per line, and the
 * known-queues set lists a queue that was only sent to, or rebuilt by --scan.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createApp } from 'hardq';
import { privateRedis } from './helpers/private-redis.ts';
import { waitFor } from './helpers/wait-for.ts';
import { killCliChildren, runCli, startCli } from './fixtures/cli.ts';
import { addEventTasks } from './fixtures/events-app.ts';

const world = privateRedis();
after(killCliChildren);
const app = 'tests/fixtures/events-app.ts';

test('hardq worker -E writes events; hardq events --json prints one per line', async () => {
  const queue = randomUUID();
  const producer = addEventTasks(createApp({ redis: world.server.url, defaultQueue: queue }));
  const worker = startCli('hardq', ['worker', '-A', app, '-E', '-Q', queue, '--quiet', '--redis', world.server.url], { timeoutMs: 60_000 });
  try {
    const results = [...(await producer.sendMany('ok', [[1], [2]])), ...(await producer.sendMany('fail', [['no']]))];
    await Promise.allSettled(results.map((result) => result.get({ timeoutMs: 20_000 })));
    const tail = await runCli('hardq', ['events', '-A', app, '--json', '-Q', queue, '--no-workers', '--last', '10', '--count', '3', '--redis', world.server.url], { timeoutMs: 30_000 });
    assert.equal(tail.code, 0, tail.stderr);
    const events = tail.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; queue: string; event: { id: string; task: string } });
    assert.deepEqual(events.map((e) => e.type).sort(), ['task-failed', 'task-succeeded', 'task-succeeded']);
    assert.deepEqual(new Set(events.map((e) => e.event.id)), new Set(results.map((r) => r.id)));
    assert.ok(events.every((e) => e.queue === queue));
  } finally {
    worker.child.kill('SIGTERM');
    await worker.exited;
    await producer.close();
  }
});

test('hardq queues lists a queue only sent to; --scan rebuilds the set', async () => {
  const queue = randomUUID();
  const producer = addEventTasks(createApp({ redis: world.server.url, defaultQueue: queue }));
  try {
    await producer.sendMany('ok', [[1]]);
    const listed = async (...flags: string[]) => {
      const run = await runCli('hardq', ['queues', '-A', app, '--json', ...flags, '--redis', world.server.url], { timeoutMs: 30_000 });
      assert.equal(run.code, 0, run.stderr);
      return (JSON.parse(run.stdout) as { queue: string; ready: number }[]).find((row) => row.queue === queue);
    };
    assert.equal((await listed())?.ready, 1);
    await (await producer.connection()).del(producer.keys.queues());
    assert.equal(await listed(), undefined, 'gone from the set');
    await waitFor(async () => (await listed('--scan'))?.ready === 1, { what: 'the scan to find it again' });
  } finally {
    await producer.close();
  }
});
