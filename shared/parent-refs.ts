/**
 * The parents of a canvas step (issue 14, item 3): the ids and queues of the tasks whose
 * results a Lua step or a worker writes into its unsigned `parentResults` or `failure`.
 * They travel in the step's signed `parents` field, so a worker that requires signatures
 * can read those tasks' own result keys and refuse results that differ
 * (consumer/parent-results.ts). docs/PROTOCOL.md, "Signed messages", is the spec.
 *
 * A chain step or callback names its one parent: `{ runs: [{ queue, ids: [id] }] }`. A chord
 * body's header can be 10,000 tasks, whose ids (random, or the caller's own, so not derivable
 * from a prefix) cost ~39 bytes each: a list that would push the body past maxMessageBytes.
 * So a body signs `{ header: true, count, sha256 }`, the SHA-256 of the list's canonical JSON
 * (runs of consecutive parents on one queue, in header order), and the list itself waits in
 * the chord's hash (field `parents`), where the worker reads it and checks it against the
 * digest before it reads the results.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';
import type { MemberJson, StepJson } from './signature.ts';

export type ParentRun = { queue: string; ids: string[] };
/** One parent (`runs`), or a chord header by digest (its list is in the chord's hash). */
export type ParentRefs = { header?: undefined; runs: ParentRun[] } | HeaderDigest;
export type HeaderDigest = { header: true; count: number; sha256: string };

/** The task whose result a chain ending in `step` reports: its last task, through nested chords. */
function lastTask(step: StepJson): { id: string; queue: string } {
  if (step.type === 'task') return { id: step.options.taskId, queue: step.options.queue };
  if (step.type === 'chord') return lastTask(step.bodyChain?.[step.bodyChain.length - 1] ?? step.body);
  // canvas building refuses a header member that ends in a group (canvas.ts, compileMember).
  throw new TypeError('a group has no single result to report');
}

/** The parents one by one, in order, grouped into runs by queue. */
export function parentRefs(parents: { id: string; queue: string }[]): { runs: ParentRun[] } {
  const runs: ParentRun[] = [];
  for (const { id, queue } of parents) {
    const run = runs[runs.length - 1];
    if (run !== undefined && run.queue === queue) run.ids.push(id);
    else runs.push({ queue, ids: [id] });
  }
  return { runs };
}

/** The text whose SHA-256 a chord body signs: the runs as RFC 8785 canonical JSON. */
export function parentListJson(runs: ParentRun[]): string {
  return canonicalJson(runs);
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * A chord header's parents, each member's reporting task in header order: the signed digest,
 * and the list (canonical JSON) that the chord's hash keeps for the worker.
 */
export function headerRefs(header: MemberJson[]): { refs: HeaderDigest; listJson: string } {
  const { runs } = parentRefs(header.map((member) => lastTask(member.chain?.[member.chain.length - 1] ?? member.first)));
  const listJson = parentListJson(runs);
  return { refs: { header: true, count: header.length, sha256: sha256Hex(listJson) }, listJson };
}

/** Runs back as a flat list, in order; undefined when the value is not that shape. */
export function flattenRuns(runs: unknown): { id: string; queue: string }[] | undefined {
  if (!Array.isArray(runs)) return undefined;
  const flat: { id: string; queue: string }[] = [];
  for (const run of runs as unknown[]) {
    const { queue, ids } = (run ?? {}) as { queue?: unknown; ids?: unknown };
    if (typeof queue !== 'string' || !Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) return undefined;
    for (const id of ids as string[]) flat.push({ id, queue });
  }
  return flat;
}

/** A one-parent field's parents as a flat list; undefined when the field is not that shape. */
export function flattenRefs(value: unknown): { id: string; queue: string }[] | undefined {
  return flattenRuns((value as { runs?: unknown } | undefined)?.runs);
}
