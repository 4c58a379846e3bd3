/**
 * The Tasks page's list: every task hardq can name right now, from the admin functions —
 * running and held (the worker registry), waiting for their time (the first entries of each
 * scheduled set) and dead-lettered (each dead list's newest). Finished tasks need the events
 * stream (issue 11, item 5); until it lands the list says so instead of guessing.
 */
import type { AppContext } from '../shared/app-config.ts';
import { inspectScheduled, listWorkers } from '../admin/inspect.ts';
import { listDeadLetters } from '../admin/dead-letters.ts';

export type TaskRow = {
  id?: string;
  task?: string;
  queue: string;
  state: 'STARTED' | 'RESERVED' | 'SCHEDULED' | 'DEAD';
  worker?: string;
  args?: string;
  /** Started, due, or died at: epoch ms. */
  atMs?: number;
  reason?: string;
};

export type TaskFilter = { state?: string; name?: string; queue?: string; worker?: string; id?: string; limit: number };

export async function listTasks(app: AppContext, queues: string[], filter: TaskFilter): Promise<{ tasks: TaskRow[]; finishedHistory: 'waiting on the events stream (issue 11, item 5)' }> {
  const wanted = (state: TaskRow['state']) => filter.state === undefined || filter.state === state;
  const inQueues = filter.queue === undefined ? queues : queues.filter((queue) => queue === filter.queue);
  const rows: TaskRow[] = [];
  if (wanted('STARTED') || wanted('RESERVED')) {
    for (const worker of await listWorkers(app)) {
      for (const task of worker.active) rows.push({ id: task.id, task: task.task, queue: task.queue, state: 'STARTED', worker: worker.id, args: task.args, atMs: task.startedAt });
      for (const task of worker.reserved) rows.push({ id: task.id, task: task.task, queue: task.queue, state: 'RESERVED', worker: worker.id, args: task.args });
    }
  }
  if (wanted('SCHEDULED')) {
    for (const [queue, entries] of Object.entries(await inspectScheduled(app, inQueues, filter.limit))) {
      for (const entry of entries) rows.push({ id: entry.id, task: entry.task, queue, state: 'SCHEDULED', args: entry.args, atMs: entry.etaMs });
    }
  }
  if (wanted('DEAD')) {
    for (const queue of inQueues) {
      for (const letter of await listDeadLetters(app, queue, { limit: filter.limit })) {
        rows.push({ id: letter.id, task: letter.task, queue, state: 'DEAD', atMs: letter.deadAt, reason: letter.reason, args: letter.raw.slice(0, 100) });
      }
    }
  }
  const matches = rows.filter((row) => (filter.name === undefined || row.task === filter.name)
    && (filter.queue === undefined || row.queue === filter.queue)
    && (filter.worker === undefined || row.worker === filter.worker)
    && (filter.id === undefined || row.id === filter.id));
  return { tasks: matches.slice(0, filter.limit), finishedHistory: 'waiting on the events stream (issue 11, item 5)' };
}
