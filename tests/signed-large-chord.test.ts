/**
 * A signed chord of 10,000 under the default maxMessageBytes (1 MiB, issue 14): its body's
 * signed part names its header tasks. As a list of ids that costs ~39 bytes per header task,
 * so a body whose header results alone fit (10,000 × ~78 bytes) went over the limit once
 * signed and was dead-lettered unread. The signed part now holds a SHA-256 of the list,
 * which the chord's hash keeps (shared/parent-refs.ts); the worker checks the list against
 * it, then the results against the header tasks' result keys. Also: a changed list in the
 * hash is refused.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { chord, createApp } from 'hardq';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';
import { waitFor } from './helpers/wait-for.ts';

let server: RedisServer;
before(async () => (server = await startRedis()));
after(async () => server.stop());

const signing = { keys: { k1: 'a large-chord signing key of 32 bytes' }, current: 'k1' };

function appOn(queue: string) {
  const app = createApp({ redis: server.url, defaultQueue: queue, signing, log: () => {} });
  // ~78 bytes of JSON per header result.
  const pad = app.task('pad', (n: number) => `${'x'.repeat(64)}${String(n).padStart(8, '0')}`);
  const count = app.task('count', (results: string[]) => results.filter((text) => text.startsWith('x')).length);
  return { app, pad, count };
}

const deadLetters = async (app: ReturnType<typeof createApp>, queue: string) =>
  (await (await app.connection()).lrange(app.keys.dead(queue), 0, -1)).map((raw) => JSON.parse(raw) as { reason: string; error: string });

test('a signed chord of 10,000 whose results fit in 1 MiB runs its body (the signed part does not grow with the header)', async () => {
  const queue = `big-chord-${randomUUID()}`;
  const { app, pad, count } = appOn(queue);
  const worker = app.worker({ concurrency: 50 });
  const running = worker.run();
  try {
    const body = await chord(Array.from({ length: 10_000 }, (_, n) => pad.s(n)), count.s()).delay();
    const stored = await (await app.connection()).hget(app.keys.chord(queue, body.parent!.id), 'body');
    assert.ok(stored !== null && Buffer.byteLength(stored) < 4096, `the waiting body is small (${stored?.length} bytes)`);
    assert.equal(await body.get({ timeoutMs: 120_000 }), 10_000);
    assert.deepEqual(await deadLetters(app, queue), []);
  } finally {
    await worker.close();
    await running;
    await app.close();
  }
});

test('a chord body whose parent list in the chord hash was changed is dead-lettered as bad-parent-results', async () => {
  const queue = `tampered-list-${randomUUID()}`;
  const { app, pad, count } = appOn(queue);
  // Every step inside try: a failure before the worker starts must still close the app, or
  // its open connections keep this file's process (and the test run) alive.
  let worker: ReturnType<typeof app.worker> | undefined;
  let running: Promise<void> | undefined;
  try {
    const redis = await app.connection();
    const body = await chord([pad.s(1), pad.s(2)], count.s()).delay();
    const chordKey = app.keys.chord(queue, body.parent!.id);
    // Before any worker runs: the list names a task of the writer's choosing in place of the first.
    const stored = await redis.hget(chordKey, 'parents');
    assert.ok(stored !== null, 'the chord hash holds the parent list');
    const list = JSON.parse(stored) as { queue: string; ids: string[] }[];
    const forged = await pad.delay(7);
    list[0]!.ids[0] = forged.id;
    await redis.hset(chordKey, 'parents', JSON.stringify(list));
    worker = app.worker();
    running = worker.run();
    const dead = await waitFor(async () => {
      const entries = await deadLetters(app, queue);
      return entries.length === 1 ? entries : undefined;
    }, { what: 'the body dead-lettered' });
    assert.equal(dead[0]!.reason, 'bad-parent-results');
    assert.match(dead[0]!.error, /parent list/);
  } finally {
    await worker?.close();
    await running;
    await app.close();
  }
});
