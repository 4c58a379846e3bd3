/**
 * The child side of the harness protocol, shared by every Node adapter:
 * 1. the spec arrives as one JSON argument (argv[2]);
 * 2. the child reports JSON lines on stdout, each `{ event, t, ... }` with `t` in epoch ms;
 * 3. the harness sends commands as lines on stdin; when stdin closes (the harness died),
 *    the child exits, so no benchmark process outlives its harness.
 */
import { createInterface } from 'node:readline';
import { nowMs } from '../payload.ts';

/** What every adapter is told. Each adapter reads the fields it needs. */
export type ChildSpec = {
  redisUrl: string;
  queue: string;
  /** producer: how many to send (bulk, single); worker: completions to wait for (drain). */
  n: number;
  role: 'bulk' | 'single' | 'paced' | 'drain' | 'latency' | 'serve';
  /** bulk: messages per call. @default 1000 */
  chunk?: number;
  /** paced: sends per second and for how long. */
  ratePerS?: number;
  durationMs?: number;
  /** Adapter-specific settings (concurrency, mode, ...). */
  settings?: Record<string, unknown>;
};

export function readSpec(): ChildSpec {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error('usage: <adapter> <spec as JSON>');
  return JSON.parse(raw) as ChildSpec;
}

/** Writes one report line; stdout to a pipe is synchronous on Linux, so lines are never lost on exit. */
export function emit(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ event, t: nowMs(), ...fields })}\n`);
}

/** This process's CPU time so far, in µs (user + system). */
export function cpuUs(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

/** Calls `handler` for each stdin line; exits when stdin closes. */
export function onCommand(handler: (line: string) => void): void {
  const lines = createInterface({ input: process.stdin });
  lines.on('line', handler);
  lines.on('close', () => process.exit(0));
}

/** Fails the child with one line the harness prints. */
export function fail(error: unknown): never {
  emit('error', { message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
