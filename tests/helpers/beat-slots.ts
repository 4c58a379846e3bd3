/**
 * For the ACL tests: a beat under a role's user sends a 100 ms schedule's slots to a queue
 * until `count` were sent and run, then stops, and every slot sent has run (so the worker
 * puts none back when it stops). The beat's own lines (schedule added, leading, stopped)
 * are its normal output; `beatWarnings` keeps the others.
 */
import { runBeat, type App } from 'hardq';
import { waitFor } from './wait-for.ts';

export async function beatUntilRun(app: App, name: string, queue: string, ran: () => number, count = 2): Promise<void> {
  app.schedule(name, { task: 'tick', args: ['beat'], queue }, { every: 100 });
  const beat = await runBeat(app, { tickMs: 50 });
  try {
    await waitFor(() => beat.isLeader && beat.counts.sent >= count && ran() >= count, { what: `${count} beat slots sent and run` });
  } finally {
    await beat.close(10_000);
  }
  await waitFor(() => ran() === beat.counts.sent, { what: 'the last beat slots run' });
}

/** The lines a beat printed besides its normal ones. */
export function beatWarnings(lines: string[], name: string): string[] {
  return lines.filter((line) => !line.includes(`schedule ${name} added`) && !/: leading since|: stopped|gave the lease back/.test(line));
}
