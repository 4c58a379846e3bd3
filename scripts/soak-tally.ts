/**
 * The soak's bookkeeping: what was sent of each kind, what the workers' 'task' events say
 * became of it, and the verdict: every job accounted for, none run more often than sent,
 * and the dead-letter list as long as the dead letters sent (up to its trim).
 */
import type { TaskEvent } from 'hardq';
import { kindOfTask, mix, type Kind } from './soak-app.ts';

type State = TaskEvent['state'];
const finalStates: State[] = ['SUCCESS', 'FAILURE', 'REVOKED', 'DEAD'];

/** How each kind must end; `mayVanish`: dropped in Redis without an event (a revoke). */
const expected: Record<Kind, { ends: State[]; retriesPerJob: number; mayVanish?: boolean; deadLetter?: boolean }> = {
  result: { ends: ['SUCCESS'], retriesPerJob: 0 },
  ignoreResult: { ends: ['SUCCESS'], retriesPerJob: 0 },
  retryOnce: { ends: ['SUCCESS'], retriesPerJob: 1 },
  revoked: { ends: ['REVOKED'], retriesPerJob: 0, mayVanish: true },
  fail: { ends: ['FAILURE'], retriesPerJob: 0 },
  unknownTask: { ends: ['DEAD'], retriesPerJob: 0, deadLetter: true },
  // The handler's error is its result (FAILURE) and the message is dead-lettered too.
  nonErrorThrown: { ends: ['FAILURE', 'DEAD'], retriesPerJob: 0, deadLetter: true },
  malformed: { ends: ['DEAD'], retriesPerJob: 0, deadLetter: true },
};

/** The dead-letter list keeps the newest 10,000 entries (docs/PROTOCOL.md). */
export const deadLetterTrim = 10_000;

const zeroStates = (): Record<State, number> => ({ SUCCESS: 0, FAILURE: 0, RETRY: 0, REVOKED: 0, DEAD: 0 });

export class SoakTally {
  readonly sent = Object.fromEntries(Object.keys(mix).map((kind) => [kind, 0])) as Record<Kind, number>;
  readonly events = Object.fromEntries(Object.keys(mix).map((kind) => [kind, zeroStates()])) as Record<Kind, Record<State, number>>;
  /** Revokes that came back false: the task had already finished before it was due. */
  revokesRefused = 0;
  /** Events for task names the soak never sent. */
  readonly strangers = new Map<string, number>();
  /** Final events so far (what "jobs done" counts while the run goes on). */
  finished = 0;

  record(event: TaskEvent): void {
    const kind = kindOfTask(event.task);
    if (kind === undefined) {
      const name = `${event.task} ${event.state}`;
      this.strangers.set(name, (this.strangers.get(name) ?? 0) + 1);
      return;
    }
    this.events[kind][event.state]++;
    if (finalStates.includes(event.state)) this.finished++;
  }

  /** Sent jobs not yet finished, revoked ones left out (they may end without an event). */
  outstanding(): number {
    let count = 0;
    for (const kind of Object.keys(mix) as Kind[]) {
      if (expected[kind].mayVanish) continue;
      count += Math.max(0, this.sent[kind] - this.#ends(kind));
    }
    return count;
  }

  /** True when every kind that must end with an event has, retries included. */
  complete(): boolean {
    return (Object.keys(mix) as Kind[]).every((kind) => {
      const { mayVanish, retriesPerJob } = expected[kind];
      return (mayVanish || this.#ends(kind) >= this.sent[kind]) && this.events[kind].RETRY >= this.sent[kind] * retriesPerJob;
    });
  }

  /** Revoked jobs that ended without an event: dropped by Redis before they were due. */
  vanished(): number {
    return Math.max(0, this.sent.revoked - this.#ends('revoked'));
  }

  deadLettersSent(): number {
    return (Object.keys(mix) as Kind[]).filter((kind) => expected[kind].deadLetter).reduce((sum, kind) => sum + this.sent[kind], 0);
  }

  /** Every way the run went wrong, one sentence each; empty when nothing was lost. */
  problems(deadLetters: number): string[] {
    const problems: string[] = [];
    for (const kind of Object.keys(mix) as Kind[]) {
      const { ends, retriesPerJob, mayVanish } = expected[kind];
      const events = this.events[kind];
      const ended = this.#ends(kind);
      for (const state of finalStates) {
        if (events[state] > 0 && !ends.includes(state)) problems.push(`${kind}: ${events[state]} ended ${state}, expected ${ends.join(' or ')}`);
      }
      if (!mayVanish && ended < this.sent[kind]) problems.push(`${kind}: LOST ${this.sent[kind] - ended} of ${this.sent[kind]} (no final event)`);
      if (ended > this.sent[kind]) problems.push(`${kind}: ${ended - this.sent[kind]} more final events than jobs sent (${this.sent[kind]}): some ran twice`);
      if (events.RETRY !== this.sent[kind] * retriesPerJob) problems.push(`${kind}: ${events.RETRY} retries, expected ${this.sent[kind] * retriesPerJob}`);
    }
    if (this.revokesRefused > 0) problems.push(`revoked: ${this.revokesRefused} revokes returned false though the task was not due yet`);
    for (const [name, count] of this.strangers) problems.push(`${count} events for a task the soak never sent: ${name}`);
    const expectedDead = Math.min(this.deadLettersSent(), deadLetterTrim);
    if (deadLetters !== expectedDead) problems.push(`dead-letter list holds ${deadLetters}, expected ${expectedDead} (${this.deadLettersSent()} sent, trimmed to ${deadLetterTrim})`);
    return problems;
  }

  /** Event counts by kind, without the zeros, for the summary. */
  summary(): Record<string, Partial<Record<State, number>> & { sent: number }> {
    return Object.fromEntries((Object.keys(mix) as Kind[]).map((kind) => [kind, {
      sent: this.sent[kind],
      ...Object.fromEntries(Object.entries(this.events[kind]).filter(([, count]) => count > 0)),
    }]));
  }

  #ends(kind: Kind): number {
    return finalStates.reduce((sum, state) => sum + this.events[kind][state], 0);
  }
}
