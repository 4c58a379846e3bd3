/**
 * Finished messages as complete-batch.lua's rows (shared/scripts.ts), the same in both
 * modes: each with its result key (keys.result) when it has a result and an id, and what
 * task-events.ts filled in to count and announce.
 */
import type { Keys } from '../shared/keys.ts';
import type { CompletionRow } from '../shared/scripts.ts';
import type { Completion } from './fetch.ts';
import { chordTtlMs, followUpProgram } from '../shared/follow-ups.ts';

export function completionRows(keys: Keys, queue: string, completions: Completion[]): CompletionRow[] {
  return completions.map((c) => ({
    raw: c.claimed.raw, claimNumber: c.claimed.claimNumber, id: c.id, dead: c.dead, announce: c.announce, schedule: c.schedule, result: c.result,
    resultKey: c.result !== undefined && c.id !== undefined ? keys.result(queue, c.id) : undefined,
    count: c.count, event: c.event,
    followUps: c.followUps === undefined || c.id === undefined ? undefined : (keyIndex: (key: string) => number) => followUpProgram(keys, queue, c.id!, c.followUps!, chordTtlMs, keyIndex),
  }));
}
