/**
 * Runs one lesson of docs/WORKSHOP.md as a participant would: its marked commands in page
 * order, each with `sh -c` in the repo root and REDIS_URL set to the test's private server.
 * A background command (a worker, a beat) runs in a process group of its own until the
 * lesson ends, then is stopped by that group's id (SIGINT, as Ctrl-C; SIGKILL after a deadline).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunStep } from './workshop-page.ts';
import { waitFor } from './wait-for.ts';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export type StepOutcome = { step: RunStep; output: string; code: number | null };

/** `exited`: the shell's own exit; `closed`: every process of the group let go of its output. */
type Running = { step: RunStep; child: ChildProcess; output: () => string; exited: Promise<number | null>; closed: Promise<number | null> };

export type LessonOptions = {
  redisUrl: string;
  /** How long a foreground command may run, and how long a `wait` or a background `expect` may take. */
  timeoutMs?: number;
  log?: (text: string) => void;
};

/**
 * The test owns the Redis: a line that sets REDIS_URL (the page's setup for a participant)
 * is dropped, and so is anything that installs packages, which must never run against the
 * shared node_modules.
 */
export function runnable(command: string): string {
  return command.split('\n').filter((line) => !/^\s*export REDIS_URL=/.test(line)).join('\n');
}

/** Why a step cannot run here, or undefined. */
export function refused(command: string): string | undefined {
  if (/\bnpm (?:ci|install|i)\b/.test(command)) return 'installs packages';
  return undefined;
}

function start(step: RunStep, redisUrl: string): Running {
  const env: NodeJS.ProcessEnv = { ...process.env, REDIS_URL: redisUrl, PATH: `${join(repoRoot, 'node_modules', '.bin')}${delimiter}${process.env.PATH ?? ''}` };
  // The test runner's own flags (--test, --conditions) must not leak into the page's processes.
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  const child = spawn('sh', ['-c', runnable(step.command)], { cwd: repoRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { step, child, output: () => output, exited, closed };
}

/**
 * Stops a command as Ctrl-C in its terminal does: SIGINT to its whole process group (sh,
 * npm, node and what they started), then SIGKILL to the group if it outlives the grace.
 * What a block started with `&` ignores SIGINT (sh does that to background jobs), so it
 * gets SIGTERM, as `kill %1` would send.
 */
async function stop(running: Running, first: NodeJS.Signals = 'SIGINT', graceMs = 15_000): Promise<void> {
  const group = running.child.pid!;
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-group, name);
    } catch {
      // The group is gone already: nothing left to stop.
    }
  };
  signal(first);
  const timer = setTimeout(() => signal('SIGKILL'), graceMs);
  await running.closed;
  clearTimeout(timer);
  // Anything the group's leader left behind goes too (a pool member that ignored SIGINT).
  signal('SIGKILL');
}

const where = (step: RunStep) => `WORKSHOP.md line ${step.line} (lesson ${step.lesson}, terminal ${step.terminal})`;

/**
 * Runs the steps in order and returns each one's output. Throws, naming the page's line, when
 * a foreground command exits with the wrong code, a `wait` text never comes, or an `expect`
 * does not match. Background commands are stopped before it returns, whatever happened.
 */
export async function runLesson(steps: RunStep[], options: LessonOptions): Promise<StepOutcome[]> {
  const timeoutMs = options.timeoutMs ?? 180_000;
  const background: Running[] = [];
  const outcomes: StepOutcome[] = [];
  try {
    let redisUrl = options.redisUrl;
    for (const step of steps) {
      options.log?.(`$ ${step.command}`);
      const running = start(step, redisUrl);
      if (step.background) {
        background.push(running);
        if (step.wait !== undefined) {
          await waitFor(() => running.output().includes(step.wait!), { timeoutMs, intervalMs: 100, what: `"${step.wait}" from ${where(step)}; output so far:\n${running.output()}` });
        }
        if (step.redisUrl !== undefined) {
          const pattern = new RegExp(step.redisUrl, 'm');
          const found = await waitFor(() => pattern.exec(running.output())?.[1], { timeoutMs, intervalMs: 100, what: `/${step.redisUrl}/ (the lesson's REDIS_URL) from ${where(step)}; output so far:\n${running.output()}` });
          redisUrl = found;
        }
        continue;
      }
      const timer = setTimeout(() => void stop(running), timeoutMs);
      const code = await running.exited;
      clearTimeout(timer);
      // What the block left running with `&` is stopped as the participant would (fg, Ctrl-C).
      await stop(running, 'SIGTERM');
      const output = running.output();
      options.log?.(output);
      if (code !== step.exit) throw new Error(`${where(step)} exited ${code}, the page expects ${step.exit}:\n${output}`);
      if (step.wait !== undefined && !output.includes(step.wait)) throw new Error(`${where(step)} never printed "${step.wait}":\n${output}`);
      if (step.expect !== undefined && !new RegExp(step.expect, 'm').test(output)) throw new Error(`${where(step)}: output does not match /${step.expect}/:\n${output}`);
      outcomes.push({ step, output, code });
    }
    for (const running of background) {
      const { step } = running;
      if (step.expect === undefined) continue;
      await waitFor(() => new RegExp(step.expect!, 'm').test(running.output()), { timeoutMs, intervalMs: 100, what: `/${step.expect}/ from ${where(step)}; output so far:\n${running.output()}` });
    }
  } finally {
    await Promise.all(background.map((running) => stop(running)));
  }
  for (const running of background) outcomes.push({ step: running.step, output: running.output(), code: await running.closed });
  return outcomes;
}
