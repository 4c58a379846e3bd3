/**
 * The canvas's functions, named as in Celery: `chain(a.s(1), b.s())`, `group([...])`,
 * `chord(header, body)`, and `chunks` behind `task.chunks(items, n)`.
 */
import type { AppContext } from '../shared/app-config.ts';
import { InvalidOptionError } from '../shared/errors.ts';
import { starmapTaskName } from '../shared/canvas-builtins.ts';
import type { GroupResult } from './group-result.ts';
import { Chain, Chord, Group, Signature, type CanvasNode } from './canvas.ts';

/** Steps run one after another, each getting the previous result first (unless immutable). */
export function chain(...steps: CanvasNode[]): Chain {
  return new Chain(steps);
}

/** Members run in parallel; `group([a, b])` or `group(a, b)`. */
export function group(...members: CanvasNode[] | [CanvasNode[]]): Group {
  const list = members.length === 1 && Array.isArray(members[0]) ? members[0] : (members as CanvasNode[]);
  return new Group(list);
}

/**
 * A group and a body: the body gets the list of header results, in header order, once
 * every header task succeeded. A header task that fails (after its retries) fails the
 * chord at once: the body records FAILURE (ChordError) and its linkError runs, unless
 * `allowFailures`, which runs the body with failure descriptions in their places.
 */
export function chord(header: Group | CanvasNode[], body: CanvasNode, options: { allowFailures?: boolean } = {}): Chord {
  return new Chord(header instanceof Group ? header : new Group(header), body, options);
}

/** `task.chunks(items, n)`: a group of starmaps of n items each. */
export type Chunks = {
  /** The group of starmap signatures. */
  group(): Group;
  applyAsync(): Promise<GroupResult>;
  delay(): Promise<GroupResult>;
};

export function chunks(app: AppContext, task: string, items: unknown[][], size: number, queue: string): Chunks {
  if (!Array.isArray(items)) throw new InvalidOptionError(`chunks of "${task}": items must be an array of argument lists`);
  if (!(Number.isInteger(size) && size > 0)) throw new InvalidOptionError(`chunks of "${task}": the chunk size must be a positive integer, got ${size}`);
  const build = () => {
    const parts: Signature[] = [];
    for (let i = 0; i < items.length; i += size) parts.push(new Signature(app, starmapTaskName, [task, items.slice(i, i + size)]).set({ queue }));
    return new Group(parts);
  };
  return { group: build, applyAsync: () => build().applyAsync(), delay: () => build().applyAsync() };
}
