/**
 * `revoke ID --terminate`: the running tasks this worker could stop, by task id. execute.ts
 * adds each task as its handler starts and removes it when it ends; terminate() aborts the
 * task's own signal with TaskTerminated, which each pool answers in its own way:
 * - async: the handler's signal fires and the task ends as REVOKED at once; JavaScript cannot
 *   stop a promise, so a handler that ignores its signal runs on in the background;
 * - threads: the thread is terminated (even a busy loop stops), and a new one starts;
 * - process: the child process is SIGKILLed, and a new one starts.
 */

/** The reason a terminated task's signal carries; the pools and execute.ts recognise it. */
export class TaskTerminated extends Error {
  readonly code = 'TERMINATED';
  constructor(id: string) {
    super(`task ${id} was revoked with terminate`);
    this.name = 'TaskTerminated';
  }
}

/** A running task that can be stopped (consumer/running-task.ts). */
export type Terminable = { terminate(reason: TaskTerminated): void };

export class Terminations {
  // One entry per id; a Set only when the same id runs twice here (a duplicate delivery),
  // so the common case allocates nothing per task.
  #running = new Map<string, Terminable | Set<Terminable>>();

  /** Registers a running task until `untrack`. */
  track(id: string, task: Terminable): void {
    const there = this.#running.get(id);
    if (there === undefined) this.#running.set(id, task);
    else if (there instanceof Set) there.add(task);
    else this.#running.set(id, new Set([there, task]));
  }

  untrack(id: string, task: Terminable): void {
    const there = this.#running.get(id);
    if (there === task) this.#running.delete(id);
    else if (there instanceof Set) {
      there.delete(task);
      if (there.size === 0) this.#running.delete(id);
    }
  }

  /** Stops every running copy of the task here; returns how many were running. */
  terminate(id: string): number {
    const there = this.#running.get(id);
    const tasks = there === undefined ? [] : there instanceof Set ? [...there] : [there];
    for (const task of tasks) task.terminate(new TaskTerminated(id));
    return tasks.length;
  }
}
