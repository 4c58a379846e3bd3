/**
 * `inspect`, as library functions the CLI and the monitor share. Worker facts come from the
 * registry records every worker writes (consumer/control/registry.ts), so no request goes to
 * any worker and a busy worker is still listed. Queue facts (scheduled, revoked) come from
 * the queues' own keys. Reads keys.workers, keys.workerRecord, keys.scheduled, keys.revoked.
 */
import type { AppContext } from '../shared/app-config.ts';
import { listQueues } from './known-queues.ts';
import { decodeMessage } from '../shared/message.ts';
import { preview, type TaskSummary, type WorkerRecord } from '../shared/worker-record.ts';

export type WorkerView = WorkerRecord & {
  /** False once the record is more than two intervals old: the worker stopped writing (dead, or its Redis connection is). */
  online: boolean;
  /** How old the record is, on Redis's clock, in ms. */
  ageMs: number;
};

async function redisNowMs(app: AppContext): Promise<number> {
  const [seconds, micros] = await (await app.connection()).time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/** Every worker with a record, online or not yet expired; ids whose record expired are pruned. */
export async function listWorkers(app: AppContext, options: { workerId?: string } = {}): Promise<WorkerView[]> {
  const redis = await app.connection();
  const ids = options.workerId === undefined ? await redis.zrange(app.keys.workers(), '0', '-1') : [options.workerId];
  if (ids.length === 0) return [];
  const [raws, nowMs] = await Promise.all([redis.mget(ids.map((id) => app.keys.workerRecord(id))), redisNowMs(app)]);
  const views: WorkerView[] = [];
  const gone: string[] = [];
  for (const [i, raw] of raws.entries()) {
    if (raw === null) {
      gone.push(ids[i]!);
      continue;
    }
    const record = JSON.parse(raw) as WorkerRecord;
    const ageMs = Math.max(0, nowMs - record.writtenAt);
    views.push({ ...record, ageMs, online: ageMs <= 2 * record.intervalMs });
  }
  // A worker that died leaves its id behind; its record's TTL has passed, so it goes. A
  // read-only user (the monitor role) may not prune: the ids stay until someone who may does.
  if (gone.length > 0 && options.workerId === undefined) {
    await redis.zrem(app.keys.workers(), ...gone).catch((error: Error) => {
      if (!/NOPERM/.test(error.message)) throw error;
    });
  }
  return views.sort((a, b) => a.id.localeCompare(b.id));
}

type PerWorker<T> = Record<string, T>;
const perWorker = async <T>(app: AppContext, pick: (worker: WorkerView) => T, workerId?: string): Promise<PerWorker<T>> =>
  Object.fromEntries((await listWorkers(app, { workerId })).map((worker) => [worker.id, pick(worker)]));

/** Tasks running now, per worker (Celery: `inspect active`). */
export const inspectActive = (app: AppContext, workerId?: string): Promise<PerWorker<TaskSummary[]>> => perWorker(app, (w) => w.active, workerId);
/** Claimed and not yet started, per worker (`inspect reserved`). */
export const inspectReserved = (app: AppContext, workerId?: string): Promise<PerWorker<TaskSummary[]>> => perWorker(app, (w) => w.reserved, workerId);
/** Registered task names and their options, per worker (`inspect registered`). */
export const inspectRegistered = (app: AppContext, workerId?: string): Promise<PerWorker<WorkerRecord['tasks']>> => perWorker(app, (w) => w.tasks, workerId);
/** The queues each worker consumes (`inspect active_queues`). */
export const inspectActiveQueues = (app: AppContext, workerId?: string): Promise<PerWorker<string[]>> => perWorker(app, (w) => w.queues, workerId);
/** Each worker's settings (`inspect conf`). */
export const inspectConf = (app: AppContext, workerId?: string): Promise<PerWorker<WorkerRecord['conf']>> => perWorker(app, (w) => w.conf, workerId);

/** Counts, load and identity per worker (`inspect stats`). */
export const inspectStats = (app: AppContext, workerId?: string) => perWorker(app, (w) => ({
  host: w.host, pid: w.pid, version: w.version, startedAt: w.startedAt, online: w.online, ageMs: w.ageMs,
  mode: w.mode, pool: w.pool, concurrency: w.concurrency, inFlight: w.inFlight, counts: w.counts, load: w.load,
  ...(w.autoscale === undefined ? {} : { autoscale: w.autoscale }), ...(w.group === undefined ? {} : { group: w.group }),
  ...(w.poolSize === undefined ? {} : { poolSize: w.poolSize }), ...(w.events === undefined ? {} : { events: w.events }),
  ...(w.replicaWaits === undefined ? {} : { replicaWaits: w.replicaWaits }),
}), workerId);

/**
 * The worker groups (`hardq worker --processes N`): each group id with the ids of its
 * workers, sorted. Workers started alone belong to no group and are left out.
 */
export async function inspectGroups(app: AppContext): Promise<Record<string, string[]>> {
  const groups: Record<string, string[]> = {};
  for (const worker of await listWorkers(app)) if (worker.group !== undefined) (groups[worker.group] ??= []).push(worker.id);
  return groups;
}

/** Countdown, ETA and retry messages waiting in each queue's scheduled set, soonest first (`inspect scheduled`). */
export async function inspectScheduled(app: AppContext, queues: string[], limit = 100): Promise<Record<string, (TaskSummary & { etaMs: number })[]>> {
  const redis = await app.connection();
  const out: Record<string, (TaskSummary & { etaMs: number })[]> = {};
  for (const queue of queues) {
    const flat = await redis.zrange(app.keys.scheduled(queue), '0', String(limit - 1), 'WITHSCORES');
    const entries: (TaskSummary & { etaMs: number })[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      const decoded = decodeMessage(flat[i]!);
      const message = decoded.ok ? decoded.message : undefined;
      entries.push({ id: message?.id, task: message?.task, queue, etaMs: Number(flat[i + 1]), args: message === undefined ? undefined : preview([message.args, message.kwargs ?? {}]) });
    }
    out[queue] = entries;
  }
  return out;
}

/** Ids revoked and still remembered, per queue (`inspect revoked`). */
export async function inspectRevoked(app: AppContext, queues: string[]): Promise<Record<string, string[]>> {
  const redis = await app.connection();
  const nowMs = await redisNowMs(app);
  const out: Record<string, string[]> = {};
  for (const queue of queues) out[queue] = await redis.zrangebyscore(app.keys.revoked(queue), nowMs, '+inf');
  return out;
}

/**
 * The queues any listed worker consumes, and every queue in the known-queues set (a
 * producer's first send writes it): what inspect scheduled and revoked look at by default,
 * so a countdown waiting on a queue no worker runs yet is found too.
 */
export async function knownQueues(app: AppContext): Promise<string[]> {
  const consumed = (await listWorkers(app)).flatMap((worker) => worker.queues);
  return [...new Set([...consumed, ...(await listQueues(app))])].sort();
}

