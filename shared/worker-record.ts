/**
 * The worker registry's record: what each worker writes about itself, with a TTL, under
 * keys.workerRecord(id) (consumer/control/registry.ts), and what `inspect` and the monitor
 * read (admin/inspect.ts) without a round trip to any worker. Its shape is protocol.
 */
import { readFileSync } from 'node:fs';

/** A task a worker is running now, or holds and has not started. */
export type TaskSummary = {
  id?: string;
  task?: string;
  queue: string;
  /** Epoch ms the handler started; absent for a reserved (not started) message. */
  startedAt?: number;
  /** The first characters of the JSON of args and kwargs. */
  args?: string;
};

export type WorkerRecord = {
  id: string;
  host: string;
  pid: number;
  /** hardq's version. */
  version: string;
  startedAt: number;
  /** When this record was written, epoch ms: a record much older than the registry interval is offline. */
  writtenAt: number;
  /** How often the record is written, in ms. */
  intervalMs: number;
  queues: string[];
  mode: 'simple' | 'reliable';
  pool: 'async' | 'threads' | 'process';
  /** Handlers in flight now: pool_grow, pool_shrink and autoscale change it. */
  concurrency: number;
  /** Autoscale's bounds, when it is on. */
  autoscale?: { max: number; min: number };
  /** The worker group (`hardq worker --processes N`): its processes share this id. */
  group?: string;
  /** Threads or child processes in the pool (threads and process pools only). */
  poolSize?: number;
  /** The events level now (`off`, `final`, `all`): enable_events and disable_events change it. */
  events?: 'off' | 'final' | 'all';
  /** With waitReplicas on: the replicas asked for, WAIT's timeout in ms, WAITs sent, and how many fell short. */
  replicaWaits?: { replicas: number; timeoutMs: number; waits: number; short: number };
  /** Tasks finished since start, by outcome. */
  counts: Record<'SUCCESS' | 'FAILURE' | 'RETRY' | 'REVOKED' | 'DEAD', number>;
  /** Messages held: running, waiting to start, or finished with the ack not yet written. */
  inFlight: number;
  /** The machine's load averages over 1, 5 and 15 minutes. */
  load: number[];
  /** At most 100 of each. */
  active: TaskSummary[];
  reserved: TaskSummary[];
  /** The registered task names with their options (class options shown by name). */
  tasks: { name: string; options: Record<string, unknown> }[];
  /** The settings that shape the worker's behaviour. */
  conf: Record<string, string | number | boolean>;
};

/** The registry's timing: written every intervalMs, and gone ttlMs after the last write. */
export const registryIntervalMs = 1000;
export const registryTtlMs = 5000;

/** The version in package.json, from the sources or from dist/. */
export const hardqVersion: string = (() => {
  for (const path of ['../package.json', '../../package.json']) {
    try {
      const parsed = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (parsed.name === 'hardq' && typeof parsed.version === 'string') return parsed.version;
    } catch {
      // Not there in this layout: try the next.
    }
  }
  return 'unknown';
})();

/** A short, safe preview of a value's JSON. */
export function preview(value: unknown, maxChars = 100): string | undefined {
  try {
    const text = JSON.stringify(value);
    if (text === undefined) return undefined;
    return text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;
  } catch {
    return undefined;
  }
}
