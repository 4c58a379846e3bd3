/**
 * hardq's public entry: `createApp` composes the three halves. `shared/` holds the
 * registry and config, `producer/` sends and reads results, `consumer/` runs the worker.
 * Producer and consumer import the same app module, as Celery's `-A proj` does.
 */
import type { Redis } from 'ioredis';
import { resolveConfig, type AppConfig, type AppContext } from './shared/app-config.ts';
import { connectRedis } from './shared/connection.ts';
import { Keys } from './shared/keys.ts';
import { TaskRegistry, type TaskContext } from './shared/task-registry.ts';
import type { TaskOptions } from './shared/options.ts';
import type { Jsonified, Sendable } from './shared/json-value.ts';
import { send, sendMany, type SendOptions } from './producer/send.ts';
import { AsyncResult } from './producer/async-result.ts';
import { ResultWaiter } from './producer/result-waiter.ts';
import { revoke } from './producer/revoke.ts';
import { Worker, type WorkerOptions } from './consumer/worker.ts';
import { defineScripts } from './shared/scripts.ts';
import { Signature, registerResultMaker } from './producer/canvas.ts';
import { chunks, type Chunks } from './producer/canvas-api.ts';
import { GroupResult, restoreGroup } from './producer/group-result.ts';
import { chordProgress, type ChordProgress } from './producer/chord-progress.ts';
import { registerCanvasBuiltins, mapTaskName, starmapTaskName } from './shared/canvas-builtins.ts';
import { routeTask } from './producer/route.ts';
import { InvalidOptionError } from './shared/errors.ts';
import { defineSchedule, type ScheduleDefinition, type ScheduleOptions, type ScheduleSignature, type ScheduleTiming } from './beat/schedule.ts';

export * from './shared/errors.ts';
export type { TaskRegistry } from './shared/task-registry.ts';
export type { AppConfig, TaskRoutes, RedisTarget } from './shared/app-config.ts';
export { parseClusterUrl, isClusterUrl } from './shared/cluster-url.ts';
export { resolveTls, type TlsConfig } from './shared/tls.ts';
export { canonicalJson } from './shared/canonical-json.ts';
export { resolveSigning, describeSigning, sign as signEnvelope, verify as verifyEnvelope, signingPurposes, type SigningConfig, type ResolvedSigning, type Verdict, type SignatureRejection } from './shared/signing.ts';
export { aclRoles, aclPatterns, aclSetUserArgs, aclSetUserLine, applyAclUser, type AclRole, type AclUserOptions } from './admin/acl.ts';
export type { TaskOptions, CallOptions } from './shared/options.ts';
export type { TaskContext } from './shared/task-registry.ts';
export type { TaskMessage } from './shared/message.ts';
export type { ResultRecord, TaskState } from './shared/result-record.ts';
export type { JsonValue, Jsonified, Sendable } from './shared/json-value.ts';
export type { SendOptions } from './producer/send.ts';
export type { WorkerOptions, TaskEvent } from './consumer/worker.ts';
export { AsyncResult, Worker, Keys };
export { Signature, Chain, Group, Chord, maxCanvasDepth, type SignatureOptions, type CanvasNode } from './producer/canvas.ts';
export { chain, group, chord, chunks, type Chunks } from './producer/canvas-api.ts';
export { GroupResult } from './producer/group-result.ts';
export type { ChordProgress } from './producer/chord-progress.ts';
export type { TaskSignatureJson, StepJson, ChordJson, GroupJson, MemberJson, FailureJson } from './shared/signature.ts';
export { keyCatalog } from './shared/keys.ts';
export { queueStats, purgeQueue, type QueueStats } from './admin/queues.ts';
export {
  listWorkers, inspectActive, inspectReserved, inspectRegistered, inspectActiveQueues, inspectConf, inspectStats, inspectScheduled,
  inspectRevoked, inspectGroups, knownQueues, type WorkerView,
} from './admin/inspect.ts';
export {
  controlWorkers, controlRevoke, controlCommandNames, commandListTtlMs, type ControlOptions, type ControlResult, type ControlReply, type ControlArgs,
  type ControlCommandName,
} from './admin/control.ts';
export { runBeat, Beat, slotTaskId, type BeatOptions } from './beat/runner.ts';
export { addSchedule, removeSchedule, listSchedules, type ScheduleEntry, type ScheduleState } from './beat/store.ts';
export type { ScheduleDefinition, ScheduleOptions, ScheduleSignature, ScheduleTiming, CatchUp } from './beat/schedule.ts';
export type { WorkerRecord, TaskSummary } from './shared/worker-record.ts';
export { listDeadLetters, requeueDeadLetters, dropDeadLetters, type DeadLetter, type DeadLetterFilter } from './admin/dead-letters.ts';
export { readEvents, tailEvents, type EventRecord, type EventsOptions } from './admin/events.ts';
export { counterTotals, sumBy, runtimeHistograms, minuteSeries, maxSeriesMinutes, type CounterTotal, type RuntimeHistogram, type MinutePoint } from './admin/counters.ts';
export { listQueues, rebuildQueueSet } from './admin/known-queues.ts';
export type { EventsLevel, TaskEventBody, TaskEventType, WorkerEventBody, WorkerEventType, CountedState } from './shared/events.ts';
export { eventsOfEntry, type EntryEvent } from './shared/event-batch.ts';
export { runtimeBucketsMs, minuteCountersTtlMs } from './shared/counters.ts';
export { taskInfo, type TaskInfo } from './admin/task-info.ts';
export { startMonitor, type Monitor, type MonitorOptions } from './monitor/server.ts';

/** A registered task: call it with `delay` or `applyAsync`. */
export type Task<A extends unknown[], R> = {
  readonly name: string;
  readonly options: TaskOptions;
  /** Sends the task with these arguments and the task's defaults. */
  delay(...args: Sendable<A>): Promise<AsyncResult<Jsonified<Awaited<R>>>>;
  /** Sends the task with call options (queue, countdownMs, eta, expires, taskId, kwargs). */
  applyAsync(args: Sendable<A>, options?: SendOptions): Promise<AsyncResult<Jsonified<Awaited<R>>>>;
  /** Sends many in one round trip (one LPUSH of many values per queue). */
  applyMany(argsList: Sendable<A>[], options?: SendOptions): Promise<AsyncResult<Jsonified<Awaited<R>>>[]>;
  /** A signature (Celery's `add.s(2, 2)`): in a chain, the previous result is prepended to these args. */
  s(...args: unknown[]): Signature;
  /** An immutable signature (`add.si(2, 2)`): it takes no parent result. */
  si(...args: unknown[]): Signature;
  /** One task that runs this one over each item in order (Celery's map); its result is the list. */
  map(items: unknown[]): Signature;
  /** Like map, each item an argument list. */
  starmap(items: unknown[][]): Signature;
  /** A group of starmaps of `size` items each (Celery's chunks); `.group()` gives the Group. */
  chunks(items: unknown[][], size: number): Chunks;
};

export type App = {
  readonly config: AppContext['config'];
  readonly keys: Keys;
  readonly registry: TaskRegistry;
  task<A extends unknown[], R>(name: string, handler: (...args: A) => R, options?: TaskOptions & { bind?: false }): Task<A, R>;
  task<A extends unknown[], R>(name: string, handler: (ctx: TaskContext, ...args: A) => R, options: TaskOptions & { bind: true }): Task<A, R>;
  /** Sends a task by name, for producers that do not hold its handler's types. */
  sendTask(name: string, args: unknown[], options?: SendOptions): Promise<AsyncResult>;
  /** Sends many messages of one task by name in one round trip. */
  sendMany(name: string, argsList: unknown[][], options?: SendOptions): Promise<AsyncResult[]>;
  /** An AsyncResult for a stored id; the queue defaults to the default queue. */
  asyncResult<T = unknown>(id: string, options?: { queue?: string }): AsyncResult<T>;
  /** A saved GroupResult by id (Celery's GroupResult.restore). */
  restoreGroup(id: string): Promise<GroupResult>;
  /** A chord's "X of N done" (its id is its header's GroupResult id; the queue is its body's, by default the default queue). */
  chordProgress(chordId: string, options?: { queue?: string }): Promise<ChordProgress | null>;
  /** Revokes a task by id: skipped if it has not started. The queue defaults to the default queue. */
  revoke(id: string, options?: { queue?: string; /** The task's name, to count the revoke under (else `unknown`). */ task?: string }): Promise<boolean>;
  /** A worker for this app's tasks; call `run()` to start it. */
  worker(options?: WorkerOptions): Worker;
  /**
   * Defines a periodic task, sent by `hardq beat` (or `runBeat(app)`) once per slot.
   * @example app.schedule('cleanup', { task: 'cleanup', args: [] }, { every: '30s' })
   * @example app.schedule('report', { task: report, args: ['daily'] }, { cron: '0 9 * * 1-5', tz: 'Europe/Berlin' }, { catchUp: 'none' })
   * @example app.schedule('sum', add.s(2, 2), { every: '1m' })
   */
  schedule(name: string, signature: ScheduleSignature | Signature, timing: ScheduleTiming, options?: ScheduleOptions): ScheduleDefinition;
  /** The schedules this app defines, merged into Redis when a beat starts. */
  readonly schedules: ReadonlyMap<string, ScheduleDefinition>;
  /** The app's command connection (opened on first use). */
  connection(): Promise<Redis>;
  close(): Promise<void>;
};

export function createApp(config: AppConfig = {}): App {
  const resolved = resolveConfig(config);
  const keys = new Keys(resolved.prefix);
  const registry = new TaskRegistry();
  let redis: Promise<Redis> | undefined;
  const context: AppContext = {
    config: resolved,
    keys,
    registry,
    connection() {
      redis ??= connectRedis(resolved.redis, { connectTimeoutMs: resolved.connectTimeoutMs, log: resolved.log, name: 'hardq-app', tls: resolved.tls }).then((r) => {
        defineScripts(r);
        return r;
      });
      // A failed first connection is not cached: the next call tries again.
      redis.catch(() => (redis = undefined));
      return redis;
    },
  };
  const waiter = new ResultWaiter(context);
  const schedules = new Map<string, ScheduleDefinition>();
  const workers = new Set<Worker>();
  registerCanvasBuiltins(registry);
  registerResultMaker(context, (name, id, queue) => resultFor(name, id, queue));
  // map and starmap run where the mapped task would: its routes and its queue option decide.
  const queueOf = (name: string) => routeTask(name, { routes: resolved.taskRoutes, taskQueue: registry.get(name)?.options.queue, defaultQueue: resolved.defaultQueue });
  const resultFor = <T>(name: string, id: string, queue: string) =>
    new AsyncResult<T>(context, waiter, id, queue, registry.get(name)?.options.ignoreResult ? name : undefined);

  const app: App = {
    config: resolved,
    keys,
    registry,
    task(name: string, handler: (...args: never[]) => unknown, options: TaskOptions & { bind?: boolean } = {}) {
      const { bind = false, ...taskOptions } = options;
      registry.add({ name, handler, bind, options: taskOptions });
      const signature = (args: unknown[], immutable = false) => new Signature(context, name, args, { immutable });
      return {
        name,
        options: taskOptions,
        async delay(...args: unknown[]) {
          const sent = await send(context, name, args);
          return resultFor(name, sent.id, sent.queue);
        },
        async applyAsync(args: unknown[], callOptions?: SendOptions) {
          const sent = await send(context, name, args, callOptions);
          return resultFor(name, sent.id, sent.queue);
        },
        async applyMany(argsList: unknown[][], callOptions?: SendOptions) {
          const sent = await sendMany(context, name, argsList, callOptions);
          return sent.map((item) => resultFor(name, item.id, item.queue));
        },
        s: (...args: unknown[]) => signature(args),
        si: (...args: unknown[]) => signature(args, true),
        map: (items: unknown[]) => new Signature(context, mapTaskName, [name, items]).set({ queue: queueOf(name) }),
        starmap: (items: unknown[][]) => new Signature(context, starmapTaskName, [name, items]).set({ queue: queueOf(name) }),
        chunks: (items: unknown[][], size: number) => chunks(context, name, items, size, queueOf(name)),
      } as Task<never[], unknown>;
    },
    async sendTask(name, args, options) {
      const sent = await send(context, name, args, options);
      return resultFor(name, sent.id, sent.queue);
    },
    async sendMany(name, argsList, options) {
      const sent = await sendMany(context, name, argsList, options);
      return sent.map((item) => resultFor(name, item.id, item.queue));
    },
    chordProgress(chordId, options = {}) {
      return chordProgress(context, chordId, options.queue ?? resolved.defaultQueue);
    },
    restoreGroup(id) {
      return restoreGroup(context, id, (memberId, queue) => new AsyncResult(context, waiter, memberId, queue));
    },
    asyncResult(id, options = {}) {
      return new AsyncResult(context, waiter, id, options.queue ?? resolved.defaultQueue);
    },
    revoke(id, options = {}) {
      return revoke(context, id, options.queue ?? resolved.defaultQueue, options.task);
    },
    worker(options) {
      const worker = new Worker(context, options);
      workers.add(worker);
      return worker;
    },
    schedule(name, signature, timing, options) {
      if (schedules.has(name)) throw new InvalidOptionError(`schedule ${name} is already defined in this app`);
      const definition = defineSchedule(name, signature, timing, options, 'app');
      schedules.set(name, definition);
      return definition;
    },
    schedules,
    connection: () => context.connection(),
    async close() {
      await Promise.all([...workers].map((worker) => worker.close()));
      await waiter.close();
      if (redis) {
        const connection = await redis.catch(() => undefined);
        redis = undefined;
        await connection?.quit().catch(() => connection.disconnect());
      }
    },
  };
  return app;
}
