/**
 * The cross-queue relay (issue 12, item 5). A step that must reach another queue (a chain
 * step, a callback, a chord part, a chord's init) is written to the source queue's outbox,
 * keys.outbox(queue), in the same atomic step as the ack. Every worker relays the outboxes
 * of the queues it consumes, oldest entry first:
 *   1. read: LRANGE the oldest entries (nothing is removed yet);
 *   2. deliver: relay-deliver.lua in the target queue's slot acts on each entry once,
 *      marked by keys.relayed(target, entry id) in the same step;
 *   3. forget: LREM each delivered entry from the outbox.
 * Each step touches one slot, so the same code runs on one Redis and on a Cluster. Two relays
 * on one outbox (two workers) may both deliver an entry: the marker makes the second a no-op.
 */
import type { Redis } from 'ioredis';
import type { Keys } from '../shared/keys.ts';
import { decodeOutboxEntry, relayMarkerTtlMs } from '../shared/follow-ups.ts';
import { relayDeliver } from '../shared/scripts.ts';

/** The steps a crash test can stop after (tests/relay.test.ts kills the process there). */
export type RelayStep = 'read' | 'delivered' | 'forgotten';

export type RelayOptions = {
  redis: Redis;
  keys: Keys;
  /** The queues whose outboxes this worker relays (the queues it consumes, read each round). */
  queues: () => Iterable<string>;
  /** A round runs at least this often, for entries a dead worker left behind. @default 1000 */
  intervalMs?: number;
  /** Entries taken from one outbox per round. @default 200 */
  batchSize?: number;
  log: (line: string) => void;
  /** For crash tests only: called after each step with the entries it handled. */
  afterStep?: (step: RelayStep, entries: string[]) => void;
};

export class Relay {
  #o: Required<Omit<RelayOptions, 'afterStep'>> & Pick<RelayOptions, 'afterStep'>;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(options: RelayOptions) {
    this.#o = { intervalMs: 1000, batchSize: 200, ...options };
  }

  start(): void {
    this.#stopped = false;
    this.#schedule();
  }

  /** Runs a round soon: called when a write put entries in an outbox. */
  poke(): void {
    if (this.#stopped) return;
    if (this.#running !== undefined) this.#again = true;
    else this.#running = this.#round();
  }

  /** Stops the timer and waits for the round in flight; entries left wait for the next relay. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => this.poke(), this.#o.intervalMs);
    this.#timer.unref();
  }

  async #round(): Promise<void> {
    try {
      for (const queue of [...this.#o.queues()]) {
        // A full batch means more may wait: drain this outbox before the next.
        while (!this.#stopped && (await this.relayOnce(queue)) === this.#o.batchSize);
      }
    } catch (error) {
      // If we crash here (or Redis fails): entries stay in the outbox; the next round resends them.
      this.#o.log(`[hardq] relay round failed (${(error as Error).message}); retrying in ${this.#o.intervalMs} ms`);
    } finally {
      this.#running = undefined;
      if (this.#again && !this.#stopped) {
        this.#again = false;
        this.poke();
      } else {
        clearTimeout(this.#timer);
        this.#schedule();
      }
    }
  }

  /** One batch from one outbox: read, deliver, forget. Returns how many entries it read. */
  async relayOnce(queue: string): Promise<number> {
    const { redis, keys } = this.#o;
    const outbox = keys.outbox(queue);
    const raws = await redis.lrange(outbox, -this.#o.batchSize, -1);
    if (raws.length === 0) return 0;
    this.#o.afterStep?.('read', raws);
    const byTarget = new Map<string, { marker: string; ready: string; scheduled: string; chord?: string; program: string }[]>();
    const forget: string[] = [];
    for (const raw of raws) {
      const entry = decodeOutboxEntry(raw);
      forget.push(raw);
      if (entry === undefined) {
        this.#o.log(`[hardq] dropping an unreadable outbox entry on "${queue}": ${raw.slice(0, 200)}`);
        continue;
      }
      const { header, program } = entry;
      const target = header.queue;
      const list = byTarget.get(target) ?? [];
      byTarget.set(target, list);
      list.push({
        marker: keys.relayed(target, header.entry), ready: keys.ready(target), scheduled: keys.scheduled(target),
        chord: header.chord === undefined ? undefined : keys.chord(target, header.chord), program,
      });
    }
    // Oldest first within each target, as they were written (LRANGE returned newest first).
    await Promise.all([...byTarget.values()].map((entries) => relayDeliver(redis, entries.reverse(), relayMarkerTtlMs)));
    // If we crash here: the entries are delivered but still in the outbox; the next relay
    // delivers them again, and relay-deliver.lua's markers make that a no-op.
    this.#o.afterStep?.('delivered', raws);
    const pipeline = redis.pipeline();
    for (const raw of forget) pipeline.lrem(outbox, -1, raw);
    const replies = (await pipeline.exec()) ?? [];
    for (const [error] of replies) if (error) throw error;
    this.#o.afterStep?.('forgotten', raws);
    return raws.length;
  }
}
