/**
 * The canvas (Celery's): Signature (`add.s(2, 2)`), chain, group and chord, built in memory
 * and compiled into the JSON of shared/signature.ts with every id and queue fixed. Building
 * follows Celery: chains flatten, a group followed by a step in a chain becomes a chord.
 * What hardq cannot run is refused here, at build time, with the reason.
 */
import { randomUUID } from 'node:crypto';
import { assertJson, type JsonValue } from '../shared/json-value.ts';
import { InvalidOptionError } from '../shared/errors.ts';
import { resolveCallOptions } from '../shared/options.ts';
import type { MemberJson, StepJson, TaskSignatureJson } from '../shared/signature.ts';
import type { AppContext } from '../shared/app-config.ts';
import { routeTask } from './route.ts';
import type { AsyncResult } from './async-result.ts';
import type { GroupResult } from './group-result.ts';
import { sendCanvas, type CanvasResult, type ResultMaker } from './canvas-send.ts';

/** Each app's way to make an AsyncResult (its result waiter is private to createApp). */
const resultMakers = new WeakMap<AppContext, ResultMaker>();
export function registerResultMaker(app: AppContext, make: ResultMaker): void {
  resultMakers.set(app, make);
}

function appOf(node: CanvasNode): AppContext {
  if (node instanceof Signature) return node.app;
  if (node instanceof Chain) return appOf(node.steps[0]!);
  if (node instanceof Chord) return appOf(node.header.members[0] ?? node.body);
  const first = node.members[0];
  if (first === undefined) throw new InvalidOptionError('an empty group has no app to send it with; send it inside a chord, or give it members');
  return appOf(first);
}

function send(node: CanvasNode): Promise<CanvasResult> {
  const app = appOf(node);
  const make = resultMakers.get(app);
  if (make === undefined) throw new InvalidOptionError('this signature belongs to no app made by createApp');
  return sendCanvas(app, node, make);
}

/** Call options a signature can carry (`sig.set(...)`). */
export type SignatureOptions = { queue?: string; countdownMs?: number; expires?: Date | number; taskId?: string };

/** Nesting deeper than this is refused: each level travels inside the message before it. */
export const maxCanvasDepth = 32;

export type CanvasNode = Signature | Chain | Group | Chord;

export class Signature {
  readonly app: AppContext;
  readonly task: string;
  readonly args: unknown[];
  readonly kwargs: Record<string, unknown> | undefined;
  readonly options: SignatureOptions;
  readonly immutable: boolean;
  readonly links: Signature[];
  readonly errorLinks: Signature[];

  constructor(app: AppContext, task: string, args: unknown[], init: Partial<Pick<Signature, 'kwargs' | 'options' | 'immutable' | 'links' | 'errorLinks'>> = {}) {
    if (!Array.isArray(args)) throw new InvalidOptionError(`args for "${task}" must be an array`);
    this.app = app;
    this.task = task;
    this.args = args;
    this.kwargs = init.kwargs;
    this.options = init.options ?? {};
    this.immutable = init.immutable ?? false;
    this.links = init.links ?? [];
    this.errorLinks = init.errorLinks ?? [];
  }

  #with(change: Partial<Pick<Signature, 'kwargs' | 'options' | 'immutable' | 'links' | 'errorLinks'>>): Signature {
    return new Signature(this.app, this.task, this.args, { kwargs: this.kwargs, options: this.options, immutable: this.immutable, links: this.links, errorLinks: this.errorLinks, ...change });
  }

  /** A copy with these call options merged in (queue, countdownMs, expires, taskId). */
  set(options: SignatureOptions & { kwargs?: Record<string, unknown> }): Signature {
    const { kwargs, ...rest } = options;
    return this.#with({ options: { ...this.options, ...rest }, ...(kwargs === undefined ? {} : { kwargs }) });
  }

  /** A copy that calls `callback` with this task's result first when it succeeds. */
  link(callback: Signature): Signature {
    return this.#with({ links: [...this.links, callback] });
  }

  /** A copy that calls `callback` with a failure description ({ id, task, error }) first when it fails for good. */
  linkError(callback: Signature): Signature {
    return this.#with({ errorLinks: [...this.errorLinks, callback] });
  }

  /** Sends it (Celery's `sig.delay()`). */
  delay(): Promise<AsyncResult> {
    return send(this) as Promise<AsyncResult>;
  }

  /** Sends it with these call options merged in. */
  applyAsync(options: SignatureOptions = {}): Promise<AsyncResult> {
    return send(this.set(options)) as Promise<AsyncResult>;
  }

  /** The JSON form with its id and queue fixed. */
  freeze(): TaskSignatureJson {
    const { queue, countdownMs, expires, taskId } = this.options;
    const resolved = resolveCallOptions({ queue, countdownMs, expires, taskId }, Date.now());
    assertJson(this.args, 'args');
    if (this.kwargs !== undefined) assertJson(this.kwargs, 'kwargs');
    const app = this.app;
    const json: TaskSignatureJson = {
      type: 'task', task: this.task, args: this.args as JsonValue[],
      options: {
        queue: routeTask(this.task, { callQueue: queue, routes: app.config.taskRoutes, taskQueue: app.registry.get(this.task)?.options.queue, defaultQueue: app.config.defaultQueue }),
        taskId: taskId ?? randomUUID(),
      },
    };
    if (countdownMs !== undefined && countdownMs > 0) json.options.countdownMs = countdownMs;
    if (resolved.expires !== undefined) json.options.expires = resolved.expires;
    if (this.kwargs !== undefined) json.kwargs = this.kwargs as { [key: string]: JsonValue };
    if (this.immutable) json.immutable = true;
    if (this.links.length > 0) json.link = this.links.map((sig) => sig.freeze());
    if (this.errorLinks.length > 0) json.linkError = this.errorLinks.map((sig) => sig.freeze());
    return json;
  }
}

export class Chain {
  readonly steps: CanvasNode[];
  constructor(steps: CanvasNode[]) {
    if (steps.length === 0) throw new InvalidOptionError('a chain needs at least one step');
    this.steps = steps.flatMap((step) => (step instanceof Chain ? step.steps : [step]));
    this.steps.forEach((step, i) => {
      if (step instanceof Group && this.steps[i + 1] instanceof Group) {
        throw new InvalidOptionError('a chain has two groups in a row; put a task between them (the second group would be a chord body, which must start with a task)');
      }
    });
  }

  /** Sends the first step; resolves to the last step's result (a GroupResult if it is a group), `.parent` linking back. */
  applyAsync(): Promise<CanvasResult> {
    return send(this);
  }
  delay(): Promise<CanvasResult> {
    return send(this);
  }
}

export class Group {
  readonly members: CanvasNode[];
  readonly id: string;
  constructor(members: CanvasNode[], id: string = randomUUID()) {
    this.members = members;
    this.id = id;
  }

  /** Sends every member, one write per queue, and saves the GroupResult. */
  applyAsync(): Promise<GroupResult> {
    return send(this) as Promise<GroupResult>;
  }
  delay(): Promise<GroupResult> {
    return send(this) as Promise<GroupResult>;
  }
}

export class Chord {
  readonly header: Group;
  readonly body: CanvasNode;
  readonly allowFailures: boolean;
  readonly id: string;
  constructor(header: Group, body: CanvasNode, options: { allowFailures?: boolean; id?: string } = {}) {
    this.header = header;
    this.body = body;
    this.allowFailures = options.allowFailures ?? false;
    this.id = options.id ?? header.id;
  }

  /** Creates the chord's bookkeeping, then sends the header; resolves to the body's result (its `.parent` is the header's GroupResult). */
  applyAsync(): Promise<AsyncResult> {
    return send(this) as Promise<AsyncResult>;
  }
  delay(): Promise<AsyncResult> {
    return send(this) as Promise<AsyncResult>;
  }
}

const where = (depth: number) => {
  if (depth > maxCanvasDepth) throw new InvalidOptionError(`the canvas nests deeper than ${maxCanvasDepth} levels; flatten it (a chain of chains is one chain)`);
};

/** A node as a chain: its first step and the steps after it. */
export function compileChain(node: CanvasNode, depth = 0): { first: StepJson; rest: StepJson[] } {
  where(depth);
  const nodes = node instanceof Chain ? node.steps : [node];
  const steps: StepJson[] = [];
  for (let i = 0; i < nodes.length; i++) {
    const current = nodes[i]!;
    if (current instanceof Group && i + 1 < nodes.length) {
      // Celery's rule: a group followed by a step is a chord whose body is that step.
      const bodyNodes = nodes.slice(i + 1);
      if (bodyNodes[0] instanceof Group) throw new InvalidOptionError('a chain has two groups in a row; put a task between them (the second group would be a chord body, which must start with a task)');
      steps.push(compileChord(new Chord(current, new Chain(bodyNodes)), depth + 1));
      break;
    }
    steps.push(compileStep(current, depth + 1));
  }
  const [first, ...rest] = steps;
  return { first: first!, rest };
}

function compileStep(node: CanvasNode, depth: number): StepJson {
  if (node instanceof Signature) return node.freeze();
  if (node instanceof Chord) return compileChord(node, depth);
  if (node instanceof Group) return { type: 'group', id: node.id, members: node.members.map((member) => compileMember(member, depth, false)) };
  throw new InvalidOptionError('a chain inside a chain step: flatten it');
}

function compileMember(node: CanvasNode, depth: number, inChord: boolean): MemberJson {
  const { first, rest } = compileChain(node, depth + 1);
  const last = rest.length > 0 ? rest[rest.length - 1]! : first;
  if (inChord && last.type === 'group') throw new InvalidOptionError('a chord header member ends in a group; make it a chord (add a body) so the member has one result');
  return rest.length > 0 ? { first, chain: rest } : { first };
}

function compileChord(node: Chord, depth: number): StepJson {
  where(depth);
  const header = node.header.members.map((member) => compileMember(member, depth, true));
  const { first, rest } = compileChain(node.body, depth + 1);
  if (first.type !== 'task') throw new InvalidOptionError('a chord body must start with a task (a group or chord as the body: put a task first)');
  const chord: StepJson = { type: 'chord', id: node.id, header, body: first };
  if (rest.length > 0) chord.bodyChain = rest;
  if (node.allowFailures) chord.allowFailures = true;
  return chord;
}
