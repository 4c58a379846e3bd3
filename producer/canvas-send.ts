/**
 * Sending a canvas: its first step's follow-ups (shared/canvas-start.ts), written as a
 * producer can: first each chord's init through relay-deliver.lua (marked by the chord id,
 * so a resent init is a no-op), then the messages, one LPUSH (or ZADD) per queue. Each
 * write touches one queue's slot. Returns the handle Celery returns: a chain's last result
 * with `.parent` links, a group's GroupResult, a chord's body result.
 */
import { startStep } from '../shared/canvas-start.ts';
import { directEntry, chordTtlMs, relayMarkerTtlMs, type FollowUp } from '../shared/follow-ups.ts';
import { isOverBytes } from '../shared/message.ts';
import { MessageTooLargeError } from '../shared/errors.ts';
import { relayDeliver } from '../shared/scripts.ts';
import type { AppContext } from '../shared/app-config.ts';
import type { MemberJson, StepJson } from '../shared/signature.ts';
import type { AsyncResult } from './async-result.ts';
import { GroupResult } from './group-result.ts';
import { compileChain, type CanvasNode } from './canvas.ts';
import { withPendingSends } from './pending-sends.ts';

export type ResultMaker = (task: string, id: string, queue: string) => AsyncResult;
export type CanvasResult = AsyncResult | GroupResult;

/** Writes the follow-ups that start a canvas: chord inits first, then messages per queue. */
export async function writeFollowUps(app: AppContext, followUps: FollowUp[]): Promise<void> {
  const redis = await app.connection();
  const { keys } = app;
  const inits = followUps.filter((followUp) => followUp.op === 'init');
  // If we crash here (between the inits and the pushes): the chords' hashes expire unused.
  await Promise.all(inits.map((init) => relayDeliver(redis, [{
    marker: keys.relayed(init.queue, `init:${init.chordId}`), ready: keys.ready(init.queue), scheduled: keys.scheduled(init.queue),
    chord: keys.chord(init.queue, init.chordId), program: directEntry(init, chordTtlMs),
  }], relayMarkerTtlMs)));
  const ready = new Map<string, string[]>();
  const scheduled = new Map<string, (string | number)[]>();
  for (const followUp of followUps) {
    if (followUp.op !== 'push') continue;
    if (isOverBytes(followUp.raw, app.config.maxMessageBytes)) {
      throw new MessageTooLargeError(JSON.parse(followUp.raw).task, Buffer.byteLength(followUp.raw), app.config.maxMessageBytes);
    }
    if (followUp.dueAtMs === undefined) ready.set(followUp.queue, [...(ready.get(followUp.queue) ?? []), followUp.raw]);
    else scheduled.set(followUp.queue, [...(scheduled.get(followUp.queue) ?? []), followUp.dueAtMs, followUp.raw]);
  }
  const pushes = followUps.length - inits.length;
  await withPendingSends(app, redis, pushes, () => Promise.all([
    ...[...ready].map(([queue, raws]) => redis.lpush(keys.ready(queue), ...raws)),
    ...[...scheduled].map(([queue, pairs]) => redis.zadd(keys.scheduled(queue), ...pairs)),
  ]));
}

function memberResult(app: AppContext, member: MemberJson, make: ResultMaker): CanvasResult {
  return chainResult(app, member.first, member.chain ?? [], make);
}

function stepResult(app: AppContext, step: StepJson, make: ResultMaker): CanvasResult {
  if (step.type === 'task') return make(step.task, step.options.taskId, step.options.queue);
  if (step.type === 'group') return new GroupResult(app, step.id, step.members.map((member) => memberResult(app, member, make) as AsyncResult));
  const header = new GroupResult(app, step.id, step.header.map((member) => memberResult(app, member, make) as AsyncResult));
  const body = chainResult(app, step.body, step.bodyChain ?? [], make, header);
  return body;
}

/** The last step's result, each result's `.parent` the one before it (a chord body's parent is its header). */
function chainResult(app: AppContext, first: StepJson, rest: StepJson[], make: ResultMaker, parent?: CanvasResult): CanvasResult {
  let result = stepResult(app, first, make);
  if (parent !== undefined && result.parent === undefined) result.parent = parent;
  for (const step of rest) {
    const next = stepResult(app, step, make);
    next.parent ??= result;
    result = next;
  }
  return result;
}

/** Compiles and sends a canvas; a group's GroupResult is saved so GroupResult.restore finds it. */
export async function sendCanvas(app: AppContext, node: CanvasNode, make: ResultMaker): Promise<CanvasResult> {
  const { first, rest } = compileChain(node);
  await writeFollowUps(app, startStep(first, rest, undefined, undefined, Date.now(), app.config.signing));
  const result = chainResult(app, first, rest, make);
  if (result instanceof GroupResult) await result.save();
  return result;
}
