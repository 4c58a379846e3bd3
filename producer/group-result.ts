/**
 * GroupResult: the results of a group's members, in order (Celery's GroupResult). Saved
 * under keys.groupResult(id) as the members' { id, queue }, so `restore(id)` finds it
 * from another process. A member that is itself a chain counts by its last step.
 */
import type { AppContext } from '../shared/app-config.ts';
import { InvalidOptionError } from '../shared/errors.ts';
import { finalStates } from '../shared/result-record.ts';
import type { AsyncResult, GetOptions } from './async-result.ts';

export class GroupResult<T = unknown> {
  readonly id: string;
  readonly results: AsyncResult<T>[];
  /** The result before this group in a chain, if any. */
  parent?: AsyncResult | GroupResult;
  #app: AppContext;

  constructor(app: AppContext, id: string, results: AsyncResult<T>[]) {
    this.#app = app;
    this.id = id;
    this.results = results;
  }

  /** Every member's value, in order; throws the first member's failure it meets (in order). */
  async get(options: GetOptions = {}): Promise<T[]> {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    const values: T[] = [];
    for (const result of this.results) values.push(await result.get({ timeoutMs: Math.max(0, deadline - Date.now()) }));
    return values;
  }

  async #states() {
    return Promise.all(this.results.map((result) => result.state()));
  }

  /** How many members have a final state (SUCCESS, FAILURE or REVOKED). */
  async completedCount(): Promise<number> {
    return (await this.#states()).filter((state) => finalStates.has(state)).length;
  }

  /** True once every member has a final state. */
  async ready(): Promise<boolean> {
    return (await this.completedCount()) === this.results.length;
  }

  /** True when every member succeeded. */
  async successful(): Promise<boolean> {
    return (await this.#states()).every((state) => state === 'SUCCESS');
  }

  /** True when any member failed. */
  async failed(): Promise<boolean> {
    return (await this.#states()).some((state) => state === 'FAILURE');
  }

  /** Revokes every member; resolves to how many had not finished. */
  async revoke(): Promise<number> {
    return (await Promise.all(this.results.map((result) => result.revoke()))).filter(Boolean).length;
  }

  /** Stores the members under keys.groupResult(id) for resultTtlMs, so restore() can find them. */
  async save(): Promise<void> {
    const redis = await this.#app.connection();
    const members = this.results.map((result) => result.toJSON());
    await redis.set(this.#app.keys.groupResult(this.id), JSON.stringify(members), 'PX', this.#app.config.resultTtlMs);
  }

  toJSON(): { id: string; results: { id: string; queue: string }[] } {
    return { id: this.id, results: this.results.map((result) => result.toJSON()) };
  }
}

/** Reads a saved group's members; `make` builds each member's AsyncResult. */
export async function restoreGroup<T>(app: AppContext, id: string, make: (id: string, queue: string) => AsyncResult<T>): Promise<GroupResult<T>> {
  const redis = await app.connection();
  const raw = await redis.get(app.keys.groupResult(id));
  if (raw === null) throw new InvalidOptionError(`no saved group ${id}: it was never saved, or its resultTtlMs has passed`);
  const members = JSON.parse(raw) as { id: string; queue: string }[];
  return new GroupResult(app, id, members.map((member) => make(member.id, member.queue)));
}
