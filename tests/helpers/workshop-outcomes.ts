/**
 * What docs/WORKSHOP.md promises a lesson shows, checked on the output its commands printed
 * (issue 18, item 4): the offload latency gap, the kill -9 loss counts, the chord firing and
 * the beat slots. Each check reads the lines the page's own "What you will see" shows.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

/** The lessons with a named outcome, by number in the arc; `npm test` runs these. */
export const outcomeLessons = [1, 4, 6, 8];

const numbersIn = (line: string) => [...line.matchAll(/\d+(?:[.,]\d+)*/g)].map((match) => Number(match[0].replace(/,/g, '')));

/**
 * Lesson 1: the blocking /register waits for the ~1 s "email", the offloading one does not.
 * `npm run workshop:offload`'s table has a column per path and a row per figure; the p50 row
 * reads `p50  <blocking> ms  <offloaded> ms`. The email's sleep is a floor under the blocking
 * p50, so the comparison does not hang on timing.
 */
function offloadGap(output: string): void {
  const p50 = output.split('\n').find((line) => /^\s*p50\s/.test(line) && numbersIn(line).length === 3);
  assert.ok(p50, `lesson 1 prints the offload table with a p50 row for blocking and offloaded:\n${output}`);
  const [, blockingMs, offloadedMs] = numbersIn(p50);
  assert.ok(blockingMs! >= 900, `the blocking p50 includes the ~1 s email (${p50.trim()})`);
  assert.ok(offloadedMs! < blockingMs! / 5, `offloading answers without waiting for the email (${p50.trim()})`);
}

/** Lesson 4: `npm run chaos` in each mode: simple loses messages to kill -9, reliable none. */
function lossCounts(output: string): void {
  const lost = (mode: string) => /lost=(\d+)/.exec(output.split('\n').find((line) => line.startsWith(`chaos ${mode}:`)) ?? '')?.[1];
  const simple = lost('simple');
  const reliable = lost('reliable');
  assert.ok(simple !== undefined && reliable !== undefined, `lesson 4 prints a "chaos simple:" and a "chaos reliable:" line with lost=N:\n${output}`);
  assert.ok(Number(simple) > 0, `simple mode loses what was in flight when killed (lost=${simple})`);
  assert.equal(Number(reliable), 0, 'reliable mode loses nothing');
}

/** Lesson 6: the chord's body ran once, on every header result. */
function chordFired(output: string): void {
  assert.match(output, /"fired":\s*true/, `lesson 6 shows the chord's progress with fired: true:\n${output}`);
}

/** Lesson 8: two beats ran, and each slot was sent once: a `slots=N ran=N` tally per task. */
function beatSlots(output: string): void {
  const tallies = [...output.matchAll(/slots=(\d+)\s+ran=(\d+)/g)];
  assert.ok(tallies.length > 0, `lesson 8 prints a "slots=N ran=N" tally:\n${output}`);
  for (const [line, slots, ran] of tallies) {
    assert.ok(Number(slots) > 0, `some slots came due (${line})`);
    assert.equal(ran, slots, `each slot ran once with two beats (${line})`);
  }
}

export const outcomes: Record<number, (output: string) => void> = { 1: offloadGap, 4: lossCounts, 6: chordFired, 8: beatSlots };

const has = (file: string, args: string[]) => {
  try {
    execFileSync(file, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** What a lesson's commands need that this machine lacks (Django, Celery, chromium), or []. */
export function missingTools(commands: string): string[] {
  const missing: string[] = [];
  if (/django/i.test(commands) && !has('/usr/bin/python3', ['-c', 'import django'])) missing.push('python3-django (apt-get install python3-django)');
  if (/celery/i.test(commands) && !has('/usr/bin/python3', ['-m', 'celery', '--version'])) missing.push('Celery (apt-get install python3-celery)');
  if (/chromium|screenshots/i.test(commands) && !has('sh', ['-c', 'command -v chromium'])) missing.push('chromium (apt-get install chromium)');
  if (/\bpython3\b/.test(commands) && !has('/usr/bin/python3', ['-c', 'import redis'])) missing.push('python3-redis (apt-get install python3-redis)');
  return missing;
}
