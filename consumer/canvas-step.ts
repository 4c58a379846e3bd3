/**
 * What a finished canvas message leaves to do, computed by the worker and written in the
 * same step as its ack (complete-batch.lua runs the follow-ups; consumer/relay.ts carries
 * those for other queues). Success: link callbacks, then the next chain step, or the
 * chain's last result reported to its chord. Failure for good: linkError callbacks, then
 * the failure handed to the next step (which records FAILURE without running), or reported
 * to the chord (which fails at once unless it allows failures).
 */
import { startStep } from '../shared/canvas-start.ts';
import type { FollowUp } from '../shared/follow-ups.ts';
import type { TaskMessage } from '../shared/message.ts';
import type { FailureJson } from '../shared/signature.ts';
import { encodeResult } from '../shared/result-record.ts';
import type { RemoteError } from '../shared/errors.ts';
import { startTaskName } from '../shared/canvas-builtins.ts';
import type { ResolvedSigning } from '../shared/signing.ts';

/** True when the message carries anything that needs follow-ups (plain v1 messages never do). */
export function hasCanvas(message: TaskMessage): boolean {
  return message.v === 2 && (message.chain !== undefined || message.chord !== undefined || message.link !== undefined || message.linkError !== undefined);
}

export function followUpsOnSuccess(message: TaskMessage, valueJson: string, nowMs: number, signing?: ResolvedSigning): FollowUp[] {
  // hardq.start only starts its chain: the next step gets no parent result.
  const parent = message.task === startTaskName ? undefined : { valueJson, id: message.id, queue: message.queue };
  const followUps = (message.link ?? []).flatMap((sig) => startStep(sig, undefined, parent, undefined, nowMs, signing));
  const [next, ...rest] = message.chain ?? [];
  if (next !== undefined) return [...followUps, ...startStep(next, rest, parent, message.chord, nowMs, signing)];
  const { chord } = message;
  if (chord !== undefined) followUps.push({ op: 'part', queue: chord.queue, chordId: chord.id, index: chord.index, size: chord.size, value: valueJson, failed: false });
  return followUps;
}

export function followUpsOnFailure(message: TaskMessage, failure: FailureJson, nowMs: number, signing?: ResolvedSigning): FollowUp[] {
  const followUps = (message.linkError ?? []).flatMap((sig) => startStep(sig, undefined, { valueJson: JSON.stringify(failure), id: message.id, queue: message.queue }, undefined, nowMs, signing));
  const [next, ...rest] = message.chain ?? [];
  if (next !== undefined) return [...followUps, ...startStep(next, rest, { failure, id: message.id, queue: message.queue }, message.chord, nowMs, signing)];
  const { chord } = message;
  if (chord !== undefined) {
    const reported: FailureJson = { ...failure, chord: failure.chord ?? chord.id };
    followUps.push({ op: 'part', queue: chord.queue, chordId: chord.id, index: chord.index, size: chord.size, value: JSON.stringify(reported), failed: true });
  }
  return followUps;
}

/** The failure a step records when an earlier step (or its chord's header) failed: it names that step. */
export function inheritedError(failure: FailureJson): RemoteError {
  const cause = `${failure.task} (${failure.id}) failed: ${failure.error.name}: ${failure.error.message}`;
  return failure.chord !== undefined
    ? { name: 'ChordError', message: `chord ${failure.chord}: header task ${cause}` }
    : { name: 'ChainStepFailed', message: `an earlier step of the chain, ${cause}` };
}

/** The record and follow-ups of a message that carries a failure: it does not run. */
export function passFailure(message: TaskMessage & { failure: FailureJson }, nowMs: number, signing?: ResolvedSigning): { result: string; followUps: FollowUp[]; error: RemoteError } {
  const error = inheritedError(message.failure);
  return { result: encodeResult({ state: 'FAILURE', error, doneAt: nowMs }), followUps: followUpsOnFailure(message, message.failure, nowMs, signing), error };
}
