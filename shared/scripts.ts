/**
 * The typed wrapper of each Lua script in shared/lua/ (loaded by script-loader.ts). Every
 * key reaches a script through KEYS; no script builds a key name.
 */
import type { Redis, ChainableCommander } from 'ioredis';
import type { Keys } from './keys.ts';
import { minuteCountersTtlMs, minuteOf } from './counters.ts';
import { eventStreamMaxLength } from './events.ts';
import { batchFields, type BatchEvent } from './event-batch.ts';
import { CounterSums } from './counter-sums.ts';
import { callScript as call } from './script-loader.ts';
import { packRows } from './packed-rows.ts';

export {
  defineScripts, fragmentPath, fragmentSource, scriptFragments, scriptKeyCounts, scriptMainSource, scriptSource, type ScriptName,
} from './script-loader.ts';

/** beat.lua: 1 beaten, 2 beaten after it had expired, 0 refused (another live process uses this consumer id). */
export async function beat(
  redis: Redis,
  keys: { heartbeat: string; consumers: string },
  args: { consumerId: string; token: string; value: string; ttlMs: number; first: boolean; keepMs: number },
): Promise<0 | 1 | 2> {
  return (await call(redis, 'beat', [
    keys.heartbeat, keys.consumers, args.consumerId, args.token, args.value, args.ttlMs, args.first ? 'first' : 'renew', args.keepMs,
  ])) as 0 | 1 | 2;
}

/**
 * claim-batch.lua: up to `max` messages from ready into processing, oldest first; recently
 * revoked ones dropped. Rejects with NOHEARTBEAT, claiming nothing, when the consumer's
 * heartbeat is missing.
 */
/**
 * claim-batch.lua: moves up to `max` messages into the claimed hash under the claim numbers
 * `first`, `first` + 1, … (the caller's own, never reused); returns them oldest first.
 */
export function claimBatch(redis: Redis, keys: { ready: string; claimed: string; revokedRecent: string; heartbeat: string }, max: number, first: number): Promise<string[]> {
  return call(redis, 'claim-batch', [keys.ready, keys.claimed, keys.revokedRecent, keys.heartbeat, max, first]) as Promise<string[]>;
}

/** promote-due.lua: moves up to `limit` messages due by Redis's clock to ready; returns how many were due. */
export function promoteDue(redis: Redis, keys: { scheduled: string; ready: string; revoked: string }, limit: number): Promise<number> {
  return call(redis, 'promote-due', [keys.scheduled, keys.ready, keys.revoked, limit]) as Promise<number>;
}

/** rate-limit.lua: `reserved` true means start after `waitMs`; false means ask again after `waitMs`. */
export async function reserveRateSlot(redis: Redis, key: string, spacingMs: number, maxWaitMs: number): Promise<{ waitMs: number; reserved: boolean }> {
  const [waitMs, reserved] = (await call(redis, 'rate-limit', [key, spacingMs, maxWaitMs])) as [number, number];
  return { waitMs, reserved: reserved === 1 };
}

/** One message's part of a complete-batch call. `announce`: SPUBLISH its id (a final state). */
export type CompletionRow = {
  raw: string;
  /** Its claim number in the claimed hash (claim-batch.lua): the ack names it by that, not by its text. */
  claimNumber?: number;
  resultKey?: string;
  result?: string;
  announce?: boolean;
  dead?: string;
  id?: string;
  /** A message to ZADD to the scheduled set (a retry), with its due time in epoch ms. */
  schedule?: { atMs: number; raw: string };
  /** Its canvas follow-up program (shared/follow-ups.ts), given a function that places a key in KEYS and returns its index. */
  followUps?: (keyIndex: (key: string) => number) => string;
  /** The state to count (and write an event for) if this step writes it; the task as counted (`unknown` when not registered). */
  count?: { state: string; task: string; runtimeMs?: number };
  /** Its event (shared/event-batch.ts), written when events are on and the state is counted. */
  event?: BatchEvent;
};

/** The keys and settings of events and counters in a complete-batch call (complete-batch/events.lua, counters.lua). */
export type CompletionTally = {
  keys: { events: string; counters: string; runtimes: string; countersMinute: string };
  /** Write events (a counted state's event, and the riding ones). */
  events: boolean;
  minuteTtlMs: number;
  /** The stream's cap, in events (the entry is added with MAXLEN ~ cap / its size). */
  streamMaxLength: number;
  /** Events that happened outside a script (task-received, task-started; shared/event-batch.ts). */
  riding: BatchEvent[];
  /** The worker the batch entry names (its events leave it out). */
  worker: string;
};

/** The tally of one complete-batch call on `queue`: its keys (this minute's bucket by `nowMs`), the standard TTL and cap. */
export function completionTally(
  keys: Keys, queue: string, options: { events?: boolean; riding?: BatchEvent[]; worker?: string; nowMs?: number } = {},
): CompletionTally {
  return {
    keys: { events: keys.events(queue), counters: keys.counters(queue), runtimes: keys.runtimes(queue), countersMinute: keys.countersMinute(queue, minuteOf(options.nowMs ?? Date.now())) },
    events: options.events ?? false, minuteTtlMs: minuteCountersTtlMs, streamMaxLength: eventStreamMaxLength, riding: options.riding ?? [],
    worker: options.worker ?? '',
  };
}

/**
 * complete-batch.lua: acknowledge, then write the results, retries, dead letters, counters
 * and events of the messages that were still held; returns how many were. `simple`:
 * nothing is held in Redis (simple mode), so every message counts as held and nothing is removed.
 */
export function completeBatch(
  redis: Redis,
  keys: { processing: string; quarantine: string; claimed: string; dead: string; scheduled: string; revoked: string; channel: string },
  rows: CompletionRow[],
  options: { resultTtlMs: number; deadLimit: number; deadTtlMs: number; simple: boolean; tally: CompletionTally },
): Promise<number> {
  const { tally } = options;
  const fixedKeys = [keys.processing, keys.quarantine, keys.dead, keys.scheduled, keys.revoked,
    tally.keys.events, tally.keys.counters, tally.keys.runtimes, tally.keys.countersMinute, keys.claimed];
  // Result keys and canvas keys (each added once) follow the fixed keys, by index.
  const resultKeys: string[] = [];
  const canvasKeys = new Map<string, number>();
  const keyIndex = (key: string) => {
    let index = canvasKeys.get(key);
    if (index === undefined) {
      resultKeys.push(key);
      canvasKeys.set(key, (index = fixedKeys.length + resultKeys.length));
    }
    return index;
  };
  const perMessage: (string | number)[] = [];
  // Every event of the call in one entry, the riding ones first (complete-batch/events.lua).
  const events = tally.events ? [...tally.riding] : [];
  // Counted here as if every state were written; the script takes back out what it did not write.
  const sums = new CounterSums();
  for (const row of rows) {
    const withEvent = tally.events && row.event !== undefined;
    let index = 0;
    if (row.resultKey !== undefined && row.result !== undefined) {
      resultKeys.push(row.resultKey);
      index = fixedKeys.length + resultKeys.length;
    }
    perMessage.push(
      row.claimNumber === undefined ? row.raw : '', index, row.result ?? '', row.dead ?? '', row.schedule?.atMs ?? '', row.schedule?.raw ?? '',
      row.id ?? '', row.id !== undefined && row.announce !== false ? '1' : '', row.followUps?.(keyIndex) ?? '',
      row.count?.state ?? '', row.count?.task ?? '', row.count?.runtimeMs ?? '', withEvent ? '1' : '',
      row.claimNumber ?? '',
    );
    if (withEvent) events.push(row.event!);
    if (row.count !== undefined && row.count.state !== '') sums.add(row.count);
  }
  const keyList = [...fixedKeys, ...resultKeys];
  const entry = batchFields(events);
  return call(redis, 'complete-batch', [
    keyList.length, ...keyList, options.resultTtlMs, keys.channel, options.deadLimit, options.deadTtlMs, options.simple ? '1' : '',
    tally.events ? '1' : '', tally.minuteTtlMs, tally.streamMaxLength, entry.events, tally.worker, tally.events ? tally.riding.length : 0,
    // Fourteen values per message, in one argument (shared/packed-rows.ts).
    packRows(perMessage), entry.previews, sums.packed(),
  ]) as Promise<number>;
}

/** quarantine.lua: 1 moved, 0 quarantine busy, -1 no longer held. */
export function quarantine(redis: Redis, keys: { processing: string; quarantine: string; claimed: string }, held: { raw: string; claimNumber?: number }): Promise<number> {
  return call(redis, 'quarantine', [keys.processing, keys.quarantine, keys.claimed, held.raw, held.claimNumber ?? '']) as Promise<number>;
}

export type DeadConsumerKeys = {
  heartbeat: string; processing: string; quarantine: string; claimed: string; ready: string; dead: string; consumers: string;
  /** Where a poison pill is counted and its event written (keys.events, keys.counters, keys.countersMinute). */
  events: string; counters: string; countersMinute: string;
};

/**
 * requeue-dead-consumer.lua, one bounded call: `alive` when the consumer's heartbeat exists;
 * `stale` when its quarantine list no longer holds `quarantined` (read it again).
 */
export async function requeueDeadConsumer(
  redis: Redis,
  keys: DeadConsumerKeys & { result?: string },
  args: {
    consumerId: string; maxDeliveries: number; queue: string; deadLimit: number; runsAloneFrom: number; chunk: number;
    quarantined: string; quarantinedId: string; failure: string; resultTtlMs: number; channel: string; deadTtlMs: number;
    /** The quarantined message's task name to count it under, and its task-dead-lettered event JSON. */
    task: string; event: string;
  },
): Promise<{ requeued: number; left: number; deadLettered: string[] } | 'alive' | 'stale'> {
  const keyList = [keys.heartbeat, keys.processing, keys.quarantine, keys.ready, keys.dead, keys.consumers, keys.events, keys.counters, keys.countersMinute, keys.claimed];
  if (keys.result !== undefined) keyList.push(keys.result);
  const reply = (await call(redis, 'requeue-dead-consumer', [
    keyList.length, ...keyList, args.consumerId, args.maxDeliveries, args.queue, args.deadLimit, args.runsAloneFrom, args.chunk,
    args.quarantined, args.failure, args.resultTtlMs, args.channel, args.deadTtlMs, args.quarantinedId,
    args.task, minuteCountersTtlMs, args.event, eventStreamMaxLength,
  ])) as [number, ...unknown[]];
  if (reply[0] === -1) return 'alive';
  if (reply[0] === -2) return 'stale';
  const [requeued, left, ...deadLettered] = reply as [number, number, ...string[]];
  return { requeued, left, deadLettered };
}

/** requeue-held.lua: back to the consuming end, first to run last pushed; returns how many were still held. */
export function requeueHeld(redis: Redis, keys: { processing: string; quarantine: string; ready: string; claimed: string }, held: { raw: string; claimNumber?: number }[]): Promise<number> {
  const args = held.flatMap(({ raw, claimNumber }) => [claimNumber ?? '', raw]);
  return call(redis, 'requeue-held', [keys.processing, keys.quarantine, keys.ready, keys.claimed, ...args]) as Promise<number>;
}

/** unregister.lua: everything the consumer's lists hold goes back to ready, and it leaves; -1 when another process holds the id. */
export function unregister(
  redis: Redis,
  keys: { heartbeat: string; processing: string; quarantine: string; ready: string; consumers: string; claimed: string },
  args: { consumerId: string; token: string },
): Promise<number> {
  return call(redis, 'unregister', [keys.heartbeat, keys.processing, keys.quarantine, keys.ready, keys.consumers, keys.claimed, args.consumerId, args.token]) as Promise<number>;
}

/** requeue-dead.lua: true when the entry was still there and its message is queued again (its old result deleted). */
export async function requeueDead(redis: Redis, keys: { dead: string; ready: string; result?: string }, entry: string, message: string): Promise<boolean> {
  const keyList = [keys.dead, keys.ready];
  if (keys.result !== undefined) keyList.push(keys.result);
  return (await call(redis, 'requeue-dead', [keyList.length, ...keyList, entry, message])) === 1;
}

/** revoke-task.lua: true if the task had not finished and is now REVOKED (counted, and its event written where events are on). */
export async function revokeTask(
  redis: Redis,
  keys: { revoked: string; result: string; revokedRecent: string; channel: string; events: string; counters: string; countersMinute: string },
  args: { id: string; rememberMs: number; record: string; resultTtlMs: number; recentMs: number; task: string; event: string },
): Promise<boolean> {
  const reply = await call(redis, 'revoke-task', [
    keys.revoked, keys.result, keys.revokedRecent, keys.events, keys.counters, keys.countersMinute,
    args.id, args.rememberMs, args.record, args.resultTtlMs, keys.channel, args.recentMs, args.task, minuteCountersTtlMs, args.event, eventStreamMaxLength,
  ]);
  return reply === 1;
}

/** add-schedule.lua: the schedule's version, and whether it was new, changed or already so. */
export async function addScheduleEntry(
  redis: Redis, keys: { schedules: string; state: string; version: string }, name: string, definition: string,
): Promise<{ version: number; outcome: 'added' | 'changed' | 'unchanged' }> {
  const [version, outcome] = (await call(redis, 'add-schedule', [keys.schedules, keys.state, keys.version, name, definition])) as [number, 'added' | 'changed' | 'unchanged'];
  return { version, outcome };
}

/** record-slot.lua: true when the schedule's state moved forward to `handledThroughMs`. */
export async function recordSlot(
  redis: Redis, stateKey: string, args: { name: string; version: number; handledThroughMs: number; sent?: { id: string; slotMs: number } },
): Promise<boolean> {
  const reply = await call(redis, 'record-slot', [
    stateKey, args.name, args.version, args.handledThroughMs, args.sent?.id ?? '', args.sent?.slotMs ?? '',
  ]);
  return reply === 1;
}

/** enqueue-slot.lua: true when this call sent the slot, false when some beat already had. */
export async function enqueueSlot(redis: Redis, keys: { marker: string; ready: string }, raw: string, markerTtlMs: number): Promise<boolean> {
  return (await call(redis, 'enqueue-slot', [keys.marker, keys.ready, raw, markerTtlMs])) === 1;
}

/** renew-lease.lua: true when this token still held the lease and it now lasts `leaseMs` more. */
export async function renewLease(redis: Redis, key: string, token: string, leaseMs: number): Promise<boolean> {
  return (await call(redis, 'renew-lease', [key, token, leaseMs])) === 1;
}

/** release-lease.lua: true when this token held the lease and it is gone. */
export async function releaseLease(redis: Redis, key: string, token: string): Promise<boolean> {
  return (await call(redis, 'release-lease', [key, token])) === 1;
}

/** reply.lua: true when the caller still waited and the reply is in its list; false when it gave up (nothing written). */
export async function writeReply(redis: Redis, keys: { wait: string; reply: string }, reply: string): Promise<boolean> {
  return (await call(redis, 'reply', [keys.wait, keys.reply, reply])) === 1;
}

/**
 * relay-deliver.lua: delivers outbox entries to one target queue; returns how many acted
 * now (the rest had been delivered before). Each entry: its marker, and its target's ready
 * list, scheduled set and chord key (the ready list when it has none).
 */
export function relayDeliver(
  redis: Redis,
  entries: { marker: string; ready: string; scheduled: string; chord?: string; program: string }[],
  markerTtlMs: number,
): Promise<number> {
  const keyList = entries.flatMap((entry) => [entry.marker, entry.ready, entry.scheduled, entry.chord ?? entry.ready]);
  return call(redis, 'relay-deliver', [keyList.length, ...keyList, markerTtlMs, ...entries.map((entry) => entry.program)]) as Promise<number>;
}
