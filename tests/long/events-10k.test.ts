/**
 * Issue 11's "done when" for events: over a 10,000-task run with failures, retries, dead
 * letters and revokes, on four queues, drained by two `hardq worker -E` processes (one
 * reliable, one simple), the final-state events and the counters match the result records
 * exactly, state by state, and the per-minute series sums to the same totals. Readers sum
 * across the queues (admin/counters.ts, admin/events.ts). Counts and the time are printed.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createApp, minuteSeries } from 'hardq';
import { killCliChildren, startCli } from '../fixtures/cli.ts';
import { addEventTasks } from '../fixtures/events-app.ts';
import { startRedis } from '../helpers/redis-server.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { tallyQueues } from '../helpers/event-tally.ts';

after(killCliChildren);

test('10,000 tasks on 4 queues, two worker processes: events and counters match the results exactly', { timeout: 300_000 }, async () => {
  const server = await startRedis();
  const raw = new Redis(server.url);
  const queues = Array.from({ length: 4 }, (_, i) => `ev${i}-${randomUUID().slice(0, 8)}`);
  const app = addEventTasks(createApp({ redis: server.url, defaultQueue: queues[0] }));
  const startedAt = Date.now();
  const workers = ['reliable', 'simple'].map((mode) => startCli('hardq', [
    'worker', '-A', 'tests/fixtures/events-app.ts', '-E', '--mode', mode, '-Q', queues.join(','), '-c', '50', '--quiet', '--redis', server.url,
  ], { timeoutMs: 280_000 }));
  try {
    // Per queue: 1,750 ok, 250 fail, 375 flaky (0, 1 or 2 retries), 125 doomed (1 retry, then dead).
    let expectedRetries = 0;
    const ids: string[] = [];
    for (const queue of queues) {
      const sent = [
        ...(await app.sendMany('ok', Array.from({ length: 1750 }, (_, i) => [i]), { queue })),
        ...(await app.sendMany('fail', Array.from({ length: 250 }, () => ['no']), { queue })),
        ...(await app.sendMany('flaky', Array.from({ length: 375 }, (_, i) => [i % 3]), { queue })),
        ...(await app.sendMany('doomed', Array.from({ length: 125 }, () => []), { queue })),
      ];
      ids.push(...sent.map((result) => result.id));
      expectedRetries += 125 * (0 + 1 + 2) + 125;
    }
    assert.equal(ids.length, 10_000);
    // Revokes of tasks never sent: each is REVOKED, counted once (after the streams exist, so their events are written too).
    await waitFor(async () => (await Promise.all(queues.map((q) => raw.exists(app.keys.events(q))))).every((n) => n === 1), { timeoutMs: 60_000, what: 'every queue\'s stream' });
    for (const queue of queues) await app.revoke(randomUUID(), { queue, task: 'ok' });
    const total = 10_000 + queues.length;
    await waitFor(async () => {
      const { records } = await tallyQueues(app, raw, queues);
      return (records.SUCCESS ?? 0) + (records.FAILURE ?? 0) + (records.REVOKED ?? 0) === total;
    }, { timeoutMs: 240_000, intervalMs: 500, what: 'every task final' });
    const drainedMs = Date.now() - startedAt;
    // The last batch's counters and events are in the same step as its results: nothing to wait for.
    const { records, counters, events } = await tallyQueues(app, raw, queues);
    console.log(`10,000 tasks + 4 revokes on 4 queues in ${(drainedMs / 1000).toFixed(1)} s; records ${JSON.stringify(records)}; counters ${JSON.stringify(counters)}; events ${JSON.stringify(events)}`);
    assert.deepEqual(records, { SUCCESS: 8500, FAILURE: 1500, REVOKED: 4 });
    assert.deepEqual(counters, { SUCCESS: 8500, FAILURE: 1000, DEAD: 500, REVOKED: 4, RETRY: expectedRetries });
    assert.deepEqual(events, {
      'task-succeeded': 8500, 'task-failed': 1000, 'task-dead-lettered': 500, 'task-revoked': 4, 'task-retried': expectedRetries,
    });
    const series = await minuteSeries(app, { queues, fromMs: startedAt - 60_000 });
    const fromSeries: Record<string, number> = {};
    for (const point of series) for (const [state, n] of Object.entries(point.counts)) fromSeries[state] = (fromSeries[state] ?? 0) + n;
    assert.deepEqual(fromSeries, counters, 'the per-minute series sums to the lifetime totals');
  } finally {
    for (const worker of workers) worker.child.kill('SIGTERM');
    await Promise.all(workers.map((worker) => worker.exited));
    await app.close();
    raw.disconnect();
    await server.stop();
  }
});
