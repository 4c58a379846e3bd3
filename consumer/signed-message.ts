/**
 * The worker's side of signed messages (shared/signing.ts): check a message before it runs,
 * and sign again what the worker rewrites (a retry, an early or rate-limited message gets a
 * new eta and retry count). Workers therefore hold the keys (docs/SECURITY.md).
 */
import { encodeMessage, type TaskMessage } from '../shared/message.ts';
import { sign, verify, type ResolvedSigning, type Verdict } from '../shared/signing.ts';

/**
 * The verdict on a decoded message found on `queue`'s list. A signed message must name that
 * queue: its signature then stops anyone from moving it onto another queue's list.
 */
export function checkMessage(message: TaskMessage, queue: string, signing: ResolvedSigning, nowMs: number): Verdict {
  const verdict = verify(message, signing, 'message', nowMs, message.eta);
  if (verdict.ok && verdict.signed && message.queue !== queue) {
    return { ok: false, reason: 'bad-signature', error: `it is signed for queue ${JSON.stringify(message.queue ?? null)} but was on ${queue}` };
  }
  return verdict;
}

/**
 * Whether the id of a message that failed to decode may be marked FAILURE. With `require`,
 * only a correctly signed one: otherwise anyone who can push could fail another task's
 * pending result by naming its id (a final result is never replaced).
 */
export function idIsTrusted(raw: string, queue: string, signing: ResolvedSigning | undefined, nowMs: number): boolean {
  if (signing === undefined || !signing.require) return true;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return false;
    return checkMessage(parsed as TaskMessage, queue, signing, nowMs).ok;
  } catch {
    return false; // not JSON: no id to mark anyway
  }
}

/** The wire form of a message the worker rewrote: signed again (for its queue) when the worker has keys. */
export function encodeRewritten(message: TaskMessage, queue: string, signing: ResolvedSigning | undefined): string {
  return encodeMessage(signing === undefined ? message : sign({ ...message, queue }, signing, 'message'));
}
