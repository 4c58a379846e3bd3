/**
 * Bad input never kills a worker (shared/dead-letter.ts, consumer/execute.ts): garbage
 * LPUSHed with a raw client, invalid messages, unknown tasks and non-Error throws land on
 * the queue's dead-letter list with a reason code, and a readable id's get() ends in FAILURE.
 * A too-large message's entry keeps only its first characters, so the list stays bounded.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { TaskFailedError, type TaskEvent } from 'hardq';
import { encodeDeadLetter, tooLargeRawChars } from '../shared/dead-letter.ts';
import { startRedis, type RedisServer } from './helpers/redis-server.ts';
import { waitFor } from './helpers/wait-for.ts';
import { harness, type Harness } from './fixtures/harness.ts';

let server: RedisServer;
before(async () => (server = await startRedis()));
after(async () => server.stop());

type Entry = { reason: string; error?: string; raw: string; queue: string; deadAt: number };

async function deadEntries(h: Harness, count: number): Promise<Entry[]> {
  const key = h.app.keys.dead(h.queue);
  await waitFor(async () => (await h.raw.llen(key)) >= count, { what: `${count} dead-letter entries` });
  return (await h.raw.lrange(key, 0, -1)).map((raw) => JSON.parse(raw) as Entry);
}

async function failureOf(promise: Promise<unknown>): Promise<TaskFailedError> {
  const error = await promise.then(() => assert.fail('get() resolved'), (e: unknown) => e);
  assert.ok(error instanceof TaskFailedError, String(error));
  return error;
}

test('a too-large entry keeps the first 1,024 characters of raw, with rawBytes and truncated', () => {
  const raw = JSON.stringify({ v: 1, id: 'big', task: 't', args: ['é'.repeat(5000)] });
  const entry = JSON.parse(encodeDeadLetter({ reason: 'too-large', error: 'too big', raw, queue: 'q', deadAt: 1 }));
  assert.equal(tooLargeRawChars, 1024);
  assert.equal(entry.raw, raw.slice(0, 1024));
  assert.equal(entry.rawBytes, Buffer.byteLength(raw), 'the full size, in UTF-8 bytes');
  assert.equal(entry.truncated, true);
  assert.deepEqual(Object.keys(entry).sort(), ['deadAt', 'error', 'queue', 'raw', 'rawBytes', 'reason', 'truncated']);
});

test('a too-large entry short enough to keep whole is not marked truncated; other reasons keep raw whole', () => {
  const short = JSON.parse(encodeDeadLetter({ reason: 'too-large', raw: 'é'.repeat(100), queue: 'q', deadAt: 1 }));
  assert.deepEqual([short.raw, short.rawBytes, short.truncated], ['é'.repeat(100), 200, undefined]);
  const long = 'x'.repeat(5000);
  assert.deepEqual(JSON.parse(encodeDeadLetter({ reason: 'malformed', raw: long, queue: 'q', deadAt: 1 })), { reason: 'malformed', raw: long, queue: 'q', deadAt: 1 });
});

for (const mode of ['simple', 'reliable'] as const) {
  test(`${mode}: garbage goes to the dead-letter list as malformed, and the worker goes on`, async () => {
    const h = harness(server.url);
    const add = h.app.task('add', (a: number, b: number) => a + b);
    try {
      const garbage = ['this is not json', '[1,2,3]', '{"v":1,"id":"cut-short"'];
      await h.raw.lpush(h.app.keys.ready(h.queue), ...garbage);
      const worker = h.start({ mode });
      const events: TaskEvent[] = [];
      worker.on('task', (event) => events.push(event));
      assert.equal(await (await add.delay(2, 3)).get({ timeoutMs: 10_000 }), 5, 'the worker survived');
      const entries = await deadEntries(h, 3);
      assert.deepEqual(entries.map((entry) => entry.raw), [...garbage].reverse(), 'newest at the head, raw exactly as sent');
      for (const entry of entries) {
        assert.deepEqual(Object.keys(entry).sort(), ['deadAt', 'error', 'queue', 'raw', 'reason']);
        assert.equal(entry.reason, 'malformed');
        assert.equal(entry.queue, h.queue);
        assert.ok(Number.isInteger(entry.deadAt) && entry.deadAt > 1_600_000_000_000, 'deadAt is epoch ms');
        assert.match(entry.error!, /not JSON|not a JSON object/);
      }
      assert.equal(worker.counts.DEAD, 3);
      assert.deepEqual(events.filter((e) => e.state === 'DEAD').map((e) => e.error?.split(':')[0]), ['malformed', 'malformed', 'malformed']);
    } finally {
      await h.close();
    }
  });

  test(`${mode}: an invalid message is dead-lettered, and a readable id's result becomes FAILURE`, async () => {
    const h = harness(server.url);
    h.app.task('add', (a: number, b: number) => a + b);
    try {
      const [badArgs, badVersion] = [randomUUID(), randomUUID()];
      const raws = [
        JSON.stringify({ v: 1, id: badArgs, task: 'add', args: '2,3' }),
        JSON.stringify({ v: 3, id: badVersion, task: 'add', args: [2, 3] }),
        JSON.stringify({ v: 1, task: 'add', args: [2, 3] }),
      ];
      await h.raw.lpush(h.app.keys.ready(h.queue), ...raws);
      h.start({ mode });
      const entries = await deadEntries(h, 3);
      assert.deepEqual(entries.map((entry) => entry.reason), ['invalid', 'invalid', 'invalid']);
      assert.deepEqual(entries.map((entry) => entry.raw), [...raws].reverse());
      assert.match(entries[2]!.error!, /"args" must be an array/);
      assert.match(entries[1]!.error!, /"v" must be 1/);
      assert.match(entries[0]!.error!, /"id"/);
      for (const id of [badArgs, badVersion]) {
        const failure = await failureOf(h.app.asyncResult(id).get({ timeoutMs: 10_000 }));
        assert.match(failure.message, /invalid/);
        const record = JSON.parse((await h.raw.get(h.app.keys.result(h.queue, id)))!);
        assert.equal(record.state, 'FAILURE');
        assert.equal(record.reason, 'invalid');
      }
    } finally {
      await h.close();
    }
  });

  test(`${mode}: a message for an unknown task is dead-lettered and its get() fails`, async () => {
    const h = harness(server.url);
    try {
      const result = await h.app.sendTask('no_such_task', [1]);
      const sent = await h.raw.lindex(h.app.keys.ready(h.queue), 0);
      h.start({ mode });
      const failure = await failureOf(result.get({ timeoutMs: 10_000 }));
      assert.match(failure.message, /unknown-task/);
      assert.match(failure.message, /no_such_task/);
      const [entry] = await deadEntries(h, 1);
      assert.equal(entry!.reason, 'unknown-task');
      assert.equal(entry!.raw, sent);
    } finally {
      await h.close();
    }
  });

  test(`${mode}: a handler that throws a non-Error is dead-lettered, with FAILURE for its id`, async () => {
    const h = harness(server.url);
    const sloppy = h.app.task('sloppy', (what: string) => {
      throw what; // on purpose: a string, not an Error
    });
    try {
      const result = await sloppy.delay('out of paper');
      h.start({ mode });
      const failure = await failureOf(result.get({ timeoutMs: 10_000 }));
      assert.equal(failure.remote.name, 'NonError');
      assert.match(failure.remote.message, /out of paper/);
      const [entry] = await deadEntries(h, 1);
      assert.equal(entry!.reason, 'non-error-thrown');
      assert.match(entry!.error!, /out of paper/);
      assert.equal(JSON.parse(entry!.raw).id, result.id);
    } finally {
      await h.close();
    }
  });

  test(`${mode}: the dead-letter list keeps the newest 10,000 entries`, async () => {
    const h = harness(server.url);
    try {
      const key = h.app.keys.dead(h.queue);
      await h.raw.lpush(key, ...Array.from({ length: 10_000 }, (_, i) => JSON.stringify({ reason: 'malformed', raw: `old ${i}`, queue: h.queue, deadAt: 1 })));
      await h.raw.lpush(h.app.keys.ready(h.queue), 'newest garbage');
      h.start({ mode });
      await waitFor(async () => JSON.parse((await h.raw.lindex(key, 0))!).raw === 'newest garbage', { what: 'the new entry at the head' });
      assert.equal(await h.raw.llen(key), 10_000);
      assert.equal(JSON.parse((await h.raw.lindex(key, -1))!).raw, 'old 1', 'the oldest entry was trimmed');
    } finally {
      await h.close();
    }
  });
}
