/**
 * A small chaos run in the suite: `scripts/chaos.ts` as a real process, with its own
 * redis-server, 2,000 jobs, 3 kill -9s of consumer processes and one Redis restart.
 * Reliable mode must lose nothing. The full-size figures are in docs/RELIABILITY.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const chaos = fileURLToPath(new URL('../scripts/chaos.ts', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));

type Verdict = { lost: number; completed: number; sent: number; kills: number; restarts: number; drained: boolean; crashes: number };

/** Runs the chaos script to its end (at most `timeLimitMs`, then kill -9) and returns its verdict. */
function runChaos(args: string[], timeLimitMs: number): Promise<{ code: number | null; verdict: Verdict; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', chaos, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  // On SIGTERM the script exits through its exit handlers, which kill its consumers and its
  // redis-server by pid; SIGKILL is the last resort if even that hangs.
  const limit = setTimeout(() => {
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  }, timeLimitMs);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      clearTimeout(limit);
      const line = /^chaos-json (.*)$/m.exec(output)?.[1];
      if (line === undefined) reject(new Error(`chaos printed no verdict (exit ${code}):\n${output}`));
      else resolve({ code, verdict: JSON.parse(line) as Verdict, output });
    });
  });
}

test('reliable mode: 2,000 jobs, 3 kill -9s and a Redis restart lose nothing', async () => {
  const { code, verdict, output } = await runChaos(
    ['--jobs', '2000', '--kills', '3', '--consumers', '4', '--concurrency', '10', '--job-ms', '200', '--deadline-s', '100'], 120_000);
  assert.equal(verdict.drained, true, output);
  assert.equal(verdict.lost, 0, output);
  assert.equal(verdict.completed, 2000);
  assert.equal(verdict.kills, 3, output);
  assert.equal(verdict.restarts, 1);
  assert.equal(verdict.crashes, 0, 'no consumer died unless killed');
  assert.equal(code, 0);
});
