/**
 * The fetch strategy: the one part of the consumer that differs between simple and
 * reliable mode (after Sidekiq's BasicFetch and its UnitOfWork). The worker loop calls
 * these methods and nothing else, so both modes share one loop.
 */
import type { TaskMessage } from '../shared/message.ts';
import type { FollowUp } from '../shared/follow-ups.ts';
import type { BatchEvent } from '../shared/event-batch.ts';

/**
 * A message taken from a queue, exactly as it sat there. `claimNumber`: where claim-batch.lua
 * put it in the consumer's claimed hash (reliable mode); the ack names it by that. Absent for
 * a message BLMOVE moved, and cleared when quarantine.lua moves it: those are named by text.
 */
export type Claimed = { raw: string; queue: string; claimNumber?: number };

/** What running a message left behind, ready to be written and acknowledged. */
export type Completion = {
  claimed: Claimed;
  /** The task id when the message had a readable one. */
  id?: string;
  /** Result record JSON; absent with ignoreResult or without an id. */
  result?: string;
  /** False for a result that is not final (RETRY): waiters need no wake-up. */
  announce?: boolean;
  /** Dead-letter entry JSON, when the message could not be run. */
  dead?: string;
  /** A message to put on the scheduled set (a retry, or a message that came early). */
  schedule?: { atMs: number; raw: string };
  /** Canvas follow-ups (consumer/canvas-step.ts), written in the same step as the ack. */
  followUps?: FollowUp[];
  /** The state to count, its task label and run time, and its event (task-events.ts fills these in). */
  count?: { state: string; task: string; runtimeMs?: number };
  event?: BatchEvent;
};

export interface FetchStrategy {
  readonly mode: 'simple' | 'reliable';
  /** Registers the consumer (reliable: heartbeat, reaper, consumer set). */
  start(): Promise<void>;
  /** Registers on a queue before the queue set lets fetch take from it (add_consumer). */
  joinQueue(queue: string): Promise<void>;
  /** Unregisters from a queue that fetch no longer takes from and the worker holds nothing of (cancel_consumer). */
  leaveQueue(queue: string): Promise<void>;
  /** Takes up to `max` messages; blocks at most the block timeout; [] on timeout or interrupt. */
  fetch(max: number): Promise<Claimed[]>;
  /** Called before a decoded message runs; 'gone' means it is no longer ours to run. */
  beforeRun(claimed: Claimed, message: TaskMessage): 'run' | Promise<'run' | 'gone'>;
  /** Writes results, dead letters and retries of one queue's finished messages and acknowledges them. */
  complete(queue: string, completions: Completion[]): Promise<void>;
  /** Puts unfinished messages back at the consuming end of their ready lists. */
  requeue(items: Claimed[]): Promise<void>;
  /** Wakes a fetch blocked in Redis without losing what it may have popped. */
  interrupt(): Promise<void>;
  /** Unregisters the consumer. */
  stop(): Promise<void>;
}
