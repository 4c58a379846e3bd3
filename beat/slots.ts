/**
 * Slot times: the fixed instants a schedule runs at, the same in every beat, and which of
 * them a tick sends. `every` slots are `offsetMs + k·every` since the epoch; cron slots come
 * from croner in the schedule's time zone (DST included). Pure functions: no Redis, no clock.
 */
import { Cron } from 'croner';
import type { ScheduleDefinition } from './schedule.ts';

const crons = new Map<string, Cron>();
function cronOf(definition: ScheduleDefinition): Cron {
  const cacheKey = `${definition.tz ?? 'UTC'} ${definition.cron}`;
  let cron = crons.get(cacheKey);
  if (cron === undefined) {
    cron = new Cron(definition.cron!, { timezone: definition.tz ?? 'UTC', paused: true });
    crons.set(cacheKey, cron);
  }
  return cron;
}

/** The first slot strictly after `afterMs`, or undefined when a cron has no more. */
export function nextSlotAfter(definition: ScheduleDefinition, afterMs: number): number | undefined {
  if (definition.every !== undefined) {
    const offset = definition.offsetMs ?? 0;
    return offset + (Math.floor((afterMs - offset) / definition.every) + 1) * definition.every;
  }
  return cronOf(definition).nextRun(new Date(afterMs))?.getTime();
}

/** The newest slot at or before `atMs`. */
export function latestSlotAtOrBefore(definition: ScheduleDefinition, atMs: number): number | undefined {
  if (definition.every !== undefined) {
    const offset = definition.offsetMs ?? 0;
    return offset + Math.floor((atMs - offset) / definition.every) * definition.every;
  }
  // croner counts a run earlier in the same second as the reference: +1 ms makes atMs itself count.
  return cronOf(definition).previousRuns(1, new Date(atMs + 1))[0]?.getTime();
}

/** Up to `max` slots s with afterMs < s <= untilMs, oldest first. */
export function slotsBetween(definition: ScheduleDefinition, afterMs: number, untilMs: number, max: number): number[] {
  const slots: number[] = [];
  for (let slot = nextSlotAfter(definition, afterMs); slot !== undefined && slot <= untilMs && slots.length < max; slot = nextSlotAfter(definition, slot)) {
    slots.push(slot);
  }
  return slots;
}

/** The gap from the slot after `atMs` to the one after it: a cron's period where it is now. */
export function periodMs(definition: ScheduleDefinition, atMs: number): number {
  if (definition.every !== undefined) return definition.every;
  const next = nextSlotAfter(definition, atMs);
  const after = next === undefined ? undefined : nextSlotAfter(definition, next);
  return next === undefined || after === undefined ? 86_400_000 : after - next;
}

/**
 * How long a slot's marker lives: 10 periods, at least 1 h, and past the starting deadline.
 * A beat never tries a slot older than this minus one period (see planSlots), so every slot
 * it tries either was never sent or still has its marker.
 */
export function markerTtlMs(definition: ScheduleDefinition, atMs: number): number {
  const period = periodMs(definition, atMs);
  return Math.max(10 * period, 3_600_000, (definition.startingDeadlineMs ?? 0) + 2 * period);
}

export type SlotPlan = {
  /** Slots to send now, oldest first. */
  send: number[];
  /** The newest slot sent or skipped by this plan (undefined when none was due). */
  handledThroughMs: number | undefined;
  /** Due slots this plan leaves out (catchUp or startingDeadlineMs). */
  skipped: number;
};

/**
 * Which slots to send at `nowMs`, given that every slot up to `handledThroughMs` is handled
 * and that this beat has led since `leaderSinceMs`. Slots due before then were missed (no
 * beat led): catchUp decides. Slots older than the starting deadline (or than the marker
 * can vouch for) are skipped. At most `max` slots; the rest wait for the next tick.
 */
export function planSlots(
  definition: ScheduleDefinition, at: { handledThroughMs: number; nowMs: number; leaderSinceMs: number; max: number },
): SlotPlan {
  const { handledThroughMs, nowMs, max } = at;
  const oldestMs = nowMs - Math.min(definition.startingDeadlineMs ?? Infinity, markerTtlMs(definition, nowMs) - periodMs(definition, nowMs));
  const missedBeforeMs = Math.min(at.leaderSinceMs, nowMs + 1);
  let candidates: number[];
  if (definition.catchUp === 'all') {
    candidates = slotsBetween(definition, Math.max(handledThroughMs, oldestMs - 1), nowMs, max);
  } else {
    // Only the newest missed slot matters to 'latest' and 'none': no need to list the rest.
    const latestMissed = latestSlotAtOrBefore(definition, missedBeforeMs - 1);
    const missed = latestMissed !== undefined && latestMissed > handledThroughMs ? [latestMissed] : [];
    candidates = [...missed, ...slotsBetween(definition, Math.max(handledThroughMs, missedBeforeMs - 1), nowMs, max)].slice(0, max);
  }
  const send = candidates.filter((slot) => slot >= oldestMs && (definition.catchUp !== 'none' || slot >= missedBeforeMs));
  return { send, handledThroughMs: candidates.at(-1), skipped: candidates.length - send.length };
}
