/**
 * A task's place in a canvas, for the monitor's task page: read from the place its worker
 * copied into the result record (consumer/canvas-place.ts) and, for a chord, the chord's
 * hash (keys.chord): progress "X of N" and the body's id. Without a result record (the task
 * has not finished, ignoreResult, or the record expired) nothing says where it sits.
 */
import type { AppContext } from '../shared/app-config.ts';
import type { CanvasPlace } from '../shared/result-record.ts';

export type CanvasInfo = {
  /** header: reports to a chord; body: a chord's body; chain-step: sent by another task's ack, or followed by one. */
  role: 'header' | 'body' | 'chain-step';
  /** The task whose ack sent it; for a chord body, the chord (the header's group id, as in Celery). */
  parentId?: string;
  /** The next chain step, when it is a task. */
  nextId?: string;
  chordId?: string;
  /** The queue of the chord's body (its hash lives there). */
  chordQueue?: string;
  /** Which header member it is, from 0. */
  chordIndex?: number;
  /** Header tasks done and in all; undefined when the chord's hash is gone (expired). */
  chordDone?: number;
  chordTotal?: number;
  chordFailures?: number;
  chordFired?: boolean;
  /** The chord body's task id. */
  bodyId?: string;
};

export async function canvasInfo(app: AppContext, place: CanvasPlace, queue: string): Promise<CanvasInfo> {
  const { parentId, nextId, bodyOf, chord } = place;
  const info: CanvasInfo = { role: bodyOf !== undefined ? 'body' : chord !== undefined ? 'header' : 'chain-step' };
  if (bodyOf !== undefined) Object.assign(info, { parentId: bodyOf, chordId: bodyOf, chordQueue: queue });
  else if (chord !== undefined) Object.assign(info, { chordId: chord.id, chordQueue: chord.queue, chordIndex: chord.index, chordTotal: chord.size });
  if (parentId !== undefined) info.parentId = parentId;
  if (nextId !== undefined) info.nextId = nextId;
  if (info.chordId === undefined || info.chordQueue === undefined) return info;
  const redis = await app.connection();
  const [size, done, failures, fired, body] = await redis.hmget(app.keys.chord(info.chordQueue, info.chordId), 'size', 'done', 'failures', 'fired', 'body');
  if (size !== null) info.chordTotal = Number(size);
  if (size !== null || done !== null) Object.assign(info, { chordDone: Number(done ?? 0), chordFailures: Number(failures ?? 0), chordFired: fired !== null });
  if (bodyOf === undefined && body !== null && body !== undefined) info.bodyId = bodyIdOf(body);
  return info;
}

/** The id of the body message stored in the chord's hash (its raw JSON). */
function bodyIdOf(raw: string): string | undefined {
  try {
    const id = (JSON.parse(raw) as { id?: unknown }).id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
