/**
 * A batch entry of a task events stream (keys.events): the events of one complete-batch
 * call as ONE stream entry, fields `type batch`, `worker <id>`, `events <JSON array>`, each
 * event a JSON object that carries its own `type`. The worker builds each event's text and
 * the array here; complete-batch/events.lua adds it as one entry (dropping the events of
 * states it did not write); readers (admin/events.ts) split an entry back into events.
 * Protocol: docs/PROTOCOL.md, "Events".
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

/** An argument preview as a JSON string, its closing `…` as \u2026 (why: rawValuePrefixJson in events.ts). */
function quotePreview(preview: string): string {
  return preview.endsWith('…') ? `${quote(preview.slice(0, -1)).slice(0, -1)}\\u2026"` : quote(preview);
}

/**
 * One event's text in a batch entry: the same JSON as `{ type, ...body }`, written field by
 * field (a JSON.stringify of the whole object per event was most of an event's cost in
 * the worker). The worker is left out: the entry names it once (`worker`), and readers put
 * it back into each event. `argsJson` and `kwargsJson`, when given, are the previews already
 * as JSON strings (rawValuePrefixJson) and stand for body.args and body.kwargs.
 */
export function taskEventText(type: TaskEventType, body: TaskEventBody, argsJson?: string, kwargsJson?: string): string {
  let text = typePrefix(type);
  if (body.id !== undefined) text += `,"id":${quote(body.id)}`;
  if (body.task !== undefined) text += `,"task":${quote(body.task)}`;
  text += `,"at":${body.at}`;
  if (body.runtimeMs !== undefined) text += `,"runtimeMs":${body.runtimeMs}`;
  const args = argsJson ?? (body.args === undefined ? undefined : quotePreview(body.args));
  if (args !== undefined) text += `,"args":${args}`;
  const kwargs = kwargsJson ?? (body.kwargs === undefined ? undefined : quotePreview(body.kwargs));
  if (kwargs !== undefined) text += `,"kwargs":${kwargs}`;
  if (body.error !== undefined) text += `,"error":${quote(body.error)}`;
  if (body.reason !== undefined) text += `,"reason":${quote(body.reason)}`;
  if (body.retries !== undefined) text += `,"retries":${body.retries}`;
  if (body.eta !== undefined) text += `,"eta":${body.eta}`;
  return `${text}}`;
}

/** The `events` field of a batch entry: the texts (from taskEventText) as a JSON array; '' for none. */
export function eventsArray(texts: string[]): string {
  return texts.length === 0 ? '' : `[${texts.join(',')}]`;
}

/** Queues the XADD of a batch entry (event texts from taskEventText) on a MULTI or pipeline; `worker` undefined for a producer's. */
export function addEventBatch(into: ChainableCommander, stream: string, worker: string | undefined, texts: string[]): void {
  if (texts.length === 0) return;
  const named = worker === undefined ? [] : ['worker', worker];
  into.xadd(stream, 'MAXLEN', '~', batchMaxLength(texts.length), '*', 'type', batchEntryType, ...named, 'events', eventsArray(texts));
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
  const values: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) values[fields[i]!] = fields[i + 1]!;
  const { type, worker } = values;
  if (type === undefined) return [];
  if (type !== batchEntryType) {
    const event = parse(values.event);
    return isObject(event) ? [{ type, event }] : [];
  }
  const list = parse(values.events);
  if (!Array.isArray(list)) return [];
  const events: EntryEvent[] = [];
  for (const item of list as unknown[]) {
    if (!isObject(item)) continue;
    const { type: eventType, ...event } = item;
    if (typeof eventType !== 'string') continue;
    if (event.worker === undefined && worker !== undefined && worker !== '') event.worker = worker;
    events.push({ type: eventType, event });
  }
  return events;
}

function parse(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? 'null');
  } catch {
    return undefined; // Not written by hardq: skipped rather than failing the whole read.
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
