/**
 * A canvas task's place (parent, chord, next step) goes into the result record its worker
 * writes: once the message is acknowledged nothing else maps a task id to its chord, and the
 * monitor's task page needs that (admin/task-info.ts). Only v2 messages pay for it, a few
 * dozen bytes of the record; the record is written in the ack step anyway.
 */
import type { TaskMessage } from '../shared/message.ts';
import type { CanvasPlace } from '../shared/result-record.ts';
import type { Outcome } from './execute.ts';

export function canvasPlace(message: TaskMessage): CanvasPlace | undefined {
  const place: CanvasPlace = {};
  if (message.parentId !== undefined) place.parentId = message.parentId;
  if (message.bodyOf !== undefined) place.bodyOf = message.bodyOf;
  if (message.chord !== undefined) {
    const { id, queue, index, size } = message.chord;
    place.chord = { id, queue, index, size };
  }
  const next = message.chain?.[0];
  if (next?.type === 'task') place.nextId = next.options.taskId;
  return Object.keys(place).length === 0 ? undefined : place;
}

/** The outcome with the place spliced into its result record (the record is a JSON object's text). */
export function withCanvasPlace(outcome: Outcome, message: TaskMessage): Outcome {
  if (outcome === null || outcome === 'unstarted') return outcome;
  const [completion, event] = outcome;
  const { result } = completion;
  if (result === undefined || !result.endsWith('}')) return outcome;
  const place = canvasPlace(message);
  if (place === undefined) return outcome;
  return [{ ...completion, result: `${result.slice(0, -1)},"canvas":${JSON.stringify(place)}}` }, event];
}
