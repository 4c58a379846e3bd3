/**
 * The monitor on a local 3-master Redis Cluster, under the cross-slot hook
 * (tests/helpers/redis-cluster.ts): with queues on different shards, every read the pages,
 * the API and /metrics make, and the actions, keep to one hash slot per step, and the
 * numbers match the run. The cost panel sums INFO over the masters.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startMonitor } from 'hardq';
import { startCluster, type TestCluster } from './helpers/redis-cluster.ts';
import { parsePrometheusText, valueOf } from './helpers/prometheus-text.ts';
import { waitFor } from './helpers/wait-for.ts';
import { harness } from './fixtures/harness.ts';

let cluster: TestCluster;
before(async () => (cluster = await startCluster()));
after(async () => cluster.stop());

test('pages\' data, the API, /metrics and actions work on a cluster with no cross-slot step', async () => {
  const h = harness(cluster.url);
  const other = `other-${randomUUID()}`;
  h.app.task('add', (a: number, b: number) => a + b);
  try {
    h.start({ consumerId: `w-${randomUUID()}`, queues: [h.queue, other], events: 'final' });
    const results = [
      ...await Promise.all(Array.from({ length: 6 }, (_, i) => h.app.sendTask('add', [i, 1]))),
      ...await Promise.all(Array.from({ length: 4 }, (_, i) => h.app.sendTask('add', [i, 2], { queue: other }))),
    ];
    for (const result of results) await result.get({ timeoutMs: 20_000 });
    const monitor = await startMonitor(h.app, { port: 0, intervalMs: 200 });
    try {
      const get = async (path: string) => {
        const response = await fetch(`${monitor.url}${path}`);
        assert.equal(response.status, 200, `${path}: ${await response.clone().text()}`);
        return response;
      };
      await waitFor(async () => (await (await get('/api/workers')).json() as unknown[]).length === 1, { what: 'the worker' });
      const queues = await (await get('/api/queues')).json() as { queue: string }[];
      assert.ok([h.queue, other].every((queue) => queues.some((q) => q.queue === queue)), 'both queues shown, from the known-queues set');
      const info = await (await get(`/api/task/info/${results[7]!.id}`)).json() as { queue: string; state: string };
      assert.deepEqual([info.queue, info.state], [other, 'SUCCESS']);
      for (const path of ['/api/tasks', '/api/events', '/api/counters', '/api/schedules', `/api/queue/${other}/dead`]) await get(path);
      const { series } = parsePrometheusText(await (await get('/metrics')).text());
      assert.equal(valueOf(series, 'hardq_tasks_total', { queue: h.queue, task: 'add', state: 'SUCCESS' }), 6);
      assert.equal(valueOf(series, 'hardq_tasks_total', { queue: other, task: 'add', state: 'SUCCESS' }), 4);
      await h.app.sendMany('add', [[1, 1], [2, 2]], { queue: `idle-${randomUUID()}` });
      const purge = await fetch(`${monitor.url}/api/queue/${other}/purge`, { method: 'POST', body: '{"scheduled":true}' });
      assert.equal(purge.status, 200);
      const live = await waitFor(async () => {
        const { samples } = await (await get('/api/history')).json() as { samples: { redis: { memoryBytes: number } }[] };
        return samples.length > 0 ? samples.at(-1) : undefined;
      }, { what: 'a tick of the live feed' });
      assert.ok(live.redis.memoryBytes > 0, 'INFO read from the masters');
    } finally {
      await monitor.close();
    }
  } finally {
    await h.close();
  }
  assert.deepEqual(cluster.crossSlotErrors(), []);
});
