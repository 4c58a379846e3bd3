/**
 * Consumer processes for the chaos run and the process tests: spawned as real node
 * processes (so `kill -9` hits a real pid), each with a time limit, all killed by pid when
 * this process exits, so that no test or run leaves an orphan consumer behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';

const root = fileURLToPath(new URL('..', import.meta.url));
/** The workshop command (`hardq worker`, cli/worker.ts) and the test entry with every option (scripts/chaos-worker.ts). */
export const entries = {
  cli: [fileURLToPath(new URL('../cli/main.ts', import.meta.url)), 'worker'],
  worker: [fileURLToPath(new URL('./chaos-worker.ts', import.meta.url))],
};
export const chaosAppPath = fileURLToPath(new URL('./chaos-app.ts', import.meta.url));

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

export type ConsumerProcess = {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Epoch ms of the spawn. */
  readonly startedAt: number;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves when it has exited, however that happened. */
  readonly exited: Promise<Exit>;
  /** kill -9, then waits for the exit. */
  kill9(): Promise<Exit>;
  /** SIGTERM (graceful stop), then waits for the exit. */
  terminate(): Promise<Exit>;
};

const live = new Set<ChildProcess>();
// Last resort: whatever happens to this process, its consumers go with it.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * Starts one consumer. `args` follow the entry: the CLI takes its own flags, the worker
 * entry takes `--worker '<JSON>'`. `timeLimitMs` (default 120 s) is a hard stop: kill -9.
 */
export function spawnConsumer(options: {
  entry?: keyof typeof entries; redis: string; app?: string; args?: string[]; timeLimitMs?: number;
  /** Receives each chunk of output as it arrives, besides output(). */
  onOutput?: (chunk: string) => void;
}): ConsumerProcess {
  const { entry = 'cli', redis, app = chaosAppPath, args = [], timeLimitMs = 120_000 } = options;
  const child = spawn(process.execPath, ['--import', 'tsx', ...entries[entry], '--app', app, '--redis', redis, ...args], {
    cwd: root, stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not spawn a consumer (${entries[entry].join(' ')})`);
  live.add(child);
  let output = '';
  const collect = (chunk: string) => {
    output += chunk;
    options.onOutput?.(chunk);
  };
  child.stdout!.setEncoding('utf8').on('data', collect);
  child.stderr!.setEncoding('utf8').on('data', collect);
  const limit = setTimeout(() => child.kill('SIGKILL'), timeLimitMs);
  limit.unref();
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      clearTimeout(limit);
      live.delete(child);
      resolve({ code, signal });
    });
  });
  const send = (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return { pid: child.pid, child, startedAt: Date.now(), output: () => output, exited, kill9: () => send('SIGKILL'), terminate: () => send('SIGTERM') };
}

/** Kills every consumer still running (by pid) and waits for them: for test teardown. */
export async function killAllConsumers(): Promise<void> {
  const waits = [...live].map((child) => new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  }));
  await Promise.all(waits);
}

/**
 * The consumer id a reliable consumer registered under (`<host>-<pid>-<random>`), or
 * undefined while it has not registered yet. Registration comes before its first claim.
 */
export async function registeredId(redis: Redis, consumersKey: string, pid: number): Promise<string | undefined> {
  const members = await redis.zrange(consumersKey, '0', '-1');
  return members.find((id) => id.includes(`-${pid}-`));
}
