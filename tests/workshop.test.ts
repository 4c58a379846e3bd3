/**
 * docs/WORKSHOP.md is run, not trusted (issue 18, item 4). The harness is checked on a small
 * fixture page first; then the real page must keep its format, link only files and
 * functions that exist, and name only real `npm run` scripts and `hardq` subcommands; and
 * the lessons with a named outcome (1, 4, 6, 8) run as the page gives them, each on a
 * redis-server of its own. tests/long/workshop-all.test.ts runs every lesson.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseWorkshop, linkedFiles, headingAnchors, npmScripts, hardqSubcommands } from './helpers/workshop-page.ts';
import { runLesson, repoRoot } from './helpers/workshop-run.ts';
import { outcomeLessons, outcomes } from './helpers/workshop-outcomes.ts';
import { lessonTest, readPage, pagePath } from './helpers/workshop-lesson.ts';
import { startRedis } from './helpers/redis-server.ts';

const fixture = `# A workshop

## Lesson 1 — Two terminals (5 min)

<!-- run: lesson=1 terminal=1 background=yes wait="listening" expect="got hello" -->
\`\`\`sh
echo listening; while :; do v=$(redis-cli -u "$REDIS_URL" --no-raw LPOP inbox); case "$v" in *hello*) echo "got hello";; esac; sleep 0.1; done
\`\`\`

<!-- run: lesson=1 terminal=2 expect="^\\(integer\\) 1$" -->
\`\`\`sh
export REDIS_URL=redis://127.0.0.1:6400
redis-cli -u "$REDIS_URL" --no-raw RPUSH inbox hello
\`\`\`

\`\`\`text
(integer) 1
\`\`\`

Typed by hand, so not run:

\`\`\`sh
nano tasks.ts
\`\`\`

## Lesson 3 — A URL to copy (5 min)

<!-- run: lesson=3 terminal=1 background=yes redis_url="^Connect with (\\S+)$" -->
\`\`\`sh
echo "Connect with $REDIS_URL/3"; while :; do sleep 1; done
\`\`\`

<!-- run: lesson=3 terminal=2 expect="/3 OK$" -->
\`\`\`sh
sleep 300 &
echo "$REDIS_URL $(redis-cli -u "$REDIS_URL" SET k v)"
\`\`\`

## Lesson 2 — Mistakes (5 min)

<!-- run: lesson=3 terminal=1 -->
\`\`\`sh
true
\`\`\`

<!-- run: lesson=2 terminal=3 colour=red expect="(" -->
\`\`\`sh
true
\`\`\`

<!-- run: lesson=2 terminal=1 -->
Text where the block should be.
`;

test('the parser reads markers, their blocks and every break of the format', () => {
  const { lessons, steps, problems } = parseWorkshop(fixture);
  assert.deepEqual(lessons.map(({ number, title, minutes }) => [number, title, minutes]), [[1, 'Two terminals', 5], [3, 'A URL to copy', 5], [2, 'Mistakes', 5]]);
  assert.equal(steps.length, 6);
  assert.equal(steps[2]!.redisUrl, '^Connect with (\\S+)$');
  assert.deepEqual(steps[0], {
    lesson: 1, terminal: 1, background: true, wait: 'listening', expect: 'got hello', redisUrl: undefined, exit: 0, line: 5,
    command: 'echo listening; while :; do v=$(redis-cli -u "$REDIS_URL" --no-raw LPOP inbox); case "$v" in *hello*) echo "got hello";; esac; sleep 0.1; done',
  });
  assert.equal(steps[1]!.expect, '^\\(integer\\) 1$');
  assert.equal(problems.length, 5, problems.join('\n'));
  assert.match(problems[0]!, /line 41: lesson=3 is not the lesson this section is \(2\)/);
  assert.match(problems[1]!, /unknown marker key colour/);
  assert.match(problems[2]!, /terminal=3 is not 1 or 2/);
  assert.match(problems[3]!, /expect is not a regex/);
  assert.match(problems[4]!, /line 51: a run marker must be followed directly by a ```sh block/);
});

test('the runner runs a lesson in two terminals on its own Redis and stops the background process', async () => {
  const server = await startRedis();
  try {
    const steps = parseWorkshop(fixture).steps.filter((step) => step.lesson === 1);
    const outcomes = await runLesson(steps, { redisUrl: server.url, timeoutMs: 20_000 });
    // The page's `export REDIS_URL=…:6400` was dropped: the push reached the test's server.
    assert.match(outcomes[0]!.output, /^\(integer\) 1$/m);
    assert.match(outcomes[1]!.output, /got hello/);
    assert.equal(outcomes[1]!.step.background, true);
    assert.equal(outcomes[1]!.code, null, 'the background loop never exits by itself: the lesson\'s end stopped it with a signal');
    // A foreground command with the wrong output fails, naming the page's line.
    const wrong = { ...steps[1]!, expect: 'no such text' };
    await assert.rejects(runLesson([wrong], { redisUrl: server.url, timeoutMs: 20_000 }), /WORKSHOP.md line 10 \(lesson 1, terminal 2\): output does not match/);
  } finally {
    await server.stop();
  }
});

test('a lesson can take its REDIS_URL from a background command, and a block\'s `&` jobs stop with it', async () => {
  const server = await startRedis();
  try {
    const steps = parseWorkshop(fixture).steps.filter((step) => step.lesson === 3);
    // The `sleep 300 &` would hold the block's output open for 5 minutes if it were left running.
    const outcomes = await runLesson(steps, { redisUrl: server.url, timeoutMs: 20_000 });
    assert.equal(outcomes[0]!.output.trim(), `${server.url}/3 OK`);
  } finally {
    await server.stop();
  }
});

test('the drift checks read links with their functions, npm scripts and hardq subcommands', () => {
  const text = [
    'Read [consumer/execute.ts](../consumer/execute.ts) → `executeMessage` and [the keys](PROTOCOL.md#keys), not [Redis](https://redis.io).',
    'hardq is a queue; run `npm run hardq -- inspect active`, then `hardq queues`.',
    '```sh', 'npm run consumer -- -c 10', 'npx hardq call add --args "[2, 3]"', '```',
  ].join('\n');
  assert.deepEqual(linkedFiles(text), [{ path: '../consumer/execute.ts', name: 'executeMessage' }, { path: 'PROTOCOL.md', anchor: 'keys', name: undefined }]);
  assert.deepEqual([...headingAnchors('## Lesson 1 — The problem: an email (15 min)\n```sh\n# not a heading\n```\n### `hardq call`, then get()')],
    ['lesson-1--the-problem-an-email-15-min', 'hardq-call-then-get']);
  assert.deepEqual(npmScripts(text), ['hardq', 'consumer']);
  assert.deepEqual(hardqSubcommands(text).sort(), ['call', 'inspect', 'queues']);
});

const page = readPage();
const skipPage = page === undefined ? 'docs/WORKSHOP.md is not written yet' : false;

test('the page keeps its format: at most 10 lessons, every marker readable and in its lesson', { skip: skipPage }, () => {
  const { lessons, steps, problems } = parseWorkshop(page!);
  assert.deepEqual(problems, []);
  assert.ok(lessons.length > 0 && lessons.filter((lesson) => lesson.number > 0).length <= 10, `1 to 10 lessons (${lessons.length})`);
  assert.ok(steps.length > 0, 'the page marks the commands it runs');
  const numbers = lessons.map((lesson) => lesson.number);
  assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b), 'lessons in order');
});

test('every file and heading the page links exists, and every function it names is in that file', { skip: skipPage }, () => {
  for (const { path, anchor, name } of linkedFiles(page!)) {
    const file = path === '' ? pagePath : join(dirname(pagePath), path);
    assert.ok(existsSync(file), `WORKSHOP.md links ${path}, which does not exist`);
    if (anchor !== undefined && file.endsWith('.md')) {
      assert.ok(headingAnchors(readFileSync(file, 'utf8')).has(anchor), `WORKSHOP.md links ${path || 'itself'}#${anchor}, which has no such heading`);
    }
    if (name === undefined) continue;
    const source = readFileSync(file, 'utf8');
    // `Class.method`: both the class and the method must be there.
    for (const part of name.split(/[.#]/)) assert.ok(new RegExp(`\\b${part}\\b`).test(source), `WORKSHOP.md names ${name} in ${path}, which has no ${part}`);
  }
});

test('every `npm run` script and `hardq` subcommand the page names exists', { skip: skipPage }, () => {
  const scripts = Object.keys((JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
  for (const name of npmScripts(page!)) assert.ok(scripts.includes(name), `WORKSHOP.md runs npm run ${name}, which package.json does not have`);
  const registry = readFileSync(join(repoRoot, 'cli', 'main.ts'), 'utf8');
  const subcommands = [...registry.matchAll(/^ {2}(\w+): \{ summary:/gm)].map((match) => match[1]!);
  assert.ok(subcommands.includes('worker'), 'read the registry of cli/main.ts');
  for (const name of hardqSubcommands(page!)) assert.ok(subcommands.includes(name), `WORKSHOP.md runs hardq ${name}, which is not a subcommand (${subcommands.join(', ')})`);
});

for (const number of outcomeLessons) lessonTest(number, outcomes[number]);
