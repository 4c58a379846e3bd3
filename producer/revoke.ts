/**
 * Revoking: a task that has not started is skipped. Its id goes into its queue's revoked
 * sets (under the queue's tag; shared/revoked.ts says how consumers read them), and its
 * result becomes REVOKED unless it already finished. The check adds no round trip per job.
 * A task already running is not stopped, but it will not retry (complete-batch.lua).
 */
import type { AppContext } from '../shared/app-config.ts';
import { encodeResult } from '../shared/result-record.ts';
import { revokeTask } from '../shared/scripts.ts';
import { revokedRecentMs } from '../shared/revoked.ts';
import { minuteOf, unknownTask } from '../shared/counters.ts';
import type { TaskEventBody } from '../shared/events.ts';

/**
 * Returns true if the task had not finished (it is now REVOKED). The revoke is counted under
 * `task` when the caller knows the task's name, else under `unknown` (shared/counters.ts).
 */
export async function revoke(app: AppContext, id: string, queue: string, task?: string): Promise<boolean> {
  const redis = await app.connection();
  const { keys, config } = app;
  const now = Date.now();
  const label = task !== undefined && app.registry.get(task) !== undefined ? task : unknownTask;
  const event: TaskEventBody = { id, task, at: now, reason: 'revoked' };
  return revokeTask(
    redis,
    {
      revoked: keys.revoked(queue), result: keys.result(queue, id), revokedRecent: keys.revokedRecent(queue), channel: keys.resultChannel(queue),
      events: keys.events(queue), counters: keys.counters(queue), countersMinute: keys.countersMinute(queue, minuteOf(now)),
    },
    {
      id, rememberMs: config.resultTtlMs, record: encodeResult({ state: 'REVOKED', reason: 'revoked', doneAt: now }),
      resultTtlMs: config.resultTtlMs, recentMs: revokedRecentMs, task: label, event: JSON.stringify(event),
    },
  );
}
