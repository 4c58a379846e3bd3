/**
 * Reading the event streams (docs/PROTOCOL.md, "Events"): each queue's task events
 * (keys.events) and the workers' events (keys.workerEvents), merged in time order.
 * `readEvents` returns the latest ones; `tailEvents` follows them as they come, like
 * `celery events --dump`. One XRANGE/XREVRANGE per stream and round, never a multi-key XREAD,
 * so it works the same on a cluster, where each queue's stream lives in its own slot. A
 * batch entry (shared/event-batch.ts) is split back into its events, which share its id.
 */
import type { Redis } from 'ioredis';
import type { AppContext } from '../shared/app-config.ts';
import type { TaskEventBody, TaskEventType, WorkerEventBody, WorkerEventType } from '../shared/events.ts';
import { eventsOfEntry } from '../shared/event-batch.ts';
import { queuesOrKnown } from './known-queues.ts';

/** One event as read: its stream entry id (shared by the events of one batch entry), when Redis stored it, its type and body. */
export type EventRecord =
  | { kind: 'task'; streamId: string; storedAt: number; queue: string; type: TaskEventType; event: TaskEventBody }
  | { kind: 'worker'; streamId: string; storedAt: number; type: WorkerEventType; event: WorkerEventBody };

export type EventsOptions = {
  /** Queues whose task events to read. @default every known queue (keys.queues) */
  queues?: string[];
  /** Read the workers' events too. @default true */
  workers?: boolean;
};

type Stream = { key: string; queue?: string };
type Entry = [id: string, fields: string[]];

async function streamsOf(app: AppContext, options: EventsOptions): Promise<Stream[]> {
  const queues = await queuesOrKnown(app, options.queues);
  const streams: Stream[] = queues.map((queue) => ({ key: app.keys.events(queue), queue }));
  if (options.workers !== false) streams.push({ key: app.keys.workerEvents() });
  return streams;
}

/** Stream ids compare by time, then sequence. */
function compareIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map(Number) as [number, number];
  const [bMs, bSeq] = b.split('-').map(Number) as [number, number];
  return aMs - bMs || aSeq - bSeq;
}

/** The events of one entry, in the order written. */
function toRecords(stream: Stream, [streamId, fields]: Entry): EventRecord[] {
  const storedAt = Number(streamId.split('-')[0]);
  return eventsOfEntry(fields).map(({ type, event }): EventRecord => (stream.queue === undefined
    ? { kind: 'worker', streamId, storedAt, type: type as WorkerEventType, event: event as WorkerEventBody }
    : { kind: 'task', streamId, storedAt, queue: stream.queue, type: type as TaskEventType, event: event as unknown as TaskEventBody }));
}

/**
 * The newest `count` events of one stream, oldest first. Entries are read newest first in
 * pages sized by the events per entry seen so far, so a stream of batch entries is not
 * read whole for a few events, and one of single events takes few round trips.
 */
async function newestOf(redis: Redis, stream: Stream, count: number): Promise<EventRecord[]> {
  const pages: EventRecord[][] = [];
  let found = 0;
  let entriesRead = 0;
  let before = '+';
  while (found < count) {
    // A few entries first: a batch entry can hold hundreds of events.
    const want = entriesRead === 0 ? Math.min(count, 5) : Math.ceil((count - found) / Math.max(found / entriesRead, 1)) + 1;
    const entries = (await redis.xrevrange(stream.key, before, '-', 'COUNT', Math.min(want, 1000))) as Entry[];
    for (const entry of entries) {
      const records = toRecords(stream, entry);
      pages.push(records);
      found += records.length;
    }
    entriesRead += entries.length;
    if (entries.length < Math.min(want, 1000)) break;
    before = `(${entries[entries.length - 1]![0]}`;
  }
  return pages.reverse().flat().slice(-count);
}

/** The latest `count` events over the streams, oldest first. */
export async function readEvents(app: AppContext, options: EventsOptions & { count?: number } = {}): Promise<EventRecord[]> {
  const redis = await app.connection();
  const count = options.count ?? 100;
  const streams = await streamsOf(app, options);
  const all = (await Promise.all(streams.map((stream) => newestOf(redis, stream, count)))).flat();
  // Stable: the events of one batch entry keep their order.
  return all.sort((a, b) => compareIds(a.streamId, b.streamId) || a.kind.localeCompare(b.kind)).slice(-count);
}

/**
 * Follows the streams from now (or from the latest `history` events), yielding each new event
 * in time order per poll. Stops when `signal` aborts. Queues are looked up again each second
 * when not given, so a queue first used after the tail began is followed too.
 */
export async function* tailEvents(
  app: AppContext, options: EventsOptions & { signal?: AbortSignal; pollMs?: number; history?: number } = {},
): AsyncGenerator<EventRecord> {
  const redis = await app.connection();
  const pollMs = options.pollMs ?? 250;
  const lastIds = new Map<string, string>();
  for (const record of options.history ? await readEvents(app, { ...options, count: options.history }) : []) yield record;
  let streams = await streamsOf(app, options);
  await Promise.all(streams.map((stream) => startPoint(redis, stream, lastIds)));
  let refreshedAt = Date.now();
  while (options.signal?.aborted !== true) {
    if (options.queues === undefined && Date.now() - refreshedAt > 1000) {
      streams = await streamsOf(app, options);
      // A stream first seen now is read from its start: it began after the tail did.
      for (const stream of streams) if (!lastIds.has(stream.key)) lastIds.set(stream.key, '0-0');
      refreshedAt = Date.now();
    }
    const batches = await Promise.all(streams.map(async (stream) => {
      // 100 entries: a batch entry holds up to a complete-batch call's events.
      const entries = (await redis.xrange(stream.key, `(${lastIds.get(stream.key)!}`, '+', 'COUNT', 100)) as Entry[];
      if (entries.length > 0) lastIds.set(stream.key, entries[entries.length - 1]![0]);
      return entries.flatMap((entry) => toRecords(stream, entry));
    }));
    const fresh = batches.flat();
    fresh.sort((a, b) => compareIds(a.streamId, b.streamId));
    for (const record of fresh) yield record;
    if (fresh.length === 0) await sleep(pollMs, options.signal);
  }
}

/** The newest id of a stream now, so the tail starts after it ('0-0' for an empty stream). */
async function startPoint(redis: Redis, stream: Stream, lastIds: Map<string, string>): Promise<void> {
  const newest = (await redis.xrevrange(stream.key, '+', '-', 'COUNT', 1)) as Entry[];
  lastIds.set(stream.key, newest[0]?.[0] ?? '0-0');
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
