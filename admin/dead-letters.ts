/**
 * The dead-letter list of a queue, as library functions that the CLI and the monitor share:
 * list and filter entries, requeue them (requeue-dead.lua: the entry leaves the list, the old
 * result is deleted and the message is queued, in one step), or drop them.
 * Reads and writes keys.dead, keys.ready and keys.result of a queue.
 */
import type { AppContext } from '../shared/app-config.ts';
import { decodeMessage } from '../shared/message.ts';
import { requeueDead } from '../shared/scripts.ts';
import { InvalidOptionError } from '../shared/errors.ts';
import { sign, verify, type ResolvedSigning } from '../shared/signing.ts';

export type DeadLetter = {
  /** The entry exactly as it sits on the list: what requeue and drop match on. */
  entry: string;
  reason: string;
  error?: string;
  /** The message as it sat on the ready list (truncated for reason too-large). */
  raw: string;
  deadAt?: number;
  /** The task id and name, when the message could be read. */
  id?: string;
  task?: string;
};

export type DeadLetterFilter = { reason?: string; id?: string };

function parse(entry: string): DeadLetter {
  let fields: { reason?: unknown; error?: unknown; raw?: unknown; deadAt?: unknown } = {};
  try {
    fields = JSON.parse(entry) as typeof fields;
  } catch {
    // Not written by hardq: shown as it is, and never requeued.
  }
  const raw = typeof fields.raw === 'string' ? fields.raw : entry;
  const decoded = decodeMessage(raw);
  return {
    entry, raw,
    reason: typeof fields.reason === 'string' ? fields.reason : 'unknown',
    error: typeof fields.error === 'string' ? fields.error : undefined,
    deadAt: typeof fields.deadAt === 'number' ? fields.deadAt : undefined,
    id: decoded.ok ? decoded.message.id : decoded.id,
    task: decoded.ok ? decoded.message.task : undefined,
  };
}

/** Entries newest first, filtered by reason and id; `limit` bounds how many are returned. */
export async function listDeadLetters(app: AppContext, queue: string, filter: DeadLetterFilter & { limit?: number } = {}): Promise<DeadLetter[]> {
  const redis = await app.connection();
  const all = (await redis.lrange(app.keys.dead(queue), 0, -1)).map(parse);
  const matching = all.filter((letter) => (filter.reason === undefined || letter.reason === filter.reason) && (filter.id === undefined || letter.id === filter.id));
  return matching.slice(0, filter.limit ?? matching.length);
}

/**
 * The message to queue again: the same id and arguments, its delivery and retry counts
 * started over. With signing keys it is signed again, but only when its own signature holds
 * (at any age): an unsigned or forged entry is never given a signature by a requeue.
 * Without keys, a signed message keeps its retries and its signature.
 */
function freshMessage(letter: DeadLetter, queue: string, signing: ResolvedSigning | undefined): string | undefined {
  const decoded = decodeMessage(letter.raw);
  if (!decoded.ok) return undefined;
  const { deliveries: _deliveries, retries: _retries, ...message } = decoded.message;
  if (signing === undefined) {
    // Without keys, a signed message keeps its retry count: removing it would break the
    // signature (deliveries is outside it), and a worker that checks would dead-letter it.
    return JSON.stringify(decoded.message.sig === undefined ? message : { ...message, retries: decoded.message.retries });
  }
  const verdict = verify(decoded.message, { ...signing, require: true, maxAgeMs: undefined }, 'message', Date.now());
  if (!verdict.ok || decoded.message.queue !== queue) return undefined;
  return JSON.stringify(sign(message, signing, 'message'));
}

/**
 * Requeues the matching entries (all of them only with a filter or `all: true`). A message
 * that cannot run as it is (malformed, invalid, truncated as too-large) is skipped and stays;
 * with signing keys, so is one whose signature does not hold.
 */
export async function requeueDeadLetters(app: AppContext, queue: string, filter: DeadLetterFilter & { all?: boolean }): Promise<{ requeued: number; skipped: DeadLetter[] }> {
  if (filter.all !== true && filter.reason === undefined && filter.id === undefined) throw new InvalidOptionError('requeue needs an id, a reason, or all: true to requeue every entry');
  const redis = await app.connection();
  const { keys } = app;
  let requeued = 0;
  const skipped: DeadLetter[] = [];
  for (const letter of await listDeadLetters(app, queue, filter)) {
    const message = freshMessage(letter, queue, app.config.signing);
    if (message === undefined) {
      skipped.push(letter);
      continue;
    }
    const result = letter.id === undefined ? undefined : keys.result(queue, letter.id);
    if (await requeueDead(redis, { dead: keys.dead(queue), ready: keys.ready(queue), result }, letter.entry, message)) requeued++;
  }
  return { requeued, skipped };
}

/** Deletes the matching entries (all of them only with a filter or `all: true`); returns how many. */
export async function dropDeadLetters(app: AppContext, queue: string, filter: DeadLetterFilter & { all?: boolean }): Promise<number> {
  if (filter.all !== true && filter.reason === undefined && filter.id === undefined) throw new InvalidOptionError('drop needs an id, a reason, or all: true to drop every entry');
  const redis = await app.connection();
  if (filter.all === true && filter.reason === undefined && filter.id === undefined) {
    const [[, count]] = ((await redis.multi().llen(app.keys.dead(queue)).del(app.keys.dead(queue)).exec()) ?? [[null, 0]]) as [[unknown, number]];
    return count;
  }
  let dropped = 0;
  for (const letter of await listDeadLetters(app, queue, filter)) dropped += await redis.lrem(app.keys.dead(queue), 1, letter.entry);
  return dropped;
}
