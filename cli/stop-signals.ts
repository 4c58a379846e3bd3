/**
 * Ctrl-C for `hardq worker`, made so that one press never loses work:
 * 1. the first SIGINT or SIGTERM stops fetching and lets in-flight tasks finish (close());
 * 2. another signal within sameSignalMs is the same press: npm forwards SIGINT to its child
 *    while the terminal signals the whole process group, so two arrive at once;
 * 3. a later signal quits at once and says how many messages it left, and where.
 */
import type { App, Worker } from 'hardq';

/** Signals this close together are one Ctrl-C, in ms. */
export const sameSignalMs = 500;

export type StopSignals = {
  /** Epoch ms of the first signal, or undefined while none came. */
  readonly firstAt: number | undefined;
  /** Messages in flight when the first signal came. */
  readonly inFlightAtSignal: number;
};

export function handleStopSignals(options: {
  app: App; worker: Worker; mode: 'reliable' | 'simple'; shutdownTimeoutMs: number; started: () => boolean; log: (line: string) => void;
}): StopSignals {
  const { app, worker, mode, log } = options;
  const state = { firstAt: undefined as number | undefined, inFlightAtSignal: 0 };
  const onSignal = (signal: NodeJS.Signals) => {
    const exitCode = signal === 'SIGINT' ? 130 : 143;
    const now = Date.now();
    if (state.firstAt === undefined) {
      state.firstAt = now;
      if (!options.started()) {
        log(`${signal}: stopped before the worker took any message`);
        process.exit(exitCode);
      }
      state.inFlightAtSignal = worker.inFlight;
      log(`${signal}: finishing in-flight tasks (${worker.inFlight} now, for up to ${options.shutdownTimeoutMs / 1000} s; `
        + `those not started yet go back to their queue); press Ctrl-C again to quit at once`);
      void worker.close();
      return;
    }
    // The second copy of the same Ctrl-C (npm's forward, or the tsx wrapper's resend).
    if (now - state.firstAt < sameSignalMs) return;
    const left = worker.inFlight;
    const where = mode === 'reliable'
      ? `they stay in ${worker.queues.map((queue) => app.keys.claimed(queue, worker.consumerId)).join(', ')} (or the processing lists beside them) `
        + 'and a running worker\'s reaper puts them back once this one\'s heartbeat expires'
      : 'simple mode held them only in memory, so they are lost';
    log(`${signal} again: quitting at once, leaving ${left} message(s) unfinished; ${left === 0 ? 'no task was running' : where}`);
    process.exit(exitCode);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return state;
}
