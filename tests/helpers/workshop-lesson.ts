/**
 * One node:test test per lesson of docs/WORKSHOP.md: its marked commands run on a
 * redis-server of the test's own, then the lesson's named outcome is checked on what they
 * printed. Shared by tests/workshop.test.ts (the lessons with a named outcome) and
 * tests/long/workshop-all.test.ts (every lesson).
 */
import { test } from 'node:test';
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseWorkshop } from './workshop-page.ts';
import { refused, repoRoot, runLesson } from './workshop-run.ts';
import { missingTools } from './workshop-outcomes.ts';
import { startRedis } from './redis-server.ts';

export const pagePath = join(repoRoot, 'docs', 'WORKSHOP.md');

/** The page's text, or undefined while it is not written. */
export function readPage(): string | undefined {
  return existsSync(pagePath) ? readFileSync(pagePath, 'utf8') : undefined;
}

/**
 * Registers the test of lesson `number`. Skipped, with the reason, when the page or the
 * lesson is missing, when the lesson marks no command, or when its commands need a tool this
 * machine lacks. Lesson 0 (the room's setup) is never run: the test supplies the Redis.
 */
export function lessonTest(number: number, outcome?: (output: string) => void): void {
  const page = readPage();
  const parsed = page === undefined ? undefined : parseWorkshop(page);
  const lesson = parsed?.lessons.find((candidate) => candidate.number === number);
  const steps = parsed?.steps.filter((step) => step.lesson === number) ?? [];
  const missing = missingTools(steps.map((step) => step.command).join('\n'));
  // The page's `npm run` scripts go through scripts/bootstrap.sh, which runs `npm ci` when the
  // lock file is newer than node_modules: in a worktree sharing another's node_modules by a
  // symlink, that would empty the shared copy under everyone using it.
  const sharedModules = lstatSync(join(repoRoot, 'node_modules'), { throwIfNoEntry: false })?.isSymbolicLink() === true;
  const skip = page === undefined ? 'docs/WORKSHOP.md is not written yet'
    : sharedModules ? 'node_modules is a symlink (a worktree): the page\'s npm run scripts could run npm ci on the shared copy'
    : lesson === undefined ? `WORKSHOP.md has no lesson ${number}`
    : number === 0 ? 'the setup lesson starts a Redis by hand; the test brings its own'
    : steps.length === 0 ? `lesson ${number} marks no command to run`
    : missing.length > 0 ? `lesson ${number} needs ${missing.join(', ')}`
    : false;
  test(`lesson ${number}${lesson ? ` — ${lesson.title}` : ''}: its commands run as the page gives them${outcome ? ' and show what it promises' : ''}`, { skip }, async (t) => {
    const server = await startRedis();
    try {
      const runnable = steps.filter((step) => {
        const why = refused(step.command);
        if (why !== undefined) t.diagnostic(`not run: WORKSHOP.md line ${step.line} ${why}`);
        return why === undefined;
      });
      const outcomes = await runLesson(runnable, { redisUrl: server.url });
      outcome?.(outcomes.map((done) => done.output).join('\n'));
    } finally {
      await server.stop();
    }
  });
}
