/**
 * `/metrics`: gauges computed from Redis at scrape time (queue depths by state, oldest
 * waiting age, consumers, workers online, each worker's load), each worker's task counts
 * from its registry record, and the counters (admin/counters.ts): tasks by queue, task and
 * state, and the run-time histogram by task. Labels are queue, state, worker and task names: never a task id,
 * so the series stay as many as the queues and workers. Reads what admin/queues.ts and
 * admin/inspect.ts read.
 */
import type { AppContext } from '../shared/app-config.ts';
import { listWorkers } from '../admin/inspect.ts';
import { queueStats } from '../admin/queues.ts';
import { counterTotals, runtimeHistograms } from '../admin/counters.ts';
import { formatFamilies, type MetricFamily } from './prometheus-text.ts';

const queueStates = ['ready', 'scheduled', 'processing', 'quarantine', 'dead'] as const;

export async function collectMetrics(app: AppContext, queuesOf: (workers: Awaited<ReturnType<typeof listWorkers>>) => string[]): Promise<MetricFamily[]> {
  const workers = await listWorkers(app);
  const queues = await Promise.all(queuesOf(workers).map((queue) => queueStats(app, queue)));
  const names = queues.map((q) => q.queue);
  const [totals, histograms] = await Promise.all([counterTotals(app, { queues: names }), runtimeHistograms(app, { queues: names })]);
  const perWorker = (pick: (worker: (typeof workers)[number]) => number) => workers.map((worker) => ({ labels: { worker: worker.id }, value: pick(worker) }));
  return [
    {
      name: 'hardq_queue_messages', type: 'gauge', help: 'Messages in a queue by state (ready, scheduled, processing, quarantine, dead).',
      samples: queues.flatMap((q) => queueStates.map((state) => ({ labels: { queue: q.queue, state }, value: q[state] }))),
    },
    {
      name: 'hardq_queue_oldest_age_seconds', type: 'gauge', help: 'How long the next message to run has waited; 0 when none waits.',
      samples: queues.map((q) => ({ labels: { queue: q.queue }, value: (q.oldestAgeMs ?? 0) / 1000 })),
    },
    { name: 'hardq_queue_consumers', type: 'gauge', help: 'Reliable consumers registered on a queue.', samples: queues.map((q) => ({ labels: { queue: q.queue }, value: q.consumers })) },
    { name: 'hardq_workers_online', type: 'gauge', help: 'Workers whose registry record is fresh.', samples: [{ value: workers.filter((w) => w.online).length }] },
    { name: 'hardq_worker_online', type: 'gauge', help: '1 while the worker writes its registry record, 0 once it is stale.', samples: perWorker((w) => (w.online ? 1 : 0)) },
    { name: 'hardq_worker_concurrency', type: 'gauge', help: 'Tasks the worker may run at once.', samples: perWorker((w) => w.concurrency) },
    { name: 'hardq_worker_in_flight', type: 'gauge', help: 'Messages the worker holds (running, waiting to start, or awaiting the ack).', samples: perWorker((w) => w.inFlight) },
    {
      name: 'hardq_worker_tasks_total', type: 'counter', help: 'Tasks the worker ended since it started, by outcome (resets when the worker restarts).',
      samples: workers.flatMap((w) => Object.entries(w.counts).map(([state, value]) => ({ labels: { worker: w.id, state }, value }))),
    },
    {
      // Counted by the Lua step that writes each state: equal to the result records, across restarts.
      name: 'hardq_tasks_total', type: 'counter', help: 'Tasks that ended, by queue, task name and state (unregistered names count as unknown).',
      samples: totals.map((row) => ({ labels: { queue: row.queue, task: row.task, state: row.state }, value: row.count })),
    },
    {
      name: 'hardq_task_runtime_seconds', type: 'histogram', help: 'How long handlers ran, by task name.',
      samples: histograms.flatMap((h) => [
        ...h.buckets.map((bucket) => ({ suffix: '_bucket', labels: { task: h.task, le: bucket.leMs === Infinity ? '+Inf' : String(bucket.leMs / 1000) }, value: bucket.count })),
        { suffix: '_sum', labels: { task: h.task }, value: h.sumMs / 1000 },
        { suffix: '_count', labels: { task: h.task }, value: h.count },
      ]),
    },
  ];
}

export async function metricsText(app: AppContext, queuesOf: Parameters<typeof collectMetrics>[1]): Promise<string> {
  return formatFamilies(await collectMetrics(app, queuesOf));
}
