/**
 * Runs lesson 1's demo (scripts/workshop/offload.ts) as its npm script does, on a test's
 * own Redis, and reads its table as a participant reads it.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Resolves with the exit code and all the output (stdout and stderr). */
export function runOffload(args: string[], redisUrl: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'scripts/workshop/offload.ts', ...args], {
    cwd: root, env: { ...process.env, REDIS_URL: redisUrl }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  const guard = setTimeout(() => child.kill('SIGKILL'), 90_000);
  return new Promise((resolve) => child.once('exit', (code) => {
    clearTimeout(guard);
    resolve({ code, output });
  }));
}

/** A table row's two numbers: blocking, then offloaded. */
export function tableRow(output: string, name: string): [number, number] {
  const match = new RegExp(`^${name}\\s+([\\d.]+)\\D.*?\\s([\\d.]+)`, 'm').exec(output);
  assert.ok(match, `the table has a ${name} row:\n${output}`);
  return [Number(match[1]), Number(match[2])];
}
