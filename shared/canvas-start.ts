/**
 * Starting a canvas step: the messages and chord bookkeeping a step needs, as follow-ups
 * (shared/follow-ups.ts). The producer starts a canvas's first step; a worker starts the
 * next one in the step that acknowledges the previous one. Both use this one function, so
 * a chain step, a chord in the middle of a chain and a chord sent by a producer are built
 * the same way. A parent's result is spliced in as JSON text, never parsed again.
 */
import type { FollowUp } from './follow-ups.ts';
import { encodeMessage, type TaskMessage } from './message.ts';
import type { ChordMembership, FailureJson, MemberJson, StepJson, TaskSignatureJson } from './signature.ts';
import { sign, type ResolvedSigning } from './signing.ts';
import { headerRefs, parentRefs, type ParentRefs } from './parent-refs.ts';

/**
 * What the previous step left: its result as JSON text, or the failure that stops the chain;
 * `id` and `queue` name that step (the signed `parents` of what it starts).
 */
export type Parent = (({ valueJson: string } | { failure: FailureJson }) & { id?: string; queue?: string }) | undefined;

/** The message a task signature becomes, with the rest of its chain and its chord, as raw JSON. */
export function signatureMessage(
  sig: TaskSignatureJson,
  fields: {
    chain?: StepJson[]; chord?: ChordMembership; parent?: Parent; signing?: ResolvedSigning;
    /** v2 even without canvas fields yet (a chord body gets them in Lua). */ v2?: boolean;
    /** The tasks whose results or failure it will carry, when not `parent` (a chord body's header). */ parents?: ParentRefs;
    /** The chord whose body this is (the monitor's task page). */ bodyOf?: string;
  },
  nowMs: number,
): { raw: string; dueAtMs?: number } {
  const { options } = sig;
  const message: TaskMessage = { v: 1, id: options.taskId, task: sig.task, args: sig.args, createdAt: nowMs };
  // A signed message names its queue (so it cannot be moved to another); otherwise the list it sits on says it.
  if (fields.signing !== undefined) message.queue = options.queue;
  if (sig.kwargs !== undefined) message.kwargs = sig.kwargs;
  const dueAtMs = options.countdownMs !== undefined && options.countdownMs > 0 ? nowMs + options.countdownMs : undefined;
  if (dueAtMs !== undefined) message.eta = dueAtMs;
  if (options.expires !== undefined) message.expires = options.expires;
  // Signed, so a worker can check the unsigned parentResults and failure against these tasks' result keys.
  const { id: parentId, queue: parentQueue } = fields.parent ?? {};
  const parents = fields.parents ?? (parentId === undefined || parentQueue === undefined ? undefined : parentRefs([{ id: parentId, queue: parentQueue }]));
  if (fields.signing !== undefined && parents !== undefined) message.parents = parents;
  if (fields.chain !== undefined && fields.chain.length > 0) message.chain = fields.chain;
  if (fields.chord !== undefined) message.chord = fields.chord;
  if (sig.link !== undefined && sig.link.length > 0) message.link = sig.link;
  if (sig.linkError !== undefined && sig.linkError.length > 0) message.linkError = sig.linkError;
  const parent = fields.parent;
  // Unsigned or not, for the monitor: the record the worker writes keeps it (consumer/canvas-place.ts).
  if (parentId !== undefined) message.parentId = parentId;
  if (fields.bodyOf !== undefined) message.bodyOf = fields.bodyOf;
  if (parent !== undefined && 'failure' in parent) message.failure = parent.failure;
  const spliced = parent !== undefined && 'valueJson' in parent && sig.immutable !== true;
  if (fields.v2 === true || spliced || message.chain || message.chord || message.link || message.linkError || message.failure || message.parentId) message.v = 2;
  // Signed before the parent's results go in: parentResults and failure are unsigned fields.
  const raw = encodeMessage(fields.signing === undefined ? message : sign(message, fields.signing, 'message', nowMs));
  if (!spliced) return { raw, dueAtMs };
  // The parent's result goes in as the text it was written as.
  return { raw: `${raw.slice(0, -1)},"parentResults":[${parent.valueJson}]}`, dueAtMs };
}

function startMember(member: MemberJson, parent: Parent, chord: ChordMembership | undefined, nowMs: number, signing?: ResolvedSigning): FollowUp[] {
  return startStep(member.first, member.chain, parent, chord, nowMs, signing);
}

/**
 * The follow-ups that start `step`, followed by `rest`, with the previous step's outcome.
 * `chord`: the chord this chain's final result reports to, if any; it travels with the last step.
 */
export function startStep(
  step: StepJson, rest: StepJson[] | undefined, parent: Parent, chord: ChordMembership | undefined, nowMs: number, signing?: ResolvedSigning,
): FollowUp[] {
  if (step.type === 'task') {
    const { raw, dueAtMs } = signatureMessage(step, { chain: rest, chord, parent, signing }, nowMs);
    return [{ op: 'push', queue: step.options.queue, raw, dueAtMs }];
  }
  if (step.type === 'group') {
    // canvas building refuses a group with steps after it, or inside a chord's header chain.
    return step.members.flatMap((member) => startMember(member, parent, chord, nowMs, signing));
  }
  const bodyQueue = step.body.options.queue;
  const bodyChain = [...(step.bodyChain ?? []), ...(rest ?? [])];
  // The body waits in the chord's hash; its header results are spliced in when it fires.
  // Signed: the header's digest in the body, its id list in the chord's hash (parent-refs.ts).
  const header = signing === undefined ? undefined : headerRefs(step.header);
  const body = signatureMessage({ ...step.body, immutable: true }, { chain: bodyChain, chord, v2: true, bodyOf: step.id, signing, parents: header?.refs }, nowMs);
  const init: FollowUp = {
    op: 'init', queue: bodyQueue, chordId: step.id, size: step.header.length, body: body.raw,
    immutable: step.body.immutable === true, allowFailures: step.allowFailures === true,
  };
  if (header !== undefined) init.parents = header.listJson;
  // If we crash here (a producer, between its init and its pushes): the chord's hash waits
  // for parts that never come and expires with its TTL; nothing runs.
  return [init, ...step.header.flatMap((member, index) => startMember(member, parent, { id: step.id, queue: bodyQueue, index, size: step.header.length }, nowMs, signing))];
}
