/**
 * A small canvas chaos run in the suite: `scripts/chaos.ts --canvas` as a real process with
 * its own redis-server: 6 chords of 6 header tasks and 6 chains of 5 steps across two
 * queues, 3 kill -9s of consumer processes and one Redis restart. Reliable mode: every body
 * fires once, no chain or chord is stuck, no header task is lost. Full size: docs/CANVAS.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const chaos = fileURLToPath(new URL('../scripts/chaos.ts', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));

test('reliable canvas: 3 kill -9s and a Redis restart leave no chord or chain stuck and fire each body once', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', chaos, '--canvas', '--chords', '6', '--header', '6', '--chains', '6', '--length', '5', '--kills', '3', '--job-ms', '100', '--deadline-s', '100'], {
    cwd: root, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const limit = setTimeout(() => child.kill('SIGTERM'), 120_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(limit);
  const line = /^chaos-canvas-json (.*)$/m.exec(output)?.[1];
  assert.ok(line, output);
  const verdict = JSON.parse(line) as Record<string, number | boolean>;
  assert.equal(verdict.finishedAll, true, output);
  assert.equal(verdict.fired0, 0, output);
  assert.equal(verdict.firedTwice, 0, output);
  assert.equal(verdict.stuckChains, 0, output);
  assert.equal(verdict.lostHeader, 0, output);
  assert.equal(verdict.outboxLeft, 0, output);
  assert.equal(verdict.crashes, 0, 'no consumer died unless killed');
  assert.equal(code, 0);
});
