/**
 * What crosses the boundary between the worker and a thread or child of the isolated pools:
 * the messages both ways, the handle the pool holds on one member, and how an error travels.
 * Handlers never cross: a member imports the app module itself and looks tasks up by name.
 * Everything here is copied by structured clone (postMessage, or IPC with
 * `serialization: 'advanced'`), so Error subclasses arrive as plain errors; they travel as
 * WireError and are rebuilt on the worker's side with their name, code and countdownMs.
 */
import { types } from 'node:util';
import { Retry } from '../shared/errors.ts';
import type { JsonValue } from '../shared/json-value.ts';

/** Worker → member: import the app module (the first message a member gets). */
export type LoadRequest = { type: 'load'; appModule: string };

/** Worker → member: run one task. The hard limit is not here: the worker enforces it. */
export type RunRequest = {
  type: 'run';
  /** The pool's number for this run, so a late reply is never taken for the next task's. */
  jobId: number;
  task: string;
  id: string;
  queue: string;
  args: JsonValue[];
  kwargs: { [key: string]: JsonValue };
  retries: number;
  bind: boolean;
  /** The member aborts the handler's signal after this many ms. */
  softTimeLimitMs?: number;
};

export type ParentMessage = LoadRequest | RunRequest;

/** Member → worker. `threw` carries a thrown value that is not an Error, as it was. */
export type MemberMessage =
  | { type: 'ready' }
  | { type: 'load-failed'; error: WireError }
  | { type: 'done'; jobId: number; value: unknown }
  | { type: 'failed'; jobId: number; error: WireError }
  | { type: 'threw'; jobId: number; value: unknown };

/** An Error as data: what `wantsRetry`, `retryDelayMs` and the FAILURE record read. */
export type WireError = {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  countdownMs?: number;
  /** A Retry's other queue. */
  queue?: string;
  cause?: WireError;
};

/** The pool's handle on one thread or child process. */
export interface PoolMember {
  /** For log lines: `thread 4`, `child process 12345`. */
  readonly label: string;
  send(message: ParentMessage): void;
  onMessage(listener: (message: MemberMessage) => void): void;
  /** Called once, when the member has gone; `how` says why (`exit code 1`, `signal SIGKILL`). */
  onExit(listener: (how: string) => void): void;
  /** Terminates the thread or SIGKILLs the child, and resolves once it has gone. */
  stop(): Promise<void>;
}

/** True for Error instances from any realm (a vm context's errors fail `instanceof Error`). */
export function isError(value: unknown): value is Error {
  return value instanceof Error || types.isNativeError(value);
}

export function toWireError(error: Error, depth = 0): WireError {
  const wire: WireError = { name: error.name, message: error.message, stack: error.stack };
  const { code, countdownMs } = error as { code?: unknown; countdownMs?: unknown };
  if (typeof code === 'string') wire.code = code;
  if (typeof countdownMs === 'number') wire.countdownMs = countdownMs;
  const retryQueue = (error as { queue?: unknown }).queue;
  if (code === 'RETRY' && typeof retryQueue === 'string') wire.queue = retryQueue;
  // Retry's cause is the error reported when no retries are left; two levels are plenty.
  if (depth < 2 && isError(error.cause)) wire.cause = toWireError(error.cause, depth + 1);
  return wire;
}

/** A handler's error rebuilt on the worker's side: the original name, message, stack and code. */
export class IsolatedTaskError extends Error {
  readonly code: string | undefined;
  readonly countdownMs: number | undefined;
  constructor(wire: WireError, cause?: Error) {
    super(wire.message, cause === undefined ? undefined : { cause });
    this.name = wire.name;
    this.code = wire.code;
    this.countdownMs = wire.countdownMs;
    if (wire.stack !== undefined) this.stack = wire.stack;
  }
}

export function fromWireError(wire: WireError): Error {
  const cause = wire.cause === undefined ? undefined : fromWireError(wire.cause);
  // A real Retry, so that retry.ts's underlyingError() reports what it wrapped.
  if (wire.code === 'RETRY') {
    const retry = new Retry({ countdownMs: wire.countdownMs, error: cause, message: wire.message, queue: wire.queue });
    if (wire.stack !== undefined) retry.stack = wire.stack;
    return retry;
  }
  return new IsolatedTaskError(wire, cause);
}
