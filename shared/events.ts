/**
 * Task and worker events: what a stream entry holds, and the levels that decide which are
 * written. Final-state events are written by the Lua step that writes the state
 * (complete-batch.lua, revoke-task.lua, the poison pill), into keys.events(queue); worker
 * events go to keys.workerEvents() under {control}, so heartbeats never push task history
 * out of a queue's capped stream. Its shape is protocol (docs/PROTOCOL.md, "Events").
 */
import type { ChainableCommander } from 'ioredis';

/**
 * `off`: no events (counters are still written). `final`: the final-state events
 * (succeeded, failed, retried, revoked, dead-lettered) and worker events. `all`: also
 * task-received and task-started from workers (and task-sent from producers that ask).
 */
export type EventsLevel = 'off' | 'final' | 'all';
export const eventsLevels: readonly EventsLevel[] = ['off', 'final', 'all'];

/** Each stream is capped near this many entries (XADD MAXLEN ~). */
export const eventStreamMaxLength = 10_000;

export type TaskEventType =
  | 'task-sent' | 'task-received' | 'task-started'
  | 'task-succeeded' | 'task-failed' | 'task-retried' | 'task-revoked' | 'task-dead-lettered';
export type WorkerEventType = 'worker-online' | 'worker-heartbeat' | 'worker-offline';

/** The counted state of each final-state event (complete-batch/events.lua maps them the same way). */
export const eventTypeOfState = {
  SUCCESS: 'task-succeeded', FAILURE: 'task-failed', RETRY: 'task-retried', REVOKED: 'task-revoked', DEAD: 'task-dead-lettered',
} as const satisfies Record<string, TaskEventType>;
export type CountedState = keyof typeof eventTypeOfState;

/** The `event` field of a task event's stream entry (its `type` field is separate). */
export type TaskEventBody = {
  id?: string;
  task?: string;
  /** The worker that wrote it (absent for task-sent and for revokes from outside a worker). */
  worker?: string;
  /** When it happened, epoch ms (the writer's clock; the stream id is Redis's). */
  at: number;
  /** How long the handler ran, ms (final states of tasks that ran). */
  runtimeMs?: number;
  /** The first characters of the JSON of args and of kwargs. */
  args?: string;
  kwargs?: string;
  /** The error as `Name: message` (failed, retried, dead-lettered). */
  error?: string;
  /** Why: the dead-letter reason, or the revoke's (revoked, expired, terminated). */
  reason?: string;
  /** Retries done so far (task-retried: the number of this retry). */
  retries?: number;
  /** task-retried: when it runs again, epoch ms. */
  eta?: number;
};

/** The `event` field of a worker event. */
export type WorkerEventBody = {
  worker: string;
  host: string;
  pid: number;
  at: number;
  queues: string[];
  concurrency: number;
  /** Messages held now (heartbeat). */
  inFlight?: number;
  /** Tasks finished since start, by outcome (heartbeat, offline). */
  counts?: Record<string, number>;
};

/**
 * The window a worker stores for a preview of a message's `key` value: the message's own
 * text from that value on, at most `maxChars` characters, not cut at the value's end (''
 * without the key). Finding the end and quoting the text for JSON were most of an event's
 * cost in the worker (bench/events.ts); a reader does that instead (previewOfWindow), once
 * per event it reads rather than once per task run. Inside a JSON string a quote is
 * escaped, so the first `"args":` is a key; hardq, the Python producer and signing all put
 * args before kwargs.
 */
export function rawValueWindow(raw: string, key: string, maxChars = 100): string {
  const start = valueStart(raw, key);
  return start < 0 ? '' : raw.slice(start, start + maxChars);
}

/**
 * A window's preview (rawValueWindow, or the start of a value's JSON): the value's text when
 * it ends within the window, else the window and `…`; undefined for an empty window. The
 * same text as preview() of the decoded value (shared/worker-record.ts).
 */
export function previewOfWindow(window: string, maxChars = 100): string | undefined {
  if (window === '') return undefined;
  const end = valueEnd(window, maxChars);
  if (end >= 0) return window.slice(0, end);
  // Shorter than the window: the message ended first (not valid JSON), so nothing was cut.
  return window.length < maxChars ? window : `${window.slice(0, maxChars)}…`;
}

/** `"args":` and `"kwargs":`, built once rather than per search. */
const keyMarks = new Map<string, string>();

function valueStart(raw: string, key: string): number {
  let mark = keyMarks.get(key);
  if (mark === undefined) keyMarks.set(key, (mark = `"${key}":`));
  const at = raw.indexOf(mark);
  return at < 0 ? -1 : at + mark.length;
}

/**
 * Where the JSON value at the start of `text` ends (exclusive), if within its first
 * `maxChars` characters; -1 when it does not. Strings are jumped over with indexOf, a third
 * faster than a character loop on a typical payload.
 */
function valueEnd(text: string, maxChars: number): number {
  const limit = Math.min(text.length, maxChars);
  let depth = 0;
  for (let i = 0; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // A string: on to its closing quote, the first one not escaped by an odd run of backslashes.
      let end = text.indexOf('"', i + 1);
      while (end > 0 && isEscaped(text, end)) end = text.indexOf('"', end + 1);
      if (end < 0 || end >= limit) return -1;
      i = end;
      if (depth === 0) return i + 1;
    } else if (c === 91 || c === 123) depth++;
    else if ((c === 93 || c === 125) && --depth <= 0) return depth === 0 ? i + 1 : i;
    else if (c === 44 && depth === 0) return i;
  }
  return -1;
}

function isEscaped(raw: string, quote: number): boolean {
  let backslashes = 0;
  for (let i = quote - 1; raw.charCodeAt(i) === 92; i--) backslashes++;
  return backslashes % 2 === 1;
}

/** Queues an XADD of one event on a MULTI or pipeline, with the stream's cap (MAXLEN ~ trims whole stream nodes, so it is cheap). */
export function addEvent(into: ChainableCommander, stream: string, type: TaskEventType | WorkerEventType, body: string): void {
  into.xadd(stream, 'MAXLEN', '~', eventStreamMaxLength, '*', 'type', type, 'event', body);
}

export function parseEventsLevel(value: unknown, what: string): EventsLevel {
  if (value === undefined || value === false) return 'off';
  if (value === true) return 'final';
  if (eventsLevels.includes(value as EventsLevel)) return value as EventsLevel;
  throw new Error(`${what} must be 'off', 'final' or 'all' (or a boolean), got ${JSON.stringify(value)}`);
}
