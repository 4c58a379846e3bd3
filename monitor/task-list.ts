/**
 * The Tasks page's list: every task hardq can name right now, from the admin functions —
 * running and held (the worker registry), waiting for their time (the first entries of each
 * scheduled set), dead-lettered (each dead list's newest), and ended lately (the newest
 * final-state events of each queue's capped events stream).
 */
import type { AppContext } from '../shared/app-config.ts';
import { inspectScheduled, listWorkers } from '../admin/inspect.ts';
import { listDeadLetters } from '../admin/dead-letters.ts';
import { readEvents } from '../admin/events.ts';
import { eventTypeOfState, type CountedState } from '../shared/events.ts';

export type TaskRow = {
  id?: string;
  task?: string;
  queue: string;
  state: 'STARTED' | 'RESERVED' | 'SCHEDULED' | CountedState;
  worker?: string;
  args?: string;
  /** Started, due, died or ended at: epoch ms. */
  atMs?: number;
  reason?: string;
};

export type TaskFilter = {
  state?: string; name?: string; queue?: string; worker?: string; id?: string;
  /** Only rows whose time (started, due, died, ended) is at or after this, epoch ms. */
  sinceMs?: number;
  limit: number;
};

const stateOfEvent = new Map(Object.entries(eventTypeOfState).map(([state, type]) => [type as string, state as CountedState]));

export async function listTasks(app: AppContext, queues: string[], filter: TaskFilter): Promise<{ tasks: TaskRow[] }> {
  const wanted = (state: TaskRow['state']) => filter.state === undefined || filter.state === state;
  const endedWanted = filter.state === undefined || [...stateOfEvent.values()].includes(filter.state as CountedState);
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
  if (endedWanted) {
    // DEAD rows come from the dead lists above; their events would list them twice.
    const events = await readEvents(app, { queues: inQueues, count: filter.limit, workers: false });
    for (const record of events.reverse()) {
      const state = record.kind === 'task' ? stateOfEvent.get(record.type) : undefined;
      if (record.kind !== 'task' || state === undefined || state === 'DEAD' || !wanted(state)) continue;
      rows.push({ id: record.event.id, task: record.event.task, queue: record.queue, state, worker: record.event.worker, args: record.event.args, atMs: record.event.at, reason: record.event.error ?? record.event.reason });
    }
  }
  const matches = rows.filter((row) => (filter.name === undefined || row.task === filter.name)
    && (filter.queue === undefined || row.queue === filter.queue)
    && (filter.worker === undefined || row.worker === filter.worker)
    && (filter.id === undefined || row.id === filter.id)
    && (filter.sinceMs === undefined || (row.atMs !== undefined && row.atMs >= filter.sinceMs)));
  return { tasks: matches.slice(0, filter.limit) };
}
