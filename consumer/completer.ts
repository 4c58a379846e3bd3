/**
 * Group commit for acks: finished messages are written in batches without ever waiting
 * on a flush timer. The first completion schedules a flush for the end of this turn of the
 * event loop (setImmediate), so every handler that finished in the same turn shares one
 * round trip; while a flush is in flight, new completions gather and go out the moment it
 * returns. At low load each result is written at once; at high load batches grow by
 * themselves, up to maxBatchCount messages or maxBatchBytes of arguments per script call, so
 * one call never nears Redis's client-query-buffer-limit (1 GiB) nor blocks it for long.
 * A failed write is kept and retried with backoff, never dropped.
 */
import type { Completion } from './fetch.ts';

export const maxBatchCount = 500;
export const maxBatchBytes = 4 * 1024 * 1024;

/** Roughly what one completion adds to a script call, in bytes (string lengths: close enough). */
function sizeOf(c: Completion): number {
  return c.claimed.raw.length + (c.result?.length ?? 0) + (c.dead?.length ?? 0) + (c.schedule?.raw.length ?? 0) + 100;
}

export class Completer {
  #write: (queue: string, batch: Completion[]) => Promise<void>;
  #onWritten: (batch: Completion[]) => void;
  #log: (line: string) => void;
  #pending: Completion[] = [];
  #flushing: Promise<void> | undefined;
  #scheduled = false;
  #idle: (() => void)[] = [];

  constructor(options: {
    write: (queue: string, batch: Completion[]) => Promise<void>;
    onWritten: (batch: Completion[]) => void;
    log: (line: string) => void;
  }) {
    this.#write = options.write;
    this.#onWritten = options.onWritten;
    this.#log = options.log;
  }

  get pending(): number {
    return this.#pending.length;
  }

  add(completion: Completion): void {
    // If we crash here (or until the write below succeeds): the handler has run and its
    // effects are done, but the ack is not written, so the message runs again. This is the
    // at-least-once duplicate; group commit keeps the window to about one round trip.
    this.#pending.push(completion);
    if (!this.#scheduled && this.#flushing === undefined) {
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  #flush(): void {
    this.#scheduled = false;
    if (this.#flushing !== undefined || this.#pending.length === 0) return;
    let count = 0;
    let bytes = 0;
    while (count < this.#pending.length && count < maxBatchCount && (count === 0 || bytes + sizeOf(this.#pending[count]!) <= maxBatchBytes)) {
      bytes += sizeOf(this.#pending[count]!);
      count++;
    }
    const batch = this.#pending.splice(0, count);
    this.#flushing = this.#writeAll(batch).finally(() => {
      this.#flushing = undefined;
      if (this.#pending.length > 0) this.#flush();
      else for (const resolve of this.#idle.splice(0)) resolve();
    });
  }

  async #writeAll(batch: Completion[]): Promise<void> {
    const byQueue = new Map<string, Completion[]>();
    for (const completion of batch) {
      const list = byQueue.get(completion.claimed.queue);
      if (list) list.push(completion);
      else byQueue.set(completion.claimed.queue, [completion]);
    }
    for (const [queue, completions] of byQueue) {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.#write(queue, completions);
          break;
        } catch (error) {
          // If we crash here: the messages are still in the processing list (reliable mode)
          // and run again after the reaper requeues them; in simple mode they are lost.
          const waitMs = Math.min(100 * 2 ** attempt, 5000);
          this.#log(`[hardq] writing ${completions.length} result(s) on "${queue}" failed (${(error as Error).message}); retrying in ${waitMs} ms`);
          await new Promise((resolve) => setTimeout(resolve, waitMs));
        }
      }
      this.#onWritten(completions);
    }
  }

  /** Resolves once everything added so far is written. */
  drained(): Promise<void> {
    if (this.#pending.length === 0 && this.#flushing === undefined) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }
}
