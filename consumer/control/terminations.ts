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

export class Terminations {
  #running = new Map<string, Set<(reason: TaskTerminated) => void>>();

  /** Registers a running task; the returned function unregisters it. */
  track(id: string, kill: (reason: TaskTerminated) => void): () => void {
    let kills = this.#running.get(id);
    if (kills === undefined) this.#running.set(id, (kills = new Set()));
    kills.add(kill);
    return () => {
      kills.delete(kill);
      if (kills.size === 0 && this.#running.get(id) === kills) this.#running.delete(id);
    };
  }

  /** Stops every running copy of the task here; returns how many were running. */
  terminate(id: string): number {
    const kills = [...(this.#running.get(id) ?? [])];
    for (const kill of kills) kill(new TaskTerminated(id));
    return kills.length;
  }
}
