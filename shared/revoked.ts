/**
 * How revokes reach consumers. revoke-task.lua writes each id to two sets of its queue:
 * the long one (`revoked`, kept for resultTtlMs) and the recent one (`revokedRecent`,
 * the last revokedRecentMs). claim-batch.lua checks only the recent set, so its fast path
 * costs nothing a few seconds after the last revoke; every worker reads the recent set
 * incrementally into memory each scheduler tick, and the long set whole only at start or
 * after it fell behind, and checks that copy before running a message (execute.ts).
 */

/** How long a revoke stays in the recent set, in ms: many scheduler ticks (250 ms). */
export const revokedRecentMs = 10_000;
