/**
 * Signed envelopes (issue 14, item 3): an HMAC-SHA256 over the RFC 8785 canonical form of a
 * whole JSON object (canonical-json.ts), minus `sig` and the fields a purpose leaves out.
 * The key id (`kid`) and the signing time (`signedAt`, epoch ms) are fields of the object,
 * so they are signed too. One scheme for task messages, control commands and beat
 * schedules; the purpose label in front of the signed text keeps a signature made for one
 * from passing as another. docs/PROTOCOL.md ("Signed messages") is the spec.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';
import { InvalidOptionError } from './errors.ts';

export type SigningConfig = {
  /**
   * Secrets by key id: at least 16 bytes each (a string counts its UTF-8 bytes). List the
   * old key beside the new one while messages signed with it may still wait in Redis.
   * @example { k2: process.env.HARDQ_KEY_2, k1: process.env.HARDQ_KEY_1 }
   */
  keys: Record<string, string | Buffer>;
  /** The key id that signs; it must be in `keys`. */
  current: string;
  /**
   * Refuse what is unsigned: a worker dead-letters such a message (reason `unsigned`), a
   * worker answers no unsigned control command, a beat skips an unsigned schedule. Without
   * it unsigned ones are accepted, but a signed one is still verified. Set it to false only
   * while producers are being moved to signing.
   * @default true
   */
  require?: boolean;
  /**
   * Refuse a message whose signature is older than this, in ms, counted from its signing
   * time or its eta, whichever is later (reason `signature-expired`). Bounds replay.
   * @default undefined (no limit)
   */
  maxAgeMs?: number;
};

export type ResolvedSigning = { keys: Map<string, Buffer>; current: string; require: boolean; maxAgeMs?: number };

/** What each kind of envelope signs: its label, and the fields left out besides `sig`. */
export const signingPurposes = {
  /**
   * Fields that Lua steps write after signing, where no key is: `deliveries` (the reaper),
   * and a chain's or chord's `parentResults` and `failure` (canvas). docs/PROTOCOL.md lists
   * them as unsigned; the canvas checks them against hardq's own result keys.
   */
  message: { label: 'hardq.message.v1', unsigned: ['deliveries', 'parentResults', 'failure'] },
  control: { label: 'hardq.control.v1', unsigned: [] },
  schedule: { label: 'hardq.schedule.v1', unsigned: [] },
} as const satisfies Record<string, { label: string; unsigned: readonly string[] }>;
export type SigningPurpose = keyof typeof signingPurposes;

/** The dead-letter reasons a verification can give (docs/PROTOCOL.md, dead letters). */
export type SignatureRejection = 'unsigned' | 'bad-signature' | 'unknown-key' | 'signature-expired';
export type Verdict = { ok: true; signed: boolean } | { ok: false; reason: SignatureRejection; error: string };

const minSecretBytes = 16;

export function resolveSigning(config: SigningConfig | undefined): ResolvedSigning | undefined {
  if (config === undefined) return undefined;
  if (typeof config !== 'object' || config === null || typeof config.keys !== 'object' || config.keys === null) {
    throw new InvalidOptionError('signing needs keys: { <key id>: <secret> }, and current: <key id>');
  }
  const keys = new Map<string, Buffer>();
  for (const [kid, secret] of Object.entries(config.keys)) {
    if (!/^[\w.-]{1,64}$/.test(kid)) throw new InvalidOptionError(`signing key id ${JSON.stringify(kid)} must be 1 to 64 letters, digits, dots, dashes or underscores`);
    const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.isBuffer(secret) ? secret : undefined;
    // The message names the key id, never the secret.
    if (bytes === undefined || bytes.length < minSecretBytes) throw new InvalidOptionError(`signing key ${kid} must be a string or Buffer of at least ${minSecretBytes} bytes`);
    keys.set(kid, bytes);
  }
  if (!keys.has(config.current)) throw new InvalidOptionError(`signing current key ${JSON.stringify(config.current)} is not among keys (${[...keys.keys()].join(', ') || 'none'})`);
  const { maxAgeMs } = config;
  if (maxAgeMs !== undefined && !(Number.isInteger(maxAgeMs) && maxAgeMs > 0)) throw new InvalidOptionError(`signing maxAgeMs must be a positive whole number of ms, got ${JSON.stringify(maxAgeMs)}`);
  return { keys, current: config.current, require: config.require ?? true, maxAgeMs };
}

/** What each purpose leaves out of the signed text: `sig` and its unsigned fields. */
const omitted = Object.fromEntries(Object.entries(signingPurposes).map(([purpose, { unsigned }]) => [purpose, ['sig', ...unsigned]])) as Record<SigningPurpose, string[]>;

/** One line for banners and `inspect conf`: key ids and rules, never a secret. */
export function describeSigning(signing: ResolvedSigning | undefined): string {
  if (signing === undefined) return 'off';
  const rules = [`key ${signing.current} (keys ${[...signing.keys.keys()].join(', ')})`, signing.require ? 'unsigned refused' : 'unsigned accepted'];
  if (signing.maxAgeMs !== undefined) rules.push(`maxAgeMs ${signing.maxAgeMs}`);
  return rules.join(', ');
}

/** The base64url HMAC of the envelope as `purpose` signs it. */
function mac(secret: Buffer, purpose: SigningPurpose, envelope: Record<string, unknown>): string {
  return createHmac('sha256', secret).update(`${signingPurposes[purpose].label}\n${canonicalJson(envelope, omitted[purpose])}`, 'utf8').digest('base64url');
}

/** The envelope with `kid`, `signedAt` and `sig` set by the current key (any old ones replaced). */
export function sign<T extends object>(envelope: T, signing: ResolvedSigning, purpose: SigningPurpose, nowMs = Date.now()): T & { kid: string; signedAt: number; sig: string } {
  const signed = { ...envelope, kid: signing.current, signedAt: nowMs } as T & { kid: string; signedAt: number; sig: string };
  signed.sig = mac(signing.keys.get(signing.current)!, purpose, signed as Record<string, unknown>);
  return signed;
}

/**
 * Checks an envelope as read from Redis. `notBeforeMs` (a message's eta) moves the start of
 * maxAgeMs later: a message scheduled for tomorrow is not stale tomorrow.
 */
export function verify(envelope: Record<string, unknown>, signing: ResolvedSigning, purpose: SigningPurpose, nowMs: number, notBeforeMs?: number): Verdict {
  const { sig, kid, signedAt } = envelope;
  if (sig === undefined) {
    return signing.require ? { ok: false, reason: 'unsigned', error: 'it carries no signature and signing.require is on' } : { ok: true, signed: false };
  }
  if (typeof sig !== 'string' || typeof kid !== 'string' || typeof signedAt !== 'number' || !Number.isFinite(signedAt)) {
    return { ok: false, reason: 'bad-signature', error: 'sig and kid must be strings and signedAt epoch ms' };
  }
  const secret = signing.keys.get(kid);
  if (secret === undefined) return { ok: false, reason: 'unknown-key', error: `it is signed with key ${JSON.stringify(kid.slice(0, 64))}, which this process does not list` };
  let expected: string;
  try {
    expected = mac(secret, purpose, envelope);
  } catch (error) {
    return { ok: false, reason: 'bad-signature', error: `it has no canonical form: ${(error as Error).message}` };
  }
  const given = Buffer.from(sig, 'utf8');
  const wanted = Buffer.from(expected, 'utf8');
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return { ok: false, reason: 'bad-signature', error: `its signature does not match (key ${kid})` };
  if (signing.maxAgeMs !== undefined) {
    const ageMs = nowMs - Math.max(signedAt, notBeforeMs ?? signedAt);
    if (ageMs > signing.maxAgeMs) return { ok: false, reason: 'signature-expired', error: `it was signed ${ageMs} ms ago; maxAgeMs is ${signing.maxAgeMs}` };
  }
  return { ok: true, signed: true };
}
