/**
 * Running one message: decode, look the task up, check expiry, revocation and the rate
 * limit, run the handler in the pool, and turn whatever happened into a Completion: a
 * result, a dead-letter entry, a retry to schedule. Nothing here throws for a bad message
 * or a failing handler, so no message can crash the worker. Remote control reaches in here
 * three ways: rate-limit overrides (rate-limiter.ts), this worker's time-limit overrides,
 * and `revoke --terminate` (control/terminations.ts), which ends a running task as REVOKED.
 */
import type { TaskDefinition, TaskRegistry } from '../shared/task-registry.ts';
import { isError } from './pool-messages.ts';
import { decodeMessage, type TaskMessage } from '../shared/message.ts';
import type { ResolvedSigning } from '../shared/signing.ts';
import { checkMessage, encodeRewritten, idIsTrusted } from './signed-message.ts';
import { checkParentResults, type ReadChordParents, type ReadResults } from './parent-results.ts';
import { assertJson } from '../shared/json-value.ts';
import { encodeDeadLetter, type DeadLetterReason } from '../shared/dead-letter.ts';
import { encodeResult, encodeSuccess, toRemoteError } from '../shared/result-record.ts';
import type { Claimed, Completion, FetchStrategy } from './fetch.ts';
import type { Pool } from './pool.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { retryDefaults, retryDelayMs, underlyingError, wantsRetry } from './retry.ts';
import type { Terminations } from './control/terminations.ts';
import { RunningTask, terminatedMark } from './running-task.ts';
import type { FollowUp } from '../shared/follow-ups.ts';
import { followUpsOnFailure, followUpsOnSuccess, hasCanvas, passFailure } from './canvas-step.ts';
import { withCanvasPlace } from './canvas-place.ts';

/** This worker's time-limit overrides by task name (the time_limit control command); each side in ms. */
export type TimeLimitOverrides = Map<string, { softTimeLimitMs?: number; timeLimitMs?: number }>;

/** What the worker reports for each message, for log lines and summaries. */
export type TaskEvent = {
  id?: string;
  task?: string;
  queue: string;
  state: 'SUCCESS' | 'FAILURE' | 'RETRY' | 'REVOKED' | 'DEAD';
  ms: number;
  error?: string;
};
/**
 * What became of a message: a completion to write; `null` when it is no longer ours (a
 * reaper took it back); 'unstarted' when the worker began stopping before it started
 * (it goes back to the queue at once).
 */
export type Outcome = [Completion, TaskEvent] | null | 'unstarted';

export type ExecuteContext = {
  registry: TaskRegistry;
  fetch: FetchStrategy;
  pool: Pool;
  rateLimiter: RateLimiter;
  /** Ids revoked on this queue, as far as this worker knows (scheduler.ts keeps the copy). */
  isRevoked: (queue: string, id: string) => boolean;
  /** Now on Redis's clock, in epoch ms: eta and expiry agree with the scripts' clock. */
  nowMs: () => number;
  /** Bigger messages are dead-lettered as `too-large` without being parsed. */
  maxMessageBytes: number;
  signal: AbortSignal;
  /** Fires when the worker starts to stop: messages not yet started go back to the queue. */
  stopping: AbortSignal;
  /** Writes STARTED for tasks with trackStarted. */
  markStarted: (queue: string, id: string) => Promise<void>;
  /** Told just before the handler starts, for the worker registry's list of active tasks. */
  onStart: (claimed: Claimed, message: TaskMessage) => void;
  /** Running tasks that `revoke --terminate` may stop. */
  terminations: Terminations;
  timeLimits: TimeLimitOverrides;
  /** The app's signing keys: messages are verified before they run, and rewritten ones signed again. */
  signing?: ResolvedSigning;
  /** Reads result records, to check a signed canvas step's parentResults and failure (parent-results.ts). */
  readResults?: ReadResults;
  /** Reads a chord's header list (its hash's `parents`), for a signed body that names its header by digest. */
  readChordParents?: ReadChordParents;
};

/** The definition with this worker's time-limit overrides, if any, in place of its own. */
function withTimeLimits(definition: TaskDefinition, overrides: TimeLimitOverrides): TaskDefinition {
  const override = overrides.get(definition.name);
  return override === undefined ? definition : { ...definition, options: { ...definition.options, ...override } };
}

function deadLetter(claimed: Claimed, reason: DeadLetterReason, error: string, started: number, id?: string, task?: string, trusted = true): Outcome {
  const now = Date.now();
  const dead = encodeDeadLetter({ reason, error, raw: claimed.raw, queue: claimed.queue, deadAt: now });
  // A readable id gets a FAILURE result too, so that get() ends instead of waiting; not an
  // id the signature does not vouch for (signed-message.ts, idIsTrusted).
  const result = id === undefined || !trusted ? undefined : encodeResult({ state: 'FAILURE', error: { name: 'DeadLettered', message: `${reason}: ${error}` }, doneAt: now, reason });
  // `started` is on Redis's clock (context.nowMs) and `now` on this machine's: clamped, as a
  // message refused before it ran took no time, and the clocks may differ by a few ms.
  return [{ claimed, id, dead, result }, { id, task, queue: claimed.queue, state: 'DEAD', ms: Math.max(0, now - started), error: `${reason}: ${error}` }];
}

/** The same message, due again at `atMs` (signed again when the worker has keys); the delivery count starts over. */
function rescheduled(claimed: Claimed, signing: ResolvedSigning | undefined, message: TaskMessage, atMs: number, retries = message.retries): { atMs: number; raw: string } {
  const next: TaskMessage = { ...message, eta: atMs };
  if (retries !== undefined) next.retries = retries;
  delete next.deliveries;
  return { atMs, raw: encodeRewritten(next, claimed.queue, signing) };
}

/** What a message that could not be started after `attempts` tries leaves behind (worker.ts). */
export function startFailed(claimed: Claimed, attempts: number, error: Error): Outcome {
  const decoded = decodeMessage(claimed.raw);
  const [id, task] = decoded.ok ? [decoded.message.id, decoded.message.task] : [decoded.id, undefined];
  return deadLetter(claimed, 'start-failed', `Redis failed before the handler started, ${attempts} times; the last error: ${error.message}`, Date.now(), id, task);
}

/**
 * A retry routed to another queue (`ctx.retry({ queue })`): the retried message goes to that
 * queue's scheduled set through this queue's outbox, written with the ack (consumer/relay.ts).
 */
function retryElsewhere(claimed: Claimed, signing: ResolvedSigning | undefined, message: TaskMessage, atMs: number, retries: number, error: unknown): FollowUp | undefined {
  const queue = (error as { queue?: unknown } | null)?.queue;
  if (typeof queue !== 'string' || queue === claimed.queue) return undefined;
  const { raw } = rescheduled({ ...claimed, queue }, signing, { ...message, queue }, atMs, retries);
  return { op: 'push', queue, raw, dueAtMs: atMs };
}

/** A canvas step that will not run fails the rest of its chain and its chord, so none waits forever. */
function notRun(message: TaskMessage, reason: string, nowMs: number, signing: ResolvedSigning | undefined) {
  return hasCanvas(message) ? followUpsOnFailure(message, { id: message.id, task: message.task, error: { name: 'TaskRevoked', message: reason } }, nowMs, signing) : undefined;
}

/** Runs one claimed message; `null` when it turned out not to be ours to run. */
export async function execute(claimed: Claimed, context: ExecuteContext): Promise<Outcome> {
  const started = context.nowMs();
  const decoded = decodeMessage(claimed.raw, context.maxMessageBytes);
  if (!decoded.ok) return deadLetter(claimed, decoded.reason, decoded.error, started, decoded.id, undefined, idIsTrusted(claimed.raw, claimed.queue, context.signing, started));
  const outcome = await executeMessage(claimed, context, decoded.message, started);
  // Plain (v1) messages skip this: only a canvas message's record says where it sits.
  return decoded.message.v === 2 ? withCanvasPlace(outcome, decoded.message) : outcome;
}

async function executeMessage(claimed: Claimed, context: ExecuteContext, message: TaskMessage, started: number): Promise<Outcome> {
  const { signing } = context;
  const { id, task } = message;
  if (signing !== undefined) {
    // Before anything else reads it: a forged message must not run, nor mark any result.
    const verdict = checkMessage(message, claimed.queue, signing, started);
    if (!verdict.ok) return deadLetter(claimed, verdict.reason, verdict.error, started, id, task, false);
    // The parents' results were written after the signature: they must match the parents' own result keys.
    const parents = verdict.signed && context.readResults !== undefined ? await checkParentResults(message, context.readResults, context.readChordParents) : ({ ok: true } as const);
    if (!parents.ok) return deadLetter(claimed, 'bad-parent-results', parents.error, started, id, task, false);
  }
  if (message.failure !== undefined) {
    // An earlier canvas step failed: this one records FAILURE naming it, and passes it on.
    const passed = passFailure({ ...message, failure: message.failure }, Date.now(), signing);
    return [{ claimed, id, result: passed.result, followUps: passed.followUps }, { id, task, queue: claimed.queue, state: 'FAILURE', ms: 0, error: `${passed.error.name}: ${passed.error.message}` }];
  }
  const registered = context.registry.get(task);
  if (registered === undefined) {
    return deadLetter(claimed, 'unknown-task', `no task named "${task}" is registered on this consumer`, started, id, task);
  }
  const definition = withTimeLimits(registered, context.timeLimits);
  const { options } = definition;
  const keep = options.ignoreResult !== true;

  if (message.expires !== undefined && started > message.expires) {
    const result = keep ? encodeResult({ state: 'REVOKED', reason: 'expired', doneAt: started }) : undefined;
    return [{ claimed, id, result, followUps: notRun(message, 'expired', started, signing) }, taskEvent(claimed, message, started, context, 'REVOKED', 'expired')];
  }
  // revoke() already wrote REVOKED; claim-batch.lua drops what was revoked in the last seconds.
  if (context.isRevoked(claimed.queue, id)) return [{ claimed, id, followUps: notRun(message, 'revoked', started, signing) }, taskEvent(claimed, message, started, context, 'REVOKED', 'revoked')];
  // A message that arrived before its time (a foreign producer, a skewed clock) waits in the scheduled set.
  if (message.eta !== undefined && message.eta > started + 5) return [{ claimed, id, schedule: rescheduled(claimed, signing, message, message.eta) }, taskEvent(claimed, message, started, context, 'RETRY', 'early')];
  const verdict = context.fetch.beforeRun(claimed, message);
  if (verdict !== 'run' && (await verdict) === 'gone') return null;
  const rate = context.rateLimiter.rateFor(task, options.rateLimit);
  if (rate !== undefined) {
    const askAgainAtMs = await context.rateLimiter.acquire(task, rate, context.stopping);
    if (askAgainAtMs !== undefined) return [{ claimed, id, schedule: rescheduled(claimed, signing, message, askAgainAtMs) }, taskEvent(claimed, message, started, context, 'RETRY', 'rate limited')];
  }
  if (context.stopping.aborted) return 'unstarted';
  if (keep && options.trackStarted === true) await context.markStarted(claimed.queue, id);

  context.onStart(claimed, message);
  // A chain step's parent result (a chord body's list of them) comes first.
  const called = message.parentResults === undefined ? message : { ...message, args: [...message.parentResults, ...message.args] };
  // The task's signal is made only if its pool or handler reads it (running-task.ts).
  const running = new RunningTask({ definition, message: called, queue: claimed.queue }, context.signal, context.terminations);
  // From here on the handler runs: whatever goes wrong must end in a result, never in a
  // rejection that would give the message back and run its side effects again.
  try {
    try {
      const value = await running.settled(context.pool.run(running));
      if (value === terminatedMark) return revokedByTerminate(claimed, message, keep, started, context);
      // undefined (a handler that returns nothing) is stored as null, as Celery stores None.
      if (keep && value !== undefined) assertJson(value, 'result');
      const followUps = hasCanvas(message) ? followUpsOnSuccess(message, value === undefined ? 'null' : JSON.stringify(value), Date.now(), signing) : undefined;
      return [{ claimed, id, result: keep ? encodeSuccess(value, Date.now()) : undefined, followUps }, taskEvent(claimed, message, started, context, 'SUCCESS')];
    } catch (error) {
      if (running.terminated) return revokedByTerminate(claimed, message, keep, started, context);
      return failed(claimed, message, options, keep, error, started, context);
    } finally {
      running.end();
    }
  } catch (unexpected) {
    // A bug in hardq's own failure path (retry options that throw, say): still a FAILURE.
    const remote = toRemoteError(unexpected);
    return [{ claimed, id, result: keep ? encodeResult({ state: 'FAILURE', error: remote, doneAt: Date.now() }) : undefined }, taskEvent(claimed, message, started, context, 'FAILURE', `${remote.name}: ${remote.message}`)];
  }
}

/** The event of a message that was looked at (`started` on Redis's clock). Module functions, not per-task closures: the hot path makes none. */
function taskEvent(claimed: Claimed, message: TaskMessage, started: number, context: ExecuteContext, state: TaskEvent['state'], error?: string): TaskEvent {
  return { id: message.id, task: message.task, queue: claimed.queue, state, ms: context.nowMs() - started, error };
}

function revokedByTerminate(claimed: Claimed, message: TaskMessage, keep: boolean, started: number, context: ExecuteContext): Outcome {
  const result = keep ? encodeResult({ state: 'REVOKED', reason: 'terminated', doneAt: Date.now() }) : undefined;
  return [{ claimed, id: message.id, result }, taskEvent(claimed, message, started, context, 'REVOKED', 'terminated')];
}

/** A handler that threw: a retry, or FAILURE (and a dead letter when retries ran out or it threw a non-Error). */
function failed(
  claimed: Claimed, message: TaskMessage, options: TaskDefinition['options'], keep: boolean, error: unknown, started: number, context: ExecuteContext,
): Outcome {
  const { id } = message;
  const { signing } = context;
  const event = (state: TaskEvent['state'], why: string) => taskEvent(claimed, message, started, context, state, why);
  const now = Date.now();
  {
    const retries = message.retries ?? 0;
    const retryable = wantsRetry(error, options);
    if (retryable && retries < (options.maxRetries ?? retryDefaults.maxRetries)) {
      const atMs = now + retryDelayMs(options, retries, error);
      const remote = toRemoteError(underlyingError(error));
      const result = keep ? encodeResult({ state: 'RETRY', error: remote, retries: retries + 1, eta: atMs }) : undefined;
      // If we crash here: nothing is written yet; the message is still held and runs again.
      const retry = retryElsewhere(claimed, signing, message, atMs, retries + 1, error);
      if (retry !== undefined) return [{ claimed, id, result, announce: false, followUps: [retry] }, event('RETRY', `${remote.name}: ${remote.message}`)];
      return [{ claimed, id, result, announce: false, schedule: rescheduled(claimed, signing, message, atMs, retries + 1) }, event('RETRY', `${remote.name}: ${remote.message}`)];
    }
    const remote = toRemoteError(underlyingError(error));
    const result = keep ? encodeResult({ state: 'FAILURE', error: remote, doneAt: now }) : undefined;
    let dead: string | undefined;
    if (retryable) {
      dead = encodeDeadLetter({ reason: 'max-retries', error: `${remote.name}: ${remote.message} (after ${retries} retries)`, raw: claimed.raw, queue: claimed.queue, deadAt: now });
    } else if (!isError(error)) {
      // A thrown non-Error is a bug in the handler worth a look: it is dead-lettered too,
      // whatever it carries (a `code` too). Retry signals were handled above.
      dead = encodeDeadLetter({ reason: 'non-error-thrown', error: remote.message, raw: claimed.raw, queue: claimed.queue, deadAt: now });
    }
    const followUps = hasCanvas(message) ? followUpsOnFailure(message, { id, task: message.task, error: { name: remote.name, message: remote.message } }, now, signing) : undefined;
    return [{ claimed, id, result, dead, followUps }, event('FAILURE', `${remote.name}: ${remote.message}`)];
  }
}
