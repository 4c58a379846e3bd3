/**
 * AsyncResult: a handle on a task's result, holding `{ id, queue }` because the result
 * lives under its queue's hash tag (so the consumer can write it and ack in one step).
 */
import type { AppContext } from '../shared/app-config.ts';
import { ResultIgnoredError, ResultTimeoutError, TaskFailedError, TaskRevokedError, InvalidOptionError } from '../shared/errors.ts';
import { decodeResult, finalStates, type ResultRecord, type TaskState } from '../shared/result-record.ts';
import type { ResultWaiter } from './result-waiter.ts';
import { revoke } from './revoke.ts';
import type { GroupResult } from './group-result.ts';

export type GetOptions = {
  /** How long to wait, in ms; may be Infinity. @default 60000 */
  timeoutMs?: number;
};

export class AsyncResult<T = unknown> {
  readonly id: string;
  readonly queue: string;
  /** The result before this one in a chain (a chord body's: its header's GroupResult). */
  parent?: AsyncResult | GroupResult;
  #app: AppContext;
  #waiter: ResultWaiter;
  #ignoredBy: string | undefined;

  constructor(app: AppContext, waiter: ResultWaiter, id: string, queue: string, ignoredBy?: string) {
    this.#app = app;
    this.#waiter = waiter;
    this.id = id;
    this.queue = queue;
    this.#ignoredBy = ignoredBy;
  }

  /** The stored record, or null while PENDING (unknown, not started, or expired). */
  async record(): Promise<ResultRecord | null> {
    const redis = await this.#app.connection();
    return decodeResult(await redis.get(this.#app.keys.result(this.queue, this.id)));
  }

  async state(): Promise<TaskState> {
    return (await this.record())?.state ?? 'PENDING';
  }

  /** True once the task has a final state: SUCCESS, FAILURE or REVOKED. */
  async ready(): Promise<boolean> {
    return finalStates.has(await this.state());
  }

  /** Waits for the value; throws TaskFailedError, TaskRevokedError or ResultTimeoutError. */
  async get(options: GetOptions = {}): Promise<T> {
    const timeoutMs = options.timeoutMs ?? 60_000;
    if (!(timeoutMs >= 0)) throw new InvalidOptionError('timeoutMs must be >= 0 (or Infinity)');
    if (this.#ignoredBy !== undefined) throw new ResultIgnoredError(this.#ignoredBy);
    const final = await this.#waiter.waitFor(this.queue, this.id, Date.now() + timeoutMs, async () => {
      const record = await this.record();
      return record !== null && finalStates.has(record.state) ? record : undefined;
    });
    if (final === undefined) throw new ResultTimeoutError(this.id, timeoutMs);
    if (final.state === 'SUCCESS') return final.value as T;
    if (final.state === 'FAILURE') throw new TaskFailedError(this.id, final.error);
    throw new TaskRevokedError(this.id, (final as { reason: string }).reason);
  }

  /** Revokes the task: skipped if it has not started. Resolves to true if it had not finished. */
  revoke(): Promise<boolean> {
    return revoke(this.#app, this.id, this.queue);
  }

  toJSON(): { id: string; queue: string } {
    return { id: this.id, queue: this.queue };
  }
}
