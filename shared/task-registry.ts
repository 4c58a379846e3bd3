/**
 * The registry: task names mapped to handlers and their task options. Producer and
 * consumer import the same app module (Celery's `-A proj`), so both hold the same
 * registry; a consumer runs only names registered here, never code a message names.
 */
import type { JsonValue } from './json-value.ts';
import { checkTaskOptions, type TaskOptions } from './options.ts';
import { InvalidOptionError } from './errors.ts';

/** What a bound handler (`bind: true`) receives first. */
export type TaskContext = {
  /** The task id. */
  id: string;
  /** The queue the message came from. */
  queue: string;
  /** Retries so far: 0 on the first run. */
  retries: number;
  /** The message's kwargs, or `{}`. */
  kwargs: { [key: string]: JsonValue };
  /** Aborted when the soft time limit passes or the worker stops for good. */
  signal: AbortSignal;
  /** Asks for a retry (Celery's `self.retry()`): throws Retry, so nothing after it runs. */
  retry(options?: { countdownMs?: number; error?: unknown; /** Retry on another queue. */ queue?: string }): never;
};

export type TaskDefinition = {
  name: string;
  bind: boolean;
  handler: (...args: never[]) => unknown;
  options: TaskOptions;
  /** hardq's own tasks (hardq.map, hardq.starmap, hardq.start): runnable, but not listed by names(), as Celery hides celery.* tasks. */
  builtin?: boolean;
};

export class TaskRegistry {
  #tasks = new Map<string, TaskDefinition>();

  add(definition: TaskDefinition): void {
    if (typeof definition.name !== 'string' || definition.name.length === 0) {
      throw new InvalidOptionError('a task needs a non-empty name');
    }
    if (typeof definition.handler !== 'function') throw new InvalidOptionError(`task "${definition.name}": the handler must be a function`);
    if (this.#tasks.has(definition.name)) throw new InvalidOptionError(`task "${definition.name}" is registered twice`);
    checkTaskOptions(definition.name, definition.options);
    this.#tasks.set(definition.name, definition);
  }

  get(name: string): TaskDefinition | undefined {
    return this.#tasks.get(name);
  }

  /** The app's own tasks, built-ins left out. */
  names(): string[] {
    return [...this.#tasks.values()].filter((task) => task.builtin !== true).map((task) => task.name);
  }
}
