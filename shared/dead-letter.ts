/**
 * Dead-letter entries: what a consumer writes instead of crashing on a message it cannot
 * run. Each is a JSON object on keys.dead(queue), newest at the head, capped at
 * deadLetterLimit entries. The reason codes are part of the protocol.
 */

/** The documented reason codes (docs/PROTOCOL.md). */
export type DeadLetterReason = 'malformed' | 'invalid' | 'unknown-task' | 'non-error-thrown' | 'redelivered' | 'max-retries';

export type DeadLetterEntry = {
  reason: DeadLetterReason;
  /** A human sentence. */
  error?: string;
  /** The message exactly as it sat on the list. */
  raw: string;
  queue: string;
  /** Epoch ms. */
  deadAt: number;
};

/** The cap on each dead-letter list (LTRIM after each LPUSH). */
export const deadLetterLimit = 10_000;

export function encodeDeadLetter(entry: DeadLetterEntry): string {
  return JSON.stringify(entry);
}
