/**
 * "X of N done": a chord's progress, read from its hash, keys.chord(body queue, chord id).
 * The hash lives until resultTtlMs after its last progress (canvas/chord.lua).
 */
import type { AppContext } from '../shared/app-config.ts';

export type ChordProgress = {
  /** Header tasks that reported a final result. */
  done: number;
  /** Header tasks in all; undefined until the chord's init arrived. */
  size?: number;
  /** Header tasks that failed. */
  failures: number;
  /** True once the body was sent (or, after a failure, its FAILURE was). */
  fired: boolean;
};

/** null when the chord's hash does not exist (never created, or expired). */
export async function chordProgress(app: AppContext, chordId: string, queue: string): Promise<ChordProgress | null> {
  const redis = await app.connection();
  const [size, done, failures, fired] = await redis.hmget(app.keys.chord(queue, chordId), 'size', 'done', 'failures', 'fired');
  if (size === null && done === null) return null;
  return { done: Number(done ?? 0), size: size === null ? undefined : Number(size), failures: Number(failures ?? 0), fired: fired !== null };
}
