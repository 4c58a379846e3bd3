/**
 * Sending: turn a call into a message and LPUSH it onto its queue's ready list.
 * One message costs one LPUSH; `sendMany` groups messages by queue and sends one LPUSH
 * with many values per queue, one pipeline per queue (one hash slot each), all at once.
 */
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../shared/app-config.ts';
import { assertJson, type JsonValue } from '../shared/json-value.ts';
import { encodeMessage, isOverBytes, type TaskMessage } from '../shared/message.ts';
import { resolveCallOptions, type CallOptions } from '../shared/options.ts';
import { InvalidOptionError, MessageTooLargeError } from '../shared/errors.ts';
import { sign } from '../shared/signing.ts';
import { routeTask } from './route.ts';
import { holdPendingSends, releasePendingSends, withPendingSends } from './pending-sends.ts';
import { noteQueues } from './queue-note.ts';
import { addSentEvents } from './sent-events.ts';

export type SendOptions = CallOptions & {
  /** Keyword arguments, handed to bound handlers as `ctx.kwargs`. */
  kwargs?: { [key: string]: unknown };
};

export type Sent = { id: string; queue: string; raw: string; /** Due time when it goes to the scheduled set. */ dueAtMs?: number };

/** Builds (and checks) one message without sending it. */
export function buildMessage(app: AppContext, taskName: string, args: unknown[], options: SendOptions = {}): Sent {
  if (!Array.isArray(args)) throw new InvalidOptionError(`args for "${taskName}" must be an array`);
  assertJson(args, 'args');
  if (options.kwargs !== undefined) assertJson(options.kwargs, 'kwargs');
  const now = Date.now();
  const { eta, expires } = resolveCallOptions(options, now);
  const queue = routeTask(taskName, {
    callQueue: options.queue,
    routes: app.config.taskRoutes,
    taskQueue: app.registry.get(taskName)?.options.queue,
    defaultQueue: app.config.defaultQueue,
  });
  const id = options.taskId ?? randomUUID();
  // Dates inside args become ISO strings here, through their toJSON.
  let message: TaskMessage = { v: 1, id, task: taskName, args: args as JsonValue[], createdAt: now };
  if (options.kwargs !== undefined) message.kwargs = options.kwargs as { [key: string]: JsonValue };
  if (eta !== undefined) message.eta = eta;
  if (expires !== undefined) message.expires = expires;
  // A signed message names its queue, so that it cannot be moved to another queue's list.
  if (app.config.signing !== undefined) message = sign({ ...message, queue }, app.config.signing, 'message', now);
  const raw = encodeMessage(message);
  // Consumers dead-letter a bigger message unread: better to fail the call that made it.
  if (isOverBytes(raw, app.config.maxMessageBytes)) {
    throw new MessageTooLargeError(taskName, Buffer.byteLength(raw, 'utf8'), app.config.maxMessageBytes);
  }
  // A future due time waits in the queue's scheduled set, never in a worker's memory.
  return { id, queue, raw, dueAtMs: eta !== undefined && eta > now ? eta : undefined };
}

/** LPUSHes one message. */
export async function send(app: AppContext, taskName: string, args: unknown[], options: SendOptions = {}): Promise<Sent> {
  const sent = buildMessage(app, taskName, args, options);
  const redis = await app.connection();
  const noting = noteQueues(app, redis, [sent.queue]);
  // withPendingSends inlined: this is the per-call path of every single send.
  holdPendingSends(app, redis, 1);
  try {
    // If we crash here: the message may or may not be on the list, and a caller that sends it
    // again (or ioredis resending an LPUSH whose reply a reconnect swallowed) queues it twice.
    if (app.config.sentEvents) {
      // Its task-sent event in the same MULTI (one slot: the queue's).
      const multi = redis.multi();
      if (sent.dueAtMs === undefined) multi.lpush(app.keys.ready(sent.queue), sent.raw);
      else multi.zadd(app.keys.scheduled(sent.queue), sent.dueAtMs, sent.raw);
      addSentEvents(multi, app, taskName, sent.queue, [sent]);
      for (const [error] of (await multi.exec()) ?? []) if (error) throw error;
    } else if (sent.dueAtMs === undefined) await redis.lpush(app.keys.ready(sent.queue), sent.raw);
    else await redis.zadd(app.keys.scheduled(sent.queue), sent.dueAtMs, sent.raw);
    if (noting !== undefined) await noting;
    return sent;
  } finally {
    releasePendingSends(redis, 1);
  }
}

/**
 * Sends many messages in one round trip: one LPUSH of many values per queue. LPUSH of
 * v1 v2 … vN leaves vN at the head and v1 at the consuming end, so they run in order.
 * Every message is built and checked before any is sent: a bad one sends none.
 */
export async function sendMany(app: AppContext, taskName: string, argsList: unknown[][], options: SendOptions = {}): Promise<Sent[]> {
  if (options.taskId !== undefined && argsList.length > 1) throw new InvalidOptionError('taskId cannot be shared by several messages');
  const sent = argsList.map((args, i) => {
    try {
      return buildMessage(app, taskName, args, options);
    } catch (error) {
      if (error instanceof Error) error.message = `message ${i}: ${error.message}`;
      throw error;
    }
  });
  const byQueue = new Map<string, string[]>();
  const scheduled = new Map<string, (string | number)[]>();
  for (const item of sent) {
    if (item.dueAtMs !== undefined) {
      const list = scheduled.get(item.queue);
      if (list) list.push(item.dueAtMs, item.raw);
      else scheduled.set(item.queue, [item.dueAtMs, item.raw]);
      continue;
    }
    const list = byQueue.get(item.queue);
    if (list) list.push(item.raw);
    else byQueue.set(item.queue, [item.raw]);
  }
  const redis = await app.connection();
  const noting = noteQueues(app, redis, sent.map((item) => item.queue));
  return withPendingSends(app, redis, sent.length, async () => {
    // One pipeline per queue, all sent at once: a queue's keys share one hash slot, and a
    // Redis Cluster serves a pipeline only within one slot (on one Redis it is the same
    // round trip). Not atomic across queues, as the single pipeline was not either.
    const queues = new Set([...byQueue.keys(), ...scheduled.keys()]);
    const batches = [...queues].map((queue) => {
      // With sentEvents, a MULTI: the messages and their task-sent events are written together.
      const pipeline = app.config.sentEvents ? redis.multi() : redis.pipeline();
      const raws = byQueue.get(queue);
      const pairs = scheduled.get(queue);
      if (raws) pipeline.lpush(app.keys.ready(queue), ...raws);
      if (pairs) pipeline.zadd(app.keys.scheduled(queue), ...pairs);
      if (app.config.sentEvents) addSentEvents(pipeline, app, taskName, queue, sent.filter((item) => item.queue === queue));
      return pipeline.exec();
    });
    for (const replies of await Promise.all(batches)) for (const [error] of replies ?? []) if (error) throw error;
    if (noting !== undefined) await noting;
    return sent;
  });
}
