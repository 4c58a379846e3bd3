/**
 * One task by id, as the monitor's task page and `GET /api/task/info/:id` show it: its
 * result record (under each queue's tag: the id alone does not say the queue, so each queue
 * given is asked), whether a worker runs or holds it now (the registry), whether it waits in
 * a scheduled set's first entries, its dead letter, and its place in a canvas. Reads
 * keys.result, keys.revoked, keys.dead, keys.workers, keys.workerRecord and keys.chord.
 */
import type { AppContext } from '../shared/app-config.ts';
import { decodeResult, type ResultRecord } from '../shared/result-record.ts';
import type { TaskSummary } from '../shared/worker-record.ts';
import { listWorkers } from './inspect.ts';
import { listDeadLetters, type DeadLetter } from './dead-letters.ts';
import { canvasInfo, type CanvasInfo } from './canvas-info.ts';

export type TaskInfo = {
  id: string;
  /** The queue where a trace of the task was found; undefined when none was. */
  queue?: string;
  /** PENDING when nothing is stored (unknown, not started yet, or its result expired). */
  state: ResultRecord['state'] | 'PENDING';
  result?: ResultRecord;
  /** How long the result key lives on, in ms. */
  resultTtlMs?: number;
  /** The worker running it now, or holding it before it starts. */
  worker?: { id: string; as: 'active' | 'reserved'; summary: TaskSummary };
  /** Remembered as revoked on this queue (a worker will skip it). */
  revoked: boolean;
  deadLetter?: DeadLetter;
  /** Its place in a canvas (parent, chord progress, body), when its result record says (admin/canvas-info.ts). */
  canvas?: CanvasInfo;
};

export async function taskInfo(app: AppContext, id: string, queues: string[]): Promise<TaskInfo> {
  const redis = await app.connection();
  // One pipeline per queue, sent together: each touches its own queue's slot only (a Cluster
  // refuses a pipeline across slots).
  const perQueue = await Promise.all(queues.map(async (queue) => ((await redis.pipeline()
    .get(app.keys.result(queue, id)).pttl(app.keys.result(queue, id)).zscore(app.keys.revoked(queue), id).exec()) ?? []).map(([error, value]) => {
    if (error) throw error;
    return value;
  })));
  const info: TaskInfo = { id, state: 'PENDING', revoked: false };
  for (const [i, queue] of queues.entries()) {
    const [raw, ttlMs, revokedScore] = perQueue[i]!;
    const record = decodeResult(raw as string | null);
    if (revokedScore !== null) Object.assign(info, { revoked: true, queue: info.queue ?? queue });
    if (record === null) continue;
    Object.assign(info, { queue, state: record.state, result: record, resultTtlMs: Number(ttlMs) });
    if (record.canvas !== undefined) info.canvas = await canvasInfo(app, record.canvas, queue);
    break;
  }
  for (const worker of await listWorkers(app)) {
    const active = worker.active.find((task) => task.id === id);
    const reserved = worker.reserved.find((task) => task.id === id);
    const summary = active ?? reserved;
    if (summary === undefined) continue;
    info.worker = { id: worker.id, as: active ? 'active' : 'reserved', summary };
    info.queue ??= summary.queue;
    break;
  }
  for (const queue of info.queue === undefined ? queues : [info.queue]) {
    const [letter] = await listDeadLetters(app, queue, { id, limit: 1 });
    if (letter === undefined) continue;
    info.deadLetter = letter;
    info.queue ??= queue;
    break;
  }
  return info;
}
