/**
 * Dead-letter entries: what a consumer writes instead of crashing on a message it cannot
 * run. Each is a JSON object on keys.dead(queue), newest at the head, capped at
 * deadLetterLimit entries. The reason codes are part of the protocol.
 */

/** The documented reason codes (docs/PROTOCOL.md). */
export type DeadLetterReason =
  | 'malformed' | 'invalid' | 'too-large' | 'unknown-task' | 'non-error-thrown' | 'start-failed' | 'redelivered' | 'max-retries'
  | 'unsigned' | 'bad-signature' | 'unknown-key' | 'signature-expired' | 'bad-parent-results';

export type DeadLetterEntry = {
  reason: DeadLetterReason;
  /** A human sentence. */
  error?: string;
  /** The message exactly as it sat on the list (for `too-large`, its first characters). */
  raw: string;
  queue: string;
  /** Epoch ms. */
  deadAt: number;
};

/** The cap on each dead-letter list (LTRIM after each LPUSH). */
export const deadLetterLimit = 10_000;

/** How much of a `too-large` message its entry keeps, in characters: enough to recognise it. */
export const tooLargeRawChars = 1024;

/**
 * Every other entry's raw is at most maxMessageBytes (a bigger one is `too-large` and kept
 * cut short), so a dead-letter list holds at most deadLetterLimit × maxMessageBytes of
 * messages, before JSON escaping: one huge message cannot fill Redis's memory.
 */
export function encodeDeadLetter(entry: DeadLetterEntry): string {
  if (entry.reason !== 'too-large') return JSON.stringify(entry);
  const rawBytes = Buffer.byteLength(entry.raw, 'utf8');
  if (entry.raw.length <= tooLargeRawChars) return JSON.stringify({ ...entry, rawBytes });
  return JSON.stringify({ ...entry, raw: entry.raw.slice(0, tooLargeRawChars), rawBytes, truncated: true });
}

/**
 * A dead-letter list expires this long after its newest entry (PEXPIRE on each write), so
 * a queue that stopped failing does not keep its dead letters forever: 30 days, in ms.
 */
export const deadLetterTtlMs = 30 * 24 * 3600 * 1000;
