/**
 * The stored result: one JSON object under keys.result(queue, id), with a TTL.
 * Its shape is part of the protocol (docs/PROTOCOL.md), so a reader in any language
 * can tell SUCCESS from FAILURE without hardq's code.
 */
import type { JsonValue } from './json-value.ts';
import type { RemoteError } from './errors.ts';

export type TaskState = 'PENDING' | 'STARTED' | 'RETRY' | 'SUCCESS' | 'FAILURE' | 'REVOKED';

export type ResultRecord =
  | { state: 'SUCCESS'; value: JsonValue; doneAt: number }
  | { state: 'FAILURE'; error: RemoteError; doneAt: number; reason?: string }
  | { state: 'STARTED'; startedAt: number }
  | { state: 'RETRY'; error: RemoteError; retries: number; eta: number }
  | { state: 'REVOKED'; reason: string; doneAt: number };

/** Turns any thrown value into the name, message and stack stored with FAILURE. */
export function toRemoteError(error: unknown): RemoteError {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  let text: string;
  try {
    text = typeof error === 'string' ? error : JSON.stringify(error) ?? String(error);
  } catch {
    text = String(error);
  }
  return { name: 'NonError', message: `the handler threw a non-Error value: ${text}` };
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
