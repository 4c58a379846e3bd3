/**
 * Lesson 8 (docs/WORKSHOP.md): with a worker (`-E`) and two beats running for
 * scripts/workshop/lessons-app.ts, waits until `n` slots of `add-every-2s` have run, then
 * prints the tally: how many distinct slots ran (a slot's task id is
 * `<name>:v<version>:<slot ms>`) and how many runs there were. Equal numbers mean each slot
 * was sent once, however many beats ran. It reads the task events of the default queue.
 *   node --import tsx --conditions=source scripts/workshop/lesson-beats.ts [n (3)]
 */
import { readEvents } from 'hardq';
import app from './lessons-app.ts';

const schedule = 'add-every-2s';
const wanted = Number(process.argv[2] ?? 3);
const deadlineMs = 30_000;
if (!Number.isInteger(wanted) || wanted < 1) {
  console.error(`lesson-beats: the number of slots must be a whole number of at least 1, got ${process.argv[2]}`);
  process.exit(2);
}

/** Runs per slot id, from the succeeded events of the schedule's tasks. */
async function runsPerSlot(): Promise<Map<string, number>> {
  const runs = new Map<string, number>();
  for (const record of await readEvents(app, { queues: [app.config.defaultQueue], workers: false, count: 10_000 })) {
    const id = record.kind === 'task' && record.type === 'task-succeeded' ? record.event.id : undefined;
    if (id?.startsWith(`${schedule}:`)) runs.set(id, (runs.get(id) ?? 0) + 1);
  }
  return runs;
}

const started = Date.now();
try {
  let runs = await runsPerSlot();
  while (runs.size < wanted) {
    if (Date.now() - started > deadlineMs) {
      console.error(`lesson-beats: only ${runs.size} slot(s) of ${schedule} ran in ${deadlineMs / 1000} s; are a beat and a worker with -E running?`);
      process.exit(1);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
    runs = await runsPerSlot();
  }
  const total = [...runs.values()].reduce((sum, count) => sum + count, 0);
  for (const [id, count] of runs) console.log(`  ${id}  ran ${count}x`);
  console.log(`${schedule}: slots=${runs.size} ran=${total}`);
} finally {
  await app.close();
}
