/**
 * The heartbeat's worker_thread (started by consumer/heartbeat.ts): it renews the consumer's
 * heartbeat on every queue (beat.lua: keys.heartbeat, keys.consumers) every third of the TTL,
 * on its own connection, so a blocked worker event loop cannot stop it. It stops beating when
 * that loop has made no progress for stallTimeoutMs, so that reapers take the work back.
 * Log lines go to the worker's thread, which writes them once its loop runs again.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Redis } from 'ioredis';
import { connectRedis } from '../shared/connection.ts';
import type { ResolvedTls } from '../shared/tls.ts';
import { beat, defineScripts } from '../shared/scripts.ts';
import { heartbeatValue, livenessSlot } from './heartbeat.ts';
import { toWireError, type WireError } from './pool-messages.ts';

export type HeartbeatThreadData = {
  redisUrl: string;
  tls?: ResolvedTls;
  connectTimeoutMs: number;
  consumerId: string;
  token: string;
  ttlMs: number;
  keepMs: number;
  stallTimeoutMs: number;
  startedAt: number;
  /** BigInt64Array [progressAt, lastFetchAt], epoch ms, written by the worker's thread. */
  liveness: SharedArrayBuffer;
  targets: { queue: string; heartbeat: string; consumers: string }[];
};

/** Thread → worker. */
export type HeartbeatThreadMessage =
  | { type: 'ready' } | { type: 'failed'; error: WireError } | { type: 'log'; line: string } | { type: 'targets-set'; seq: number };
/**
 * Worker → thread: `beat` after the first beat is written, `stop` to quit, `targets` for a
 * changed queue list (add_consumer, cancel_consumer), confirmed once no older beat is in flight.
 */
export type HeartbeatControlMessage =
  | { type: 'beat' } | { type: 'stop' } | { type: 'targets'; seq: number; targets: HeartbeatThreadData['targets'] };

const data = workerData as HeartbeatThreadData;
const port = parentPort!;
const liveness = new BigInt64Array(data.liveness);
const send = (message: HeartbeatThreadMessage) => port.postMessage(message);
const log = (line: string) => send({ type: 'log', line });
const who = `consumer ${data.consumerId}`;

let timer: NodeJS.Timeout | undefined;
/** Epoch ms the pending beat was sent; a tick skips while one is pending (no pile-up in an outage). */
let pendingSince: number | undefined;
let failingSince: number | undefined;
let stalled = false;
let stopping = false;
/** The queues beaten on now; replaced whole by a `targets` message. */
let targets = data.targets;
/** The beat in flight, if any: a `targets` change is confirmed only after it. */
let inFlight: Promise<void> = Promise.resolve();

function tick(redis: Redis): void {
  const now = Date.now();
  const stalledMs = now - Number(Atomics.load(liveness, livenessSlot.progressAt));
  if (stalledMs > data.stallTimeoutMs) {
    if (!stalled) log(`[hardq] ${who}: the event loop has made no progress for ${stalledMs} ms (stallTimeoutMs ${data.stallTimeoutMs}); stopped beating so that other consumers take back its messages`);
    stalled = true;
    return;
  }
  if (stalled) log(`[hardq] ${who}: the event loop makes progress again; beating again`);
  stalled = false;
  if (pendingSince !== undefined) {
    // Commands wait through a reconnect instead of failing, so a long wait is the outage.
    if (failingSince === undefined && now - pendingSince > data.ttlMs) failing(pendingSince, `no reply for ${now - pendingSince} ms`);
    return;
  }
  pendingSince = now;
  inFlight = beatAll(redis).finally(() => (pendingSince = undefined));
}

function failing(sinceMs: number, why: string): void {
  failingSince = sinceMs;
  log(`[hardq] ${who}: heartbeats are failing (${why}); once the TTL (${data.ttlMs} ms) passes, reapers take back its messages`);
}

async function beatAll(redis: Redis): Promise<void> {
  const value = heartbeatValue(data.token, data.startedAt, liveness);
  const { consumerId, token, ttlMs, keepMs } = data;
  // This beat's own list: a `targets` change while it is in flight must not shift the indexes below.
  const beaten = targets;
  const replies = await Promise.allSettled(beaten.map((target) => beat(redis, target, { consumerId, token, value, ttlMs, keepMs, first: false })));
  if (stopping) return;
  const failed = replies.find((reply) => reply.status === 'rejected');
  if (failed !== undefined) {
    if (failingSince === undefined) failing(Date.now(), (failed.reason as Error).message);
    return;
  }
  if (failingSince !== undefined) log(`[hardq] ${who}: heartbeats are written again after ${Date.now() - failingSince} ms`);
  failingSince = undefined;
  replies.forEach((reply, i) => {
    const queue = beaten[i]!.queue;
    const result = (reply as PromiseFulfilledResult<0 | 1 | 2>).value;
    if (result === 2) log(`[hardq] ${who}: the heartbeat on queue "${queue}" had expired; a reaper may have requeued this consumer's messages, which may then run twice`);
    if (result === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
      log(`[hardq] ${who}: another live process took consumer id ${consumerId} on queue "${queue}"; this consumer stopped beating, so reapers will take its messages back; stop one of the two`);
    }
  });
}

async function stop(redis: Redis): Promise<void> {
  stopping = true;
  clearInterval(timer);
  // QUIT is answered after any beat already sent, so no beat lands after stop() returns.
  await redis.quit().catch(() => redis.disconnect());
  port.close();
}

async function main(): Promise<void> {
  let redis: Redis;
  try {
    redis = await connectRedis(data.redisUrl, { connectTimeoutMs: data.connectTimeoutMs, tls: data.tls, log, name: `hardq-heartbeat-${data.consumerId}` });
    defineScripts(redis);
  } catch (error) {
    // start() rejects with this error; with nothing left to wait on, the thread ends.
    return send({ type: 'failed', error: toWireError(error as Error) });
  }
  port.on('message', (message: HeartbeatControlMessage) => {
    if (message.type === 'beat' && timer === undefined && !stopping) timer = setInterval(() => tick(redis), Math.max(10, Math.floor(data.ttlMs / 3)));
    if (message.type === 'stop') void stop(redis);
    if (message.type === 'targets') {
      targets = message.targets;
      // Leaving a queue unregisters it next; a beat still in flight there would register it again.
      void inFlight.then(() => send({ type: 'targets-set', seq: message.seq }));
    }
  });
  send({ type: 'ready' });
}

await main();
