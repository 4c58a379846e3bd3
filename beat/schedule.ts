/**
 * A periodic schedule as the app defines it (`app.schedule(...)`) and as Redis stores it:
 * a task with its arguments, when it runs (`every` or `cron`), and what to do with slots
 * missed while no beat led. Checked here, so a bad schedule fails the call that made it.
 * Touches no key.
 */
import { Cron } from 'croner';
import { InvalidOptionError } from '../shared/errors.ts';
import { assertJson, type JsonValue } from '../shared/json-value.ts';
import { checkQueueName } from '../shared/options.ts';
import { Signature } from '../producer/canvas.ts';

/** What a schedule sends: a task name (or a task) with its arguments. */
export type ScheduleSignature = {
  task: string | { readonly name: string };
  /** Positional arguments. @default [] */
  args?: unknown[];
  /** Keyword arguments, handed to bound handlers as `ctx.kwargs`. */
  kwargs?: { [key: string]: unknown };
  /** The queue to send to. @default the task's route, as for `sendTask` */
  queue?: string;
};

/** A task signature (`add.s(2, 2)`) as a schedule: its task, args, kwargs and queue. */
function fromSignature(name: string, signature: Signature): ScheduleSignature {
  if (signature.links.length > 0 || signature.errorLinks.length > 0 || signature.options.countdownMs !== undefined) {
    throw new InvalidOptionError(`schedule ${name}: a scheduled signature takes no link, linkError or countdownMs; schedule the plain task`);
  }
  const plain: ScheduleSignature = { task: signature.task, args: signature.args };
  if (signature.kwargs !== undefined) plain.kwargs = signature.kwargs;
  if (signature.options.queue !== undefined) plain.queue = signature.options.queue;
  return plain;
}

/**
 * When it runs. `every`: slots at `offsetMs + k·every` since the epoch, so every beat
 * computes the same slots; a string is `'500ms'`, `'30s'`, `'5m'`, `'2h'` or `'1d'`.
 * `cron`: 5 fields (6 with seconds first), read in `tz` (an IANA zone; default UTC).
 * @example { every: '30s' }  { every: 60_000, offsetMs: 15_000 }  { cron: '0 9 * * 1-5', tz: 'Europe/Berlin' }
 */
export type ScheduleTiming = { every: string | number; offsetMs?: number } | { cron: string; tz?: string };

export type CatchUp = 'latest' | 'none' | 'all';

export type ScheduleOptions = {
  /**
   * Slots that came due while no beat led (all beats down, or a takeover): `'latest'`
   * sends the newest of them once, `'none'` sends none, `'all'` sends each, oldest first.
   * Slots due while a beat leads are always sent. @default 'latest'
   */
  catchUp?: CatchUp;
  /** A slot older than this, in ms, when a beat gets to it is skipped, whatever catchUp says. @default none */
  startingDeadlineMs?: number;
};

/** The stored form: plain JSON, the same in every beat. `every` in ms. */
export type ScheduleDefinition = {
  name: string;
  task: string;
  args: JsonValue[];
  kwargs?: { [key: string]: JsonValue };
  queue?: string;
  every?: number;
  offsetMs?: number;
  cron?: string;
  tz?: string;
  catchUp: CatchUp;
  startingDeadlineMs?: number;
  /** 'app': from app.schedule, merged at each beat's start; 'runtime': added through addSchedule or the CLI. */
  origin: 'app' | 'runtime';
};

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `'30s'` → 30000; a number is already ms. At least 100 ms. */
export function parseEvery(every: string | number): number {
  const match = typeof every === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(every) : null;
  const ms = typeof every === 'number' ? every : match ? Number(match[1]) * units[match[2]!]! : NaN;
  if (!Number.isInteger(ms) || ms < 100) {
    throw new InvalidOptionError(`every must be a whole number of ms (at least 100) or a duration such as '30s', '5m', '1h', got ${JSON.stringify(every)}`);
  }
  return ms;
}

/** Throws InvalidOptionError unless `tz` is an IANA time zone this runtime knows. */
function checkTimeZone(tz: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    throw new InvalidOptionError(`tz must be an IANA time zone such as 'Europe/Berlin', got ${JSON.stringify(tz)}`);
  }
}

/** Checks everything and returns the stored form. */
export function defineSchedule(
  name: string, given: ScheduleSignature | Signature, timing: ScheduleTiming, options: ScheduleOptions = {}, origin: 'app' | 'runtime' = 'app',
): ScheduleDefinition {
  const signature = given instanceof Signature ? fromSignature(name, given) : given;
  if (typeof name !== 'string' || !/^[\w.:@-]{1,200}$/.test(name)) {
    throw new InvalidOptionError(`schedule name must be 1-200 letters, digits or . : @ - _, got ${JSON.stringify(name)}`);
  }
  const task = typeof signature?.task === 'string' ? signature.task : signature?.task?.name;
  if (typeof task !== 'string' || task === '') throw new InvalidOptionError(`schedule ${name}: task must be a task name or a task`);
  const args = signature.args ?? [];
  if (!Array.isArray(args)) throw new InvalidOptionError(`schedule ${name}: args must be an array`);
  assertJson(args, 'args');
  if (signature.kwargs !== undefined) assertJson(signature.kwargs, 'kwargs');
  if (signature.queue !== undefined) checkQueueName(signature.queue, `schedule ${name}`);
  const definition: ScheduleDefinition = { name, task, args: JSON.parse(JSON.stringify(args)) as JsonValue[], catchUp: options.catchUp ?? 'latest', origin };
  if (signature.kwargs !== undefined) definition.kwargs = JSON.parse(JSON.stringify(signature.kwargs)) as { [key: string]: JsonValue };
  if (signature.queue !== undefined) definition.queue = signature.queue;
  if ('every' in timing) {
    definition.every = parseEvery(timing.every);
    const offsetMs = timing.offsetMs ?? 0;
    if (!Number.isInteger(offsetMs) || offsetMs < 0) throw new InvalidOptionError(`schedule ${name}: offsetMs must be a whole number of ms >= 0`);
    if (offsetMs !== 0) definition.offsetMs = offsetMs % definition.every;
  } else if (timing !== null && typeof timing === 'object' && typeof timing.cron === 'string') {
    if (timing.tz !== undefined) checkTimeZone(timing.tz);
    try {
      new Cron(timing.cron, { timezone: timing.tz ?? 'UTC', paused: true });
    } catch (error) {
      throw new InvalidOptionError(`schedule ${name}: cron ${JSON.stringify(timing.cron)} is not valid (${(error as Error).message})`);
    }
    definition.cron = timing.cron;
    if (timing.tz !== undefined) definition.tz = timing.tz;
  } else {
    throw new InvalidOptionError(`schedule ${name}: give { every: '30s' } or { cron: '*/5 * * * *', tz? }`);
  }
  if (!['latest', 'none', 'all'].includes(definition.catchUp)) {
    throw new InvalidOptionError(`schedule ${name}: catchUp must be 'latest', 'none' or 'all', got ${JSON.stringify(options.catchUp)}`);
  }
  if (options.startingDeadlineMs !== undefined) {
    if (!Number.isInteger(options.startingDeadlineMs) || options.startingDeadlineMs <= 0) {
      throw new InvalidOptionError(`schedule ${name}: startingDeadlineMs must be a positive whole number of ms`);
    }
    definition.startingDeadlineMs = options.startingDeadlineMs;
  }
  return definition;
}

/** The stored definition, or undefined when it is not one (logged by the caller, never thrown at a beat). */
export function parseDefinition(raw: string): ScheduleDefinition | undefined {
  try {
    const value = JSON.parse(raw) as ScheduleDefinition;
    const timing: ScheduleTiming = value.every !== undefined ? { every: value.every, offsetMs: value.offsetMs } : { cron: value.cron!, tz: value.tz };
    return defineSchedule(value.name, value, timing, value, value.origin === 'app' ? 'app' : 'runtime');
  } catch {
    return undefined; // the caller names the entry it could not read
  }
}

/** How a definition reads in a list: `every 30s`, `cron 0 9 * * 1-5 (Europe/Berlin)`. */
export function describeTiming(definition: ScheduleDefinition): string {
  if (definition.every !== undefined) {
    const unit = Object.entries(units).reverse().find(([, ms]) => definition.every! % ms === 0)!;
    const offset = definition.offsetMs ? ` +${definition.offsetMs}ms` : '';
    return `every ${definition.every / unit[1]}${unit[0]}${offset}`;
  }
  return `cron ${definition.cron} (${definition.tz ?? 'UTC'})`;
}
