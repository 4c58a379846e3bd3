/**
 * The parents of a canvas step (issue 14, item 3): the ids and queues of the tasks whose
 * results a Lua step or a worker writes into its unsigned `parentResults` or `failure`.
 * They travel in the step's signed `parents` field, so a worker that requires signatures
 * can read those tasks' own result keys and refuse results that differ
 * (consumer/parent-results.ts). docs/PROTOCOL.md, "Signed messages", is the spec.
 *
 * The form is compact for a chord of 10,000: runs of consecutive parents on one queue,
 * `{ runs: [{ queue, ids }] }`, in header order; `header: true` on a chord body, whose
 * parentResults is one list with a result per header task (a chain step's holds one result). Task ids are random (or the caller's own), so they
 * cannot be derived from a prefix; each id costs its own text once.
 */
import type { MemberJson, StepJson } from './signature.ts';

export type ParentRefs = { header?: true; runs: { queue: string; ids: string[] }[] };

/** The task whose result a chain ending in `step` reports: its last task, through nested chords. */
function lastTask(step: StepJson): { id: string; queue: string } {
  if (step.type === 'task') return { id: step.options.taskId, queue: step.options.queue };
  if (step.type === 'chord') return lastTask(step.bodyChain?.[step.bodyChain.length - 1] ?? step.body);
  // canvas building refuses a header member that ends in a group (canvas.ts, compileMember).
  throw new TypeError('a group has no single result to report');
}

/** The parents one by one, in order, grouped into runs by queue. */
export function parentRefs(parents: { id: string; queue: string }[]): ParentRefs {
  const runs: ParentRefs['runs'] = [];
  for (const { id, queue } of parents) {
    const run = runs[runs.length - 1];
    if (run !== undefined && run.queue === queue) run.ids.push(id);
    else runs.push({ queue, ids: [id] });
  }
  return { runs };
}

/** A chord header's parents: each member's reporting task, in header order. */
export function headerRefs(header: MemberJson[]): ParentRefs {
  return { header: true, ...parentRefs(header.map((member) => lastTask(member.chain?.[member.chain.length - 1] ?? member.first))) };
}

/** The parents back as a flat list, in order; undefined when the field is not that shape. */
export function flattenRefs(value: unknown): { id: string; queue: string }[] | undefined {
  const runs = (value as { runs?: unknown } | undefined)?.runs;
  if (!Array.isArray(runs)) return undefined;
  const flat: { id: string; queue: string }[] = [];
  for (const run of runs as unknown[]) {
    const { queue, ids } = (run ?? {}) as { queue?: unknown; ids?: unknown };
    if (typeof queue !== 'string' || !Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) return undefined;
    for (const id of ids as string[]) flat.push({ id, queue });
  }
  return flat;
}
