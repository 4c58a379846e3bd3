/**
 * Lesson 6 (docs/WORKSHOP.md): sends chord([add(1, 1), add(2, 2), … add(n, n)], tsum) to
 * the worker of terminal 1 (`-A scripts/workshop/lessons-app.ts`), prints the header's
 * progress while it runs and the body's result when it fires.
 *   node --import tsx --conditions=source scripts/workshop/lesson-chord.ts [n (10)]
 */
import { chord } from 'hardq';
import app, { add, tsum } from './lessons-app.ts';

const size = Number(process.argv[2] ?? 10);
if (!Number.isInteger(size) || size < 1) {
  console.error(`lesson-chord: the header size must be a whole number of at least 1, got ${process.argv[2]}`);
  process.exit(2);
}
const header = Array.from({ length: size }, (_, i) => add.s(i + 1, i + 1));
const result = await chord(header, tsum.s()).applyAsync();
const chordId = (result.parent as { id: string }).id;
console.log(`sent chord ${chordId.slice(0, 8)}…: ${size} add tasks, then tsum of their results`);
try {
  const total = await result.get({ timeoutMs: 30_000 });
  console.log(`progress: ${JSON.stringify(await app.chordProgress(chordId, { queue: result.queue }))}`);
  console.log(`tsum fired once, with ${size} results: ${total}`);
} finally {
  await app.close();
}
