/**
 * Every Redis key and channel hardq uses, built here and nowhere else.
 * A queue's keys share the hash tag `{<queue>}`, so one Lua script or MULTI only ever
 * touches one cluster slot. docs/PROTOCOL.md lists the same keys; tests/keys.test.ts
 * fails when the two disagree or when a key literal appears outside this file. Beat's
 * schedules and lease share the tag `{control}`; a slot marker lives in its target queue's tag.
 */

export class Keys {
  readonly prefix: string;
  constructor(prefix = 'hardq') {
    this.prefix = prefix;
  }

  #q(queue: string): string {
    return `${this.prefix}:{${queue}}`;
  }

  /** Keys that belong to no queue but to the whole installation share the hash tag `{control}`. */
  #control(): string {
    return `${this.prefix}:{control}`;
  }

  /** list · producers LPUSH · consumers, from the right (BLMPOP in simple mode; claim-batch.lua and BLMOVE in reliable mode) · until a consumer takes it */
  ready(queue: string): string {
    return `${this.#q(queue)}:ready`;
  }

  /** list · BLMOVE (reliable consumer, when every queue was empty) · complete-batch.lua removes on ack (by value), the reaper drains it when the owner dies · while the consumer holds messages */
  processing(queue: string, consumerId: string): string {
    return `${this.#q(queue)}:processing:${consumerId}`;
  }

  /** hash (claim number → message) · claim-batch.lua (reliable consumer) · complete-batch.lua HDELs on ack (by claim number), the reaper drains it when the owner dies · while the consumer holds messages */
  claimed(queue: string, consumerId: string): string {
    return `${this.#q(queue)}:claimed:${consumerId}`;
  }

  /** list · quarantine.lua moves one redelivered message here while it runs alone · complete-batch.lua, the reaper · while it runs */
  quarantine(queue: string, consumerId: string): string {
    return `${this.#q(queue)}:quarantine:${consumerId}`;
  }

  /** string (JSON: token, pid, host, startedAt, lastFetchAt, progressAt) · its consumer's heartbeat thread, beat.lua on a timer · claim-batch.lua (a consumer without one claims nothing), the reaper (EXISTS) and monitors · the heartbeat TTL (default 1 s) */
  heartbeat(queue: string, consumerId: string): string {
    return `${this.#q(queue)}:heartbeat:${consumerId}`;
  }

  /** sorted set of consumer ids (score: keep-until, epoch ms on Redis's clock) · beat.lua ZADDs the id on every beat, keep-until = now + block timeout + heartbeat TTL + 1 s · the reaper, which ZREMs a dead consumer once its lists are empty and its keep-until has passed; unregister.lua on shutdown, and after `cancel_consumer` once what the worker held from the queue is acked · while any consumer may hold work */
  consumers(queue: string): string {
    return `${this.#q(queue)}:consumers`;
  }

  /** string · SET NX PX by the consumer that reaps this round · other reapers · the reaper interval */
  reaperLock(queue: string): string {
    return `${this.#q(queue)}:reaper-lock`;
  }

  /** string (JSON result record) · consumers (complete-batch.lua, which never replaces a final state; STARTED), requeue-dead-consumer.lua (a poison pill's FAILURE, unless final) and revoke-task.lua · AsyncResult · resultTtlMs (default 24 h) */
  result(queue: string, id: string): string {
    return `${this.#q(queue)}:result:${id}`;
  }

  /** list (JSON dead-letter entries, newest at the head, trimmed to 10,000) · consumers and the reaper · people and monitors · until trimmed; the whole list expires 30 days after its newest entry */
  dead(queue: string): string {
    return `${this.#q(queue)}:dead`;
  }

  /** sorted set (member: raw message, score: due time in epoch ms) · producers (countdownMs, eta) and consumers (retries) ZADD · promote-due.lua moves due ones to ready · until due */
  scheduled(queue: string): string {
    return `${this.#q(queue)}:scheduled`;
  }

  /** sorted set (member: task id, score: when to forget it, epoch ms) · revoke-task.lua · promote-due.lua, complete-batch.lua (retries), every worker's copy at start · until its score passes (the whole key expires with the newest) */
  revoked(queue: string): string {
    return `${this.#q(queue)}:revoked`;
  }
  /** sorted set (member: task id, score: when it was revoked, epoch ms) · revoke-task.lua · claim-batch.lua, every worker's scheduler tick (incremental) · 10 s after the newest revoke */
  revokedRecent(queue: string): string {
    return `${this.#q(queue)}:revoked-recent`;
  }

  /** string (the next free start slot, epoch ms) · rate-limit.lua, one key per task across all queues · rate-limit.lua · a few periods after the last start */
  rateLimit(task: string): string {
    return `${this.prefix}:rate:${task}`;
  }

  /** string (JSON: the worker's registry record) · each worker, SET PX on its registry timer · inspect and monitors · registryTtlMs (5 s) after its last write */
  workerRecord(workerId: string): string {
    return `${this.#control()}:worker:${workerId}`;
  }
  /** sorted set of worker ids (score: last seen, epoch ms) · each worker ZADDs itself on its registry timer, and ZREMs itself on stop · inspect, which prunes ids whose record has expired · while any worker lives */
  workers(): string {
    return `${this.#control()}:workers`;
  }

  /** list (JSON control commands, newest at the head) · admin/control.ts LPUSHes, PEXPIRE refreshed on each push · the addressed worker's control mailbox, RPOP every 250 ms · 60 s after the last push, or until popped */
  controlCommands(workerId: string): string {
    return `${this.#control()}:commands:${workerId}`;
  }
  /** string (the caller's marker that it still waits for replies) · admin/control.ts, SET PX its timeout before sending · reply.lua (a worker replies only while it exists), DEL by the caller when done · the caller's timeout */
  controlReplyWait(requestId: string): string {
    return `${this.#control()}:reply-wait:${requestId}`;
  }
  /** list (JSON replies, one per worker) · reply.lua RPUSHes only while the reply-wait marker exists, with the marker's remaining TTL · admin/control.ts LPOPs, then DELs · at most the caller's timeout */
  controlReply(requestId: string): string {
    return `${this.#control()}:reply:${requestId}`;
  }
  /** stream (entries: type worker-online, worker-heartbeat or worker-offline, event JSON) · workers with events on, with their registry write · hardq events, admin/events.ts · capped by XADD MAXLEN ~ 10,000 */
  workerEvents(): string {
    return `${this.#control()}:worker-events`;
  }
  /** set of queue names · producers (the first send to each queue, per process), workers (every registry write), hardq queues --scan · hardq queues, inspect, the monitor · forever */
  queues(): string {
    return `${this.#control()}:queues`;
  }
  /** hash (field: task name, value: a rate such as '10/s', or '0' for no limit) · workers answering the rate_limit control command (HSET, HDEL for none) · every worker's rate limiter, cached for 1 s · until reset with rate_limit TASK none */
  rateLimitOverrides(): string {
    return `${this.#control()}:rate-limits`;
  }

  /** hash (field: schedule name, value: its definition JSON) · add-schedule.lua (beat at start for the app's schedules; addSchedule at run time), removeSchedule (MULTI) · every beat tick, listSchedules · until removed */
  beatSchedules(): string {
    return `${this.#control()}:beat-schedules`;
  }

  /** hash (field: schedule name, value: JSON version, createdAtMs, handledThroughMs, lastSlotMs, lastId, lastSentAtMs) · add-schedule.lua creates it, record-slot.lua advances it, removeSchedule deletes it · every beat tick, listSchedules · as long as its schedule */
  beatState(): string {
    return `${this.#control()}:beat-state`;
  }

  /** string (counter) · add-schedule.lua INCRs it for each new schedule, so a name removed and added again never gets an old version · add-schedule.lua · forever */
  beatVersion(): string {
    return `${this.#control()}:beat-version`;
  }

  /** string (the leading beat's token: host, pid, random) · SET NX PX by a beat taking the lead, renew-lease.lua, release-lease.lua on shutdown · every beat tick, listSchedules · the lease (default 10 s) past its last renewal */
  beatLeader(): string {
    return `${this.#control()}:beat-leader`;
  }

  /** string (when it was sent, epoch ms) · enqueue-slot.lua, SET NX with the message's LPUSH, so a slot is sent once · enqueue-slot.lua · 10 periods of its schedule, at least 1 h */
  beatSlot(queue: string, id: string): string {
    return `${this.#q(queue)}:beat-slot:${id}`;
  }

  /** list (outbox entries: a JSON header line, then a follow-up program) · complete-batch.lua, in the step that acknowledges the message whose follow-ups go to another queue · the relay (consumer/relay.ts) in every worker of this queue, which LREMs an entry once relay-deliver.lua has delivered it · until relayed */
  outbox(queue: string): string {
    return `${this.#q(queue)}:outbox`;
  }
  /** string ('1') · relay-deliver.lua, SET NX PX with the entry's effects, so an entry relayed twice acts once · relay-deliver.lua · relayMarkerTtlMs (24 h) */
  relayed(queue: string, entryId: string): string {
    return `${this.#q(queue)}:relayed:${entryId}`;
  }
  /** hash (size, body, done, failures, failed, r<index> results, fired, parents: a signed body's header list) · the producer or a worker through relay-deliver.lua (init), complete-batch.lua or relay-deliver.lua (each header part) · chordProgress, the same scripts · resultTtlMs, refreshed on each part */
  chord(queue: string, id: string): string {
    return `${this.#q(queue)}:chord:${id}`;
  }
  /** string (JSON: the group's members, each { id, queue }) · GroupResult.save() when a group is sent · GroupResult.restore() · resultTtlMs */
  groupResult(id: string): string {
    return `${this.#control()}:group:${id}`;
  }

  /** stream (entries: type batch, worker, events as a JSON array, previews records, one per complete-batch call; or type, event JSON) · complete-batch.lua (final states, with task-received and task-started riding along), revoke-task.lua and the poison pill in the step that writes the state; producers (task-sent, a batch entry per send call) at events level all; a worker's timer for riding events left waiting · hardq events, admin/events.ts, the monitor · capped near 10,000 events: XADD MAXLEN ~ 10,000 / the entry's events */
  events(queue: string): string {
    return `${this.#q(queue)}:task-events`;
  }
  /** hash (field: <STATE>:<task>, value: how many) · complete-batch.lua, revoke-task.lua and the poison pill, in the step that writes the state · admin/counters.ts, the monitor · forever */
  counters(queue: string): string {
    return `${this.#q(queue)}:counters`;
  }
  /** hash (fields: sum:<task> and count:<task> of handler run times in ms, le<ms>:<task> and le+Inf:<task> bucket counts, not cumulative) · complete-batch.lua · admin/counters.ts, /metrics · forever */
  runtimes(queue: string): string {
    return `${this.#q(queue)}:runtimes`;
  }
  /** hash (field: <STATE>:<task> counts and runtime:<task> ms, for one minute) · complete-batch.lua, revoke-task.lua and the poison pill · admin/counters.ts, the monitor's charts · 3 days after its last write */
  countersMinute(queue: string, minute: number | string): string {
    return `${this.#q(queue)}:counters-minute:${minute}`;
  }

  /** sharded pub/sub channel, not a key · consumers SPUBLISH the ids of a batch of finished tasks · AsyncResult waiters (SSUBSCRIBE) · messages are not stored */
  resultChannel(queue: string): string {
    return `${this.#q(queue)}:results`;
  }
}

/** The SCAN pattern of every key with a hash tag under this prefix (`hardq queues --scan`). */
export function taggedKeyPattern(keys: Keys): string {
  return `${keys.prefix}:{*}:*`;
}

/** The queue whose tag a key carries; undefined for {control} keys and keys without a tag. */
export function queueOfKey(keys: Keys, key: string): string | undefined {
  const head = `${keys.prefix}:{`;
  if (!key.startsWith(head)) return undefined;
  const end = key.indexOf('}', head.length);
  const queue = end < 0 ? undefined : key.slice(head.length, end);
  return queue === undefined || queue === 'control' || key[end + 1] !== ':' ? undefined : queue;
}

/** Placeholders used by docs/PROTOCOL.md, so a test can compare the two. */
export const keyPlaceholders = { queue: '<queue>', id: '<id>', consumerId: '<consumer-id>', task: '<task>', workerId: '<worker-id>', requestId: '<request-id>', minute: '<minute>' } as const;

/** Each key kind with its pattern, for the docs test and for monitors. */
export function keyCatalog(keys: Keys): Record<string, string> {
  const { queue, id, consumerId } = keyPlaceholders;
  return {
    ready: keys.ready(queue),
    processing: keys.processing(queue, consumerId),
    claimed: keys.claimed(queue, consumerId),
    quarantine: keys.quarantine(queue, consumerId),
    heartbeat: keys.heartbeat(queue, consumerId),
    consumers: keys.consumers(queue),
    reaperLock: keys.reaperLock(queue),
    result: keys.result(queue, id),
    dead: keys.dead(queue),
    scheduled: keys.scheduled(queue),
    revoked: keys.revoked(queue),
    revokedRecent: keys.revokedRecent(queue),
    rateLimit: keys.rateLimit(keyPlaceholders.task),
    resultChannel: keys.resultChannel(queue),
    workerRecord: keys.workerRecord(keyPlaceholders.workerId),
    workers: keys.workers(),
    controlCommands: keys.controlCommands(keyPlaceholders.workerId),
    controlReplyWait: keys.controlReplyWait(keyPlaceholders.requestId),
    controlReply: keys.controlReply(keyPlaceholders.requestId),
    rateLimitOverrides: keys.rateLimitOverrides(),
    beatSchedules: keys.beatSchedules(),
    beatState: keys.beatState(),
    beatVersion: keys.beatVersion(),
    beatLeader: keys.beatLeader(),
    beatSlot: keys.beatSlot(queue, id),
    events: keys.events(queue),
    counters: keys.counters(queue),
    runtimes: keys.runtimes(queue),
    countersMinute: keys.countersMinute(queue, keyPlaceholders.minute),
    workerEvents: keys.workerEvents(),
    queues: keys.queues(),
    outbox: keys.outbox(queue),
    relayed: keys.relayed(queue, id),
    chord: keys.chord(queue, id),
    groupResult: keys.groupResult(id),
  };
}
