/**
 * One task while its handler runs: its abort signal and its `revoke --terminate` switch.
 * A class with methods rather than closures, and the AbortController made only when
 * something reads the signal: profiling a 100k drain showed `new AbortController()` and its
 * listener at about 10 % of the worker's CPU, for a signal that a plain async handler (the
 * common case) never looks at. The threads and process pools, a bound handler's context and
 * the time limits all read `signal`, and get the same signal a controller made up front
 * would have given them: it fires on the worker's abort (shutdown) and on terminate.
 */
import { TaskTerminated, type Terminations } from './control/terminations.ts';
import type { TaskDefinition } from '../shared/task-registry.ts';
import type { TaskMessage } from '../shared/message.ts';
import type { PoolJob } from './pool.ts';

/** What `settled()` resolves to when the task was terminated before its handler returned. */
export const terminatedMark = Symbol('terminated');

/** It is also the job its pool runs: one object per task. */
export class RunningTask implements PoolJob {
  readonly definition: TaskDefinition;
  readonly message: TaskMessage;
  readonly queue: string;
  #workerSignal: AbortSignal;
  #controller: AbortController | undefined;
  #reason: unknown;
  #id: string;
  #terminations: Terminations;
  #onTerminate: ((mark: typeof terminatedMark) => void) | undefined;
  #forwarding = false;

  constructor(job: { definition: TaskDefinition; message: TaskMessage; queue: string }, workerSignal: AbortSignal, terminations: Terminations) {
    const id = job.message.id;
    this.definition = job.definition;
    this.message = job.message;
    this.queue = job.queue;
    this.#id = id;
    this.#workerSignal = workerSignal;
    this.#terminations = terminations;
    terminations.track(id, this);
  }

  /** The task's own signal: the worker's abort passes through, and terminate aborts only this task. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#reason !== undefined) this.#controller.abort(this.#reason);
      else if (this.#workerSignal.aborted) this.#controller.abort(this.#workerSignal.reason);
      else {
        this.#workerSignal.addEventListener('abort', this, { once: true });
        this.#forwarding = true;
      }
    }
    return this.#controller.signal;
  }

  /** The worker's abort, forwarded (an EventListener object: no closure per task). */
  handleEvent(): void {
    this.#controller?.abort(this.#workerSignal.reason);
  }

  /** True when `revoke --terminate` stopped this task. */
  get terminated(): boolean {
    return this.#reason instanceof TaskTerminated;
  }

  /**
   * The handler's value, or `terminatedMark` as soon as the task is terminated: the async pool
   * cannot stop a promise, so a handler that ignores its signal may settle later, unheard.
   */
  settled(running: Promise<unknown>): Promise<unknown> {
    // One promise (and its two resolvers) per task: the race Promise.race would make needs a second one.
    return new Promise((resolve, reject) => {
      this.#onTerminate = resolve;
      running.then(resolve, reject);
    });
  }

  /** `revoke --terminate` (control/terminations.ts). */
  terminate(reason: TaskTerminated): void {
    this.#reason = reason;
    this.#controller?.abort(reason);
    this.#onTerminate?.(terminatedMark);
  }

  /** Called once the task is over: no more terminate, no more listener on the worker's signal. */
  end(): void {
    this.#terminations.untrack(this.#id, this);
    if (this.#forwarding) this.#workerSignal.removeEventListener('abort', this);
  }
}
