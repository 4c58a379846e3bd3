/**
 * The worker's registry record, built from its state (shared/worker-record.ts): who it is,
 * what it consumes and how, what it has done, and what it holds now. Bounded: at most 100
 * active and 100 reserved tasks, and previews of their arguments.
 */
import { hostname, loadavg } from 'node:os';
import type { ResolvedConfig } from '../../shared/app-config.ts';
import { describeSigning } from '../../shared/signing.ts';
import type { TaskRegistry } from '../../shared/task-registry.ts';
import { decodeMessage, type TaskMessage } from '../../shared/message.ts';
import { hardqVersion, preview, type TaskSummary, type WorkerRecord } from '../../shared/worker-record.ts';
import type { Claimed } from '../fetch.ts';
import type { resolveWorkerOptions } from '../worker-options.ts';

const listed = 100;

export function describeWorker(state: {
  id: string; startedAt: number; queues: string[]; options: ReturnType<typeof resolveWorkerOptions>; config: ResolvedConfig;
  registry: TaskRegistry; counts: WorkerRecord['counts']; inFlight: number; autoscale: WorkerRecord['autoscale'];
  active: [Claimed, { message: TaskMessage; startedAt: number }][]; reserved: Claimed[];
}): Omit<WorkerRecord, 'writtenAt' | 'intervalMs'> {
  const o = state.options;
  return {
    id: state.id, host: hostname(), pid: process.pid, version: hardqVersion, startedAt: state.startedAt,
    queues: state.queues, mode: o.mode, pool: o.pool, concurrency: o.concurrency,
    ...(state.autoscale === undefined ? {} : { autoscale: state.autoscale }), ...(o.group === undefined ? {} : { group: o.group }),
    counts: { ...state.counts }, inFlight: state.inFlight, load: loadavg(),
    active: state.active.slice(0, listed).map(([claimed, { message, startedAt }]) => ({ ...summarize(claimed.queue, message), startedAt })),
    reserved: state.reserved.slice(0, listed).map(summary),
    tasks: state.registry.names().sort().map((name) => ({ name, options: plainOptions(state.registry.get(name)?.options ?? {}) })),
    conf: {
      prefix: state.config.prefix, defaultQueue: state.config.defaultQueue, resultTtlMs: state.config.resultTtlMs, signing: describeSigning(state.config.signing),
      maxMessageBytes: state.config.maxMessageBytes, shutdownTimeoutMs: o.shutdownTimeoutMs, blockTimeoutMs: o.blockTimeoutMs,
      claimBatchMax: o.claimBatchMax, heartbeatTtlMs: o.heartbeatTtlMs, reaperIntervalMs: o.reaperIntervalMs,
      stallTimeoutMs: o.stallTimeoutMs, maxDeliveries: o.maxDeliveries, queueOrder: o.queueOrder, promoteIntervalMs: o.promoteIntervalMs,
    },
  };
}

function summary(claimed: Claimed): TaskSummary {
  const decoded = decodeMessage(claimed.raw);
  return decoded.ok ? summarize(claimed.queue, decoded.message) : { id: decoded.id, queue: claimed.queue };
}

function summarize(queue: string, { id, task, args, kwargs }: TaskMessage): TaskSummary {
  return { id, task, queue, args: preview([args, kwargs ?? {}]) };
}

/** Task options as JSON can carry them: error classes in autoretryFor by name. */
function plainOptions(options: object): Record<string, unknown> {
  const plain: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    plain[key] = Array.isArray(value) ? value.map((item: unknown) => (typeof item === 'function' ? item.name : item)) : value;
  }
  return plain;
}
