/**
 * A batch entry of a task events stream (keys.events): the events of one complete-batch
 * call as ONE stream entry, fields `type batch`, `worker <id>`, then `event <text>` once per
 * event, each text a JSON object that carries its own `type`. The worker builds each text
 * here; complete-batch/events.lua adds the texts of the states it wrote as one entry; readers
 * (admin/events.ts) split an entry back into events. Protocol: docs/PROTOCOL.md, "Events".
 */
import type { ChainableCommander } from 'ioredis';
import { eventStreamMaxLength, type TaskEventBody, type TaskEventType } from './events.ts';

/** The `type` field of a batch entry. */
export const batchEntryType = 'batch';

/**
 * The MAXLEN (in entries) that an entry of `eventCount` events is added with: the cap in
 * events over the entry's size. With batches of a steady size the stream holds about
 * `eventStreamMaxLength` events; with mixed sizes at most that times 1 + ln(the largest
 * entry), since each entry of s events trims the stream to cap / s entries (docs/EVENTS.md).
 */
export function batchMaxLength(eventCount: number): number {
  return Math.max(1, Math.ceil(eventStreamMaxLength / Math.max(1, eventCount)));
}

const typePrefixes = new Map<string, string>();
function typePrefix(type: TaskEventType): string {
  let prefix = typePrefixes.get(type);
  if (prefix === undefined) typePrefixes.set(type, (prefix = `{"type":${JSON.stringify(type)}`));
  return prefix;
}

const quote = JSON.stringify as (value: string) => string;

/**
 * One event's text in a batch entry: the same JSON as `{ type, ...body }`, written field by
 * field (a JSON.stringify of the whole object per event was most of an event's cost in
 * the worker). The worker is left out: the entry names it once (`worker`), and readers put
 * it back into each event.
 */
export function taskEventText(type: TaskEventType, body: TaskEventBody): string {
  let text = typePrefix(type);
  if (body.id !== undefined) text += `,"id":${quote(body.id)}`;
  if (body.task !== undefined) text += `,"task":${quote(body.task)}`;
  text += `,"at":${body.at}`;
  if (body.runtimeMs !== undefined) text += `,"runtimeMs":${body.runtimeMs}`;
  if (body.args !== undefined) text += `,"args":${quote(body.args)}`;
  if (body.kwargs !== undefined) text += `,"kwargs":${quote(body.kwargs)}`;
  if (body.error !== undefined) text += `,"error":${quote(body.error)}`;
  if (body.reason !== undefined) text += `,"reason":${quote(body.reason)}`;
  if (body.retries !== undefined) text += `,"retries":${body.retries}`;
  if (body.eta !== undefined) text += `,"eta":${body.eta}`;
  return `${text}}`;
}

/** Events per batch entry at most (complete-batch/events.lua splits the same way). */
export const maxEventsPerEntry = 1000;

/** Queues the XADD of a batch entry (event texts from taskEventText; one per 1,000) on a MULTI or pipeline. */
export function addEventBatch(into: ChainableCommander, stream: string, worker: string, texts: string[]): void {
  for (let first = 0; first < texts.length; first += maxEventsPerEntry) {
    const part = texts.slice(first, first + maxEventsPerEntry);
    into.xadd(stream, 'MAXLEN', '~', batchMaxLength(part.length), '*', 'type', batchEntryType, 'worker', worker, ...part.flatMap((text) => ['event', text]));
  }
}

/** One event as an entry holds it. */
export type EntryEvent = { type: string; event: Record<string, unknown> };

/**
 * The events of one stream entry, given its fields as XRANGE returns them: a batch entry's
 * events in the order written, or the one event of a single entry (`type`, `event` JSON:
 * revoke-task.lua, the poison pill, task-sent, worker events, and entries written before
 * batches). Anything unreadable gives no events rather than failing the read.
 */
export function eventsOfEntry(fields: string[]): EntryEvent[] {
  let type: string | undefined;
  let worker: string | undefined;
  const texts: string[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 'event') texts.push(fields[i + 1]!);
    else if (fields[i] === 'type') type = fields[i + 1];
    else if (fields[i] === 'worker') worker = fields[i + 1];
  }
  if (type === undefined) return [];
  if (type !== batchEntryType) {
    const event = parseObject(texts[0]);
    return event === undefined ? [] : [{ type, event }];
  }
  const events: EntryEvent[] = [];
  for (const text of texts) {
    const parsed = parseObject(text);
    if (parsed === undefined) continue;
    const { type: eventType, ...event } = parsed;
    if (typeof eventType !== 'string') continue;
    if (event.worker === undefined && worker !== undefined && worker !== '') event.worker = worker;
    events.push({ type: eventType, event });
  }
  return events;
}

function parseObject(text: string | undefined): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text ?? 'null');
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined; // Not written by hardq: skipped rather than failing the whole read.
  }
}
