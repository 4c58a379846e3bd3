/**
 * The stored result: one JSON object under keys.result(queue, id), with a TTL.
 * Its shape is part of the protocol (docs/PROTOCOL.md), so a reader in any language
 * can tell SUCCESS from FAILURE without hardq's code.
 */
import type { JsonValue } from './json-value.ts';
import { isNativeError } from 'node:util/types';
import type { RemoteError } from './errors.ts';

export type TaskState = 'PENDING' | 'STARTED' | 'RETRY' | 'SUCCESS' | 'FAILURE' | 'REVOKED';

export type ResultRecord = (
  | { state: 'SUCCESS'; value: JsonValue; doneAt: number }
  | { state: 'FAILURE'; error: RemoteError; doneAt: number; reason?: string }
  | { state: 'STARTED'; startedAt: number }
  | { state: 'RETRY'; error: RemoteError; retries: number; eta: number }
  | { state: 'REVOKED'; reason: string; doneAt: number }
) & { canvas?: CanvasPlace };

/**
 * A canvas task's place, copied by the worker from its (v2) message into the record it
 * writes, since the message is gone once acknowledged. Absent on plain tasks.
 */
export type CanvasPlace = {
  /** The task whose ack sent this one (the chain's previous step, or the task it is linked to). */
  parentId?: string;
  /** This task is the body of that chord; the chord's hash is under this task's queue. */
  bodyOf?: string;
  /** This task (or the header chain it ends) reports to that chord. */
  chord?: { id: string; queue: string; index: number; size: number };
  /** The next chain step's task id, when the next step is a task. */
  nextId?: string;
};

/**
 * Turns any thrown value into the name, message and stack stored with FAILURE. It never
 * throws itself: it runs inside the worker's catch, where a throw would turn one bad
 * handler into a loop (a cyclic, null-prototype object defeats both JSON and String).
 */
export function toRemoteError(error: unknown): RemoteError {
  try {
    if (error instanceof Error || isNativeError(error)) {
      const { name, message, stack } = error as Error;
      return { name: String(name), message: String(message), stack: typeof stack === 'string' ? stack : undefined };
    }
  } catch {
    // A getter that throws (a Proxy, an odd subclass): describe it as a non-Error below.
  }
  return { name: 'NonError', message: `the handler threw a non-Error value: ${describe(error)}` };
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    const text = JSON.stringify(value);
    if (text !== undefined) return text.length > 1000 ? `${text.slice(0, 1000)}…` : text;
  } catch {
    // Cyclic, or a BigInt inside: fall through to a description that cannot fail.
  }
  try {
    return String(value);
  } catch {
    return `a value of type ${typeof value}`;
  }
}

export function encodeSuccess(value: unknown, doneAt: number): string {
  // `undefined` (a handler that returns nothing) is stored as null, as Celery stores None.
  return `{"state":"SUCCESS","value":${value === undefined ? 'null' : JSON.stringify(value)},"doneAt":${doneAt}}`;
}

export function encodeResult(record: ResultRecord): string {
  return JSON.stringify(record);
}

/** `null` when the key is missing or holds something that is not a record. */
export function decodeResult(raw: string | null): ResultRecord | null {
  if (raw === null) return null;
  try {
    const parsed = JSON.parse(raw) as ResultRecord;
    return typeof parsed === 'object' && parsed !== null && typeof parsed.state === 'string' ? parsed : null;
  } catch {
    return null;
  }
}

export const finalStates: ReadonlySet<TaskState> = new Set(['SUCCESS', 'FAILURE', 'REVOKED']);
