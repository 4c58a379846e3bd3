/**
 * Batch entries of a task events stream (shared/event-batch.ts, complete-batch/events.lua):
 * an event's text is the JSON of its body, its argument previews ride apart as windows that
 * readers cut; one complete-batch call writes one entry holding
 * the events of the states it wrote, and none for a message it no longer holds; the cap in
 * events holds for steady and mixed entry sizes; readers split entries back into events,
 * with old single-event entries in the same stream.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createApp, readEvents, type EventRecord } from 'hardq';
import { Keys } from '../shared/keys.ts';
import { completeBatch, completionTally, type CompletionRow } from '../shared/scripts.ts';
import { batchFields, eventsOfEntry, previewsRecord, taskEventText, type BatchEvent } from '../shared/event-batch.ts';
import { rawValueWindow, type TaskEventBody } from '../shared/events.ts';
import { privateRedis } from './helpers/private-redis.ts';

const world = privateRedis({ scripts: true });
const keys = new Keys();

test('an event\'s text is JSON by position, and reads back as its type and body, whatever the strings hold', () => {
  const bodies: TaskEventBody[] = [
    { at: 1 },
    { id: 'a"b\\c', task: 'tâche\n✓', at: 1764460000000, runtimeMs: 12 },
    { id: 'r', task: 't', at: 5, error: 'Error: "no"\u0000\u2028', retries: 2, eta: 99 },
    { id: 'd', task: 't', at: 5, runtimeMs: 0, reason: 'max-retries' },
  ];
  const texts = bodies.map((body) => taskEventText('task-failed', body));
  assert.deepEqual(JSON.parse(texts[1]!), ['task-failed', 'a"b\\c', 'tâche\n✓', 1764460000000, 12]);
  assert.deepEqual(JSON.parse(texts[3]!), ['task-failed', 'd', 't', 5, 0, { reason: 'max-retries' }]);
  const entry = ['type', 'batch', 'events', batchFields(texts.map((text) => ({ text, previews: previewsRecord('', '') }))).events];
  assert.deepEqual(eventsOfEntry(entry), bodies.map((event) => ({ type: 'task-failed', event })));
  // A trailing object gives only the keys an event has there.
  assert.deepEqual(eventsOfEntry(['type', 'batch', 'events', '[["task-failed",null,null,1,null,{"error":"E","__proto__":{"x":1},"worker":"w"}]]']),
    [{ type: 'task-failed', event: { at: 1, error: 'E' } }]);
});

test('an event\'s previews ride apart as windows of the message, and read back cut at the value\'s end', () => {
  const long = JSON.stringify({ v: 1, id: 'l', task: 't', args: [{ x: 'y"z', pad: 'p'.repeat(200) }], kwargs: { k: 'v' }, queue: 'q' });
  const short = JSON.stringify({ v: 1, id: 's', task: 't', args: [1, 'a,]'], queue: 'q', retries: 0 });
  const events: BatchEvent[] = [
    { text: taskEventText('task-succeeded', { id: 'l', at: 1 }), previews: previewsRecord(rawValueWindow(long, 'args'), rawValueWindow(long, 'kwargs')) },
    { text: taskEventText('task-failed', { id: 's', at: 2 }), previews: previewsRecord(rawValueWindow(short, 'args'), '') },
    { text: taskEventText('task-failed', { id: 'n', at: 3 }), previews: previewsRecord('', '') },
  ];
  const fields = batchFields(events);
  // The windows are the message's own text, not quoted again: no per-event JSON work in the worker.
  assert.ok(fields.previews.startsWith('[{"x":"y\\"z","pad":"ppp'), fields.previews.slice(0, 40));
  assert.deepEqual(eventsOfEntry(['type', 'batch', 'worker', 'w', 'events', fields.events, 'previews', fields.previews]).map((e) => e.event), [
    { id: 'l', at: 1, worker: 'w', args: `${JSON.stringify([{ x: 'y"z', pad: 'p'.repeat(200) }]).slice(0, 100)}…`, kwargs: '{"k":"v"}' },
    { id: 's', at: 2, worker: 'w', args: '[1,"a,]"]' },
    { id: 'n', at: 3, worker: 'w' },
  ]);
});

test('an entry reads back as its events: batch entries name the worker once, old entries still read, junk is skipped', () => {
  const batch = ['type', 'batch', 'worker', 'w1', 'events', batchFields([
    { text: taskEventText('task-received', { id: '1', at: 1 }), previews: '' }, { text: taskEventText('task-succeeded', { id: '1', at: 2 }), previews: '' },
  ]).events];
  assert.deepEqual(eventsOfEntry(batch), [
    { type: 'task-received', event: { id: '1', at: 1, worker: 'w1' } },
    { type: 'task-succeeded', event: { id: '1', at: 2, worker: 'w1' } },
  ]);
  assert.deepEqual(eventsOfEntry(['type', 'task-revoked', 'event', '{"id":"2","at":3}']), [{ type: 'task-revoked', event: { id: '2', at: 3 } }]);
  // An entry written before previews rode apart: its events carry their own.
  assert.deepEqual(eventsOfEntry(['type', 'batch', 'events', '[{"type":"task-sent","at":1,"args":"[1]"}]']), [{ type: 'task-sent', event: { at: 1, args: '[1]' } }]);
  assert.deepEqual(eventsOfEntry(['type', 'batch', 'worker', 'w1', 'events', '[1, [2], null, {"at":1}, {"type":"task-failed","at":4}]']),
    [{ type: 'task-failed', event: { at: 4, worker: 'w1' } }], 'items that are not events with a type are skipped, the rest read');
  assert.deepEqual(eventsOfEntry(['type', 'batch', 'events', 'not json']), []);
  assert.deepEqual(eventsOfEntry(['type', 'batch', 'events', '{"type":"task-failed"}']), [], 'not an array');
  assert.deepEqual(eventsOfEntry(['event', '{"at":1}']), [], 'no type, no event');
  assert.deepEqual(eventsOfEntry(['type', 'task-failed', 'event', '{']), []);
});

/** Puts `count` messages in a consumer's processing list and returns their rows, each with an event of `padChars` of args. */
async function heldRows(queue: string, count: number, padChars = 10): Promise<CompletionRow[]> {
  const rows: CompletionRow[] = [];
  for (let i = 0; i < count; i++) {
    const id = randomUUID();
    const raw = JSON.stringify({ v: 1, id, task: 't', args: ['x'.repeat(padChars)] });
    rows.push({ raw, id, resultKey: keys.result(queue, id), result: '{"state":"SUCCESS","value":1,"doneAt":1}', count: { state: 'SUCCESS', task: 't', runtimeMs: 1 },
      event: { text: taskEventText('task-succeeded', { id, task: 't', at: Date.now(), runtimeMs: 1 }), previews: previewsRecord(rawValueWindow(raw, 'args'), '') } });
  }
  await world.redis.lpush(keys.processing(queue, 'c1'), ...rows.map((row) => row.raw));
  return rows;
}

function complete(queue: string, rows: CompletionRow[], tally: { streamMaxLength?: number; riding?: BatchEvent[] } = {}): Promise<number> {
  const lists = {
    processing: keys.processing(queue, 'c1'), quarantine: keys.quarantine(queue, 'c1'), claimed: keys.claimed(queue, 'c1'), dead: keys.dead(queue),
    scheduled: keys.scheduled(queue), revoked: keys.revoked(queue), channel: keys.resultChannel(queue),
  };
  const base = completionTally(keys, queue, { events: true, worker: 'c1', riding: tally.riding });
  return completeBatch(world.redis, lists, rows, {
    resultTtlMs: 60_000, deadLimit: 100, deadTtlMs: 60_000, simple: false, tally: { ...base, streamMaxLength: tally.streamMaxLength ?? base.streamMaxLength },
  });
}

async function streamEvents(queue: string): Promise<{ entries: number; events: string[] }> {
  const entries = await world.redis.xrange(keys.events(queue), '-', '+');
  return { entries: entries.length, events: entries.flatMap(([, fields]) => eventsOfEntry(fields).map((e) => `${e.type} ${String(e.event.id)}`)) };
}

test('one complete-batch call writes one entry: the riding events, then the events of the states it wrote, none for a message no longer held', async () => {
  const queue = randomUUID();
  const rows = await heldRows(queue, 5);
  // The reaper took the third one back: its state is not written, so neither is its event.
  await world.redis.lrem(keys.processing(queue, 'c1'), 1, rows[2]!.raw);
  const riding = [{ text: taskEventText('task-received', { id: rows[0]!.id, at: 1 }), previews: previewsRecord('', '') }];
  assert.equal(await complete(queue, rows, { riding }), 4);
  const { entries, events } = await streamEvents(queue);
  assert.equal(entries, 1);
  assert.deepEqual(events, [`task-received ${rows[0]!.id}`, ...[0, 1, 3, 4].map((i) => `task-succeeded ${rows[i]!.id}`)]);
  // Resent (its reply lost): nothing is held any more, so nothing is written again.
  assert.equal(await complete(queue, rows), 0);
  assert.equal((await streamEvents(queue)).entries, 1);
});

test('when a state is not written, its event is dropped and the others keep their fields, non-ASCII text and epoch-ms numbers', async () => {
  const queue = randomUUID();
  const rows = await heldRows(queue, 3);
  const odd = { id: rows[1]!.id, task: 'tâche ✓ "q"', at: 1764460000123, runtimeMs: 2500, eta: 1764460099999 };
  rows[1]!.event = { text: taskEventText('task-retried', odd), previews: previewsRecord(`["é${'x'.repeat(120)}`, '{}') };
  await world.redis.lrem(keys.processing(queue, 'c1'), 1, rows[0]!.raw);
  assert.equal(await complete(queue, rows), 2);
  const entries = await world.redis.xrange(keys.events(queue), '-', '+');
  assert.equal(entries.length, 1);
  const [, thirdId, thirdTask, thirdAt, thirdRuntimeMs] = JSON.parse(rows[2]!.event!.text) as unknown[];
  const third = { id: thirdId, task: thirdTask, at: thirdAt, runtimeMs: thirdRuntimeMs };
  // The dropped event's previews record goes with it: each kept event keeps its own.
  assert.deepEqual(eventsOfEntry(entries[0]![1]).map((e) => e.event), [
    { ...odd, worker: 'c1', args: `["é${'x'.repeat(97)}…`, kwargs: '{}' },
    { ...third, worker: 'c1', args: '["xxxxxxxxxx"]' },
  ]);
});

test('the cap counts events: entries of a steady size keep about the cap, mixed sizes at most cap × (1 + ln largest)', async () => {
  const queue = randomUUID();
  const cap = 30;
  // Events of ~600 bytes, so an entry of ten (6 KB) fills a stream node alone and MAXLEN ~ trims exactly.
  for (let call = 0; call < 20; call++) await complete(queue, await heldRows(queue, 10, 500), { streamMaxLength: cap });
  const steady = await streamEvents(queue);
  assert.equal(steady.events.length, steady.entries * 10);
  assert.ok(steady.events.length >= cap && steady.events.length <= cap + 10, `${steady.events.length} events held of 200 written, cap ${cap}`);
  for (let call = 0; call < 40; call++) await complete(queue, await heldRows(queue, call % 4 === 0 ? 10 : 1, 500), { streamMaxLength: cap });
  const mixed = await streamEvents(queue);
  assert.ok(mixed.events.length <= cap * (1 + Math.log(10)) + 10, `${mixed.events.length} events held after mixed sizes, cap ${cap}`);
});

test('readEvents splits batch entries and reads old single entries in the same stream, newest last, up to count events', async () => {
  const queue = randomUUID();
  const app = createApp({ redis: world.server.url });
  try {
    const stream = keys.events(queue);
    await world.redis.xadd(stream, '*', 'type', 'task-revoked', 'event', JSON.stringify({ id: 'old', at: 1 }));
    const rows = await heldRows(queue, 30);
    for (let i = 0; i < 30; i += 10) await complete(queue, rows.slice(i, i + 10));
    await world.redis.xadd(stream, '*', 'type', 'task-revoked', 'event', JSON.stringify({ id: 'last', at: 2 }));
    const idOf = (r: EventRecord) => (r.kind === 'task' ? r.event.id : undefined);
    const all = await readEvents(app, { queues: [queue], workers: false, count: 1000 });
    assert.deepEqual(all.map(idOf), ['old', ...rows.map((row) => row.id), 'last']);
    assert.ok(all.slice(1, 31).every((r) => r.kind === 'task' && r.event.worker === 'c1' && r.type === 'task-succeeded' && r.queue === queue));
    const newest = await readEvents(app, { queues: [queue], workers: false, count: 12 });
    assert.deepEqual(newest.map(idOf), [...rows.slice(19).map((row) => row.id), 'last']);
  } finally {
    await app.close();
  }
});

test('counters: the worker sums a call as if every state were written; the step takes back out what it did not write', async () => {
  const queue = randomUUID();
  const rows = await heldRows(queue, 5);
  const runs: [string, number][] = [['SUCCESS', 1], ['SUCCESS', 2], ['FAILURE', 30], ['RETRY', 3], ['SUCCESS', 7]];
  runs.forEach(([state, runtimeMs], i) => (rows[i]!.count = { state, task: 't', runtimeMs }));
  // 0: no longer held (the reaper took it back). 1: a final result is there already, so its SUCCESS is refused.
  await world.redis.lrem(keys.processing(queue, 'c1'), 1, rows[0]!.raw);
  await world.redis.set(keys.result(queue, rows[1]!.id!), '{"state":"FAILURE","doneAt":1}');
  // 3: a retry of a task revoked while it ran: no retry, and REVOKED was counted by the revoke, not here.
  rows[3]!.schedule = { atMs: Date.now() + 60_000, raw: rows[3]!.raw };
  rows[3]!.result = '{"state":"RETRY","doneAt":1}';
  await world.redis.zadd(keys.revoked(queue), Date.now() + 60_000, rows[3]!.id!);
  assert.equal(await complete(queue, rows), 4);
  const tally = completionTally(keys, queue);
  assert.deepEqual(await world.redis.hgetall(tally.keys.counters), { 'SUCCESS:t': '1', 'FAILURE:t': '1' });
  assert.deepEqual(await world.redis.hgetall(tally.keys.runtimes), { 'sum:t': '37', 'count:t': '2', 'le10:t': '1', 'le50:t': '1' });
  assert.deepEqual(await world.redis.hgetall(tally.keys.countersMinute), { 'SUCCESS:t': '1', 'FAILURE:t': '1', 'runtime:t': '37' });
  // A call in which nothing was written counts nothing and creates no counter keys.
  const idle = randomUUID();
  const gone = await heldRows(idle, 2);
  for (const row of gone) row.count = { state: 'SUCCESS', task: 't', runtimeMs: 1 };
  await world.redis.del(keys.processing(idle, 'c1'));
  assert.equal(await complete(idle, gone), 0);
  const idleTally = completionTally(keys, idle);
  assert.equal(await world.redis.exists(idleTally.keys.counters, idleTally.keys.runtimes, idleTally.keys.countersMinute), 0);
  // No-op tasks run in 0 ms: their sums are written as 0, not left out.
  const quick = randomUUID();
  const noops = await heldRows(quick, 2);
  for (const row of noops) row.count = { state: 'SUCCESS', task: 't', runtimeMs: 0 };
  assert.equal(await complete(quick, noops), 2);
  assert.deepEqual(await world.redis.hgetall(completionTally(keys, quick).keys.runtimes), { 'sum:t': '0', 'count:t': '2', 'le5:t': '2' });
});

test('counters: one call sums its messages per task and state, with run time sum, count and buckets (the +Inf one too), and the minute hash', async () => {
  const queue = randomUUID();
  const rows = await heldRows(queue, 6);
  const runs: [string, string, number | undefined][] = [['SUCCESS', 't', 0], ['SUCCESS', 't', 7], ['FAILURE', 't', 30], ['SUCCESS', 'u', 20_000], ['DEAD', 'u', undefined], ['SUCCESS', 't', 5]];
  runs.forEach(([state, task, runtimeMs], i) => (rows[i]!.count = { state, task, runtimeMs }));
  rows[4]!.resultKey = undefined; // a dead letter's row here writes no result of its own
  rows[4]!.result = undefined;
  assert.equal(await complete(queue, rows), 6);
  const tally = completionTally(keys, queue);
  assert.deepEqual(await world.redis.hgetall(tally.keys.counters), { 'SUCCESS:t': '3', 'FAILURE:t': '1', 'SUCCESS:u': '1', 'DEAD:u': '1' });
  assert.deepEqual(await world.redis.hgetall(tally.keys.runtimes), {
    'sum:t': '42', 'count:t': '4', 'le5:t': '2', 'le10:t': '1', 'le50:t': '1', 'sum:u': '20000', 'count:u': '1', 'le+Inf:u': '1',
  });
  assert.deepEqual(await world.redis.hgetall(tally.keys.countersMinute), { 'SUCCESS:t': '3', 'FAILURE:t': '1', 'SUCCESS:u': '1', 'DEAD:u': '1', 'runtime:t': '42', 'runtime:u': '20000' });
  assert.ok((await world.redis.pttl(tally.keys.countersMinute)) > 0, 'the minute hash expires');
});
