/**
 * Running one message: decode, look the task up, call the handler, and turn whatever
 * happened into a Completion (a result to store, a dead-letter entry, or both).
 * Nothing here throws: bad input becomes a dead-letter entry, and a failing handler
 * becomes a FAILURE result, so no message can crash the worker.
 */
import type { TaskRegistry, TaskContext } from '../shared/task-registry.ts';
import { decodeMessage } from '../shared/message.ts';
import { assertJson } from '../shared/json-value.ts';
import { encodeDeadLetter, type DeadLetterReason } from '../shared/dead-letter.ts';
import { encodeResult, encodeSuccess, toRemoteError } from '../shared/result-record.ts';
import type { Claimed, Completion, FetchStrategy } from './fetch.ts';

/** What the worker reports for each message, for log lines and summaries. */
export type TaskEvent = {
  id?: string;
  task?: string;
  queue: string;
  state: 'SUCCESS' | 'FAILURE' | 'DEAD';
  ms: number;
  error?: string;
};

export type ExecuteContext = {
  registry: TaskRegistry;
  fetch: FetchStrategy;
  signal: AbortSignal;
  /** Writes STARTED for tasks with trackStarted. */
  markStarted: (queue: string, id: string) => Promise<void>;
};

const empty = Object.freeze({}) as { [key: string]: never };

function deadLetter(claimed: Claimed, reason: DeadLetterReason, error: string, id: string | undefined, started: number, task?: string): [Completion, TaskEvent] {
  const now = Date.now();
  const dead = encodeDeadLetter({ reason, error, raw: claimed.raw, queue: claimed.queue, deadAt: now });
  // A readable id gets a FAILURE result too, so that get() ends instead of waiting.
  const result = id === undefined ? undefined : encodeResult({ state: 'FAILURE', error: { name: 'DeadLettered', message: `${reason}: ${error}` }, doneAt: now, reason });
  return [{ claimed, id, dead, result }, { id, task, queue: claimed.queue, state: 'DEAD', ms: now - started, error: `${reason}: ${error}` }];
}

/** Runs one claimed message; `null` when it turned out not to be ours to run. */
export async function execute(claimed: Claimed, context: ExecuteContext): Promise<[Completion, TaskEvent] | null> {
  const started = Date.now();
  const decoded = decodeMessage(claimed.raw);
  if (!decoded.ok) return deadLetter(claimed, decoded.reason, decoded.error, decoded.id, started);
  const message = decoded.message;
  const definition = context.registry.get(message.task);
  if (definition === undefined) {
    return deadLetter(claimed, 'unknown-task', `no task named "${message.task}" is registered on this consumer`, message.id, started, message.task);
  }
  if ((await context.fetch.beforeRun(claimed, message)) === 'gone') return null;
  const { id } = message;
  const keep = definition.options.ignoreResult !== true;
  if (keep && definition.options.trackStarted === true) await context.markStarted(claimed.queue, id);

  let value: unknown;
  try {
    if (definition.bind) {
      const ctx: TaskContext = { id, queue: claimed.queue, retries: message.retries ?? 0, kwargs: message.kwargs ?? empty, signal: context.signal };
      value = await (definition.handler as (ctx: TaskContext, ...args: unknown[]) => unknown)(ctx, ...message.args);
    } else {
      value = await (definition.handler as (...args: unknown[]) => unknown)(...message.args);
    }
    if (keep) assertJson(value, 'result');
  } catch (error) {
    const now = Date.now();
    const remote = toRemoteError(error);
    const event: TaskEvent = { id, task: message.task, queue: claimed.queue, state: 'FAILURE', ms: now - started, error: `${remote.name}: ${remote.message}` };
    const result = keep ? encodeResult({ state: 'FAILURE', error: remote, doneAt: now }) : undefined;
    // A thrown non-Error is a bug in the handler worth a look: it is dead-lettered too.
    const dead = error instanceof Error ? undefined : encodeDeadLetter({ reason: 'non-error-thrown', error: remote.message, raw: claimed.raw, queue: claimed.queue, deadAt: now });
    return [{ claimed, id, result, dead }, event];
  }
  const now = Date.now();
  return [
    { claimed, id, result: keep ? encodeSuccess(value, now) : undefined },
    { id, task: message.task, queue: claimed.queue, state: 'SUCCESS', ms: now - started },
  ];
}
