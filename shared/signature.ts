/**
 * Signatures as they travel (docs/PROTOCOL.md, "Canvas"): a task call not yet sent, a group
 * of them, or a chord (a group and a body). Every id is fixed when the canvas is built, so a
 * result can be awaited before its task exists and a body "sent twice" is measurable. Plain
 * JSON, so the Python producer builds the same objects. Validation here is structural only:
 * the consumer dead-letters a v2 message whose canvas fields do not parse.
 */
import type { JsonValue } from './json-value.ts';
import type { RemoteError } from './errors.ts';

/** Per-call options a signature carries (a subset of CallOptions that survives JSON). */
export type SignatureOptions = {
  /** The queue it is sent to; resolved when the canvas is built. */
  queue: string;
  /** The task id, fixed at build time. */
  taskId: string;
  countdownMs?: number;
  expires?: number;
};

/** One task call: `add.s(2, 2)`. `immutable` (`add.si`) takes no parent result. */
export type TaskSignatureJson = {
  type: 'task';
  task: string;
  args: JsonValue[];
  kwargs?: { [key: string]: JsonValue };
  options: SignatureOptions;
  immutable?: boolean;
  /** Called with this task's result first (unless immutable) when it succeeds. */
  link?: TaskSignatureJson[];
  /** Called with a failure description first (unless immutable) when it fails for good. */
  linkError?: TaskSignatureJson[];
};

/** Steps that follow a task inside a chain: a task, a chord, or a group (last only). */
export type StepJson = TaskSignatureJson | ChordJson | GroupJson;

/** A group's members each start a chain (a member with no chain is one task). */
export type MemberJson = { first: StepJson; chain?: StepJson[] };

export type GroupJson = { type: 'group'; id: string; members: MemberJson[] };

export type ChordJson = {
  type: 'chord';
  /** The chord id: its bookkeeping key is keys.chord(body queue, id). */
  id: string;
  header: MemberJson[];
  /** The body's first step is a task; the rest of its chain follows it. */
  body: TaskSignatureJson;
  bodyChain?: StepJson[];
  /** Run the body even when header tasks failed, with failure descriptions in their places. */
  allowFailures?: boolean;
};

/** Where a header task (or the last step of a header chain) reports: the chord's key and its slot. */
export type ChordMembership = { id: string; queue: string; index: number; /** Header tasks in all. */ size: number };

/** What a failed step hands down its chain and to its error callbacks. */
export type FailureJson = { id: string; task: string; error: RemoteError; chord?: string };

/** The canvas fields a v2 message may carry (docs/PROTOCOL.md). */
export type CanvasFields = {
  /** The steps after this one, in order. */
  chain?: StepJson[];
  link?: TaskSignatureJson[];
  linkError?: TaskSignatureJson[];
  /** This message's chain ends in a chord header: its final result reports there. */
  chord?: ChordMembership;
  /** Prepended to args before the handler runs: a chain step's parent result, or a chord body's list of header results. */
  parentResults?: JsonValue[];
  /** An earlier step (or a chord's header task) failed: do not run; record FAILURE and pass it on. */
  failure?: FailureJson;
  /** The task whose ack sent this one (a chain's previous step, a linked task); set by the worker that built it. */
  parentId?: string;
  /** This message is the body of that chord (its hash is keys.chord(this queue, id)). */
  bodyOf?: string;
};

export const canvasFieldNames = ['chain', 'link', 'linkError', 'chord', 'parentResults', 'failure', 'parentId', 'bodyOf'] as const;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function taskProblem(value: unknown, path: string): string | undefined {
  if (!isObject(value) || value.type !== 'task') return `${path} must be a task signature`;
  if (typeof value.task !== 'string' || value.task === '') return `${path}.task must be a non-empty string`;
  if (!Array.isArray(value.args)) return `${path}.args must be an array`;
  const options = value.options;
  if (!isObject(options) || typeof options.queue !== 'string' || typeof options.taskId !== 'string') return `${path}.options needs queue and taskId`;
  for (const key of ['link', 'linkError'] as const) {
    const list = value[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) return `${path}.${key} must be an array`;
    for (let i = 0; i < list.length; i++) {
      const problem = taskProblem(list[i], `${path}.${key}[${i}]`);
      if (problem) return problem;
    }
  }
  return undefined;
}

function stepProblem(value: unknown, path: string): string | undefined {
  if (!isObject(value)) return `${path} must be an object`;
  if (value.type === 'task') return taskProblem(value, path);
  if (value.type === 'group' || value.type === 'chord') {
    if (typeof value.id !== 'string') return `${path}.id must be a string`;
    const members = value.type === 'group' ? value.members : value.header;
    if (!Array.isArray(members)) return `${path} needs a list of members`;
    for (let i = 0; i < members.length; i++) {
      const member = members[i] as Record<string, unknown>;
      const problem = stepProblem(member?.first, `${path}[${i}].first`) ?? listProblem(member?.chain, `${path}[${i}].chain`);
      if (problem) return problem;
    }
    return value.type === 'chord' ? taskProblem(value.body, `${path}.body`) ?? listProblem(value.bodyChain, `${path}.bodyChain`) : undefined;
  }
  return `${path}.type must be task, group or chord`;
}

function listProblem(value: unknown, path: string): string | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) return `${path} must be an array`;
  for (let i = 0; i < value.length; i++) {
    const problem = stepProblem(value[i], `${path}[${i}]`);
    if (problem) return problem;
  }
  return undefined;
}

/** The first thing wrong with a message's canvas fields, or undefined. */
export function canvasProblem(m: Record<string, unknown>): string | undefined {
  const chord = m.chord;
  if (chord !== undefined && (!isObject(chord) || typeof chord.id !== 'string' || typeof chord.queue !== 'string' || !Number.isInteger(chord.index) || !Number.isInteger(chord.size))) {
    return 'field "chord" must be { id, queue, index, size }';
  }
  if (m.parentResults !== undefined && !Array.isArray(m.parentResults)) return 'field "parentResults" must be an array';
  for (const field of ['parentId', 'bodyOf'] as const) {
    if (m[field] !== undefined && typeof m[field] !== 'string') return `field "${field}" must be a task id (a string)`;
  }
  const failure = m.failure;
  if (failure !== undefined && (!isObject(failure) || typeof failure.id !== 'string' || !isObject(failure.error))) return 'field "failure" must be { id, task, error }';
  return listProblem(m.chain, 'field "chain"') ?? listProblem(m.link, 'field "link"') ?? listProblem(m.linkError, 'field "linkError"');
}
