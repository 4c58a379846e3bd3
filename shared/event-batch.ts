/**
 * A batch entry of a task events stream (keys.events): the events of one complete-batch
 * call as ONE stream entry, fields `type batch`, `worker <id>`, `events <JSON array>`,
 * `previews <records>`. Each event is a JSON array by position, `[type, id, task, at,
 * runtimeMs]` and, when it has any, an object of the rest (`error`, `reason`, `retries`,
 * `eta`); absent values are null. By position, not as an object with its keys: like
 * Celery's message body, a tuple `(args, kwargs, embed)`. The keys were 40 % of an event's
 * text, carried through the worker's write, Redis and the stream (bench/events.ts: events
 * cost a median 7.0 % of the drain rate by position in six runs, 7.7 to 13.9 % with keys
 * in four; 215 bytes per event in the stream instead of 256).
 *
 * Its argument previews travel apart, as windows of the message's text (rawValueWindow),
 * one record per event in the same order: `<args window> US <kwargs window> RS` (U+001F,
 * U+001E). Those two characters cannot occur in JSON text, raw or inside a string, so they
 * cannot occur in a window. The worker builds each event here; complete-batch/events.lua
 * adds the entry (dropping the events of states it did not write); readers
 * (admin/events.ts) split an entry back into events, each with its previews. Protocol:
 * docs/PROTOCOL.md, "Events".
 */
import type { ChainableCommander } from 'ioredis';
import { eventStreamMaxLength, previewOfWindow, type TaskEventBody, type TaskEventType } from './events.ts';

/** One event of a batch entry: its JSON text (taskEventText) and its previews record (previewsRecord). */
export type BatchEvent = { text: string; previews: string };

/** Ends a window in a previews record (U+001F, unit separator), then a record (U+001E, record separator). */
const windowEnd = '\x1f';
const recordEnd = '\x1e';

/** An event's previews record: its args window and its kwargs window (rawValueWindow; '' for none). */
export function previewsRecord(argsWindow: string, kwargsWindow: string): string {
  return kwargsWindow === '' ? argsWindow + windowEnd + recordEnd : argsWindow + windowEnd + kwargsWindow + recordEnd;
}

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
  if (prefix === undefined) typePrefixes.set(type, (prefix = `[${JSON.stringify(type)},`));
  return prefix;
}

const quote = JSON.stringify as (value: string) => string;

/**
 * Task names as JSON strings: a worker runs few names, each quoted once (at most 1,000 kept,
 * for the odd app with generated names).
 */
const quotedTasks = new Map<string, string>();
function quotedTask(task: string): string {
  let quoted = quotedTasks.get(task);
  if (quoted === undefined) {
    quoted = quote(task);
    if (quotedTasks.size < 1000) quotedTasks.set(task, quoted);
  }
  return quoted;
}

/**
 * `at` as text, kept for the last millisecond: an epoch-ms number is too large for V8's
 * small-integer fast path, and its conversion cost 90 ns per event, while a drain finishes
 * tens of tasks within one millisecond.
 */
let lastAt = -1;
let lastAtText = '';
function atText(at: number): string {
  if (at !== lastAt) {
    lastAt = at;
    lastAtText = String(at);
  }
  return lastAtText;
}

/**
 * One event's text in a batch entry: `[type, id, task, at, runtimeMs]`, then an object of
 * error, reason, retries and eta when it has any; without the argument previews (they go in
 * its previews record) and without the worker (the entry names it once, and readers put it
 * back into each event). Written piece by piece: a JSON.stringify per event was most of an
 * event's cost in the worker.
 */
export function taskEventText(type: TaskEventType, body: TaskEventBody): string {
  const id = body.id === undefined ? 'null' : quote(body.id);
  const task = body.task === undefined ? 'null' : quotedTask(body.task);
  const head = `${typePrefix(type)}${id},${task},${atText(body.at)},${body.runtimeMs ?? 'null'}`;
  if (body.error === undefined && body.reason === undefined && body.retries === undefined && body.eta === undefined) return `${head}]`;
  const { error, reason, retries, eta } = body;
  return `${head},${JSON.stringify({ error, reason, retries, eta })}]`;
}

/** The keys an event's trailing object may hold (taken by name, so that nothing else in a stream lands on the event). */
const restKeys = ['error', 'reason', 'retries', 'eta'] as const;

/** An event of a batch entry back as its type and body (taskEventText's reverse); an object from before positions, as it is. */
function eventOfItem(item: unknown): { type: unknown; event: Record<string, unknown> } | undefined {
  if (isObject(item)) {
    const { type, ...event } = item;
    return { type, event };
  }
  if (!Array.isArray(item)) return undefined;
  const [type, id, task, at, runtimeMs, rest] = item as unknown[];
  const event: Record<string, unknown> = {};
  if (id !== null && id !== undefined) event.id = id;
  if (task !== null && task !== undefined) event.task = task;
  event.at = at;
  if (runtimeMs !== null && runtimeMs !== undefined) event.runtimeMs = runtimeMs;
  if (isObject(rest)) {
    for (const key of restKeys) if (rest[key] !== undefined && rest[key] !== null) event[key] = rest[key];
  }
  return { type, event };
}

/** The `events` and `previews` fields of a batch entry: the texts as one JSON array, the records joined ('' and '' for none). */
export function batchFields(events: readonly BatchEvent[]): { events: string; previews: string } {
  if (events.length === 0) return { events: '', previews: '' };
  let texts = events[0]!.text;
  let previews = events[0]!.previews;
  for (let i = 1; i < events.length; i++) {
    texts += `,${events[i]!.text}`;
    previews += events[i]!.previews;
  }
  return { events: `[${texts}]`, previews };
}

/** Queues the XADD of a batch entry on a MULTI or pipeline; `worker` undefined for a producer's. */
export function addEventBatch(into: ChainableCommander, stream: string, worker: string | undefined, events: readonly BatchEvent[]): void {
  if (events.length === 0) return;
  const named = worker === undefined ? [] : ['worker', worker];
  const fields = batchFields(events);
  into.xadd(stream, 'MAXLEN', '~', batchMaxLength(events.length), '*', 'type', batchEntryType, ...named, 'events', fields.events, 'previews', fields.previews);
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
  const { type, worker, previews } = values;
  if (type === undefined) return [];
  if (type !== batchEntryType) {
    const event = parse(values.event);
    return isObject(event) ? [{ type, event }] : [];
  }
  const list = parse(values.events);
  if (!Array.isArray(list)) return [];
  // Entries written before previews travelled apart have none: their events carry args and kwargs.
  const records = previews === undefined ? [] : previews.split(recordEnd);
  const events: EntryEvent[] = [];
  for (const [i, item] of (list as unknown[]).entries()) {
    const read = eventOfItem(item);
    if (read === undefined) continue;
    const { type: eventType, event } = read;
    if (typeof eventType !== 'string') continue;
    if (event.worker === undefined && worker !== undefined && worker !== '') event.worker = worker;
    const record = records[i];
    if (record !== undefined) addPreviews(event, record);
    events.push({ type: eventType, event });
  }
  return events;
}

function addPreviews(event: Record<string, unknown>, record: string): void {
  const split = record.indexOf(windowEnd);
  const args = previewOfWindow(split < 0 ? record : record.slice(0, split));
  const kwargs = split < 0 ? undefined : previewOfWindow(record.slice(split + 1));
  if (args !== undefined) event.args = args;
  if (kwargs !== undefined) event.kwargs = kwargs;
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
