/**
 * Revoking: a task that has not started is skipped. Its id goes into its queue's revoked
 * set (under the queue's tag, remembered for resultTtlMs), and its result becomes REVOKED
 * unless it already finished. Consumers check the set while claiming (reliable mode, in
 * claim-batch.lua) or in their scheduler's copy (simple mode, refreshed every ~250 ms),
 * so the check adds no round trip per job. A task already running is not stopped.
 */
import type { AppContext } from '../shared/app-config.ts';
import { encodeResult } from '../shared/result-record.ts';
import { revokeTask } from '../shared/scripts.ts';

/** Returns true if the task had not finished (it is now REVOKED). */
export async function revoke(app: AppContext, id: string, queue: string): Promise<boolean> {
  const redis = await app.connection();
  const { keys, config } = app;
  const now = Date.now();
  return revokeTask(
    redis,
    { revoked: keys.revoked(queue), result: keys.result(queue, id), channel: keys.resultChannel(queue) },
    { id, nowMs: now, rememberMs: config.resultTtlMs, record: encodeResult({ state: 'REVOKED', reason: 'revoked', doneAt: now }), resultTtlMs: config.resultTtlMs },
  );
}
