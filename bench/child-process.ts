/**
 * The harness side of a child process: spawn with a time limit, read its JSON report
 * lines, wait for one with a deadline, send it command lines, stop it by pid.
 * 1. Every child runs under coreutils `timeout`, so it dies on its own past its limit
 *    even if the harness is killed; the harness also stops it when it is done with it.
 * 2. Every child leads its own process group (detached), so stopping it and measuring
 *    its CPU take its pool processes too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { groupCpuUs } from './proc-cpu.ts';

export type Command = { argv: string[]; cwd?: string; env?: Record<string, string> };
export type Report = { event: string; t: number; [field: string]: unknown };

export class Child {
  readonly name: string;
  readonly pid: number;
  #process: ChildProcess;
  #reports: Report[] = [];
  #waiters = new Set<() => void>();
  #exited = false;
  #stderr: string[] = [];

  constructor(name: string, command: Command, limitS: number) {
    this.name = name;
    const [file, ...args] = ['timeout', '-k', '3', String(Math.ceil(limitS)), ...command.argv];
    this.#process = spawn(file!, args, {
      cwd: command.cwd, env: { ...process.env, ...command.env }, detached: true, stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.pid = this.#process.pid!;
    createInterface({ input: this.#process.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      try {
        this.#reports.push(JSON.parse(line) as Report);
      } catch {
        return; // not a report line (a framework's own output)
      }
      this.#wake();
    });
    // Keep the tail of stderr for the error message when the child fails.
    createInterface({ input: this.#process.stderr! }).on('line', (line) => {
      this.#stderr.push(line);
      if (this.#stderr.length > 20) this.#stderr.shift();
    });
    this.#process.stdin!.on('error', () => {}); // a child that exited closes its stdin; nothing to do
    this.#process.once('exit', () => {
      this.#exited = true;
      this.#wake();
    });
  }

  #wake(): void {
    for (const wake of this.#waiters) wake();
  }

  /** Resolves with the first report named `event`; rejects on an error report, exit or deadline. */
  waitFor(event: string, timeoutMs: number): Promise<Report> {
    return new Promise((resolve, reject) => {
      const deadline = setTimeout(() => finish(new Error(`${this.name}: no "${event}" within ${timeoutMs} ms${this.#tail()}`)), timeoutMs);
      const finish = (error?: Error, report?: Report) => {
        clearTimeout(deadline);
        this.#waiters.delete(check);
        if (error) reject(error);
        else resolve(report!);
      };
      const check = () => {
        const report = this.#reports.find((r) => r.event === event);
        const failed = this.#reports.find((r) => r.event === 'error');
        if (report) finish(undefined, report);
        else if (failed) finish(new Error(`${this.name}: ${String(failed.message)}`));
        else if (this.#exited) finish(new Error(`${this.name} exited before "${event}"${this.#tail()}`));
      };
      this.#waiters.add(check);
      check();
    });
  }

  #tail(): string {
    return this.#stderr.length > 0 ? `; stderr: ${this.#stderr.slice(-5).join(' | ')}` : '';
  }

  /** The report named `event`, if it has arrived. */
  report(event: string): Report | undefined {
    return this.#reports.find((r) => r.event === event);
  }

  send(line: string): void {
    if (!this.#exited) this.#process.stdin!.write(`${line}\n`);
  }

  /** CPU time of the child's whole process group so far, in µs. */
  cpuUs(): number {
    return groupCpuUs(this.pid);
  }

  /** Resolves when the child has exited by itself, or rejects past the deadline. */
  exited(timeoutMs: number): Promise<void> {
    return this.waitFor('\u0000never', timeoutMs).then(
      () => undefined,
      (error: Error) => {
        if (!this.#exited) throw error;
      },
    );
  }

  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves once the child has exited. */
  async stop(graceMs = 2000): Promise<void> {
    if (this.#exited) return;
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-this.pid, signal);
      } catch {
        // The group is already gone.
      }
    };
    signalGroup('SIGTERM');
    const killer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
    await new Promise<void>((resolve) => (this.#exited ? resolve() : this.#process.once('exit', () => resolve())));
    clearTimeout(killer);
    // Pool processes may outlive the leader for a moment.
    signalGroup('SIGKILL');
  }
}
