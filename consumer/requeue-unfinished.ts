/**
 * The last step of a graceful stop (worker.ts, #shutdown): the messages the worker still
 * holds unfinished go back to the consuming end of their ready lists (fetch.requeue). When
 * that fails, the log says what becomes of them, which differs by mode.
 */
import type { Claimed, FetchStrategy } from './fetch.ts';

export async function requeueUnfinished(fetch: FetchStrategy, unfinished: Claimed[], log: (line: string) => void): Promise<void> {
  if (unfinished.length === 0) return;
  try {
    await fetch.requeue(unfinished);
    log(`[hardq] shutdown: ${unfinished.length} unfinished message(s) put back at the head of their queue`);
  } catch (error) {
    // Reliable mode: they are still in our lists, and unregistering (or a reaper) gives
    // them back. Simple mode: they existed only here, so they are gone; say which.
    const fate = fetch.mode === 'reliable' ? 'they stay in this consumer\'s lists and go back when it unregisters or is reaped' : 'they are lost (simple mode)';
    log(`[hardq] shutdown: could not put ${unfinished.length} unfinished message(s) back (${(error as Error).message}); ${fate}: ${unfinished.map((item) => item.raw.slice(0, 120)).join(' | ')}`);
  }
}
