/**
 * A worker's events and counters (shared/events.ts, shared/counters.ts):
 * 1. annotates each finished message with the state to count, the task to count it under
 *    (`unknown` when not registered) and, when events are on, its event: its text and the
 *    windows of its arguments (shared/event-batch.ts). completeBatch sums the counts
 *    (shared/counter-sums.ts), and the Lua step that writes the state writes the sums and
 *    the events too (complete-batch/counters.lua, events.lua);
 * 2. at level `all`, keeps task-received and task-started, with their own timestamps, until
 *    the next complete-batch call on their queue takes them; a timer writes any left over;
 * 3. writes worker-online, worker-heartbeat (with each registry record) and worker-offline.
 * The level changes at run time (enable_events / disable_events). Touches keys.events,
 * keys.counters, keys.runtimes, keys.countersMinute and keys.workerEvents.
 */
import { hostname } from 'node:os';
import type { Redis, ChainableCommander } from 'ioredis';
import type { Keys } from '../shared/keys.ts';
import type { TaskRegistry } from '../shared/task-registry.ts';
import { decodeMessage, type TaskMessage } from '../shared/message.ts';
import { completionTally, type CompletionTally } from '../shared/scripts.ts';
import { unknownTask } from '../shared/counters.ts';
import {
  addEvent, eventTypeOfState, rawValueWindow, type EventsLevel, type TaskEventBody, type TaskEventType, type WorkerEventBody, type WorkerEventType,
} from '../shared/events.ts';
import { addEventBatch, previewsRecord, taskEventText, type BatchEvent } from '../shared/event-batch.ts';
import type { Claimed, Completion } from './fetch.ts';
import type { TaskEvent } from './execute.ts';
import { startJitteredTimer, type JitteredTimer } from './jittered-timer.ts';

/** How long a riding event waits for a complete-batch call before the timer writes it, in ms. */
const ridingFlushMs = 1000;

export class TaskEvents {
  level: EventsLevel;
  #redis: Redis;
  #keys: Keys;
  #registry: TaskRegistry;
  #workerId: string;
  #log: (line: string) => void;
  /** Per queue, the task-received and task-started events waiting for a complete-batch call. */
  #riding = new Map<string, BatchEvent[]>();
  #timer: JitteredTimer | undefined;
  #counters: boolean;

  constructor(options: {
    redis: Redis; keys: Keys; registry: TaskRegistry; workerId: string; level: EventsLevel; counters: boolean; log: (line: string) => void;
  }) {
    this.#counters = options.counters;
    this.#redis = options.redis;
    this.#keys = options.keys;
    this.#registry = options.registry;
    this.#workerId = options.workerId;
    this.level = options.level;
    this.#log = options.log;
  }

  start(): void {
    this.#timer = startJitteredTimer(() => this.#flushRiding(), {
      intervalMs: ridingFlushMs, jitter: 0.1, onError: (error) => this.#log(`[hardq] events: could not write task-received/started events (${error.message}); they are dropped`),
    });
  }

  async stop(): Promise<void> {
    await this.#timer?.stop();
    await this.#flushRiding().catch(() => {
      // Redis is away at shutdown: these informational events are dropped, states are not.
    });
  }

  /** Fills in what complete-batch counts and writes for this message. `message`: the decoded message, when at hand. */
  annotate(completion: Completion, event: TaskEvent, message?: TaskMessage): void {
    if (!this.#counters && this.level === 'off') return;
    // An early or rate-limited message goes back to wait: no state of its own to count.
    if (event.state === 'RETRY' && completion.result === undefined && (event.error === 'early' || event.error === 'rate limited')) return;
    // A message revoke() dropped here was counted by revoke-task.lua, which wrote REVOKED.
    if (event.state === 'REVOKED' && completion.result === undefined && event.error === 'revoked') return;
    const state = completion.dead !== undefined ? 'DEAD' : event.state;
    const task = event.task !== undefined && this.#registry.get(event.task) !== undefined ? event.task : unknownTask;
    const ran = event.state === 'SUCCESS' || event.state === 'FAILURE' || event.state === 'RETRY' || event.error === 'terminated';
    const runtimeMs = ran ? Math.max(0, Math.round(event.ms)) : undefined;
    completion.count = { state, task, runtimeMs };
    if (this.level === 'off') return;
    const body: TaskEventBody = { id: event.id, task: event.task, at: Date.now(), runtimeMs };
    if (state === 'REVOKED') body.reason = event.error;
    else if (event.error !== undefined) body.error = event.error;
    if (completion.dead !== undefined) body.reason = (JSON.parse(completion.dead) as { reason?: string }).reason;
    if (completion.schedule !== undefined) body.eta = completion.schedule.atMs;
    // Its text and previews, not an object: complete-batch.lua puts them in one entry (shared/event-batch.ts).
    completion.event = batchEvent(eventTypeOfState[state], body, completion.claimed, message);
  }

  /** task-received (level all): the message was claimed. */
  received(claimed: Claimed): void {
    if (this.level === 'all') this.#ride(claimed, 'task-received');
  }

  /** task-started (level all): its handler starts now. */
  started(claimed: Claimed, message: TaskMessage): void {
    if (this.level === 'all') this.#ride(claimed, 'task-started', message);
  }

  #ride(claimed: Claimed, type: TaskEventType, message?: TaskMessage): void {
    const decoded = message ?? messageOf(claimed);
    const event = batchEvent(type, { id: decoded?.id, task: decoded?.task, at: Date.now() }, claimed, decoded);
    const list = this.#riding.get(claimed.queue);
    if (list) list.push(event);
    else this.#riding.set(claimed.queue, [event]);
  }

  /** The events-and-counters part of one complete-batch call on `queue`; takes the riding events. */
  forBatch(queue: string): CompletionTally {
    const riding = this.#riding.get(queue) ?? [];
    this.#riding.delete(queue);
    return completionTally(this.#keys, queue, { events: this.level !== 'off', riding, worker: this.#workerId });
  }

  async #flushRiding(): Promise<void> {
    if (this.#riding.size === 0) return;
    const byQueue = [...this.#riding];
    this.#riding.clear();
    // One stream per queue, each its own command: in a cluster the queues live in different slots.
    await Promise.all(byQueue.map(([queue, events]) => {
      const pipeline = this.#redis.pipeline();
      addEventBatch(pipeline, this.#keys.events(queue), this.#workerId, events);
      return pipeline.exec();
    }));
  }

  /** Adds a worker event to a MULTI or pipeline under {control} (the registry's write), when events are on. */
  addWorkerEvent(into: ChainableCommander, type: WorkerEventType, body: WorkerEventBody): void {
    if (this.level !== 'off') addEvent(into, this.#keys.workerEvents(), type, JSON.stringify(body));
  }

  /** The fixed part of this worker's events. */
  workerBody(queues: string[], concurrency: number): WorkerEventBody {
    return { worker: this.#workerId, host: hostname(), pid: process.pid, at: Date.now(), queues, concurrency };
  }
}

function messageOf(claimed: Claimed): TaskMessage | undefined {
  const decoded = decodeMessage(claimed.raw);
  return decoded.ok ? decoded.message : undefined;
}

/**
 * The event for a batch entry: its text, and the windows of its arguments cut from the raw
 * message (rawValueWindow: no search for the value's end and no quoting per event; readers
 * do that). Windows come only from a message that decodes: a malformed one could hold the
 * record's separators. `message`: the decoded message when at hand (the handler started).
 * Most messages have no kwargs: when the decoded message shows none, the raw is not searched
 * for the key (a search that would cross the whole message, and could find a canvas step's
 * kwargs nested in it).
 */
function batchEvent(type: TaskEventType, body: TaskEventBody, claimed: Claimed, message?: TaskMessage): BatchEvent {
  const text = taskEventText(type, body);
  const decoded = message ?? messageOf(claimed);
  if (decoded === undefined) return { text, previews: previewsRecord('', '') };
  const argsWindow = rawValueWindow(claimed.raw, 'args');
  if (argsWindow !== '') {
    return { text, previews: previewsRecord(argsWindow, decoded.kwargs === undefined ? '' : rawValueWindow(claimed.raw, 'kwargs')) };
  }
  // Not in the raw as `"args":` (a signed envelope, or JSON written with spaces): from the decoded values.
  return { text, previews: previewsRecord(jsonWindow(decoded.args), decoded.kwargs === undefined ? '' : jsonWindow(decoded.kwargs)) };
}

/** The first characters of a value's JSON, a window like rawValueWindow's. */
function jsonWindow(value: unknown, maxChars = 100): string {
  return (JSON.stringify(value) ?? '').slice(0, maxChars);
}
