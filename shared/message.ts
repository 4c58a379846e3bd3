/**
 * The wire format: one JSON object per message, on a queue's ready list.
 * Encoding is plain JSON.stringify; decoding validates every field and, on rejection,
 * gives a reason code and a sentence for the dead-letter entry (docs/PROTOCOL.md).
 */
import type { JsonValue } from './json-value.ts';
import { canvasFieldNames, canvasProblem, type CanvasFields } from './signature.ts';
import type { ParentRefs } from './parent-refs.ts';

/** A task message as it travels. Only per-call facts are here; task options live in the consumer's registry. */
export type TaskMessage = CanvasFields & {
  /** Protocol version: 1, or 2 when it carries canvas fields (an older consumer dead-letters those). */
  v: 1 | 2;
  /** Task id, a UUID by default; also the result key's suffix. */
  id: string;
  /** Registered task name. */
  task: string;
  /** Positional arguments. */
  args: JsonValue[];
  /** Keyword arguments, handed to bound handlers as `ctx.kwargs`. */
  kwargs?: { [key: string]: JsonValue };
  /** The queue it was sent to. Informational: the list it sits on is what counts. */
  queue?: string;
  /** When the producer created it, epoch ms. */
  createdAt?: number;
  /** Not before this time, epoch ms. */
  eta?: number;
  /** Not after this time, epoch ms. */
  expires?: number;
  /** Retries so far (0 on the first run). */
  retries?: number;
  /**
   * How many times it was handed to a consumer that may have run it. Written only by the
   * reaper, as the first field, when it takes the message back from a dead consumer;
   * absent means 1. A redelivered message that was still waiting for the quarantine slot
   * had not started, so that delivery is not counted (requeue-dead-consumer.lua).
   */
  deliveries?: number;
  /** The tasks whose results a canvas step carries in parentResults or failure (shared/parent-refs.ts); signed. */
  parents?: ParentRefs;
  /** Signing (shared/signing.ts): the key id, the signing time in epoch ms, and the base64url HMAC-SHA256. */
  kid?: string;
  signedAt?: number;
  sig?: string;
};

export type DecodeRejection = {
  ok: false;
  /** `malformed` (not a JSON object), `invalid` (a field is wrong) or `too-large` (over maxMessageBytes, not parsed). */
  reason: 'malformed' | 'invalid' | 'too-large';
  error: string;
  /** The id, when it could be read, so the result can be marked FAILURE. */
  id?: string;
};
export type Decoded = { ok: true; message: TaskMessage } | DecodeRejection;

export function encodeMessage(message: TaskMessage): string {
  return JSON.stringify(message);
}

const optionalTimes = ['createdAt', 'eta', 'expires'] as const;
const optionalCounts = ['retries', 'deliveries'] as const;

/** Whether the UTF-8 encoding of `raw` exceeds `maxBytes`; skips the count when the length alone decides. */
export function isOverBytes(raw: string, maxBytes: number): boolean {
  // A UTF-16 code unit takes 1 to 3 bytes in UTF-8 (a surrogate pair, 2 units, takes 4).
  if (raw.length * 3 <= maxBytes) return false;
  if (raw.length > maxBytes) return true;
  return Buffer.byteLength(raw, 'utf8') > maxBytes;
}

/**
 * Parses and validates one raw message; never throws. With `maxMessageBytes`, a bigger raw
 * is rejected before JSON.parse, so a huge message costs the consumer no parse and no
 * copy of its objects.
 */
function invalid(error: string, id: string | undefined): DecodeRejection {
  return { ok: false, reason: 'invalid', error, id };
}

// Loops, not closures: decodeMessage runs once per message on the worker's hot path.
function hasCanvasField(m: Record<string, unknown>): boolean {
  for (const field of canvasFieldNames) if (m[field] !== undefined) return true;
  return false;
}

export function decodeMessage(raw: string, maxMessageBytes?: number): Decoded {
  if (maxMessageBytes !== undefined && isOverBytes(raw, maxMessageBytes)) {
    const sizeBytes = Buffer.byteLength(raw, 'utf8');
    return { ok: false, reason: 'too-large', error: `the message is ${sizeBytes} bytes; maxMessageBytes is ${maxMessageBytes}` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    return { ok: false, reason: 'malformed', error: `not JSON: ${(error as Error).message}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, reason: 'malformed', error: 'not a JSON object' };
  }
  const m = parsed as Record<string, unknown>;
  // Result announcements SPUBLISH ids comma-joined, so an id with a comma is no id: no
  // result is written under it.
  const hasComma = typeof m.id === 'string' && m.id.includes(',');
  const id = typeof m.id === 'string' && m.id.length > 0 && !hasComma ? m.id : undefined;
  if (m.v !== 1 && m.v !== 2) return invalid(`field "v" must be 1 or 2, got ${JSON.stringify(m.v)}`, id);
  if (hasComma) return invalid('field "id" must not contain a comma', id);
  if (id === undefined) return invalid('field "id" must be a non-empty string', id);
  if (typeof m.task !== 'string' || m.task.length === 0) return invalid('field "task" must be a non-empty string', id);
  if (!Array.isArray(m.args)) return invalid('field "args" must be an array', id);
  if (m.kwargs !== undefined && (typeof m.kwargs !== 'object' || m.kwargs === null || Array.isArray(m.kwargs))) {
    return invalid('field "kwargs" must be an object', id);
  }
  if (m.queue !== undefined && typeof m.queue !== 'string') return invalid('field "queue" must be a string', id);
  for (const field of optionalTimes) {
    const value = m[field];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
      return invalid(`field "${field}" must be epoch milliseconds (a number)`, id);
    }
  }
  for (const field of optionalCounts) {
    const value = m[field];
    if (value !== undefined && (!Number.isInteger(value) || (value as number) < 0)) {
      return invalid(`field "${field}" must be a non-negative integer`, id);
    }
  }
  if (m.v === 2) {
    const problem = canvasProblem(m);
    if (problem !== undefined) return invalid(problem, id);
  } else if (hasCanvasField(m)) {
    // A v1 consumer would run it and drop its links; v1 never carries them.
    return invalid('canvas fields need "v": 2', id);
  }
  return { ok: true, message: m as TaskMessage };
}
