/**
 * The worker's control mailbox (remote control, issue 11 item 2):
 * 1. every pollIntervalMs (±20 %) it RPOPs up to `batch` commands, oldest first, from its
 *    own list keys.controlCommands(id), where admin/control.ts LPUSHes them; a command
 *    stays there while the worker is busy or briefly away, until the list's TTL;
 * 2. a command past its deadline (Redis's clock) is dropped unanswered: its caller gave up;
 * 3. a malformed one gets an error reply, and a handler's error becomes one: never a crash;
 * 4. every reply goes through reply.lua, which writes only while the caller's reply-wait
 *    marker exists, and with its TTL: a late reply leaves no key behind;
 * 5. with signing keys, a command whose signature does not hold (or, with `require`, an
 *    unsigned one) is refused with an error reply and never reaches a handler.
 */
import type { Redis } from 'ioredis';
import type { Keys } from '../../shared/keys.ts';
import { writeReply } from '../../shared/scripts.ts';
import { decodeControlCommand, type ControlCommand, type ControlReply } from '../../shared/control-command.ts';
import { verify, type ResolvedSigning } from '../../shared/signing.ts';
import { startJitteredTimer, type JitteredTimer } from '../jittered-timer.ts';

/** How often a worker looks for commands, in ms: a command waits about this long for a worker. */
export const pollIntervalMs = 250;
const batch = 10;

/** A handler's answer: the reply's data, and what to do once the reply is written (shutdown). */
export type CommandResult = { data: Record<string, unknown>; after?: () => void };
export type CommandHandler = (command: ControlCommand) => Promise<CommandResult>;

export class ControlMailbox {
  #redis: Redis;
  #keys: Keys;
  #workerId: string;
  #nowMs: () => number;
  #handle: CommandHandler;
  #log: (line: string) => void;
  #timer: JitteredTimer | undefined;
  #round: Promise<void> = Promise.resolve();
  #failing = false;
  #signing: ResolvedSigning | undefined;

  constructor(options: { redis: Redis; keys: Keys; workerId: string; nowMs: () => number; handle: CommandHandler; log: (line: string) => void; signing?: ResolvedSigning }) {
    this.#signing = options.signing;
    this.#redis = options.redis;
    this.#keys = options.keys;
    this.#workerId = options.workerId;
    this.#nowMs = options.nowMs;
    this.#handle = options.handle;
    this.#log = options.log;
  }

  start(): void {
    this.#timer = startJitteredTimer(() => (this.#round = this.poll()), {
      intervalMs: pollIntervalMs, jitter: 0.2,
      onError: (error) => {
        // One line per outage: commands wait in the list meanwhile.
        if (!this.#failing) this.#log(`[hardq] control mailbox: could not read commands (${error.message}); they wait in Redis`);
        this.#failing = true;
      },
    });
  }

  /** Stops polling and waits for the round in flight. */
  async stop(): Promise<void> {
    await this.#timer?.stop();
    await this.#round.catch(() => {});
  }

  /** One round: answers every command waiting, up to `batch`. */
  async poll(): Promise<void> {
    const raws = await this.#redis.rpop(this.#keys.controlCommands(this.#workerId), batch);
    this.#failing = false;
    for (const raw of raws ?? []) await this.#answer(raw);
  }

  async #answer(raw: string): Promise<void> {
    const decoded = decodeControlCommand(raw);
    if (!decoded.ok) {
      if (decoded.id === undefined) return this.#log(`[hardq] control mailbox: dropped a command with no readable id (${decoded.error}): ${raw.slice(0, 200)}`);
      if (decoded.deadline !== undefined && decoded.deadline < this.#nowMs()) return;
      return this.#reply(decoded.id, { worker: this.#workerId, ok: false, error: decoded.error });
    }
    const { command } = decoded;
    // Its caller stopped waiting: acting now would surprise whoever retried since.
    if (command.deadline < this.#nowMs()) return this.#log(`[hardq] control mailbox: dropped ${command.command} ${command.id}, past its deadline`);
    if (this.#signing !== undefined) {
      // The raw object, not the decoded command, which keeps only the fields it knows.
      const verdict = verify(JSON.parse(raw) as Record<string, unknown>, this.#signing, 'control', this.#nowMs());
      if (!verdict.ok) {
        this.#log(`[hardq] control mailbox: refused ${command.command} ${command.id} (${verdict.reason}: ${verdict.error})`);
        return this.#reply(command.id, { worker: this.#workerId, ok: false, error: `refused (${verdict.reason}): ${verdict.error}` });
      }
    }
    let reply: ControlReply;
    let after: (() => void) | undefined;
    try {
      const result = await this.#handle(command);
      reply = { worker: this.#workerId, ok: true, data: result.data };
      after = result.after;
    } catch (error) {
      reply = { worker: this.#workerId, ok: false, error: (error as Error).message };
    }
    try {
      await this.#reply(command.id, reply);
    } finally {
      after?.();
    }
  }

  async #reply(requestId: string, reply: ControlReply): Promise<void> {
    const keys = { wait: this.#keys.controlReplyWait(requestId), reply: this.#keys.controlReply(requestId) };
    try {
      await writeReply(this.#redis, keys, JSON.stringify(reply));
    } catch (error) {
      // The command was done; only its answer is lost, and the caller reports a missing reply.
      this.#log(`[hardq] control mailbox: could not write the reply to ${requestId} (${(error as Error).message})`);
    }
  }
}
