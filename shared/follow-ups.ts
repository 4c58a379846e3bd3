/**
 * Follow-ups: what an acknowledged message leaves to do in Redis besides its own result
 * (the next chain step, link callbacks, a chord's init or one of its parts). They are
 * written as a program of length-prefixed fields that canvas/follow-ups.lua runs in the
 * same step as the ack. One for the source queue's own slot runs there at once; one for
 * another queue becomes an outbox entry, which the relay delivers (relay-deliver.lua).
 * Outbox keys: keys.outbox(queue); entry header: { entry, queue, chord? }.
 */
import type { Keys } from './keys.ts';

export type FollowUp =
  /** A message for `queue`: LPUSH onto ready, or ZADD onto scheduled when it has a due time. */
  | { op: 'push'; queue: string; raw: string; dueAtMs?: number }
  /** A chord's bookkeeping, created in the body's queue (idempotent). */
  | {
    op: 'init'; queue: string; chordId: string; size: number; body: string; immutable: boolean; allowFailures: boolean;
    /** A signed body's header list (canonical JSON), kept in the hash for the worker's check (shared/parent-refs.ts). */
    parents?: string;
  }
  /** One header task's final result (a value, or a failure description) for its chord. */
  | { op: 'part'; queue: string; chordId: string; index: number; size: number; value: string; failed: boolean };

/** A chord's hash lives this long after its last progress (each header part refreshes it), in ms. */
export const chordTtlMs = 86_400_000;

/** How long relay-deliver.lua remembers a delivered entry, in ms: far longer than an entry can wait in an outbox while any worker of its queue runs. */
export const relayMarkerTtlMs = 86_400_000;

/** An outbox entry's first line. */
export type OutboxHeader = { entry: string; queue: string; chord?: string };

/** Small fields (numbers, flags) are separated by spaces; the payload is `<byte length>:<bytes>`, cut out as text in Lua. */
const payload = (text: string) => `${Buffer.byteLength(text, 'utf8')}:${text}`;
const flag = (on: boolean) => (on ? '1' : '0');

/** One op as program fields; `key(kind)` is the KEYS index of the target queue's key of that kind. */
function encodeOp(followUp: FollowUp, key: (kind: 'ready' | 'scheduled' | 'chord') => number, chordTtlMs: number): string {
  switch (followUp.op) {
    case 'push':
      return followUp.dueAtMs === undefined
        ? `push ${key('ready')} ${payload(followUp.raw)}`
        : `zadd ${key('scheduled')} ${Math.round(followUp.dueAtMs)} ${payload(followUp.raw)}`;
    case 'init':
      // The body, then the parent list after a newline: a JSON message holds no raw newline.
      return `init ${key('chord')} ${key('ready')} ${followUp.size} ${flag(followUp.immutable)} ${flag(followUp.allowFailures)} ${chordTtlMs} ${payload(followUp.parents === undefined ? followUp.body : `${followUp.body}\n${followUp.parents}`)}`;
    case 'part':
      return `part ${key('chord')} ${key('ready')} ${followUp.index} ${followUp.size} ${flag(followUp.failed)} ${chordTtlMs} ${payload(followUp.value)}`;
  }
}

const chordOf = (followUp: FollowUp) => (followUp.op === 'push' ? undefined : followUp.chordId);

/**
 * The KEYS and program of one message's follow-ups in complete-batch.lua. `keyIndex` adds
 * a key to the script's KEYS (or finds it there) and returns its index. Entry ids are
 * `<message id>:<n>`: the same message acknowledged again (it cannot be, unless held) would
 * produce the same ids, which relay-deliver.lua delivers once.
 */
export function followUpProgram(
  keys: Keys, sourceQueue: string, messageId: string, followUps: FollowUp[], chordTtlMs: number, keyIndex: (key: string) => number,
): string {
  let program = '';
  followUps.forEach((followUp, n) => {
    const { queue } = followUp;
    if (queue === sourceQueue) {
      program += encodeOp(followUp, (kind) => keyIndex(kind === 'chord' ? keys.chord(queue, chordOf(followUp)!) : keys[kind](queue)), chordTtlMs);
      return;
    }
    const header: OutboxHeader = { entry: `${messageId}:${n}`, queue };
    const chordId = chordOf(followUp);
    if (chordId !== undefined) header.chord = chordId;
    const entry = `${JSON.stringify(header)}\n${encodeOp(followUp, (kind) => ({ ready: 1, scheduled: 2, chord: 3 })[kind], chordTtlMs)}`;
    // If we crash here (before the step that holds this write): neither the ack nor the
    // entry is written, and the message runs again. After it: the relay delivers the entry.
    program += `push ${keyIndex(keys.outbox(sourceQueue))} ${payload(entry)}`;
  });
  return program;
}

/** Splits an outbox entry into its header and its program (relative key numbers). */
export function decodeOutboxEntry(raw: string): { header: OutboxHeader; program: string } | undefined {
  const newline = raw.indexOf('\n');
  if (newline < 0) return undefined;
  try {
    const header = JSON.parse(raw.slice(0, newline)) as OutboxHeader;
    if (typeof header.entry !== 'string' || typeof header.queue !== 'string') return undefined;
    return { header, program: raw.slice(newline + 1) };
  } catch {
    return undefined;
  }
}

/** An entry for relay-deliver.lua built directly (the producer's chord init): the same program as an outbox entry. */
export function directEntry(followUp: FollowUp, chordTtlMs: number): string {
  return encodeOp(followUp, (kind) => ({ ready: 1, scheduled: 2, chord: 3 })[kind], chordTtlMs);
}
