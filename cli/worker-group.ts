/**
 * `hardq worker --processes N|auto`: a parent that runs N worker processes (Node runs one
 * thread per process; `auto` is one per core) as one worker group:
 * 1. each child is `hardq worker` with the same flags and `--group <id>`, which its registry
 *    record carries, so `hardq inspect` shows the children together;
 * 2. SIGINT and SIGTERM are forwarded to every child, which stops as a lone worker does
 *    (stop-signals.ts): a first signal drains, a later one quits at once; the parent exits
 *    once every child has, 0 when all stopped cleanly;
 * 3. a child that dies (kill -9, out of memory) is restarted after a backoff that doubles
 *    with each quick death (1 s up to 30 s), so a child that cannot start is not respawned
 *    in a hot loop; its held messages come back through the reaper (reliable mode);
 * 4. a child that stops cleanly (exit 0: `hardq control shutdown`, a SIGTERM of its own) is
 *    not restarted, and the parent exits 0 once none is left; a child that exits 2 (a usage
 *    error) stops the group: every child would fail alike;
 * 5. each child has an IPC channel to the parent, and stops gracefully when it closes, so
 *    a parent killed with -9 leaves no orphan worker behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism, hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { UsageError } from './exit.ts';
import { sameSignalMs } from './stop-signals.ts';

/** The first restart's delay, the longest, and how long a child must live for the delay to start over, in ms. */
export const restartDelayMs = { first: 1000, max: 30_000, resetAfterLived: 30_000 };

/** `--processes`'s value: a whole number, or `auto` (one per core). */
export function parseProcesses(value: string): number {
  if (value === 'auto') return availableParallelism();
  const count = Number(value);
  if (!(Number.isSafeInteger(count) && count >= 1 && count <= 256)) throw new UsageError(`--processes must be auto or a whole number from 1 to 256, got ${value}`);
  return count;
}

/** The worker's own flags without --processes, for the children. */
export function childArgs(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--processes') i++;
    else if (!argv[i]!.startsWith('--processes=')) out.push(argv[i]!);
  }
  return out;
}

type Slot = { index: number; child?: ChildProcess; startedAt: number; quickDeaths: number; restart?: NodeJS.Timeout };

/** Runs the group until every child has exited after a stop; resolves with the exit code. */
export function runWorkerGroup(options: { count: number; argv: string[]; log: (line: string) => void }): Promise<number> {
  const { count, log } = options;
  const group = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  // The same node, loader flags (tsx) and entry script as this process.
  const command = [...process.execArgv, process.argv[1]!, 'worker', ...childArgs(options.argv), '--group', group];
  const slots: Slot[] = Array.from({ length: count }, (_, index) => ({ index, startedAt: 0, quickDeaths: 0 }));
  let stoppingAt: number | undefined;
  let exitCode = 0;
  let done!: (code: number) => void;
  const finished = new Promise<number>((resolve) => (done = resolve));

  const start = (slot: Slot) => {
    slot.restart = undefined;
    slot.startedAt = Date.now();
    const child = spawn(process.execPath, command, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    slot.child = child;
    child.once('exit', (code, signal) => onExit(slot, code, signal));
    child.once('error', (error) => {
      log(`[hardq] worker group ${group}: process ${slot.index + 1}: ${error.message}`);
      // Never started (no pid): no 'exit' follows, so count it as a death here.
      if (child.pid === undefined) onExit(slot, 1, null);
    });
  };

  const onExit = (slot: Slot, code: number | null, signal: NodeJS.Signals | null) => {
    const pid = slot.child?.pid;
    slot.child = undefined;
    const how = signal === null ? `exit code ${code}` : `signal ${signal}`;
    if (stoppingAt !== undefined) {
      if (code !== 0 && exitCode === 0) exitCode = code ?? 1;
      if (slots.every((other) => other.child === undefined)) done(exitCode);
      return;
    }
    if (code === 0) {
      log(`[hardq] worker group ${group}: process ${slot.index + 1} (pid ${pid}) stopped cleanly; not restarting it`);
      if (slots.every((other) => other.child === undefined && other.restart === undefined)) done(exitCode);
      return;
    }
    if (code === 2) {
      log(`[hardq] worker group ${group}: process ${slot.index + 1} (pid ${pid}) exited with a usage error; stopping the group`);
      exitCode = 2;
      return stop('SIGTERM');
    }
    const lived = Date.now() - slot.startedAt;
    slot.quickDeaths = lived >= restartDelayMs.resetAfterLived ? 0 : slot.quickDeaths + 1;
    const delayMs = Math.min(restartDelayMs.max, restartDelayMs.first * 2 ** Math.max(0, slot.quickDeaths - 1));
    log(`[hardq] worker group ${group}: process ${slot.index + 1} (pid ${pid}) died (${how}) after ${(lived / 1000).toFixed(1)} s; `
      + `starting a new one in ${(delayMs / 1000).toFixed(1)} s (reliable mode: a reaper gives its messages back)`);
    slot.restart = setTimeout(() => start(slot), delayMs);
  };

  const stop = (signal: NodeJS.Signals) => {
    stoppingAt ??= Date.now();
    for (const slot of slots) clearTimeout(slot.restart);
    const live = slots.filter((slot) => slot.child !== undefined);
    if (live.length === 0) return done(exitCode);
    for (const slot of live) slot.child!.kill(signal);
  };

  const onSignal = (signal: NodeJS.Signals) => {
    // The terminal signals the children too: a copy within sameSignalMs is the same press.
    if (stoppingAt !== undefined && Date.now() - stoppingAt < sameSignalMs) return;
    const again = stoppingAt !== undefined;
    log(`${signal}: ${again ? 'passing it on again (the workers quit at once)' : `passing it on to the ${count} worker processes of group ${group}, which finish their in-flight tasks`}`);
    stop(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  log(`[hardq] worker group ${group}: starting ${count} worker process(es)`);
  for (const slot of slots) start(slot);
  return finished.finally(() => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  });
}
