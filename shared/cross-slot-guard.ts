/**
 * A test hook (issue 12): with HARDQ_CROSSSLOT_REPORT set to a file path, every connection
 * hardq opens appends a line to that file for each reply that says a step touched more than
 * one hash slot: Redis's CROSSSLOT, a script's "non local key" or "undeclared keys", and
 * ioredis's own refusals of a cluster pipeline or SSUBSCRIBE that spans slots. Child
 * processes inherit the variable, so a spawned worker's mistakes land in the same file;
 * the cluster test helper fails the test file when it is not empty. Unset, nothing is wrapped.
 */
import { appendFileSync } from 'node:fs';

const crossSlot = /CROSSSLOT|hash to the same slot|same slots allocation group|non local key|undeclared keys/;

type Command = { name: string; promise?: Promise<unknown> };
type Pipeline = { exec: (...args: unknown[]) => Promise<[Error | null, unknown][] | null> };
type Client = {
  sendCommand: (command: Command, ...rest: unknown[]) => unknown;
  pipeline: (...args: unknown[]) => Pipeline;
  multi: (...args: unknown[]) => Pipeline;
};

/** The report file, when this process runs under the cross-slot hook. */
export function crossSlotReportPath(): string | undefined {
  return process.env.HARDQ_CROSSSLOT_REPORT || undefined;
}

/** Wraps one connection so that its cross-slot errors are written to `reportPath`; the errors still reach the caller. */
export function guardCrossSlot(connection: object, reportPath: string, name = 'connection'): void {
  const client = connection as Client;
  const record = (what: string, error: unknown) => {
    const message = (error as Error | undefined)?.message ?? '';
    if (crossSlot.test(message)) appendFileSync(reportPath, `pid ${process.pid} ${name} ${what}: ${message}\n`);
  };
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command, ...rest) => {
    // A branch of the command's own promise: the caller still gets the rejection.
    command.promise?.catch((error: unknown) => record(command.name, error));
    return send(command, ...rest);
  };
  for (const method of ['pipeline', 'multi'] as const) {
    const open = client[method].bind(client);
    client[method] = (...args: unknown[]) => {
      const batch = open(...args);
      // multi({ pipeline: false }) returns a promise of 'OK', not a batch.
      if (typeof batch?.exec !== 'function') return batch;
      const exec = batch.exec.bind(batch);
      batch.exec = (...execArgs: unknown[]) => {
        const done = exec(...execArgs);
        done.then((replies) => replies?.forEach(([error]) => error && record(method, error)), (error: unknown) => record(method, error));
        return done;
      };
      return batch;
    };
  }
}
