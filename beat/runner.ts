/**
 * `hardq beat`: any number may run; the one holding the lease sends the due slots.
 * Each tick:
 * 1. read Redis's clock on the {control} master (every beat computes slots on the same clock);
 * 2. take or renew the lease (lease.ts); followers stop here;
 * 3. read the schedules (run-time changes show up within a tick) and plan each one's slots;
 * 4. send each slot with enqueue-slot.lua (marker and LPUSH in the target queue's slot),
 *    then move the schedule's state forward with record-slot.lua.
 * Keys: beatLeader, beatSchedules, beatState, and per slot beatSlot and ready.
 */
import type { Redis } from 'ioredis';
import type { AppContext } from '../shared/app-config.ts';
import { defineScripts, enqueueSlot, recordSlot } from '../shared/scripts.ts';
import { buildMessage } from '../producer/send.ts';
import { InvalidOptionError } from '../shared/errors.ts';
import { Lease } from './lease.ts';
import { loadSchedules, mergeAppSchedules, type StoredSchedule } from './store.ts';
import { markerTtlMs, planSlots } from './slots.ts';
import type { ScheduleDefinition } from './schedule.ts';

export type BeatOptions = {
  /** How long the lead lasts without a renewal, in ms; a killed leader's successor takes over within about this. @default 10000 */
  leaseMs?: number;
  /** How often each beat wakes, in ms: followers try for the lease, the leader sends due slots. @default 250 */
  tickMs?: number;
  /** The most slots one schedule sends in one tick (catching up); the rest follow next tick. @default 100 */
  maxSlotsPerTick?: number;
  /** Where the beat writes its log lines. @default the app's log */
  log?: (line: string) => void;
  /** Test seam: runs after the lease check and before each slot is sent (tests pause here past the lease). @default none */
  beforeSend?: (slot: { name: string; slotMs: number }) => Promise<void> | void;
};

/** The app as a beat needs it: its context and its own schedules. */
export type BeatApp = AppContext & { readonly schedules: ReadonlyMap<string, ScheduleDefinition> };

/** A slot's task id: the schedule's name, its version and the slot time, so a slot is one id forever. */
export function slotTaskId(name: string, version: number, slotMs: number): string {
  return `${name}:v${version}:${slotMs}`;
}

export class Beat {
  readonly lease: Lease;
  /** Ticks finished; slots this beat sent, found already sent by another beat, and skipped. */
  readonly counts = { ticks: 0, sent: 0, alreadySent: 0, skipped: 0 };
  readonly #app: BeatApp;
  readonly #tickMs: number;
  readonly #max: number;
  readonly #log: (line: string) => void;
  readonly #beforeSend: BeatOptions['beforeSend'];
  #leaderSinceMs = 0;
  #closing = false;
  #timer: NodeJS.Timeout | undefined;
  #wake: (() => void) | undefined;
  #done: Promise<void> | undefined;
  readonly #unreadable = new Set<string>();

  constructor(app: BeatApp, options: BeatOptions = {}) {
    const { leaseMs = 10_000, tickMs = 250, maxSlotsPerTick = 100 } = options;
    for (const [name, value] of Object.entries({ leaseMs, tickMs, maxSlotsPerTick })) {
      if (!Number.isInteger(value) || value <= 0) throw new InvalidOptionError(`beat ${name} must be a positive whole number, got ${JSON.stringify(value)}`);
    }
    if (tickMs * 3 > leaseMs) throw new InvalidOptionError(`beat tickMs (${tickMs}) must be at most a third of leaseMs (${leaseMs}), to renew in time`);
    this.#app = app;
    this.#tickMs = tickMs;
    this.#max = maxSlotsPerTick;
    this.#log = options.log ?? app.config.log;
    this.#beforeSend = options.beforeSend;
    this.lease = new Lease(app.keys.beatLeader(), leaseMs);
  }

  get isLeader(): boolean {
    return this.lease.held;
  }

  /** Redis time from which this beat's lead counts (slots before it were missed), epoch ms. */
  get leaderSinceMs(): number {
    return this.#leaderSinceMs;
  }

  /** Merges the app's schedules into Redis and starts ticking; resolves once the merge is done. */
  async start(): Promise<void> {
    await mergeAppSchedules(this.#app, this.#app.schedules, this.#log);
    this.#done = this.#loop();
  }

  /**
   * Stops ticking and gives the lease back, so another beat leads at its next tick. Waits
   * at most `closeTimeoutMs` for a tick in flight and for the release: commands wait for
   * Redis while it is away, and a beat must still stop then.
   */
  async close(closeTimeoutMs = 2000): Promise<void> {
    this.#closing = true;
    clearTimeout(this.#timer);
    this.#wake?.();
    const gaveUp = (what: string) => () => this.#log(`[hardq] beat: ${what} (Redis not answering?); the lease expires by itself`);
    if (!(await within(this.#done ?? Promise.resolve(), closeTimeoutMs))) return gaveUp(`stopped without waiting for the tick in flight after ${closeTimeoutMs} ms`)();
    const redis = await this.#app.connection();
    // If we crash here: the lease is still ours until it expires; a successor waits out leaseMs.
    const released = this.lease.release(redis).catch((error: unknown) => gaveUp(`could not release the lease: ${(error as Error).message}`)());
    if (!(await within(released, closeTimeoutMs))) gaveUp(`no answer to the lease release after ${closeTimeoutMs} ms`)();
  }

  async #loop(): Promise<void> {
    while (!this.#closing) {
      try {
        await this.tick();
        this.counts.ticks++;
      } catch (error) {
        // A tick that failed changes nothing that the next tick cannot redo; past the lease we stop leading.
        if (!this.lease.held) this.lease.drop();
        this.#log(`[hardq] beat: tick failed (${(error as Error).message}); trying again in ${this.#tickMs} ms`);
      }
      if (this.#closing) break;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        this.#timer = setTimeout(resolve, this.#tickMs);
      });
    }
  }

  /** One tick (exposed for tests); run by the loop every tickMs. */
  async tick(): Promise<void> {
    const redis = await this.#app.connection();
    defineScripts(redis);
    const nowMs = await controlClockMs(redis, this.#app.keys.beatLeader());
    const lead = await this.lease.lead(redis);
    if (lead === 'lost') this.#log(`[hardq] beat ${this.lease.token}: lost the lead (another beat holds the lease)`);
    if (lead === 'took') {
      // A slot due within one tick before we took the lead is on time, not missed: the
      // previous leader may have released the lease a moment ago.
      this.#leaderSinceMs = nowMs - this.#tickMs;
      this.#log(`[hardq] beat ${this.lease.token}: leading since ${new Date(nowMs).toISOString()}`);
    }
    if (lead === 'lost' || lead === 'follower') return;
    const schedules = await loadSchedules(redis, this.#app, (name, why) => {
      if (!this.#unreadable.has(name)) this.#log(`[hardq] beat: schedule ${name} in Redis is ${why ?? 'unreadable'}; skipping it`);
      this.#unreadable.add(name);
    });
    for (const schedule of schedules) {
      if (this.#closing || !this.lease.held) return;
      await this.#runSchedule(redis, schedule, nowMs);
    }
  }

  async #runSchedule(redis: Redis, { definition, state }: StoredSchedule, nowMs: number): Promise<void> {
    const plan = planSlots(definition, { handledThroughMs: state.handledThroughMs, nowMs, leaderSinceMs: this.#leaderSinceMs, max: this.#max });
    if (plan.handledThroughMs === undefined) return;
    this.counts.skipped += plan.skipped;
    const { name } = definition;
    const record = (handledThroughMs: number, sent?: { id: string; slotMs: number }) =>
      recordSlot(redis, this.#app.keys.beatState(), { name, version: state.version, handledThroughMs, sent });
    let recordedThroughMs: number | undefined;
    for (const slotMs of plan.send) {
      if (this.#closing || !this.lease.held) return; // the slots not sent yet stay due for the next leader
      await this.#beforeSend?.({ name, slotMs });
      const id = slotTaskId(name, state.version, slotMs);
      let message;
      try {
        message = buildMessage(this.#app, definition.task, definition.args, { queue: definition.queue, kwargs: definition.kwargs, taskId: id });
      } catch (error) {
        // It will not build next time either: skip the slot rather than retry it every tick.
        this.#log(`[hardq] beat: schedule ${name} slot ${new Date(slotMs).toISOString()} skipped: ${(error as Error).message}`);
        this.counts.skipped++;
        continue;
      }
      const keys = { marker: this.#app.keys.beatSlot(message.queue, id), ready: this.#app.keys.ready(message.queue) };
      // If we crash here: nothing of this slot is written; the next leader sends it (catchUp permitting).
      if (await enqueueSlot(redis, keys, message.raw, markerTtlMs(definition, slotMs))) this.counts.sent++;
      else this.counts.alreadySent++;
      // If we crash here: the slot is sent and marked, but beatState does not say so; the
      // next leader tries it again and enqueue-slot.lua refuses it: not sent twice.
      await record(slotMs, { id, slotMs });
      recordedThroughMs = slotMs;
    }
    // Slots left out (catchUp, startingDeadlineMs, unbuildable) after the last one sent: handled too.
    if (recordedThroughMs !== plan.handledThroughMs) await record(plan.handledThroughMs);
  }
}

/**
 * Redis's clock in epoch ms, read on the `{control}` master. On a cluster a bare TIME goes to
 * any node, and nodes' clocks may differ: every beat must plan on one clock, the one that
 * add-schedule.lua stamps createdAtMs with. The GET of the lease only routes the transaction.
 */
async function controlClockMs(redis: Redis, leaseKey: string): Promise<number> {
  const replies = await redis.multi().get(leaseKey).time().exec();
  const [error, time] = replies?.[1] ?? [new Error('the clock read was discarded; trying again next tick'), undefined];
  if (error) throw error;
  const [seconds, micros] = time as [string, string];
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/** True when `promise` settled within `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(resolve, ms, false)));
  const settled = await Promise.race([promise.then(() => true, () => true), late]);
  clearTimeout(timer);
  return settled;
}

/** Starts a beat for this app: merges the app's schedules, then ticks until `close()`. */
export async function runBeat(app: BeatApp, options?: BeatOptions): Promise<Beat> {
  const beat = new Beat(app, options);
  await beat.start();
  return beat;
}
