/**
 * The schedules in Redis, as RedBeat keeps them: add, change, remove and list at run time,
 * and the app's own schedules merged in at each beat's start.
 * Keys: beatSchedules (definitions), beatState (version and progress), beatVersion, beatLeader (read).
 */
import type { Redis } from 'ioredis';
import type { AppContext } from '../shared/app-config.ts';
import { addScheduleEntry, defineScripts } from '../shared/scripts.ts';
import { canonicalJson } from '../shared/canonical-json.ts';
import { sign, verify, type ResolvedSigning } from '../shared/signing.ts';
import { defineSchedule, describeTiming, parseDefinition, type ScheduleDefinition, type ScheduleOptions, type ScheduleSignature, type ScheduleTiming } from './schedule.ts';
import { nextSlotAfter } from './slots.ts';

/** A schedule's progress, kept per name in beatState. Times in epoch ms (Redis's clock). */
export type ScheduleState = {
  version: number;
  createdAtMs: number;
  /** Every slot up to here has been sent or skipped. */
  handledThroughMs: number;
  lastSlotMs?: number;
  lastId?: string;
  lastSentAtMs?: number;
};

export type StoredSchedule = { definition: ScheduleDefinition; state: ScheduleState };

/** What `hardq beat list` and the dashboard show for one schedule. */
export type ScheduleEntry = StoredSchedule & { timing: string; nextSlotMs: number | undefined };

async function connect(app: AppContext): Promise<Redis> {
  const redis = await app.connection();
  defineScripts(redis);
  return redis;
}

/** A stored definition's signature checked; schedules are long-lived, so maxAgeMs does not apply. */
function verifySchedule(stored: Record<string, unknown>, signing: ResolvedSigning) {
  return verify(stored, { ...signing, maxAgeMs: undefined }, 'schedule', Date.now());
}

/**
 * The text to store: signed when the app has keys. The stored text is kept when it already
 * holds this definition under the current key, so a beat's start reads as unchanged
 * rather than changed by a new signing time.
 */
async function storedForm(redis: Redis, app: AppContext, definition: ScheduleDefinition): Promise<string> {
  const { signing } = app.config;
  if (signing === undefined) return JSON.stringify(definition);
  const stored = await redis.hget(app.keys.beatSchedules(), definition.name);
  try {
    const parsed = stored === null ? undefined : (JSON.parse(stored) as Record<string, unknown>);
    if (parsed !== undefined && parsed.kid === signing.current && verifySchedule(parsed, signing).ok) {
      const { kid: _kid, signedAt: _signedAt, sig: _sig, ...content } = parsed;
      if (canonicalJson(content) === canonicalJson(definition)) return stored!;
    }
  } catch {
    // Unreadable or not canonical: replaced by the new text below.
  }
  return JSON.stringify(sign(definition, signing, 'schedule'));
}

/** Stores one definition (signed when the app has keys): new names get a fresh version, known ones keep theirs. */
export async function storeSchedule(app: AppContext, definition: ScheduleDefinition): Promise<{ version: number; outcome: 'added' | 'changed' | 'unchanged' }> {
  const redis = await connect(app);
  const { keys } = app;
  return addScheduleEntry(redis, { schedules: keys.beatSchedules(), state: keys.beatState(), version: keys.beatVersion() }, definition.name, await storedForm(redis, app, definition));
}

/** Adds a schedule at run time, or changes the one of that name; running beats pick it up at their next tick. */
export function addSchedule(
  app: AppContext, name: string, signature: ScheduleSignature, timing: ScheduleTiming, options?: ScheduleOptions,
): Promise<{ version: number; outcome: 'added' | 'changed' | 'unchanged' }> {
  return storeSchedule(app, defineSchedule(name, signature, timing, options, 'runtime'));
}

/** Removes a schedule and its progress; true when it existed. Added again, it gets a new version. */
export async function removeSchedule(app: AppContext, name: string): Promise<boolean> {
  const redis = await connect(app);
  // Blind writes, so MULTI: both fields go together or not at all.
  const replies = await redis.multi().hdel(app.keys.beatSchedules(), name).hdel(app.keys.beatState(), name).exec();
  for (const [error] of replies ?? []) if (error) throw error;
  return replies?.[0]?.[1] === 1;
}

/**
 * Every stored schedule with its state; unreadable entries, and with signing keys those whose
 * signature does not hold (or, with `require`, unsigned ones), go to `onBad`, not thrown.
 */
export async function loadSchedules(redis: Redis, app: Pick<AppContext, 'keys' | 'config'>, onBad: (name: string, why?: string) => void): Promise<StoredSchedule[]> {
  const [[definitionsError, definitions], [stateError, states]] = (await redis.multi()
    .hgetall(app.keys.beatSchedules()).hgetall(app.keys.beatState()).exec()) as [[Error | null, Record<string, string>], [Error | null, Record<string, string>]];
  if (definitionsError || stateError) throw definitionsError ?? stateError;
  const stored: StoredSchedule[] = [];
  const { signing } = app.config;
  for (const [name, raw] of Object.entries(definitions)) {
    if (signing !== undefined) {
      let verdict;
      try {
        verdict = verifySchedule(JSON.parse(raw) as Record<string, unknown>, signing);
      } catch {
        verdict = undefined; // not JSON: reported as unreadable below
      }
      if (verdict !== undefined && !verdict.ok) {
        onBad(name, `refused (${verdict.reason}: ${verdict.error})`);
        continue;
      }
    }
    const definition = parseDefinition(raw);
    let state: ScheduleState | undefined;
    try {
      state = states[name] === undefined ? undefined : (JSON.parse(states[name]) as ScheduleState);
    } catch {
      state = undefined; // reported just below with the definition
    }
    if (definition === undefined || definition.name !== name || state === undefined || typeof state.version !== 'number') onBad(name);
    else stored.push({ definition, state });
  }
  return stored.sort((a, b) => a.definition.name.localeCompare(b.definition.name));
}

/** Every schedule with its last and next slot, and the current leader's token (if any). */
export async function listSchedules(app: AppContext): Promise<{ schedules: ScheduleEntry[]; leader: string | undefined; unreadable: string[] }> {
  const redis = await connect(app);
  const unreadable: string[] = [];
  const stored = await loadSchedules(redis, app, (name) => unreadable.push(name));
  const leader = (await redis.get(app.keys.beatLeader())) ?? undefined;
  const schedules = stored.map((entry) => ({
    ...entry, timing: describeTiming(entry.definition), nextSlotMs: nextSlotAfter(entry.definition, entry.state.handledThroughMs),
  }));
  return { schedules, leader, unreadable };
}

/**
 * At a beat's start: store each of the app's schedules (same definition: no change), and
 * remove stored app schedules the app no longer defines, as RedBeat does with its statics.
 * Run-time schedules are left alone.
 */
export async function mergeAppSchedules(app: AppContext, own: ReadonlyMap<string, ScheduleDefinition>, log: (line: string) => void): Promise<void> {
  for (const definition of own.values()) {
    const { version, outcome } = await storeSchedule(app, definition);
    if (outcome !== 'unchanged') log(`[hardq] beat: schedule ${definition.name} ${outcome} (version ${version}, ${describeTiming(definition)})`);
  }
  const redis = await connect(app);
  const stored = await loadSchedules(redis, app, () => {});
  for (const { definition } of stored) {
    if (definition.origin !== 'app' || own.has(definition.name)) continue;
    await removeSchedule(app, definition.name);
    log(`[hardq] beat: removed schedule ${definition.name}: the app no longer defines it`);
  }
}
